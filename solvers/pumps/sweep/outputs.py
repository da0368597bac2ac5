"""The outputs of a finished pump comparison: its pressure curves, figures and report."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.hydraulics import pressure_curve
from wdnopt.models.pumps.instance import load_network
from wdnopt.solvers.io import DEFAULT_DPI, write_csv_atomic
from wdnopt.solvers.pumps.sweep import figures, report
from wdnopt.solvers.pumps.sweep.plan import SweepPlan
from wdnopt.solvers.pumps.sweep.table import gap_table

logger = logging.getLogger(__name__)


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
