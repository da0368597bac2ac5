"""``summary.json``: the one file every ``--out`` folder has, the same keys for every command.

``{"command", "scenario", "kind", "status", "objective", "bound", "gap", "timings",
"versions", "written", ...}``: the status of the answer (``optimal`` only when proved), its
objective, the best proved bound and the relative gap between them (None where there is no such
figure), wall-clock timings in seconds, the versions of wdnopt and of the libraries that
computed it, and the date written. Commands add their own keys (one entry per demand factor,
the sweep's counts).
"""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from wdnopt.solvers.io import write_json_atomic

SUMMARY_FILE = "summary.json"
"""Name of the summary in an output folder."""

PACKAGES = (
    "wdnopt",
    "pyomo",
    "highspy",
    "wntr",
    "numpy",
    "scipy",
    "pandas",
    "pydantic",
    "dask",
    "distributed",
)
"""Packages whose versions a summary records."""


def versions() -> dict[str, str]:
    """Python's and each package's installed version (from the metadata: nothing imported)."""
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def summary(
    *,
    command: str,
    status: str,
    objective: float | None = None,
    bound: float | None = None,
    gap: float | None = None,
    timings: dict[str, float | None] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The summary's content (see the module notes)."""
    return {
        "command": command,
        "status": status,
        "objective": objective,
        "bound": bound,
        "gap": gap,
        "timings": dict(timings or {}),
        **extra,
        "versions": versions(),
        "written": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
    }


def write_summary(out: str | Path, content: dict[str, Any]) -> Path:
    """Write ``content`` as ``out/summary.json`` (atomically; NaN and infinities as null)."""
    return write_json_atomic(content, Path(out) / SUMMARY_FILE)
