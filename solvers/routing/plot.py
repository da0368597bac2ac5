"""A picture of a scheduled day: throughput per plant, storage levels and cost by period."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from wdnopt.solvers.harness.plotting import mark_hidden_lines
from wdnopt.solvers.io import DEFAULT_DPI, figure_bytes, write_figure

if TYPE_CHECKING:  # annotations only: solve imports this module for RoutingResult.plot
    from wdnopt.solvers.routing.solve import RoutingResult

LEVEL_MARKERS = ["o", "s", "^", "D", "v", "P"]
"""Markers of the storage levels, one per node in turn."""


def day_png(result: RoutingResult, *, fmt: str = "png", dpi: int = DEFAULT_DPI) -> bytes:
    """The image of :func:`day_figure` as bytes (``fmt``: png, svg or pdf)."""
    return figure_bytes(day_figure(result), fmt, dpi)


def day_figure(result: RoutingResult) -> Figure:
    """The day: stacked plant throughput against demand, storage levels, and the cost of each
    period with the tariff (a Figure of its own: pyplot and its backend untouched)."""
    if not result.has("periods"):
        raise ValueError(
            f"{result.name or 'this result'}: no day to draw (the scenario has no [schedule])"
        )
    periods = result.periods
    start = periods["start_h"].to_numpy()
    hours = periods["hours"].to_numpy()
    mid = start + hours / 2
    has_storage = not result.storage.empty
    n_rows = 3 if has_storage else 2
    fig = Figure(figsize=(10, 3.1 * n_rows))
    axes = fig.subplots(n_rows, 1, sharex=True)
    ax = axes[0]
    bottom = np.zeros(len(periods))
    plants = [c for c in result.throughput.columns if c != "period"]
    colours = colormaps["tab20"](np.linspace(0, 1, max(len(plants), 1)))
    idle = []
    for colour, plant in zip(colours, plants, strict=False):
        values = result.throughput[plant].to_numpy()
        if np.allclose(values, 0):
            idle.append((plant, colour))
            continue
        ax.bar(start, values, width=hours, bottom=bottom, align="edge", label=plant, color=colour)
        bottom += values
    for plant, colour in idle:  # no bar to see: named in the legend all the same
        ax.add_line(
            Line2D([], [], marker="s", mfc="none", mec=colour, ls="", label=f"{plant} (idle)")
        )
    ax.step(
        np.append(start, start[-1] + hours[-1]),
        np.append(periods["demand"].to_numpy(), periods["demand"].iloc[-1]),
        where="post",
        color="black",
        linewidth=1.5,
        label="demand",
    )
    ax.set_ylabel("ML per period")
    ax.set_title(f"{result.name or 'routing'}: treated water by plant")
    ax.legend(loc="upper left", fontsize=8, ncol=min(6, len(plants) + 1))
    if has_storage:
        ax = axes[1]
        levels = result.storage_levels
        nodes = [c for c in result.storage.columns if c != "period"]
        for i, node in enumerate(nodes):
            rows = levels[levels["storage"] == node]
            marker = LEVEL_MARKERS[i % len(LEVEL_MARKERS)]
            ax.plot(rows["time_h"], rows["level"], marker=marker, markersize=4, label=node)
        mark_hidden_lines(ax)
        ax.set_ylabel("storage level, ML")
        ax.set_title("storage from the start level to the end of each period")
        ax.legend(loc="upper left", fontsize=8, ncol=6)
    ax = axes[-1]
    ax.bar(mid, periods["cost"], width=hours * 0.8, color="tab:red", alpha=0.7, label="cost")
    ax.set_ylabel("$ per period")
    ax.set_xlabel("hour of the day")
    ax.set_title("cost by period and tariff")
    twin = ax.twinx()
    twin.step(
        np.append(start, start[-1] + hours[-1]),
        np.append(periods["price_factor"].to_numpy(), periods["price_factor"].iloc[-1]),
        where="post",
        color="tab:blue",
        label="tariff (× reference)",
    )
    twin.set_ylabel("tariff, × reference price")
    lines = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], loc="upper left", fontsize=8)
    axes[-1].set_xlim(0, float(start[-1] + hours[-1]))
    axes[-1].set_xticks(np.arange(0, float(start[-1] + hours[-1]) + 1e-9, 3))
    fig.tight_layout()
    return fig


def write_day_png(
    result: RoutingResult, path: str | Path, *, fmt: str | None = None, dpi: int = DEFAULT_DPI
) -> Path:
    """Write the day's figure to ``path``, in ``fmt`` (default: from the file's suffix)."""
    return write_figure(day_figure(result), path, fmt=fmt, dpi=dpi)
