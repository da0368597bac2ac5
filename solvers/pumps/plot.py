"""A picture of a pump plan on the network: junction pressures without and with the pumps.

Two maps of the user's network side by side, drawn with wntr's
:func:`~wntr.graphics.network.plot_network` on one colour scale: the junction pressures of the
steady state without new pumps (left) and those EPANET simulated with the plan (right). The
scale breaks at ``P_min``: reds below it, greens and blues above. The pumps' pipes are drawn
thick, with a triangle at the node each pump is inserted at and its catalogue size beside it;
checked junctions still below ``P_min`` with the plan are circled in red. Checked junctions are
drawn larger than the others. The title gives the network, the demand factor, the number of
pumps, the cost and the verdict of the EPANET check.

The figure is a :class:`matplotlib.figure.Figure` of its own (:func:`plan_figure`), written as
PNG, SVG or PDF: no pyplot figure is opened and matplotlib's global backend is left as it is.
"""

from __future__ import annotations

import copy
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import wntr
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Colormap, ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Annotation

from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.io import DEFAULT_DPI, figure_bytes, write_figure
from wdnopt.solvers.pumps.result import PlacementResult
from wdnopt.solvers.pumps.verify import Verification

PUMP_COLOUR = "black"
"""Colour of the pumps' pipes and markers."""

FAIL_COLOUR = "red"
"""Colour of the circles around junctions still below ``P_min``."""

CHECKED_SIZE = 28
"""Marker size (points²) of a checked junction; other junctions are drawn at a third of it."""

MAX_PUMP_LABELS = 60
"""Pumps labelled with their size; beyond this many only the markers are drawn."""


def plan_png(
    problem: PumpProblem,
    result: PlacementResult,
    check: Verification | None,
    *,
    dpi: int = DEFAULT_DPI,
    fmt: str = "png",
) -> bytes:
    """The image of :func:`plan_figure` as bytes (``fmt``: png, svg or pdf)."""
    return figure_bytes(plan_figure(problem, result, check), fmt, dpi)


def plan_figure(
    problem: PumpProblem, result: PlacementResult, check: Verification | None
) -> Figure:
    """The plan on the network: junction pressures without (left) and with the plan (right),
    as a :class:`~matplotlib.figure.Figure` of its own (pyplot and its backend untouched)."""
    net = problem.network
    if net is None:
        raise ValueError("the problem has no network to draw (a bare tree instance)")
    wn = _with_layout(net.wn)
    junctions = list(wn.junction_name_list)
    p_min = net.p_min
    before = net.state.pressure.reindex(junctions).astype(float)
    after = None
    if check is not None:
        simulated = pd.Series(
            np.asarray(check.pressure, dtype=float), index=problem.tree.node_names
        )
        after = simulated.reindex(junctions)
    values = np.concatenate([before.to_numpy(), [] if after is None else after.to_numpy()])
    values = values[np.isfinite(values)]
    low = min(float(values.min()) if values.size else p_min, p_min)
    high = max(float(values.max()) if values.size else p_min, p_min + 1.0)
    cmap = _split_colormap(low, high, p_min)
    sizes = [CHECKED_SIZE if n in net.checked else CHECKED_SIZE / 3 for n in junctions]

    fig = Figure(figsize=(12.0, 6.4), layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    n_checked = len(net.checked)
    deficient = net.deficient()
    _draw(wn, left, before, sizes, cmap, low, high)
    left.set_title(
        f"without new pumps: {len(deficient)} of {n_checked} checked junctions below P_min",
        fontsize=10,
    )
    if check is None:
        right.set_axis_off()
        right.text(
            0.5,
            0.5,
            f"no plan ({result.status})",
            ha="center",
            va="center",
            transform=right.transAxes,
        )
    else:
        assert after is not None
        _draw(wn, right, after, sizes, cmap, low, high, pipes=[p.pipe for p in result.pumps])
        _mark_pumps(wn, right, problem, result)
        failing = [name for name, _ in check.failing(problem.tree)]
        _circle(wn, right, failing)
        right.set_title(
            f"with the plan: {len(failing)} of {n_checked} checked junctions below P_min",
            fontsize=10,
        )
        right.legend(
            handles=_legend(bool(result.pumps), bool(failing)),
            loc="lower right",
            fontsize=8,
            framealpha=0.8,
        )
    for ax in (left, right) if check is not None else (left,):
        _mark_sources(wn, ax)

    bar = fig.colorbar(
        ScalarMappable(norm=Normalize(low, high), cmap=cmap),
        ax=[left, right],
        shrink=0.8,
    )
    bar.set_label(f"junction pressure, m (P_min = {p_min:.3f} m: red below)")
    bar.ax.axhline(p_min, color="black", linewidth=1.2)
    fig.suptitle(_title(problem, result, check), fontsize=12)
    if check is not None:  # last: placed on the final layout
        place_labels(right, pump_labels(problem, result))
    return fig


def plot_plan(
    problem: PumpProblem,
    result: PlacementResult,
    check: Verification | None,
    path: str | Path,
    *,
    fmt: str | None = None,
    dpi: int = DEFAULT_DPI,
) -> Path:
    """Write the image of a plan on the network to ``path`` (atomically) and return the path;
    ``fmt`` png, svg or pdf (default: from the file's suffix).

    ``check`` is the EPANET run of the plan on the network
    (:func:`~wdnopt.solvers.pumps.verify.verify_pumps`); None when there is no plan, and then
    only the network without pumps is drawn.
    """
    return write_figure(plan_figure(problem, result, check), path, fmt=fmt, dpi=dpi)


def _title(problem: PumpProblem, result: PlacementResult, check: Verification | None) -> str:
    net = problem.network
    name = net.name if net is not None else problem.tree.name
    text = f"{name} at demand factor {problem.tree.demand_factor:g}"
    if result.objective is None or check is None:
        return f"{text}: no plan ({result.status})"
    n = len(result.pumps)
    verdict = "holds on the network" if check.verified else "does NOT hold on the network"
    return (
        f"{text}: {n} pump{'s' if n != 1 else ''}, {problem.objective} "
        f"{result.objective:,.0f} ({result.algorithm}), {verdict}"
    )


def _split_colormap(low: float, high: float, p_min: float, n: int = 256) -> Colormap:
    """A colour map of ``[low, high]`` breaking at ``p_min``: reds below, greens to blues above."""
    below = round(n * (p_min - low) / (high - low)) if high > low else 0
    below = min(max(below, 0), n)
    colours = np.vstack(
        [
            colormaps["Reds_r"](np.linspace(0.1, 0.65, below)),
            colormaps["YlGnBu"](np.linspace(0.3, 1.0, n - below)),
        ]
    )
    return ListedColormap(colours, name="pressure_at_p_min").with_extremes(bad="lightgrey")


def _draw(
    wn: wntr.network.WaterNetworkModel,
    ax: Axes,
    pressure: pd.Series,
    sizes: list[float],
    cmap: Colormap,
    low: float,
    high: float,
    pipes: list[str] | None = None,
) -> None:
    links: dict = {"link_alpha": 0.0}  # pipes: wntr's thin grey background only
    if pipes:  # wntr draws a list of links thick, in one colour
        links = {
            "link_attribute": sorted(set(pipes)),
            "link_cmap": [PUMP_COLOUR],
            "link_width": 2.5,
        }
    wntr.graphics.plot_network(
        wn,
        node_attribute=pressure,
        node_size=sizes,  # type: ignore[arg-type]
        node_range=[low, high],
        node_cmap=cmap,
        add_colorbar=False,
        show_plot=False,
        ax=ax,
        **links,
    )
    ax.set_aspect("equal", adjustable="datalim")


def _xy(wn: wntr.network.WaterNetworkModel, names: list[str]) -> np.ndarray:
    return np.array([wn.get_node(n).coordinates for n in names], dtype=float).reshape(-1, 2)


def _mark_pumps(
    wn: wntr.network.WaterNetworkModel, ax: Axes, problem: PumpProblem, result: PlacementResult
) -> None:
    if not result.pumps:
        return
    xy = _xy(wn, [p.upstream for p in result.pumps])
    ax.scatter(
        xy[:, 0],
        xy[:, 1],
        marker="^",
        s=60,
        color=PUMP_COLOUR,
        edgecolors="white",
        linewidths=0.6,
        zorder=4,
    )


def pump_labels(problem: PumpProblem, result: PlacementResult) -> list[tuple[float, float, str]]:
    """(x, y, text) of each point where pumps are inserted: their catalogue sizes joined by
    ``+``; none beyond :data:`MAX_PUMP_LABELS` pumps."""
    if not result.pumps or len(result.pumps) > MAX_PUMP_LABELS:
        return []
    net = problem.network
    assert net is not None
    xy = _xy(_with_layout(net.wn), [p.upstream for p in result.pumps])
    sizes = problem.catalogue.sizes
    labels: dict[tuple[float, float], list[str]] = {}
    for (x, y), pump in zip(xy, result.pumps, strict=True):
        labels.setdefault((float(x), float(y)), []).append(sizes[pump.size].name)
    return [(x, y, "+".join(names)) for (x, y), names in labels.items()]


LABEL_RINGS = (5.0, 12.0, 22.0, 34.0, 48.0, 64.0, 84.0)
"""Distances (points) from its pump at which a label is tried, nearest first."""
LABEL_DIRECTIONS = ((1, 1), (1, 0), (1, -1), (0, 1), (0, -1), (-1, 1), (-1, 0), (-1, -1))
"""Directions tried on each ring, up-right first (where a single label goes)."""
MARKER_HALF = 5.0
"""Half the side (points) of the box a pump's triangle covers, kept clear of labels."""


def place_labels(
    ax: Axes, labels: list[tuple[float, float, str]], *, fontsize: float = 6.5
) -> list[Annotation]:
    """Labels at their points without overlap, greedily: each in turn takes the first
    position, ring by ring (:data:`LABEL_RINGS`) and direction by direction
    (:data:`LABEL_DIRECTIONS`), whose box meets no label already placed and no point's marker
    and stays within the axes (or, failing that, the one that overlaps least); a label set
    beyond the first ring is joined to its point by a thin leader line.

    Positions are worked out in display units, so the figure's layout must be final (it is
    drawn once here); the labels take no part in the layout afterwards."""
    if not labels:
        return []
    fig = ax.get_figure()
    assert fig is not None
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    px = fig.dpi / 72.0
    points = ax.transData.transform(np.array([(x, y) for x, y, _ in labels], dtype=float))
    half = MARKER_HALF * px
    taken = [(px_x - half, px_y - half, px_x + half, px_y + half) for px_x, px_y in points]
    frame = tuple(ax.get_window_extent(renderer).extents)
    out = []
    for (x, y, text), (ax_x, ax_y) in zip(labels, points, strict=True):
        probe = ax.text(0, 0, text, fontsize=fontsize)
        box = probe.get_window_extent(renderer)
        probe.remove()
        w, h = box.width, box.height
        best: tuple[float, float, int, int, tuple[float, float, float, float]] | None = None
        for ring in LABEL_RINGS:
            for dx, dy in LABEL_DIRECTIONS:
                ox, oy = dx * ring * px, dy * ring * px
                x0 = ax_x + ox - (w if dx < 0 else w / 2 if dx == 0 else 0.0)
                y0 = ax_y + oy - (h if dy < 0 else h / 2 if dy == 0 else 0.0)
                rect = (x0, y0, x0 + w, y0 + h)
                inside = _overlap(rect, frame)
                clash = sum(_overlap(rect, other) for other in taken) + (w * h - inside)
                if best is None or clash < best[0]:
                    best = (clash, ring, dx, dy, rect)
                if clash == 0:
                    break
            if best is not None and best[0] == 0:
                break
        assert best is not None
        _, ring, dx, dy, rect = best
        taken.append(rect)
        leader = ring > LABEL_RINGS[0]
        ann = ax.annotate(
            text,
            (x, y),
            xytext=(dx * ring, dy * ring),
            textcoords="offset points",
            ha="left" if dx > 0 else "right" if dx < 0 else "center",
            va="bottom" if dy > 0 else "top" if dy < 0 else "center",
            fontsize=fontsize,
            color=PUMP_COLOUR,
            zorder=5,
            arrowprops={
                "arrowstyle": "-",
                "lw": 0.5,
                "color": PUMP_COLOUR,
                "shrinkA": 0,
                "shrinkB": MARKER_HALF,
            }
            if leader
            else None,
            annotation_clip=False,
        )
        ann.set_in_layout(False)
        out.append(ann)
    return out


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Area shared by two boxes (x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _circle(wn: wntr.network.WaterNetworkModel, ax: Axes, names: list[str]) -> None:
    names = [n for n in names if n in wn.node_name_list]
    if not names:
        return
    xy = _xy(wn, names)
    ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=140,
        facecolors="none",
        edgecolors=FAIL_COLOUR,
        linewidths=1.4,
        zorder=4,
    )


def _mark_sources(wn: wntr.network.WaterNetworkModel, ax: Axes) -> None:
    names = list(wn.reservoir_name_list) + list(wn.tank_name_list)
    if not names:
        return
    xy = _xy(wn, names)
    ax.scatter(xy[:, 0], xy[:, 1], marker="s", s=40, color="dimgrey", zorder=3)


def _legend(pumps: bool, failing: bool) -> list[Line2D]:
    handles = [
        Line2D([], [], marker="o", color="grey", linestyle="", label="checked junction"),
        Line2D([], [], marker="o", markersize=3.5, color="grey", linestyle="", label="not checked"),
        Line2D([], [], marker="s", color="dimgrey", linestyle="", label="reservoir or tank"),
    ]
    if pumps:
        handles.append(
            Line2D(
                [],
                [],
                marker="^",
                color=PUMP_COLOUR,
                linewidth=2.5,
                label="new pump (its pipe, size)",
            )
        )
    if failing:
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                markerfacecolor="none",
                markeredgecolor=FAIL_COLOUR,
                linestyle="",
                label="still below P_min",
            )
        )
    return handles


def _with_layout(wn: wntr.network.WaterNetworkModel) -> wntr.network.WaterNetworkModel:
    """``wn`` itself when its nodes have distinct coordinates; otherwise a copy laid out by
    networkx (a network without a ``[COORDINATES]`` section puts every node at one point)."""
    coordinates = {tuple(node.coordinates) for _, node in wn.nodes()}
    if len(coordinates) > 1 or wn.num_nodes < 2:
        return wn
    out = copy.deepcopy(wn)
    layout = nx.kamada_kawai_layout(out.to_graph().to_undirected())
    for name, (x, y) in layout.items():
        out.get_node(name).coordinates = (float(x), float(y))
    return out
