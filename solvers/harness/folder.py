"""The output folder of a sweep: checked, held by one sweep at a time, and read back."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wdnopt.models.errors import InputError

logger = logging.getLogger(__name__)


LOCK_FILE = ".wdnopt-compare.lock"
"""The lock file of an output folder in use (see :func:`folder_lock`)."""


def check_out_dir(out_dir: str | Path) -> Path:
    """``out_dir`` as a Path if it is, or can be made, a writable folder; else InputError."""
    out = Path(out_dir)
    existing = out
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        got = "a file" if existing == out else f"{existing} is a file"
        raise InputError.single("a folder for the results", got=got, file=out)
    if existing.exists() and not os.access(existing, os.W_OK | os.X_OK):
        got = "not writable" if existing == out else f"{existing} is not writable"
        raise InputError.single("a writable folder for the results", got=got, file=out)
    return out


def _holder(fd: int) -> str:
    """Who holds (or held) a lock file, in words, from its contents ('' when empty)."""
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace")
        info = json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return ""
    if not isinstance(info, dict) or not info:
        return ""
    return (
        f"`wdnopt compare` (pid {info.get('pid')} on {info.get('host')}, "
        f"started {info.get('started')})"
    )


@contextlib.contextmanager
def folder_lock(out_dir: str | Path, *, wait: bool = False, poll_s: float = 0.5) -> Iterator[Path]:
    """Hold the output folder for one sweep; yields the lock file.

    The lock is ``fcntl.flock`` on ``out_dir/.wdnopt-compare.lock``, which holds the pid, host
    and start time of the sweep. The system drops it when its process ends, however it ends,
    so a lock file left by a killed sweep is taken over (with a warning). A folder in use
    raises :class:`InputError` naming the other sweep, unless ``wait``: then this waits.
    The lock file is removed when released.
    """
    out = Path(out_dir)
    path = out / LOCK_FILE
    told = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _holder(fd) or "another `wdnopt compare`"
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                logger.warning("%s: no lock on this file system (%s); not locked", out, exc)
                yield path
                return
            if not wait:
                raise InputError.single(
                    "an output folder no other sweep is writing to; wait for that one to "
                    "finish, or pass --wait to start when it has",
                    got=f"in use by {holder}",
                    file=out,
                ) from None
            if not told:
                logger.warning("%s is in use by %s: waiting for it to finish", out, holder)
                told = True
            time.sleep(poll_s)
            continue
        try:  # the file may have been removed by the sweep that just released it
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        previous = _holder(fd)
        if previous:
            logger.warning(
                "%s: taking over the lock of %s, which ended without releasing it", out, previous
            )
        stamp = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(stamp).encode(), 0)
        yield path
    finally:
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                os.unlink(path)
        os.close(fd)


def read_records(out_dir: Path, plan: Any) -> dict[str, dict[str, Any]]:
    """The run files of the plan's runs already in ``out_dir/runs`` (unreadable ones skipped);
    ``plan`` is anything with ``runs`` that have a ``run_id``."""
    records = {}
    folder = Path(out_dir) / "runs"
    for spec in plan.runs:
        path = folder / f"{spec.run_id}.json"
        if not path.is_file():
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("%s unreadable (%s): the run is done again", path, exc)
            continue
        if record.get("run_id") == spec.run_id:
            records[spec.run_id] = record
    return records
