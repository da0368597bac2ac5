"""The process a job is solved in, so that stopping a job stops its work.

A Dask task cannot be stopped from outside: its thread runs until the solve returns. So the
task (:func:`~wdnopt.solvers.service.work.solve_job`) only watches, and the solve itself runs
in a process of its own, ``python -m wdnopt.solvers.service.jobprocess``: the task sends it the
job, relays its progress, and kills it the moment the job is cancelled or passes its deadline;
the worker is free again at once.

A process that ended its job normally takes the next one (the imports and the first model
build are paid once per process, not per job); a killed one is replaced by a fresh one started
at once, so the next job does not wait for Python to start. The two sides speak in frames: an
8-byte length, then a pickle (both ends are this module, in processes of the same server).
Messages from the process: ``("progress", done, total, stage)``, then one of ``("report",
report, figures)``, ``("errors", [messages])`` (input only the solve found wrong) or
``("failed", "Type: message")``. A process whose parent dies ends itself.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from wdnopt.models.errors import InputError
from wdnopt.solvers.service.joboptions import JobOptions

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!Q")
JOBS_PER_PROCESS = 100
"""Jobs one process runs before it is replaced (whatever a long-lived process gathers)."""


def write_frame(fd: int, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, size: int) -> bytes | None:
    parts = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        size -= len(chunk)
    return b"".join(parts)


class Frames:
    """Frames read from a pipe as they come, without blocking past a timeout."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buffer = bytearray()
        self.closed = False

    def _complete(self) -> Any:
        if len(self._buffer) < _HEADER.size:
            return None
        (size,) = _HEADER.unpack_from(self._buffer)
        end = _HEADER.size + size
        if len(self._buffer) < end:
            return None
        message = pickle.loads(self._buffer[_HEADER.size : end])
        del self._buffer[:end]
        return message

    def receive(self, timeout: float) -> Any:
        """The next whole message, or None if none came within ``timeout`` seconds (or the
        pipe closed: then :attr:`closed`)."""
        deadline = time.monotonic() + timeout
        while (message := self._complete()) is None:
            left = deadline - time.monotonic()
            if self.closed or left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    self.closed = True
                else:
                    self._buffer.extend(chunk)
        return message


class JobProcess:
    """One solver process, seen from the task that drives it."""

    def __init__(self) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        assert self.popen.stdin is not None and self.popen.stdout is not None
        self.frames = Frames(self.popen.stdout.fileno())
        self.jobs = 0

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def send(self, message: Any) -> None:
        assert self.popen.stdin is not None
        write_frame(self.popen.stdin.fileno(), message)
        self.jobs += 1

    def kill(self) -> None:
        """End it now (SIGKILL: a solve in C code does not wait for a gentler signal)."""
        with contextlib.suppress(ProcessLookupError):
            self.popen.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)
        for pipe in (self.popen.stdin, self.popen.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()


class Pool:
    """The solver processes of one Dask worker process: idle ones kept for the next job."""

    def __init__(self) -> None:
        self._idle: list[JobProcess] = []
        self._lock = threading.Lock()

    def _start_spare(self) -> None:
        """A fresh process made ready in the background (after one was killed)."""

        def start() -> None:
            try:
                process = JobProcess()
            except OSError:
                log.exception("a solver process could not be started")
                return
            with self._lock:
                self._idle.append(process)

        threading.Thread(target=start, name="solver-process-start", daemon=True).start()

    def warm(self) -> None:
        """Have one process ready before the first job."""
        with self._lock:
            if self._idle:
                return
        self._start_spare()

    @contextlib.contextmanager
    def lease(self) -> Iterator[JobProcess]:
        """A live process for one job: given back when the job ended normally, killed (and a
        fresh one started) when it did not."""
        process = None
        with self._lock:
            while self._idle and process is None:
                candidate = self._idle.pop()
                if candidate.alive:
                    process = candidate
                else:
                    candidate.kill()
        process = process or JobProcess()
        try:
            yield process
        except BaseException:
            process.kill()
            self._start_spare()
            raise
        if process.alive and process.jobs < JOBS_PER_PROCESS:
            with self._lock:
                self._idle.append(process)
        else:
            process.kill()
            self._start_spare()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for process in idle:
            process.kill()


POOL = Pool()
"""This process's solver processes (one Dask worker process: one pool)."""


class Stopped(Exception):
    """The job was stopped before it ended: cancelled, or past its deadline."""


# --- the solver process itself ------------------------------------------------------------------


def _watch_parent(parent: int) -> None:
    """End this process when the one that started it is gone (killed with its worker)."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def serve(read_fd: int, write_fd: int) -> None:
    """Run jobs from ``read_fd`` until it closes; messages to ``write_fd``."""
    from wdnopt.solvers.service.jobsolve import solve_scenario  # lazy: this process alone solves

    while True:
        header = _read_exactly(read_fd, _HEADER.size)
        if header is None:
            return
        (size,) = _HEADER.unpack(header)
        payload = _read_exactly(read_fd, size)
        if payload is None:
            return
        _, data, options = pickle.loads(payload)

        def progress(done: int, total: int, stage: str) -> None:
            write_frame(write_fd, ("progress", done, total, stage))

        figures: dict[str, bytes] = {}
        try:
            report = solve_scenario(data, JobOptions(**options), progress=progress, figures=figures)
        except InputError as exc:
            write_frame(write_fd, ("errors", [str(p) for p in exc.problems]))
        except Exception as exc:
            log.exception("the solve failed")
            write_frame(write_fd, ("failed", f"{type(exc).__name__}: {exc}"))
        else:
            write_frame(write_fd, ("report", report, figures))


def main() -> None:
    # the frames go to a copy of standard output; whatever a library prints goes to stderr
    write_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.WARNING, format="solver process: %(message)s")
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    # the imports of a solve, paid before the first job
    import wdnopt.solvers.service.jobsolve  # noqa: F401

    serve(0, write_fd)


if __name__ == "__main__":
    main()
