"""What a Dask worker runs for one job: the solve of ``wdnopt solve``, its JSON report back.

:func:`solve_job` runs the job in a solver process of the worker (:mod:`.jobprocess`, which
solves it with :mod:`.jobsolve`), and kills that process when the job is cancelled or runs past
its deadline. Progress goes to the client as Dask events on
:data:`~.joboptions.PROGRESS_TOPIC`: ``{"job", "done", "total", "stage"}`` when each part starts
(the end of the last part is the job's end, recorded with its report).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from wdnopt.solvers.service.joboptions import PROGRESS_TOPIC, JobOptions, Progress
from wdnopt.solvers.service.jobprocess import POOL

log = logging.getLogger(__name__)


POLL_S = 0.2
"""Seconds between two looks at a running job's cancel flag and deadline."""


def cancel_event_name(job_id: str) -> str:
    """The Dask event that tells a running job to stop (set by the server on cancel)."""
    return f"wdnopt-cancel-{job_id}"


def _cancel_flag(job_id: str) -> Callable[[], bool]:
    """Whether the server asked the job to stop (never, outside a Dask worker). The event is
    reached lazily: a scheduler slow to answer delays the news, never fails the job."""
    try:
        from distributed import Event, get_worker  # lazy: the [dask] extra

        get_worker()
    except (ImportError, ValueError):
        return lambda: False
    found: list[Any] = []

    def is_set() -> bool:
        try:
            if not found:
                found.append(Event(cancel_event_name(job_id)))
            return bool(found[0].is_set())
        except Exception:  # the scheduler is away: keep going, the deadline still holds
            log.warning("the cancel flag of job %s could not be read", job_id, exc_info=True)
            return False

    def clear() -> None:
        with contextlib.suppress(Exception):
            if found:
                found[0].clear()

    is_set.clear = clear  # type: ignore[attr-defined]
    return is_set


def solve_job(job_id: str, data: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """Run on a Dask worker: solve one job in a solver process of this worker
    (:mod:`.jobprocess`), relaying its progress; stop it (kill the process) when the job is
    cancelled or passes its deadline. ``{"report": ..., "figures": {name: PNG}}``,
    ``{"errors": [...]}`` with the messages of input that only the solve found wrong, or of
    why the job stopped (plain text: an exception would lose its fields on its way back from
    a worker process), or ``{"cancelled": True}``."""

    deadline = JobOptions(**options).deadline
    cancelled = _cancel_flag(job_id)
    progress = _dask_progress(job_id)
    start = time.monotonic()
    try:
        with POOL.lease() as process:
            process.send(("job", data, options))
            while True:
                message = process.frames.receive(POLL_S)
                if message is None:
                    if cancelled():
                        process.kill()
                        log.info("job %s cancelled: its solver process stopped", job_id)
                        return {"cancelled": True}
                    if deadline is not None and time.monotonic() - start > deadline:
                        process.kill()
                        return {
                            "errors": [
                                f"stopped at the job's time limit of {deadline:g} s "
                                "(network building and checks included)"
                            ]
                        }
                    if process.frames.closed or not process.alive:
                        code = process.popen.wait()
                        return {
                            "errors": [f"the solver process ended without an answer (code {code})"]
                        }
                    continue
                if message[0] == "progress":
                    progress(*message[1:])
                elif message[0] == "report":
                    return {"report": message[1], "figures": message[2]}
                elif message[0] == "errors":
                    return {"errors": list(message[1])}
                else:
                    return {"errors": [f"the solve failed: {message[1]}"]}
    finally:
        getattr(cancelled, "clear", lambda: None)()


def _dask_progress(job_id: str) -> Progress:
    """Progress sent as Dask events from the worker (nothing outside a worker)."""

    def send(done: int, total: int, stage: str) -> None:
        try:
            from distributed import get_worker  # lazy: the [dask] extra

            worker = get_worker()
        except (ImportError, ValueError):
            return
        worker.log_event(
            PROGRESS_TOPIC, {"job": job_id, "done": done, "total": total, "stage": stage}
        )

    return send
