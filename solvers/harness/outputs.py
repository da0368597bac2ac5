"""The outputs of a finished sweep: the settings that produced it, its summary, figures and the
report. The pump libraries are imported only by the pump sweep's figures."""

from __future__ import annotations

import json
import logging
import os
import platform
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from wdnopt.models.errors import InputError
from wdnopt.solvers.io import DEFAULT_DPI, write_csv_atomic

if TYPE_CHECKING:
    from wdnopt.solvers.harness.plan import SweepPlan

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
    from wdnopt.solvers.summary import versions

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
    from wdnopt.solvers.highs import Status
    from wdnopt.solvers.summary import summary, write_summary

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


def write_outputs(
    plan: SweepPlan,
    frame: pd.DataFrame,
    out: Path,
    info: dict[str, Any],
    *,
    figure_format: str = "png",
    dpi: int = DEFAULT_DPI,
) -> dict[str, Path]:
    """Figures (PNG, SVG or PDF) and the report (Markdown, and HTML with the figures embedded)
    of a finished sweep."""
    from wdnopt.solvers import figures, report
    from wdnopt.solvers.harness.table import gap_table

    curves = pressure_curves(plan)
    if len(curves):
        write_csv_atomic(curves, out / "pressure_curve.csv")
    paths, images = figures.write_sweep_figures(
        frame, curves, out, p_min=plan.scenario.pressure_min, fmt=figure_format, dpi=dpi
    )
    paths.update(report.write_report(frame, gap_table(frame), paths, out, info, images))
    return paths


def pressure_curves(plan: SweepPlan) -> pd.DataFrame:
    """Share of demand junctions below ``P_min`` against the factor, for every network."""
    from wdnopt.models.pumps.hydraulics import pressure_curve
    from wdnopt.models.pumps.instance import load_network

    scenario = plan.scenario
    factors = scenario.pressure_curve_factors
    if factors is None:
        top = max(scenario.demand_factors)
        factors = [round(f, 10) for f in np.arange(1.0, top + 1e-9, 0.05)] or [top]
        factors = sorted(set(factors) | set(scenario.demand_factors))
    frames = []
    for i, source in enumerate(scenario.networks):
        try:
            wn = load_network(scenario.placement_scenario(i, scenario.objectives[0]))
            curve = pressure_curve(wn, factors, scenario.pressure_min, scenario.hour)
        except (InputError, RuntimeError) as exc:  # a figure is not worth stopping the report
            logger.warning("pressure curve of %s skipped: %s", source.key, exc)
            continue
        curve.insert(0, "network", source.key)
        frames.append(curve)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
