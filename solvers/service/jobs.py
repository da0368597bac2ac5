"""The jobs of the solve service and their reports, in one SQLite table.

One row per job: who owns it (the name of its token), what it solves, its state, its progress,
and when it is finished its report as JSON (the object ``wdnopt solve --json`` prints) with
its figures. The database runs in WAL mode, so readers never wait for the writer; every change
is one transaction, so a row is always in one whole state, even when the server is killed
mid-write. With ``synchronous=NORMAL`` a committed change survives the server's death (it is in
the write-ahead log); only a power cut can lose the last few, never half of one.

States: ``queued`` → ``running`` → ``done`` (a report, whatever the solver's own status) or
``failed`` (no report: the error says why); ``cancelled`` by ``DELETE /jobs/{id}``;
``interrupted`` when the server stopped before the job ended (marked at the next start, see
:meth:`JobStore.mark_interrupted`). Only ``queued`` and ``running`` are *active*: a job leaves
them once, and a late answer for a job that already left them is ignored.
"""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
"""States of a job that is not over."""
FINAL = ("done", "failed", "cancelled", "interrupted")
"""States a job ends in."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    progress    TEXT,           -- JSON: {"done": k, "total": n, "stage": "..."}
    created_at  TEXT NOT NULL,  -- ISO 8601, UTC
    started_at  TEXT,
    finished_at TEXT,
    options     TEXT NOT NULL,  -- JSON: algorithm, time limit, season
    result      TEXT,           -- JSON report, when done
    objective   REAL,           -- the report's objective, for listings
    result_status TEXT,         -- the report's status (optimal, infeasible, ...)
    error       TEXT,           -- JSON list of messages, when failed
    figures     TEXT            -- JSON: file name → PNG in base64, when asked for
);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, status, created_at);
"""


def now() -> str:
    """The current time as ISO 8601 in UTC (sortable as text)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Job:
    """One row of the table, as read."""

    id: str
    owner: str
    kind: str
    name: str
    status: str
    progress: dict[str, Any] | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    options: dict[str, Any]
    objective: float | None
    result_status: str | None
    error: list[str] | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def summary(self) -> dict[str, Any]:
        """The job as ``GET /jobs/{id}`` shows it (no report)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "status": self.status,
            "progress": self.progress,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "options": self.options,
            "result_status": self.result_status,
            "objective": self.objective,
            "error": self.error,
        }


_COLUMNS = (
    "id, owner, kind, name, status, progress, created_at, started_at, finished_at, options, "
    "objective, result_status, error"
)


def _job(row: tuple[Any, ...]) -> Job:
    (
        id_,
        owner,
        kind,
        name,
        status,
        progress,
        created,
        started,
        finished,
        options,
        obj,
        rs,
        err,
    ) = row
    return Job(
        id=id_,
        owner=owner,
        kind=kind,
        name=name,
        status=status,
        progress=json.loads(progress) if progress else None,
        created_at=created,
        started_at=started,
        finished_at=finished,
        options=json.loads(options),
        objective=obj,
        result_status=rs,
        error=json.loads(err) if err else None,
    )


class TooManyJobs(Exception):
    """The owner already has as many active jobs as allowed."""


class JobStore:
    """The SQLite table of jobs. Safe to use from several threads: writes go through one
    connection under a lock, reads through a connection per thread."""

    def __init__(self, path: str | Path, *, lock: Any = None) -> None:
        """``lock``: released (its ``release()``) when the store closes (the server's lock of
        the database: :class:`~wdnopt.solvers.service.dblock.DatabaseLock`)."""
        self.path = Path(path)
        self._db_lock = lock
        self._lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._transaction() as db:
            for statement in filter(str.strip, SCHEMA.split(";")):
                db.execute(statement)
            columns = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
            if "figures" not in columns:  # a file made before figures were kept
                db.execute("ALTER TABLE jobs ADD COLUMN figures TEXT")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction under the lock: committed whole, or rolled back whole."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A connection of this thread's own for reading: in WAL mode readers never wait for
        the writer, nor for its lock (each read sees the last committed state)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA query_only=ON")
            self._local.db = db
            with self._lock:
                self._readers.append(db)
        yield db

    def close(self) -> None:
        with self._lock:
            self._db.close()
            for db in self._readers:
                with suppress(sqlite3.Error):
                    db.close()
            self._readers.clear()
        if self._db_lock is not None:
            self._db_lock.release()
            self._db_lock = None

    # --- writes -------------------------------------------------------------------------------

    def mark_interrupted(self) -> int:
        """Mark every job left active by a server that stopped as ``interrupted``."""
        with self._transaction() as db:
            cur = db.execute(
                "UPDATE jobs SET status = 'interrupted', finished_at = ?, "
                "error = ? WHERE status IN ('queued', 'running')",
                (now(), json.dumps(["the server stopped before the job ended"])),
            )
            return cur.rowcount

    def create(
        self,
        *,
        owner: str,
        kind: str,
        name: str,
        options: dict[str, Any],
        max_active: int | None = None,
    ) -> Job:
        """A new ``queued`` job; :class:`TooManyJobs` if ``owner`` already has ``max_active``
        active jobs (counted and inserted in one transaction)."""
        job_id = uuid.uuid4().hex
        with self._transaction() as db:
            if max_active is not None:
                (active,) = db.execute(
                    "SELECT count(*) FROM jobs WHERE owner = ? AND status IN ('queued', 'running')",
                    (owner,),
                ).fetchone()
                if active >= max_active:
                    raise TooManyJobs(active)
            db.execute(
                "INSERT INTO jobs (id, owner, kind, name, status, created_at, options) "
                "VALUES (?, ?, ?, ?, 'queued', ?, ?)",
                (job_id, owner, kind, name, now(), json.dumps(options)),
            )
        job = self.get(job_id)
        assert job is not None
        return job

    def set_progress(self, job_id: str, progress: dict[str, Any]) -> None:
        """Record progress of an active job; the first news of it makes it ``running``."""
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET progress = ?, status = 'running', "
                "started_at = coalesce(started_at, ?) "
                "WHERE id = ? AND status IN ('queued', 'running')",
                (json.dumps(progress), now(), job_id),
            )

    def finish(
        self, job_id: str, report: dict[str, Any], figures: dict[str, bytes] | None = None
    ) -> bool:
        """Store the report (and figures) of an active job and mark it ``done`` (False: it was
        no longer active, e.g. cancelled, and nothing changed)."""
        objective = report.get("objective")
        pictures = (
            json.dumps({k: base64.b64encode(v).decode("ascii") for k, v in figures.items()})
            if figures
            else None
        )
        with self._transaction() as db:
            cur = db.execute(
                "UPDATE jobs SET status = 'done', finished_at = ?, result = ?, figures = ?, "
                "objective = ?, "
                "result_status = ?, started_at = coalesce(started_at, ?), "
                "progress = json_object('done', coalesce(json_extract(progress, '$.total'), 1), "
                "'total', coalesce(json_extract(progress, '$.total'), 1), 'stage', 'done') "
                "WHERE id = ? AND status IN ('queued', 'running')",
                (
                    now(),
                    json.dumps(report, allow_nan=False),
                    pictures,
                    objective if isinstance(objective, int | float) else None,
                    report.get("status"),
                    now(),
                    job_id,
                ),
            )
            return cur.rowcount == 1

    def fail(self, job_id: str, errors: list[str], *, status: str = "failed") -> bool:
        """End an active job without a report (``failed`` or ``cancelled``)."""
        assert status in FINAL
        with self._transaction() as db:
            cur = db.execute(
                "UPDATE jobs SET status = ?, finished_at = ?, error = ? "
                "WHERE id = ? AND status IN ('queued', 'running')",
                (status, now(), json.dumps(errors), job_id),
            )
            return cur.rowcount == 1

    def delete(self, job_id: str) -> bool:
        """Remove a job that is over, and its report."""
        with self._transaction() as db:
            cur = db.execute(
                "DELETE FROM jobs WHERE id = ? AND status NOT IN ('queued', 'running')", (job_id,)
            )
            return cur.rowcount == 1

    # --- reads --------------------------------------------------------------------------------

    def get(self, job_id: str) -> Job | None:
        with self._reading() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def report_text(self, job_id: str) -> str | None:
        """The stored report of a ``done`` job, as its JSON text."""
        with self._reading() as db:
            row = db.execute(
                "SELECT result FROM jobs WHERE id = ? AND status = 'done'", (job_id,)
            ).fetchone()
        return row[0] if row and row[0] else None

    def figures(self, job_id: str) -> dict[str, str]:
        """The figures of a ``done`` job: file name → PNG in base64 (none: empty)."""
        with self._reading() as db:
            row = db.execute(
                "SELECT figures FROM jobs WHERE id = ? AND status = 'done'", (job_id,)
            ).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def report(self, job_id: str) -> dict[str, Any] | None:
        """The stored report of a ``done`` job."""
        text = self.report_text(job_id)
        return None if text is None else json.loads(text)

    def count_active(self, owner: str) -> int:
        with self._reading() as db:
            (n,) = db.execute(
                "SELECT count(*) FROM jobs WHERE owner = ? AND status IN ('queued', 'running')",
                (owner,),
            ).fetchone()
        return int(n)

    def list_jobs(self, owner: str, *, limit: int = 100) -> list[Job]:
        """The owner's jobs in any state, newest first."""
        with self._reading() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE owner = ? ORDER BY created_at DESC, id LIMIT ?",
                (owner, limit),
            ).fetchall()
        return [_job(r) for r in rows]

    def list_reports(
        self,
        owner: str,
        *,
        kind: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 100,
    ) -> list[Job]:
        """The owner's finished reports, newest first, filtered by kind and finishing time
        (``since`` ≤ finished_at < ``until``, ISO 8601 text in UTC)."""
        sql = f"SELECT {_COLUMNS} FROM jobs WHERE owner = ? AND status = 'done'"
        params: list[Any] = [owner]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        if since is not None:
            sql += " AND finished_at >= ?"
            params.append(since)
        if until is not None:
            sql += " AND finished_at < ?"
            params.append(until)
        sql += " ORDER BY finished_at DESC, id LIMIT ?"
        params.append(limit)
        with self._reading() as db:
            rows = db.execute(sql, params).fetchall()
        return [_job(r) for r in rows]
