"""The record of one run of any sweep (the content of its ``runs/<run id>.json``)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import Any

from wdnopt.solvers.status import Status


def run_record(
    run_id: str, labels: dict[str, Any], result: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """The record of one run of any sweep, the content of its ``runs/<run id>.json``: its
    ``labels`` (``spec``), its ``result`` (with ``status``), anything ``extra``, the host and
    the time it finished. Written by the dispatcher as JSON can hold it (NaN as null)."""
    return {
        "run_id": run_id,
        "spec": labels,
        "result": result,
        **extra,
        "host": socket.gethostname(),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def error_record(spec: Any, exc: BaseException) -> dict[str, Any]:
    """The record of a run (of any sweep) whose worker failed outside its execute function
    (e.g. the process died): status ``error`` and the exception's message."""

    record = run_record(
        spec.run_id,
        {"algorithm": spec.algorithm},
        {"status": str(Status.ERROR), "message": f"{type(exc).__name__}: {exc}"},
    )
    record["host"] = None  # not known: the worker is gone
    return record
