"""What every finished sweep writes besides its runs: the settings that produced it (for its report)
and its ``summary.json``."""

from __future__ import annotations

import json
import logging
import os
import platform
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from wdnopt.solvers.status import Status
from wdnopt.solvers.summary import summary, versions, write_summary

logger = logging.getLogger(__name__)


def run_info(
    *,
    name: str,
    file: str | None,
    description: str,
    settings: Any,
    runs: int,
    how: dict[str, Any],
    **extra: Any,
) -> dict[str, Any]:
    """What a sweep's report states: the sweep (``settings``, its validated scenario), the
    versions, date and machine, and how it ran (``how``: ``workers``, ``scheduler``, ``wall_s``,
    ``ran``); ``extra`` as given (the algorithms of a pump sweep, the base of a routing one)."""

    return {
        "scenario": name,
        "file": file,
        "description": description.strip(),
        "date": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "machine": f"{socket.gethostname()} ({platform.platform()}, {os.cpu_count()} cores)",
        "python": platform.python_version(),
        "versions": {k: v for k, v in versions().items() if k != "python"},
        "workers": how["workers"],
        "scheduler": how["scheduler"],
        "runs": runs,
        "ran": how["ran"],
        "wall_s": how["wall_s"],
        **extra,
        "settings": json.loads(settings.model_dump_json()),
    }


def write_sweep_summary(
    out: Path,
    *,
    name: str,
    kind: str,
    frame: pd.DataFrame,
    runs: int,
    wall_s: float,
    timings: dict[str, float] | None = None,
    **extra: Any,
) -> Path:
    """``out/summary.json`` of a sweep: ``complete`` when each of its ``runs`` has a record and
    none ended in error (else ``errors`` or ``incomplete``), the counts by status, the timings;
    a sweep has no single objective, bound or gap (they are per run, in ``results.csv``)."""

    errors = int((frame["status"] == str(Status.ERROR)).sum())
    status = "errors" if errors else ("complete" if len(frame) == runs else "incomplete")
    return write_summary(
        out,
        summary(
            command="compare",
            scenario=name,
            kind=kind,
            status=status,
            timings={
                "wall_s": wall_s,
                "runs_s": float(frame["runtime_s"].sum(skipna=True)),
                **(timings or {}),
            },
            runs=runs,
            recorded=len(frame),
            errors=errors,
            by_status={str(k): int(v) for k, v in frame["status"].value_counts().items()},
            **extra,
        ),
    )
