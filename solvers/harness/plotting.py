"""Figures of any sweep: a figure of its own (never pyplot's), lines that another one covers made
visible, and a set of figures written to files at once (with ``data:`` URIs for an HTML page)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from wdnopt.solvers.io import DEFAULT_DPI, data_uri, figure_bytes, write_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(width: float, height: float) -> Figure:
    """A new figure of its own (not registered with pyplot)."""
    from matplotlib.figure import Figure  # lazy: matplotlib only when a figure is drawn

    return Figure(figsize=(width, height))


HIDDEN_GID = "hidden"
"""``gid`` of the markers drawn over a line another one covers."""


def mark_hidden_lines(ax: Any, *, rtol: float = 1e-9) -> list[str]:
    """Give every line of ``ax`` that another one covers a visible marker and a legend entry.

    A line is covered when a line drawn over it (a higher ``zorder``, or the same and drawn
    later) passes through every one of its points (to ``rtol`` of the values' scale): it would
    otherwise vanish, legend entry and all, under the other. Each such line gets large hollow
    markers in its colour on top of everything, labelled ``"<line> (under <other>)"``, with
    ``gid`` :data:`HIDDEN_GID`. Returns those labels."""
    from matplotlib.markers import MarkerStyle  # lazy: matplotlib only for figures

    lines = [
        ln
        for ln in ax.get_lines()
        if not ln.get_label().startswith("_") and ln.get_transform() == ax.transData
    ]
    order = {id(ln): (ln.get_zorder(), i) for i, ln in enumerate(lines)}
    labels = []
    for low in lines:
        x, y = _points(low)
        if not len(x):
            continue
        scale = max(1.0, float(np.nanmax(np.abs(y))))
        for high in lines:
            if high is low or order[id(high)] <= order[id(low)]:
                continue
            hx, hy = _points(high)
            at = {float(a): float(b) for a, b in zip(hx, hy, strict=True)}
            if all(
                xi in at and abs(at[xi] - yi) <= rtol * scale for xi, yi in zip(x, y, strict=True)
            ):
                label = f"{low.get_label()} (under {high.get_label()})"
                marker = low.get_marker() if low.get_marker() not in (None, "None", "") else "o"
                # a filled marker hollow in the line's colour; an x or + in that colour
                hollow = MarkerStyle(marker).is_filled()
                ax.scatter(
                    x,
                    y,
                    s=110,
                    marker=marker,
                    facecolors="none" if hollow else low.get_color(),
                    edgecolors=low.get_color() if hollow else None,
                    linewidths=1.6,
                    zorder=max(o[0] for o in order.values()) + 2,
                    gid=HIDDEN_GID,
                    label=label,
                )
                labels.append(label)
                break
    return labels


def _points(line: Any) -> tuple[np.ndarray, np.ndarray]:
    """The finite points of a line."""
    x = np.asarray(line.get_xdata(), dtype=float)
    y = np.asarray(line.get_ydata(), dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def slug(text: str) -> str:
    """A file-name-safe version of a label."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "network"


def write_figure_files(
    figures: dict[str, Figure],
    out: Path,
    *,
    fmt: str = "png",
    dpi: int = DEFAULT_DPI,
    file_name: Callable[[str, str], str] = lambda name, fmt: f"{name}.{fmt}",
) -> tuple[dict[str, Path], dict[str, str]]:
    """Write each figure as ``out/file_name(name, fmt)`` (atomically); returns name → path and
    name → a ``data:`` URI for a self-contained HTML page (the PNG or SVG written; for a PDF,
    which a browser does not show in ``<img>``, a PNG rendering)."""
    paths: dict[str, Path] = {}
    images: dict[str, str] = {}
    for name, fig in figures.items():
        data = figure_bytes(fig, fmt, dpi)
        paths[name] = write_atomic(Path(out) / file_name(name, fmt), data)
        if fmt == "pdf":
            images[name] = data_uri(figure_bytes(fig, "png", dpi), "png")
        else:
            images[name] = data_uri(data, fmt)
    return paths, images
