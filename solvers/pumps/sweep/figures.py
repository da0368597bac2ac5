"""The figures of a comparison sweep (PNG, SVG or PDF).

Each figure is built by a function that returns a :class:`matplotlib.figure.Figure` of its own
(``pressure_curve_figure``, ``cost_figure``, ``slack_figure``, ``gap_figure``): no pyplot
figure is opened and matplotlib's global backend is never switched, so the functions are safe
in a notebook. :func:`write_sweep_figures` writes them all. From the results table of
:mod:`wdnopt.solvers.harness`, per network:

- ``cost_<network>.png``: cost against the demand factor for every algorithm, one panel per
  objective, with the MILP optimum (hollow markers where not proved), MIN-OPEX's valid lower
  bound and the paper's IV-B figure (the paper's Fig. 6a/b);
- ``slack_<network>.png``: mean pressure slack ``(P − P_min)/P_min`` at the formerly deficient
  nodes, from EPANET (Fig. 6c/d);
- ``gap_<network>.png``: the gap of every heuristic to the reference;

and ``pressure_curve.png``: the share of demand junctions below ``P_min`` against the factor,
every network on one plot (Fig. 1). A seeded algorithm run with several seeds is drawn as the
mean over seeds with a band from the best to the worst seed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wdnopt.solvers.harness.plotting import (
    mark_hidden_lines,
    new_figure,
    slug,
    write_figure_files,
)
from wdnopt.solvers.io import DEFAULT_DPI
from wdnopt.solvers.pumps import registry
from wdnopt.solvers.pumps.sweep.table import compared
from wdnopt.solvers.status import Status

if TYPE_CHECKING:
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

TITLES = {
    "opex": "opex (NPV of energy)",
    "capex": "capex",
    "tco": "TCO (capex + NPV of energy)",
}
EXACT_STYLE = {"milp": dict(color="black", marker="o", lw=2.2, ms=6, zorder=5)}
BOUND_COLOUR = "0.45"
PAPER_COLOUR = "tab:red"


def _colours(algorithms: list[str]) -> dict[str, str]:
    palette = ["tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink"]
    others = [a for a in algorithms if a not in EXACT_STYLE]
    return {a: palette[i % len(palette)] for i, a in enumerate(others)}


STYLES = [("s", "--"), ("^", "-"), ("D", "-."), ("v", ":"), ("P", "-")]
"""Marker and line style of the n-th heuristic, so that coinciding curves stay visible."""


def _style(colours: dict[str, str], algorithm: str) -> dict[str, object]:
    names = list(colours)
    i = names.index(algorithm) if algorithm in names else 0
    marker, ls = STYLES[i % len(STYLES)]
    return dict(color=colours.get(algorithm, "tab:gray"), marker=marker, ls=ls, ms=5)


def sweep_figures(frame: pd.DataFrame, curves: pd.DataFrame, *, p_min: float) -> dict[str, Figure]:
    """Every figure of the sweep, by name (``pressure_curve``, ``cost_<network>``,
    ``slack_<network>``, ``gap_<network>``), in the order of the report."""
    figures: dict[str, Figure] = {}
    if len(curves):
        figures["pressure_curve"] = pressure_curve_figure(curves, p_min)
    for network in frame["network"].drop_duplicates():
        rows = frame[frame["network"] == network]
        figures[f"cost_{network}"] = cost_figure(rows, str(network))
        figures[f"slack_{network}"] = slack_figure(rows, str(network))
        figures[f"gap_{network}"] = gap_figure(rows, str(network))
    return figures


def figure_file(name: str, fmt: str) -> str:
    """File name of the figure ``name`` of :func:`sweep_figures`: ``cost_<slug>.<fmt>``."""
    base, _, network = name.partition("_")
    if name == "pressure_curve":
        return f"pressure_curve.{fmt}"
    return f"{base}_{slug(network)}.{fmt}"


def write_sweep_figures(
    frame: pd.DataFrame,
    curves: pd.DataFrame,
    out: Path,
    *,
    p_min: float,
    fmt: str = "png",
    dpi: int = DEFAULT_DPI,
) -> tuple[dict[str, Path], dict[str, str]]:
    """Write every figure of the sweep in ``out``; returns name → path and name → a ``data:``
    URI of the figure for a self-contained HTML page (the written PNG or SVG itself; a PNG
    rendering of a PDF figure)."""
    figures = sweep_figures(frame, curves, p_min=p_min)
    return write_figure_files(figures, out, fmt=fmt, dpi=dpi, file_name=figure_file)


def pressure_curve_figure(curves: pd.DataFrame, p_min: float) -> Figure:
    """Share of demand junctions below ``P_min`` against the factor (paper Fig. 1)."""
    fig = new_figure(6.4, 4.0)
    ax = fig.subplots()
    for network, curve in curves.groupby("network", sort=False):
        ax.plot(curve["factor"], 100 * curve["share"], marker="o", ms=3, label=str(network))
    ax.set_xlabel("demand factor")
    ax.set_ylabel("demand junctions below P_min (%)")
    ax.set_title(f"Junctions below P_min = {p_min:.2f} m as demand grows", fontsize=10)
    ax.grid(True, alpha=0.3)
    mark_hidden_lines(ax)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _panels(objectives: list[str], height: float = 4.0) -> tuple[Figure, list]:
    n = len(objectives)
    fig = new_figure(5.6 * n, height)
    axes = fig.subplots(1, n, squeeze=False)
    return fig, list(axes[0])


def _by_factor(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """Mean, min and max of ``column`` over seeds, per factor."""
    rows = rows[rows[column].notna() & np.isfinite(rows[column].astype(float))]
    grouped = rows.groupby("demand_factor")[column]
    return pd.DataFrame({"mean": grouped.mean(), "low": grouped.min(), "high": grouped.max()})


def _algorithm_lines(
    ax: object,
    rows: pd.DataFrame,
    column: str,
    colours: dict[str, str],
    scale: float = 1.0,
    *,
    exact_names: set[str],
) -> None:
    for algorithm, part in rows.groupby("algorithm", sort=False):
        part = part[part["cost"].notna()]
        if part.empty:
            continue
        stats = _by_factor(part, column)
        if stats.empty:
            continue
        x = stats.index.to_numpy(dtype=float)
        if algorithm in EXACT_STYLE:
            style = EXACT_STYLE[str(algorithm)]
            label = "MILP optimum" if algorithm == "milp" else str(algorithm)
            ax.plot(x, scale * stats["mean"], label=label, **style)  # type: ignore[attr-defined]
            unproved = part[part["status"] != str(Status.OPTIMAL)]
            if len(unproved):
                ax.plot(  # type: ignore[attr-defined]
                    unproved["demand_factor"],
                    scale * unproved[column],
                    ls="none",
                    marker="o",
                    ms=9,
                    mfc="white",
                    mec="black",
                    zorder=6,
                    label="MILP, not proved",
                )
            continue
        if algorithm in exact_names:  # another exact algorithm: on top of the optimum
            ax.plot(  # type: ignore[attr-defined]
                x, scale * stats["mean"], ls="none", marker="x", color="0.3", ms=6, label=algorithm
            )
            continue
        colour = colours.get(str(algorithm), "tab:gray")
        style = _style(colours, str(algorithm))
        ax.plot(x, scale * stats["mean"], label=algorithm, **style)  # type: ignore[attr-defined]
        if (stats["high"] > stats["low"]).any():
            ax.fill_between(  # type: ignore[attr-defined]
                x, scale * stats["low"], scale * stats["high"], color=colour, alpha=0.15, lw=0
            )


def _exact_names(rows: pd.DataFrame) -> set[str]:

    return {a for a in rows["algorithm"].unique() if registry.get(str(a)).exact}


def cost_figure(rows: pd.DataFrame, network: str) -> Figure:
    """Cost against the factor per algorithm, with the lower bounds (paper Fig. 6a/b)."""
    from matplotlib.ticker import EngFormatter  # lazy: matplotlib only for figures

    objectives = list(rows["objective"].drop_duplicates())
    fig, axes = _panels(objectives, 4.4)
    colours = _colours(list(rows["algorithm"].drop_duplicates()))
    exact = _exact_names(rows)
    for ax, objective in zip(axes, objectives, strict=True):
        part = rows[rows["objective"] == objective]
        _algorithm_lines(ax, part, "cost", colours, exact_names=exact)
        bounds = part[part["status"] == str(Status.BOUND_ONLY)]
        if len(bounds):
            b = bounds.groupby("demand_factor")[["bound", "paper_bound"]].max()
            ax.plot(b.index, b["bound"], ls="--", color=BOUND_COLOUR, label="lower bound (valid)")
            if b["paper_bound"].notna().any():
                ax.plot(
                    b.index,
                    b["paper_bound"],
                    ls=":",
                    lw=2,
                    color=PAPER_COLOUR,
                    label="paper's bound (MIN-OPEX Q*)"
                    if objective == "opex"
                    else "paper's bound (IV-B)",
                )
        ax.set_title(f"{network}: {TITLES.get(objective, objective)}", fontsize=10)
        ax.set_xlabel("demand factor")
        ax.set_ylabel("cost ($)")
        ax.yaxis.set_major_formatter(EngFormatter(sep=""))
        ax.grid(True, alpha=0.3)
        mark_hidden_lines(ax)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def slack_figure(rows: pd.DataFrame, network: str) -> Figure:
    """Mean pressure slack at the formerly deficient nodes (paper Fig. 6c/d)."""
    objectives = list(rows["objective"].drop_duplicates())
    fig, axes = _panels(objectives)
    colours = _colours(list(rows["algorithm"].drop_duplicates()))
    exact = _exact_names(rows)
    for ax, objective in zip(axes, objectives, strict=True):
        part = rows[(rows["objective"] == objective) & (rows["deficient_nodes"].fillna(0) > 0)]
        _algorithm_lines(ax, part, "mean_slack", colours, 100.0, exact_names=exact)
        ax.set_title(f"{network}: slack, {objective} placements", fontsize=10)
        ax.set_xlabel("demand factor")
        ax.set_ylabel("mean (P − P_min)/P_min at formerly deficient nodes (%)")
        ax.yaxis.label.set_size(8)
        ax.grid(True, alpha=0.3)
        mark_hidden_lines(ax)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def gap_figure(rows: pd.DataFrame, network: str) -> Figure:
    """Gap of every heuristic to the reference (hollow where the reference is a bound), over
    the runs the gap table counts (:func:`~wdnopt.solvers.pumps.sweep.table.compared`)."""

    objectives = list(rows["objective"].drop_duplicates())
    fig, axes = _panels(objectives)
    colours = _colours(list(rows["algorithm"].drop_duplicates()))
    exact = _exact_names(rows)
    for ax, objective in zip(axes, objectives, strict=True):
        part = rows[(rows["objective"] == objective) & ~rows["algorithm"].isin(exact)]
        part = compared(part)  # the runs the gap table counts, no others
        for algorithm, runs in part.groupby("algorithm", sort=False):
            colour = colours.get(str(algorithm), "tab:gray")
            stats = _by_factor(runs, "gap")
            x = stats.index.to_numpy(dtype=float)
            ax.plot(x, 100 * stats["mean"], label=algorithm, **_style(colours, str(algorithm)))
            if (stats["high"] > stats["low"]).any():
                ax.fill_between(
                    x, 100 * stats["low"], 100 * stats["high"], color=colour, alpha=0.15, lw=0
                )
            vs_bound = runs[runs["reference_kind"] == "bound"]
            if len(vs_bound):
                ax.plot(
                    vs_bound["demand_factor"],
                    100 * vs_bound["gap"],
                    ls="none",
                    marker="o",
                    ms=8,
                    mfc="white",
                    mec=colour,
                )
        ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
        ax.set_title(f"{network}: gap to the optimum, {objective}", fontsize=10)
        ax.set_xlabel("demand factor")
        ax.set_ylabel("(cost − optimum) / optimum (%)")
        ax.set_ylim(bottom=min(0.0, ax.get_ylim()[0]))
        ax.grid(True, alpha=0.3)
        mark_hidden_lines(ax)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
