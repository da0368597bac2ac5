"""What the solve service runs on: its configuration, the job store, the Dask runner and the
intake process that checks submissions.

:func:`open_backend` opens them in that order (one server per database: the lock first);
:meth:`Backend.close` closes them. The application (:mod:`.app`) keeps them in ``app.state``.
"""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wdnopt.models.errors import InputError
from wdnopt.solvers.service.auth import Tokens
from wdnopt.solvers.service.dblock import DatabaseLock
from wdnopt.solvers.service.intake import Limits
from wdnopt.solvers.service.jobs import JobStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceConfig:
    """Everything the service is started with."""

    db: Path
    """The SQLite file of jobs and reports (made if missing)."""
    tokens: Tokens
    limits: Limits = field(default_factory=Limits)
    scheduler: str | None = None
    """Address of an existing Dask scheduler (none: a local cluster)."""
    workers: int = 2
    """Worker processes of the local cluster."""
    dashboard: str | None = None
    """``HOST:PORT`` of the local cluster's Dask dashboard (none: no dashboard)."""


def warm_intake() -> None:
    """Import what checking a body needs, once per intake process."""
    from wdnopt.solvers.pumps import registry  # lazy: the server process never loads it

    registry.names()


def intake_pool() -> ProcessPoolExecutor:
    """The process that checks submissions (one: checks are short, and the cores are the
    workers')."""
    return ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=warm_intake
    )


@dataclass
class Backend:
    """What the application runs on: the job store, the Dask runner, the intake process (and
    the future of its imports)."""

    store: JobStore
    runner: Any
    intake: ProcessPoolExecutor
    ready: Future[None]

    def close(self) -> None:
        self.intake.shutdown(wait=True, cancel_futures=True)
        self.runner.close()
        self.store.close()


def open_backend(config: ServiceConfig, lock: DatabaseLock | None = None) -> Backend:
    """The job store (jobs a stopped server left active marked ``interrupted``), the intake
    process (its imports under way) and the Dask runner;
    :class:`~wdnopt.models.errors.InputError` for a bad ``--db`` (one in use by another server
    among them) or ``--scheduler``. ``lock``: the database's, if already taken."""
    # Dask is imported here, when a server starts, not when the command's options are read
    from wdnopt.solvers.service.runner import DaskRunner

    # before anything is read or marked: one server per file
    lock = lock or DatabaseLock(config.db)
    try:
        store = JobStore(config.db, lock=lock)
        interrupted = store.mark_interrupted()
    except sqlite3.DatabaseError as exc:
        lock.release()
        raise InputError.single(
            f"an SQLite file of the service's jobs ({exc})", field="--db", got=str(config.db)
        ) from None
    if interrupted:
        log.warning("%d job(s) left unfinished by the last run marked interrupted", interrupted)
    intake = intake_pool()
    ready = intake.submit(warm_intake)  # importing while the cluster starts
    try:
        runner = DaskRunner(
            store, scheduler=config.scheduler, workers=config.workers, dashboard=config.dashboard
        )
    except BaseException:
        intake.shutdown(wait=False, cancel_futures=True)
        store.close()
        raise
    return Backend(store, runner, intake, ready)
