"""One server per database: an exclusive lock on a file beside the SQLite file.

A server marks the jobs the last one left active as ``interrupted`` when it starts; a second
server on the same file would do that to the first one's running jobs. So a server takes
``DB.lock`` (an ``flock``, held for as long as it runs) before it touches the database, and a
second one meets the lock and refuses to start, naming the database and the process holding
it. The kernel drops the lock when its process ends, killed or not: a stale lock file is never
in the way.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path

from wdnopt.models.errors import InputError

log = logging.getLogger(__name__)


def lock_path(db: Path) -> Path:
    """The lock file of a database (its real path, so two spellings of it meet)."""
    real = db.resolve()
    return real.with_name(real.name + ".lock")


class DatabaseLock:
    """The lock of one database, taken on creation (:class:`InputError` naming ``--db`` if
    another process holds it), released by :meth:`release` or when the process ends."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.path = lock_path(db)
        try:
            self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise InputError.single(
                f"a database whose folder the server may write in ({exc.strerror})",
                field="--db",
                got=str(db),
            ) from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._holder()
            os.close(self._fd)
            self._fd = None
            raise InputError.single(
                "a database no other server is using: one server per database file",
                field="--db",
                got=f"{db}, in use by the server of process {holder}"
                if holder
                else f"{db}, in use by another server",
            ) from None
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"{os.getpid()}\n".encode())
        log.debug("database %s locked (%s)", db, self.path)

    def _holder(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            return str(int(self.path.read_text().split()[0]))
        return ""

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._fd = None
