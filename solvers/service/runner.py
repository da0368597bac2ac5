"""The Dask side of the solve service: submit a job, hear its progress, store its end.

By default a local cluster of worker processes (one thread each: Pyomo and EPANET run one solve
per process at a time); ``scheduler=ADDRESS`` uses an existing cluster instead, whose workers
must have wdnopt installed. Each job is one task, :func:`~wdnopt.solvers.service.work.solve_job`;
its progress comes back as Dask events, its end through the future's callback, and both are
written to the :class:`~wdnopt.solvers.service.jobs.JobStore` at once. Cancelling drops a queued
task and sets the job's cancel event: a running task then kills the process its solve runs in
(:mod:`~wdnopt.solvers.service.jobprocess`) and frees its worker within a second.

The local cluster listens on the loopback only, and has no dashboard unless one is asked for,
on the server's own host; without it, the HTTP servers Dask starts anyway answer ``/health``
only (no page of tasks, workers or logs).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import signal
import threading
from collections.abc import Iterator
from typing import Any

import dask
from distributed import Client, Event, LocalCluster
from distributed.diagnostics.plugin import WorkerPlugin

from wdnopt.models.errors import InputError
from wdnopt.solvers.service.joboptions import PROGRESS_TOPIC, JobOptions
from wdnopt.solvers.service.jobprocess import POOL
from wdnopt.solvers.service.jobs import JobStore
from wdnopt.solvers.service.work import cancel_event_name, solve_job

log = logging.getLogger(__name__)

WATCH_S = 5.0
"""Seconds between two counts of the cluster's workers (for ``GET /health``)."""
CLEAR_S = 30.0
"""Seconds after which a cancel event is cleared (the task has long seen it, if it ran)."""


class SolverProcesses(WorkerPlugin):
    """Starts a solver process on each worker as it joins, and ends them when it closes."""

    def setup(self, worker: Any) -> None:

        POOL.warm()

    def teardown(self, worker: Any) -> None:

        POOL.close()


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ctrl-C ignored while the worker processes start: they inherit it, so Ctrl-C in the
    terminal stops the server alone, which then closes them (no traceback from each)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)


class DaskRunner:
    """Jobs solved on a Dask cluster, their states kept in ``store``."""

    def __init__(
        self,
        store: JobStore,
        *,
        scheduler: str | None = None,
        workers: int = 2,
        processes: bool = True,
        dashboard: str | None = None,
    ) -> None:
        """``dashboard``: the local cluster's dashboard at ``HOST:PORT`` (none: no dashboard)."""

        self.store = store
        self._futures: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._cluster = None
        self._workers = 0
        self._stop = threading.Event()
        # ends and progress recorded by one thread, in order: Dask runs each done-callback in
        # a thread of its own, and hundreds of them would take Python's lock from the server
        self._records: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        threading.Thread(target=self._record, name="job-records", daemon=True).start()
        try:
            if scheduler is not None:
                self._client = Client(scheduler, timeout="30s")
            else:
                # without a dashboard, the HTTP servers Dask starts anyway answer /health
                # only: no pages of tasks (job ids), workers or logs
                quiet = {
                    "distributed.scheduler.http.routes": ["distributed.http.health"],
                    "distributed.worker.http.routes": ["distributed.http.health"],
                }
                with _sigint_ignored(), dask.config.set(quiet if dashboard is None else {}):
                    self._cluster = LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=processes,
                        # scheduler, nannies and workers on the loopback only
                        host="127.0.0.1" if processes else None,
                        dashboard_address=dashboard,
                        worker_dashboard_address=None,
                        silence_logs=logging.ERROR,
                    )
                self._client = Client(self._cluster)
        except (OSError, ValueError, TypeError) as exc:  # unreachable, or not an address
            self.close()
            raise InputError.single(
                f"a reachable Dask scheduler ({exc})", field="--scheduler", got=repr(scheduler)
            ) from None
        self._client.subscribe_topic(PROGRESS_TOPIC, self._on_progress)
        with contextlib.suppress(Exception):  # a solver process ready on every worker
            self._client.register_plugin(SolverProcesses(), name="wdnopt-solver-processes")
        self._count_workers()
        threading.Thread(target=self._watch, name="dask-workers", daemon=True).start()
        log.info("Dask: %s", self._client)

    @property
    def workers(self) -> int:
        """Workers of the cluster, as last heard: the scheduler is asked every
        :data:`WATCH_S` seconds by a thread of its own, never while a request waits."""
        return self._workers

    def _count_workers(self) -> None:
        self._workers = len(self._client.scheduler_info().get("workers", {}))

    def _watch(self) -> None:
        while not self._stop.wait(WATCH_S):
            try:
                self._count_workers()
            except Exception:  # the scheduler is away: keep the last count, try again
                log.warning("the Dask scheduler did not answer", exc_info=True)

    def submit(self, job_id: str, data: dict[str, Any], options: JobOptions) -> None:
        """Queue the job on the cluster."""
        future = self._client.submit(
            solve_job, job_id, data, options.__dict__, key=f"wdnopt-job-{job_id}", pure=False
        )
        with self._lock:
            self._futures[job_id] = future
        future.add_done_callback(lambda f, job_id=job_id: self._records.put(("end", job_id, f)))

    def cancel(self, job_id: str) -> None:
        """Stop the job: its task dropped if queued; if running, its solver process killed by
        the task, which sees the job's cancel event within :data:`~.work.POLL_S` seconds."""

        with self._lock:
            future = self._futures.pop(job_id, None)
        if future is None:
            return
        event = None
        with contextlib.suppress(Exception):
            event = Event(cancel_event_name(job_id), client=self._client)
            event.set()
        with contextlib.suppress(Exception):
            future.cancel()
        if event is not None:  # a task that never started leaves the event set: cleared later
            timer = threading.Timer(CLEAR_S, self._clear, args=(event,))
            timer.daemon = True
            timer.start()

    @staticmethod
    def _clear(event: Any) -> None:
        with contextlib.suppress(Exception):
            event.clear()

    def _record(self) -> None:
        while (item := self._records.get()) is not None:
            kind, *args = item
            if kind == "end":
                self._on_done(*args)
            else:
                self._write_progress(*args)

    def _on_progress(self, event: tuple[float, dict[str, Any]]) -> None:
        self._records.put(("progress", event))

    def _write_progress(self, event: tuple[float, dict[str, Any]]) -> None:
        _, msg = event
        try:
            self.store.set_progress(
                str(msg["job"]),
                {"done": msg["done"], "total": msg["total"], "stage": msg["stage"]},
            )
        except Exception:  # a bad event must not stop the client's event loop
            log.exception("progress event %r not recorded", msg)

    def _on_done(self, job_id: str, future: Any) -> None:
        with self._lock:
            self._futures.pop(job_id, None)
        try:
            if future.cancelled():
                return
            if future.exception() is None and future.result().get("cancelled"):
                return
            error = future.exception()
            if error is None:
                answer = future.result()
                if "report" in answer:
                    self.store.finish(job_id, answer["report"], answer.get("figures") or {})
                else:
                    self.store.fail(job_id, list(answer["errors"]))
            else:
                log.error("job %s failed: %s: %s", job_id, type(error).__name__, error)
                self.store.fail(job_id, [f"the solve failed: {type(error).__name__}: {error}"])
        except Exception:
            log.exception("job %s: its end could not be recorded", job_id)
        finally:
            with contextlib.suppress(Exception):
                future.release()

    def close(self) -> None:
        """Drop the queued tasks and close the client (and the local cluster)."""
        self._stop.set()
        self._records.put(None)
        client = getattr(self, "_client", None)
        with self._lock:
            pending = list(self._futures.values())
            self._futures.clear()
        if client is not None:
            with contextlib.suppress(Exception):
                if pending:
                    client.cancel(pending)
            with contextlib.suppress(Exception):
                client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close(timeout=10)
