"""Running a sweep: in this process, on a local Dask cluster, or on an existing one.

:func:`run_sweep` skips the runs already recorded, runs the rest where asked (by default in
this process, moving to a local cluster once the work left is long enough), writes every run's
file as it finishes and the tables at the end, then the figures and the report.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from wdnopt.extras import installed, require
from wdnopt.models.errors import InputError
from wdnopt.solvers.cores import default_workers, free_workers
from wdnopt.solvers.harness.folder import check_out_dir, folder_lock, read_records
from wdnopt.solvers.harness.workers import PARALLEL_AFTER_S, TABLE_EVERY_S
from wdnopt.solvers.io import (
    DEFAULT_DPI,
    json_ready,
    write_atomic,
    write_csv_atomic,
    write_json_atomic,
)
from wdnopt.solvers.status import Status

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepProgress:
    """Where a sweep stands, passed to the ``progress`` callback after every run."""

    total: int
    """Runs in the sweep."""
    skipped: int
    """Runs finished by an earlier call (read from ``runs/``)."""
    done: int
    """Runs finished by this call without error."""
    failed: int
    """Runs finished by this call with status ``error``."""
    last: dict[str, Any] | None = None
    """The record of the run that just finished (None for the first call)."""
    dashboard: str | None = None
    """The link of the Dask dashboard, when one was asked for and is up."""

    @property
    def left(self) -> int:
        return self.total - self.skipped - self.done - self.failed

    @property
    def finished(self) -> int:
        """Runs with a run file: from before and from this call."""
        return self.skipped + self.done + self.failed


def sweep_into(
    out_dir: str | Path,
    plan: Callable[[], SweepJob],
    *,
    workers: int | None,
    scheduler: str | None,
    dashboard: str | None,
    wait: bool,
    **run: Any,
) -> pd.DataFrame:
    """Any sweep into ``out_dir``: the options and the folder checked, then ``plan()`` (which
    raises :class:`InputError` for a bad sweep, before any run), then the folder held
    (:func:`folder_lock`) while :func:`run_job` runs it; ``run`` are its other options."""
    started = time.perf_counter()
    _check_options(workers, dashboard, scheduler)
    out = check_out_dir(out_dir)
    job = plan()
    try:
        (out / "runs").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError.single(f"a writable folder ({exc.strerror})", file=out) from None
    with folder_lock(out, wait=wait):
        return run_job(
            job,
            out,
            started=started,
            workers=workers,
            scheduler=scheduler,
            dashboard=dashboard,
            **run,
        )


def _check_options(workers: int | None, dashboard: str | None, scheduler: str | None) -> None:
    """Refuse workers < 1, and a dashboard without worker processes."""
    if workers is not None and workers < 1:
        raise InputError.single("a number of workers ≥ 1", field="--workers", got=repr(workers))
    if dashboard is not None and workers == 1 and scheduler is None:
        raise InputError.single(
            "worker processes for a dashboard (--workers 2 or more, or the default)",
            field="--dashboard",
            got="--workers 1",
        )


@dataclass(frozen=True)
class SweepJob:
    """What running a sweep needs from its kind (pump comparison, routing sweep).

    ``execute`` runs one spec and returns its record (it never raises; it is pickled to Dask
    workers, so it is a module-level function); records are ``{"run_id", "result": {"status",
    …}, …}``. ``table`` makes the results table from the records; ``finish`` writes what
    follows the runs (tables beside ``results.csv``, ``summary.json``, figures and report)."""

    runs: tuple[Any, ...]
    """The specs, each with ``run_id``, ``algorithm`` (its timing class) and ``log_levels``."""
    execute: Callable[[Any], dict[str, Any]]
    table: Callable[[dict[str, dict[str, Any]]], pd.DataFrame]
    finish: Callable[[Path, pd.DataFrame, dict[str, dict[str, Any]], dict[str, Any]], None]
    """``finish(out, frame, records, how)``; ``how`` has ``workers``, ``scheduler``, ``wall_s``,
    ``ran``, ``report``, ``figure_format`` and ``dpi``."""
    error_record: Callable[[Any, BaseException], dict[str, Any]]
    """The record of a run whose worker failed outside ``execute``."""
    order: Callable[[list[Any]], list[Any]] = list
    """The order in which pending runs start (longest first is best)."""


def run_job(
    job: SweepJob,
    out: Path,
    *,
    started: float,
    workers: int | None,
    scheduler: str | None,
    progress: Callable[[SweepProgress], None] | None,
    retry_failed: bool,
    report: bool,
    dashboard: str | None,
    figure_format: str = "png",
    dpi: int = DEFAULT_DPI,
) -> pd.DataFrame:
    """Run the pending runs of ``job`` into the held folder ``out`` (see :func:`run_sweep`)."""
    for stale in (out / "runs").glob(".*.tmp"):  # left by a writer that was killed
        stale.unlink(missing_ok=True)
    records = read_records(out, job)
    if retry_failed:
        records = {
            k: r for k, r in records.items() if r["result"].get("status") != str(Status.ERROR)
        }
    pending = [spec for spec in job.runs if spec.run_id not in records]
    skipped = len(records)
    logger.info("%d run(s): %d done before, %d to run", len(job.runs), skipped, len(pending))
    counts = {"done": 0, "failed": 0}
    last_table = [time.monotonic()]
    link: list[str | None] = [None]

    def report_progress(last: dict[str, Any] | None) -> None:
        if progress is not None:
            progress(
                SweepProgress(
                    len(job.runs), skipped, counts["done"], counts["failed"], last, link[0]
                )
            )

    def on_start(dashboard_link: str | None) -> None:
        if dashboard_link:
            link[0] = dashboard_link
            report_progress(None)

    def on_record(spec: Any, record: dict[str, Any]) -> None:
        record = json_ready(record)  # as it is on disk, for this call's tables too
        write_json_atomic(record, out / "runs" / f"{spec.run_id}.json")
        records[spec.run_id] = record
        failed = record["result"].get("status") == str(Status.ERROR)
        counts["failed" if failed else "done"] += 1
        if time.monotonic() - last_table[0] >= TABLE_EVERY_S:  # the run files are the record
            write_csv_atomic(job.table(records), out / "results.csv")
            last_table[0] = time.monotonic()
        report_progress(record)

    write_csv_atomic(job.table(records), out / "results.csv")
    report_progress(None)
    used: int | None = workers or 1
    if pending:
        ordered = job.order(pending)
        try:
            if scheduler is not None:
                used = None
                _run_dask(job, ordered, on_record, 0, scheduler, dashboard, on_start)
            elif workers is None and dashboard is None:
                cores = default_workers() if installed("dask") else 1  # base install: here
                used = _run_adaptive(job, ordered, on_record, cores, on_start)
            elif (workers or default_workers()) == 1:
                used = 1
                for spec in ordered:
                    on_record(spec, _run_here(job, spec))
            else:
                used = workers or default_workers()
                _run_dask(job, ordered, on_record, used, None, dashboard, on_start)
        except BaseException:  # stopped (Ctrl-C, a progress callback): keep the table right
            with contextlib.suppress(Exception):
                write_csv_atomic(job.table(records), out / "results.csv")
            raise
    frame = job.table(records)
    write_csv_atomic(frame, out / "results.csv")
    if installed("parquet"):  # pyarrow: the dask or parquet extra
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        write_atomic(out / "results.parquet", buffer.getvalue())
    how = {
        "workers": used,
        "scheduler": scheduler,
        "wall_s": time.perf_counter() - started,
        "ran": len(pending),
        "report": report,
        "figure_format": figure_format,
        "dpi": dpi,
    }
    job.finish(out, frame, records, how)
    return frame


def _run_here(job: SweepJob, spec: Any) -> dict[str, Any]:
    """One run in this process (whose loggers stay as they are).

    A Ctrl-C during the run stops the sweep even where a library caught the
    KeyboardInterrupt and turned it into an error of the run (Pyomo's configuration checks
    do: "invalid value for configuration"): the run's record is then dropped, so that the run
    is done again when the sweep resumes, and the interrupt goes on."""
    with _interrupt_noted() as noted:
        record = job.execute(dataclasses.replace(spec, log_levels={}))
    if noted:
        raise KeyboardInterrupt
    return record


@contextlib.contextmanager
def _interrupt_noted() -> Iterator[list[bool]]:
    """A list that gets an entry when SIGINT arrives in here; the signal is handled as before
    (a KeyboardInterrupt). Only the main thread receives signals: elsewhere, nothing changes."""
    noted: list[bool] = []
    if threading.current_thread() is not threading.main_thread():
        yield noted
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous in (signal.SIG_IGN, None):  # Ctrl-C ignored (or not set from Python): as is
        yield noted
        return

    def note(signum: int, frame: Any) -> None:
        noted.append(True)
        if callable(previous):
            previous(signum, frame)
        else:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, note)
    try:
        yield noted
    finally:
        signal.signal(signal.SIGINT, previous)


def _work_left(specs: list[Any], times: dict[str, list[float]]) -> float:
    """The seconds ``specs`` should take in one process, from the runs timed so far.

    An algorithm not timed yet counts as the fastest one timed: runs go slowest first, so this
    errs towards staying in this process."""
    means = {name: sum(t) / len(t) for name, t in times.items() if t}
    if not means:
        return 0.0
    fallback = min(means.values())
    return sum(means.get(spec.algorithm, fallback) for spec in specs)


def _run_adaptive(
    job: SweepJob,
    specs: list[Any],
    on_record: Callable[[Any, dict[str, Any]], None],
    n_workers: int,
    on_start: Callable[[str | None], None],
) -> int:
    """Run here until the work left is worth a local cluster (:data:`PARALLEL_AFTER_S`) and
    there are cores free for it (:func:`free_workers`: on a machine busy with other work,
    worker processes only slow each other down, so the runs stay here).

    Returns the number of worker processes used in the end (1: all ran here)."""
    times: dict[str, list[float]] = {}
    for i, spec in enumerate(specs):
        rest = specs[i:]
        if n_workers > 1 and _work_left(rest, times) > PARALLEL_AFTER_S:
            free = min(n_workers, free_workers())
            if free > 1:
                logger.info(
                    "%d run(s) left, about %.0f s of work: starting %d worker processes",
                    len(rest),
                    _work_left(rest, times),
                    free,
                )
                _run_dask(job, rest, on_record, free, None, None, on_start)
                return free
            logger.info("the other cores are busy: the runs stay in this process")
            n_workers = 1
        t0 = time.perf_counter()
        record = _run_here(job, spec)
        times.setdefault(spec.algorithm, []).append(time.perf_counter() - t0)
        on_record(spec, record)
    return 1


@contextlib.contextmanager
def _quiet_shutdown() -> Iterator[None]:
    """No log lines, warnings or second Ctrl-C while a cluster and its client close."""
    names = ("distributed", "tornado", "tornado.application", "asyncio")
    levels = {name: logging.getLogger(name).level for name in names}
    main = threading.current_thread() is threading.main_thread()
    handler = signal.getsignal(signal.SIGINT) if main else None
    try:
        for name in names:
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
        if main:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        if main and handler is not None:
            signal.signal(signal.SIGINT, handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ctrl-C held back in here, and ignored by the processes started in here.

    The worker processes of a local cluster are in the terminal's process group: without this
    Ctrl-C reaches each of them and every one prints its traceback; this process alone handles
    it and closes them. They inherit the ignored disposition and the blocked signal. In this
    process the signal is blocked as well as ignored, so that a Ctrl-C pressed while the
    cluster starts stays pending (Linux never discards a blocked signal) and is delivered, as
    a KeyboardInterrupt, once the handler is back: it is not lost."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _run_dask(
    job: SweepJob,
    specs: list[Any],
    on_record: Callable[[Any, dict[str, Any]], None],
    n_workers: int,
    scheduler: str | None,
    dashboard: str | None = None,
    on_start: Callable[[str | None], None] | None = None,
) -> None:
    require("dask", "a sweep on worker processes or a Dask cluster")
    from distributed import Client, LocalCluster, as_completed  # lazy: the [dask] extra

    cluster = None
    client = None
    try:
        if scheduler is not None:
            client = Client(scheduler, timeout="30s")
        else:
            with _sigint_ignored():
                cluster = LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=1,
                    processes=True,
                    # without a dashboard the scheduler's HTTP server still listens: on any
                    # free port, not on 8787 (which another cluster may hold)
                    dashboard_address=dashboard or ":0",
                    scheduler_kwargs=None if dashboard else {"dashboard": False},
                    # a worker whose scheduler closed first logs a heartbeat error with a
                    # traceback; a run's own failure is in its record, never lost here
                    silence_logs=logging.CRITICAL,
                )
                client = Client(cluster)
    except OSError as exc:
        with _quiet_shutdown():
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()
        raise InputError.single(
            f"a reachable Dask scheduler ({exc})", field="--scheduler", got=repr(scheduler)
        ) from None
    except BaseException:
        with _quiet_shutdown():
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()
        raise
    futures: dict[Any, Any] = {}
    try:
        logger.info("Dask: %s", client)
        if scheduler is not None:
            threads = {w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()}
            if max(threads, default=1) > 1:
                logger.info("workers with %s threads: runs in one process take turns", threads)
        if on_start is not None:
            on_start(client.dashboard_link if dashboard is not None else None)
        for rank, spec in enumerate(specs):
            future = client.submit(
                job.execute, spec, key=f"wdnopt-run-{spec.run_id}", priority=len(specs) - rank
            )
            futures[future] = spec
        for future in as_completed(list(futures)):
            spec = futures[future]
            try:
                record = future.result()
            except Exception as exc:  # the worker died or the task could not run
                record = job.error_record(spec, exc)
            future.release()
            on_record(spec, record)
    finally:
        with _quiet_shutdown():
            unfinished = [f for f in futures if not f.done()]
            if unfinished:  # stopped early: drop what is still queued
                with contextlib.suppress(Exception):
                    client.cancel(unfinished)
            with contextlib.suppress(Exception):
                client.close()
            if cluster is not None:
                with contextlib.suppress(Exception):
                    cluster.close(timeout=10)
