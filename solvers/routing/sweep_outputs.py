"""The figures and the report of a routing sweep.

A routing sweep solves many variations of one water-routing scenario (demand multipliers ×
outages × tariffs), each as an LP. From its results table (one row per run) and its plant table
(one row per run and plant), this module builds:

- :func:`sweep_figures`: ``cost_by_demand`` (total cost against the demand multiplier, one
  line per outage, infeasible runs marked), ``shortfall`` (unmet demand as a heatmap),
  ``cost_breakdown`` (stacked cost parts without outage) and ``plant_utilisation`` (every
  plant's utilisation against the multiplier), each a :class:`matplotlib.figure.Figure` of its
  own (pyplot and the global backend untouched);
- :func:`report_blocks`: the report's content as the blocks of
  :mod:`wdnopt.solvers.harness.document`,
  rendered by its :func:`~wdnopt.solvers.harness.document.to_markdown` and
  :func:`~wdnopt.solvers.harness.document.to_html`;
- :func:`write_routing_sweep_outputs`: every figure, ``report.md`` and a self-contained
  ``report.html`` written atomically in one folder.

A run stopped on its time limit has a feasible plan that is not proved optimal: everywhere it
is shown, it is shown as such, with its gap.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from wdnopt.solvers.harness.document import CURRENCY, Block, money, percent, to_html, to_markdown
from wdnopt.solvers.harness.plotting import mark_hidden_lines, new_figure
from wdnopt.solvers.io import DEFAULT_DPI, write_atomic
from wdnopt.solvers.status import Status

if TYPE_CHECKING:
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

NO_OUTAGE = "none"
"""The ``outage`` of the runs with every asset in service."""

COST_PARTS = {
    "pumping_cost": "pumping",
    "treatment_cost": "treatment",
    "demand_charge": "demand charge",
    "other_cost": "other",
}
"""Columns of the cost breakdown and their labels, bottom to top of a stacked bar (the
sweep's :data:`~wdnopt.solvers.routing.sweep.COST_COLUMNS`, in their order)."""

PART_COLOURS = ["tab:blue", "tab:green", "tab:orange", "tab:gray"]

SOLVED = (str(Status.OPTIMAL), str(Status.TIME_LIMIT), str(Status.HEURISTIC))
"""Statuses whose run has a plan (and so a cost)."""

STATUS_MEANING = {
    str(Status.OPTIMAL): "proved optimal",
    str(Status.TIME_LIMIT): "stopped on the time limit: a feasible plan, not proved optimal "
    "(its gap is shown)",
    str(Status.INFEASIBLE): "the demands cannot all be met",
    str(Status.ERROR): "the run failed (see its message)",
    str(Status.UNKNOWN): "the solver gave no verdict",
}

ANNOTATE_MAX = 12
"""Heatmap cells are labelled with their values when the grid is at most this many rows and
columns."""

WORST_N = 3
"""Rows of each worst-case table."""

PALETTE = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown"]
MARKERS = ["s", "^", "D", "v", "P", "X"]


# --- the grid of a sweep ---------------------------------------------------------------------


def multipliers(frame: pd.DataFrame) -> list[float]:
    """The demand multipliers of the sweep, increasing."""
    return sorted({float(m) for m in frame["demand_multiplier"].dropna()})


def outages(frame: pd.DataFrame) -> list[str]:
    """The outages of the sweep, ``none`` first, the others in the order of the runs."""
    names = [str(o) for o in frame["outage"].drop_duplicates()]
    return sorted(names, key=lambda o: o != NO_OUTAGE)


def tariffs(frame: pd.DataFrame) -> list[str]:
    """The tariffs of the sweep, in the order of the runs."""
    return [str(t) for t in frame["tariff"].drop_duplicates()]


def solved(frame: pd.DataFrame) -> pd.DataFrame:
    """The runs with a plan and a cost (optimal or stopped on the time limit)."""
    return frame[frame["status"].astype(str).isin(SOLVED) & frame["objective"].notna()]


def _is_infeasible(frame: pd.DataFrame) -> pd.Series:
    return frame["status"].astype(str) == str(Status.INFEASIBLE)


def sweep_name(frame: pd.DataFrame, info: dict[str, Any] | None = None) -> str:
    """The sweep's name: column ``sweep`` of the runs, else ``info['sweep']``, else the
    scenario's name."""
    if "sweep" in frame.columns and frame["sweep"].notna().any():
        return str(frame["sweep"].dropna().iloc[0])
    info = info or {}
    return str(info.get("sweep") or info.get("scenario") or "routing sweep")


def ml(x: Any) -> str:
    """A volume in ML/day as the report shows it (``–`` when unknown)."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return "–"
    x = float(x)
    if x == 0:
        return "0"
    return f"{x:,.2f}" if abs(x) >= 0.01 else f"{x:.2g}"


def _multiplier_label(m: float) -> str:
    return f"×{m:g}"


def shortfall_grid(frame: pd.DataFrame, tariff: str) -> pd.DataFrame:
    """Unmet demand (ML/day) of one tariff: rows the outages, columns the multipliers (NaN
    where the run has no answer or was not run)."""
    rows = frame[frame["tariff"].astype(str) == tariff]
    grid = rows.pivot_table(
        index="outage", columns="demand_multiplier", values="shortfall_ml", aggfunc="first"
    )
    return grid.reindex(index=outages(frame), columns=multipliers(frame))


# --- figures ---------------------------------------------------------------------------------


def sweep_figures(frame: pd.DataFrame, plants: pd.DataFrame) -> dict[str, Figure]:
    """Every figure of the sweep with something to show, by file stem (``cost_by_demand``,
    ``shortfall``, ``cost_breakdown``, ``plant_utilisation``), in the order of the report."""
    builders = {
        "cost_by_demand": lambda: cost_by_demand_figure(frame),
        "shortfall": lambda: shortfall_figure(frame),
        "cost_breakdown": lambda: cost_breakdown_figure(frame),
        "plant_utilisation": lambda: plant_utilisation_figure(frame, plants),
    }
    figures: dict[str, Figure] = {}
    for name, build in builders.items():
        fig = build() if len(frame) else None
        if fig is None:
            logger.info("figure %s left out: nothing to show", name)
        else:
            figures[name] = fig
    return figures


def _panels(n: int, width: float, height: float, *, sharey: bool = True) -> tuple[Figure, list]:
    fig = new_figure(width * n, height)
    axes = fig.subplots(1, n, squeeze=False, sharey=sharey)
    return fig, list(axes[0])


def _money_axis(ax: Any) -> None:
    from matplotlib.ticker import StrMethodFormatter  # matplotlib: only to draw

    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))


def _outage_style(index: int, outage: str) -> dict[str, Any]:
    if outage == NO_OUTAGE:
        return dict(color="black", lw=2.6, marker="o", ms=6, zorder=5)
    i = index % len(PALETTE)
    return dict(color=PALETTE[i], lw=1.4, marker=MARKERS[i % len(MARKERS)], ms=5, ls="--")


NO_PLAN_GID = "no_plan"
"""``gid`` of the strip under a cost panel where runs without a plan are marked."""


def cost_by_demand_figure(frame: pd.DataFrame) -> Figure | None:
    """Total cost against the demand multiplier, one line per outage (``none`` thick and
    black), one panel per tariff (shared cost axis). Runs without a plan have no cost, so they
    are not drawn on the cost axis: the infeasible ones are marked with an ``x`` in a strip
    under the panel labelled "no plan", one row per outage in its colour; runs stopped on the
    time limit are circled. A line another one covers gets hollow markers and a legend entry of
    its own. ``None`` when no run has a cost."""
    from matplotlib.lines import Line2D  # matplotlib: only to draw

    ok = solved(frame)
    if ok.empty:
        return None
    names = tariffs(frame)
    styles = {o: _outage_style(i, o) for i, o in enumerate(outages(frame))}
    any_infeasible = bool(_is_infeasible(frame).any())
    fig = new_figure(5.4 * len(names), 5.2 if any_infeasible else 4.4)
    fig.set_layout_engine("constrained")
    if any_infeasible:
        grid = fig.subplots(
            2, len(names), squeeze=False, sharex="col", gridspec_kw={"height_ratios": [5, 1]}
        )
        axes, strips = list(grid[0]), list(grid[1])
        for ax in axes[1:]:
            ax.sharey(axes[0])
    else:
        axes = list(fig.subplots(1, len(names), squeeze=False, sharey=True)[0])
        strips = [None] * len(names)
    no_plan = Line2D(
        [], [], marker="x", color="0.3", ls="", mew=2, label="no plan: demand not met (x, below)"
    )
    for ax, strip, tariff in zip(axes, strips, names, strict=True):
        runs = frame[frame["tariff"].astype(str) == tariff]
        part_ok = solved(runs)
        marked_limit = False
        for outage, style in styles.items():
            line = part_ok[part_ok["outage"].astype(str) == outage].sort_values("demand_multiplier")
            if len(line):
                ax.plot(line["demand_multiplier"], line["objective"], label=outage, **style)
                limited = line[line["status"].astype(str) == str(Status.TIME_LIMIT)]
                if len(limited):
                    ax.scatter(
                        limited["demand_multiplier"],
                        limited["objective"],
                        s=150,
                        facecolors="none",
                        edgecolors="red",
                        linewidths=1.5,
                        zorder=6,
                        gid="time_limit",
                        label=None if marked_limit else "time limit: not proved optimal",
                    )
                    marked_limit = True
            infeasible = runs[_is_infeasible(runs) & (runs["outage"].astype(str) == outage)]
            if len(infeasible) and strip is not None:
                strip.scatter(
                    infeasible["demand_multiplier"],
                    np.full(len(infeasible), float(list(styles).index(outage))),
                    marker="x",
                    s=60,
                    linewidths=2,
                    color=style["color"],
                    zorder=6,
                    gid="infeasible",
                )
        mark_hidden_lines(ax)
        no_answer = runs[~runs.index.isin(part_ok.index) & ~_is_infeasible(runs)]
        title = f"tariff {tariff}"
        if len(no_answer):
            title += f" ({len(no_answer)} run(s) with no answer not shown)"
        ax.set_title(title, fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.set_xticks(multipliers(frame))
        bottom = ax
        if strip is not None:
            _no_plan_strip(strip, list(styles))
            ax.tick_params(labelbottom=False)
            bottom = strip
        bottom.set_xlabel("demand multiplier (× base demand)")
        handles, labels = ax.get_legend_handles_labels()
        if strip is not None and strip.collections:
            handles, labels = [*handles, no_plan], [*labels, no_plan.get_label()]
        if handles:  # the outages first, then the markers
            order = sorted(range(len(labels)), key=lambda i: labels[i] not in styles)
            ax.legend(
                [handles[i] for i in order],
                [labels[i] for i in order],
                fontsize=7,
                title="outage",
                title_fontsize=8,
            )
    axes[0].set_ylabel(f"total cost ({CURRENCY}/day)")
    _money_axis(axes[0])
    fig.suptitle(
        "Daily cost of the plan as demand grows, per outage (x below: no plan meets the demand)",
        fontsize=11,
    )
    return fig


def _no_plan_strip(strip: Any, outage_names: list[str]) -> None:
    """The strip under a cost panel: one row per outage, no cost scale."""
    strip.set_gid(NO_PLAN_GID)
    strip.set_ylim(len(outage_names) - 0.5, -0.5)
    strip.set_yticks([])
    strip.set_ylabel("no plan", fontsize=8, rotation=0, ha="right", va="center")
    strip.grid(True, axis="x", alpha=0.3)
    strip.set_facecolor("0.96")


def shortfall_figure(frame: pd.DataFrame) -> Figure | None:
    """Unmet demand (ML/day) as a heatmap: rows the outages, columns the multipliers, one panel
    per tariff, all on one colour scale. Cells where all demand is met are pale green, cells
    without an answer grey. ``None`` when no run has a known shortfall."""
    # matplotlib: only to draw
    from matplotlib import colormaps
    from matplotlib.colors import Normalize  # as above

    if frame["shortfall_ml"].notna().sum() == 0:
        return None
    names = tariffs(frame)
    grids = [shortfall_grid(frame, t) for t in names]
    rows, cols = grids[0].shape
    top = float(np.nanmax([np.nanmax(g.to_numpy(dtype=float), initial=0.0) for g in grids]))
    tiny = 1e-9
    norm = Normalize(vmin=tiny, vmax=max(top, 10 * tiny))
    cmap = colormaps["YlOrRd"].with_extremes(under="#d9f0d3", bad="0.75")
    fig = new_figure(max(4.2, 0.9 * cols + 2.2) * len(names) + 1.0, max(3.2, 0.45 * rows + 2.0))
    fig.set_layout_engine("constrained")
    axes = list(fig.subplots(1, len(names), squeeze=False, sharey=True)[0])
    image = None
    annotate = rows <= ANNOTATE_MAX and cols <= ANNOTATE_MAX
    for ax, tariff, grid in zip(axes, names, grids, strict=True):
        values = grid.to_numpy(dtype=float)
        image = ax.imshow(
            np.ma.masked_invalid(values),
            cmap=cmap,
            norm=norm,
            aspect="auto",
            interpolation="nearest",
        )
        ax.set_xticks(range(cols), [_multiplier_label(m) for m in grid.columns])
        ax.set_yticks(range(rows), [str(o) for o in grid.index])
        ax.set_xlabel("demand multiplier")
        ax.set_title(f"tariff {tariff}", fontsize=10)
        if annotate:
            for (i, j), v in np.ndenumerate(values):
                text = "n/a" if math.isnan(v) else ml(v)
                dark = not math.isnan(v) and v > 0 and norm(v) > 0.6
                ax.text(
                    j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if dark else "black",
                )  # fmt: skip
    axes[0].set_ylabel("outage")
    fig.colorbar(image, ax=axes, extend="min", label="unmet demand (ML/day)")
    fig.suptitle(
        "Demand not met (ML/day) by outage and demand multiplier"
        + ("" if top > 0 else ": every run met all demand")
        + "\n(green: all demand met, grey: no answer)",
        fontsize=10,
    )
    return fig


def cost_breakdown_figure(frame: pd.DataFrame) -> Figure | None:
    """Stacked pumping, treatment, demand-charge and other cost of the runs without outage,
    one bar per multiplier, one panel per tariff (shared cost axis). A multiplier with no plan
    is labelled with its status; a bar stopped on the time limit carries its gap. ``None``
    when no run without outage has a cost."""
    base = frame[frame["outage"].astype(str) == NO_OUTAGE]
    if solved(base).empty:
        return None
    names = tariffs(frame)
    xs = multipliers(frame)
    fig, axes = _panels(len(names), max(4.4, 0.8 * len(xs) + 2.0), 4.4)
    fig.set_layout_engine("constrained")
    for ax, tariff in zip(axes, names, strict=True):
        runs = base[base["tariff"].astype(str) == tariff]
        ok = solved(runs).sort_values("demand_multiplier")
        pos = [xs.index(float(m)) for m in ok["demand_multiplier"]]
        bottom = np.zeros(len(ok))
        for (column, label), colour in zip(COST_PARTS.items(), PART_COLOURS, strict=True):
            height = ok[column].fillna(0.0).to_numpy(dtype=float)
            ax.bar(pos, height, bottom=bottom, width=0.7, color=colour, label=label)
            bottom += height
        for p, (_, run) in zip(pos, ok.iterrows(), strict=True):
            if str(run["status"]) == str(Status.TIME_LIMIT):
                ax.annotate(
                    f"time limit\ngap {percent(run['gap'])}",
                    (p, float(run["objective"])),
                    xytext=(0, 3),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color="red",
                )
        for _, run in runs[~runs.index.isin(ok.index)].iterrows():
            ax.text(
                xs.index(float(run["demand_multiplier"])),
                0.02,
                str(run["status"]),
                transform=ax.get_xaxis_transform(),
                rotation=90,
                ha="center",
                va="bottom",
                fontsize=8,
                color="0.3",
            )
        ax.set_xticks(range(len(xs)), [_multiplier_label(m) for m in xs])
        ax.set_xlim(-0.6, len(xs) - 0.4)
        ax.set_xlabel("demand multiplier")
        ax.set_title(f"tariff {tariff}", fontsize=10)
        ax.grid(True, axis="y", alpha=0.3)
    axes[0].set_ylabel(f"cost ({CURRENCY}/day)")
    top = float(solved(base)["objective"].max())
    axes[0].set_ylim(0, 1.12 * top)  # room above the tallest bar for its label
    _money_axis(axes[0])
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="outside right center", fontsize=8)
    fig.suptitle("What the daily cost is made of, with every asset in service", fontsize=11)
    return fig


def plant_utilisation_figure(frame: pd.DataFrame, plants: pd.DataFrame) -> Figure | None:
    """Utilisation (%) of every plant against the demand multiplier, for the runs without
    outage under the first tariff (runs with a plan only). ``None`` when there is none."""
    names = tariffs(frame)
    if not names or plants.empty:
        return None
    tariff = names[0]
    runs = solved(
        frame[(frame["outage"].astype(str) == NO_OUTAGE) & (frame["tariff"].astype(str) == tariff)]
    )
    rows = plants.merge(runs[["run_id", "demand_multiplier"]], on="run_id")
    rows = rows[rows["utilisation"].notna()]
    if rows.empty:
        return None
    fig = new_figure(6.4, 4.2)
    ax = fig.subplots()
    for i, (plant, line) in enumerate(rows.groupby("plant", sort=False)):
        line = line.sort_values("demand_multiplier")
        ax.plot(
            line["demand_multiplier"],
            100 * line["utilisation"].astype(float),
            label=str(plant),
            color=PALETTE[i % len(PALETTE)],
            marker=MARKERS[i % len(MARKERS)],
            ms=5,
        )
    ax.axhline(100, color="0.4", lw=0.9, ls=":", label="capacity (100 %)")
    mark_hidden_lines(ax)
    ax.set_xticks(multipliers(frame))
    ax.set_ylim(0, max(105.0, 100 * float(rows["utilisation"].max()) + 5))
    ax.set_xlabel("demand multiplier (× base demand)")
    ax.set_ylabel("plant utilisation (% of capacity)")
    ax.set_title(f"How full each plant runs as demand grows (no outage, tariff {tariff})")
    ax.title.set_size(10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, title="plant", title_fontsize=8)
    fig.tight_layout()
    return fig


# --- report ----------------------------------------------------------------------------------


def _gap_text(gap: Any) -> str:
    return "gap unknown" if gap is None or gap != gap else f"gap {percent(gap)}"


def status_text(run: pd.Series) -> str:
    """A run's status in words; a time-limited run with its gap."""
    status = str(run["status"])
    if status == str(Status.TIME_LIMIT):
        return f"time limit, {_gap_text(run.get('gap'))}"
    return status


def cost_cell(run: pd.Series | None) -> str:
    """A cell of the cost table: the total cost ($/day); for a run stopped on its time limit
    the cost with its gap; for a run without a plan its status (and the demand not met)."""
    if run is None:
        return "–"
    status = str(run["status"])
    if status in SOLVED and pd.notna(run["objective"]):
        if status == str(Status.TIME_LIMIT):
            return f"{money(run['objective'])} ({status_text(run)})"
        return money(run["objective"])
    if status == str(Status.INFEASIBLE):
        short = run.get("shortfall_ml")
        return f"infeasible (short {ml(short)} ML/day)" if pd.notna(short) else "infeasible"
    return status


def cost_table(frame: pd.DataFrame, tariff: str) -> pd.DataFrame:
    """Total cost of one tariff as the report shows it: rows the outages, columns the
    multipliers, every cell a :func:`cost_cell`."""
    runs = frame[frame["tariff"].astype(str) == tariff]
    xs = multipliers(frame)
    table = []
    for outage in outages(frame):
        row: dict[str, str] = {"outage": outage}
        for m in xs:
            cell = runs[(runs["outage"].astype(str) == outage) & (runs["demand_multiplier"] == m)]
            if len(cell) > 1:
                logger.warning(
                    "%d runs for tariff %s, outage %s, multiplier %g: the first is shown",
                    len(cell),
                    tariff,
                    outage,
                    m,
                )
            row[_multiplier_label(m)] = cost_cell(cell.iloc[0] if len(cell) else None)
        table.append(row)
    return pd.DataFrame(table, columns=["outage", *(_multiplier_label(m) for m in xs)])


def _case_table(runs: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run": runs["run_id"].astype(str),
            "tariff": runs["tariff"].astype(str),
            "outage": runs["outage"].astype(str),
            "multiplier": [_multiplier_label(float(m)) for m in runs["demand_multiplier"]],
            "status": [status_text(r) for _, r in runs.iterrows()],
            f"total cost ({CURRENCY}/day)": [money(v) for v in runs["objective"]],
            "demand not met (ML/day)": [ml(v) for v in runs["shortfall_ml"]],
            "zones short": [
                "–" if pd.isna(v) else str(int(v))
                for v in (runs["short_zones"] if "short_zones" in runs else [None] * len(runs))
            ],
        }
    )


def _settings(frame: pd.DataFrame, info: dict[str, Any]) -> pd.DataFrame:
    wall = info.get("wall_s")
    versions = info.get("versions") or {}
    rows = [
        ("scenario", info.get("scenario", "–")),
        ("base scenario file", info.get("base") or "(built in code)"),
        ("demand multipliers", ", ".join(_multiplier_label(m) for m in multipliers(frame))),
        ("outages", ", ".join(outages(frame))),
        ("tariffs", ", ".join(tariffs(frame))),
        (
            "runs",
            f"{info.get('runs', len(frame))} ({info.get('ran', '?')} run by this call, the rest "
            "read back)",
        ),
        ("workers", str(info.get("workers", "–"))),
        ("wall time of this call", "–" if wall is None else f"{float(wall):.1f} s"),
        ("date", str(info.get("date", "–"))),
        ("machine", str(info.get("machine", "–"))),
        ("versions", ", ".join(f"{k} {v}" for k, v in versions.items()) or "–"),
    ]
    return pd.DataFrame(rows, columns=["setting", "value"]).astype(str)


def _status_counts(frame: pd.DataFrame) -> pd.DataFrame:
    counts = frame["status"].astype(str).value_counts(sort=False)
    known = [s for s in STATUS_MEANING if s in counts.index]
    order = known + [s for s in counts.index if s not in STATUS_MEANING]
    return pd.DataFrame(
        {
            "status": order,
            "runs": [str(int(counts[s])) for s in order],
            "meaning": [STATUS_MEANING.get(s, "–") for s in order],
        }
    )


FIGURE_CAPTIONS = {
    "cost_by_demand": "Total cost ($/day) against the demand multiplier, one line per outage "
    "(black: no outage), one panel per tariff. An x at the bottom of a panel is an infeasible "
    "run (demand cannot all be met: no cost); a red circle a run stopped on the time limit "
    "(feasible, not proved optimal).",
    "shortfall": "Demand not met (ML/day) by outage (rows) and demand multiplier (columns), one "
    "panel per tariff. Green: all demand met; grey: no answer.",
    "cost_breakdown": "Pumping, treatment, demand-charge and other cost ($/day) of the runs "
    "with every asset in service, per demand multiplier and tariff.",
    "plant_utilisation": "Utilisation of every plant (% of its capacity) against the demand "
    "multiplier, no outage, first tariff.",
}


def report_blocks(
    frame: pd.DataFrame,
    plants: pd.DataFrame,
    info: dict[str, Any],
    figure_files: dict[str, str],
    images: dict[str, str] | None = None,
) -> list[Block]:
    """The report's content as blocks of :mod:`wdnopt.solvers.harness.document`.
    ``figure_files``: name → file name beside the report (Markdown links it); ``images``: name
    → ``data:`` URI (HTML embeds it)."""
    images = images or {}
    name = sweep_name(frame, info)
    blocks = [
        Block("h1", f"Routing sweep: {name}"),
        Block(
            "p",
            f"Variations of the routing scenario `{info.get('scenario', '–')}`: every "
            "combination of demand multiplier, outage and tariff, each solved as a linear "
            f"program. Costs are in {CURRENCY}/day, volumes in ML/day.",
        ),
        Block("h2", "What was run"),
        Block("table", table=_settings(frame, info)),
        Block("h2", "Runs by status"),
        Block("table", table=_status_counts(frame)),
    ]
    ok = solved(frame)
    limited = frame[frame["status"].astype(str) == str(Status.TIME_LIMIT)]
    text = f"{len(frame)} runs; {len(ok)} with a plan."
    if len(limited):
        text += (
            f" {len(limited)} of them stopped on the time limit: feasible plans, not proved "
            "optimal; each is shown with its gap (relative distance between its cost "
            "and the best proved lower bound)."
        )
    failed = frame[frame["status"].astype(str).isin((str(Status.ERROR), str(Status.UNKNOWN)))]
    if len(failed):
        text += f" {len(failed)} run(s) gave no answer; their messages are in the results table."
    blocks.append(Block("p", text))

    blocks += [
        Block("h2", f"Total cost ({CURRENCY}/day)"),
        Block(
            "p",
            "Rows: outage; columns: demand multiplier. A cell without a plan gives its status; "
            "`infeasible (short X ML/day)` means no plan meets every demand, X being the demand "
            "the run reports as not met.",
        ),
    ]
    for tariff in tariffs(frame):
        blocks += [
            Block("p", f"Tariff `{tariff}`:"),
            Block("table", table=cost_table(frame, tariff)),
        ]

    blocks.append(Block("h2", "Worst cases"))
    if len(ok):
        costly = ok.sort_values("objective", ascending=False).head(WORST_N)
        blocks += [
            Block("p", f"Highest total cost ({len(costly)} of {len(ok)} runs with a plan):"),
            Block("table", table=_case_table(costly)),
        ]
    else:
        blocks.append(Block("p", "No run has a plan, so no cost to compare."))
    short = frame[frame["shortfall_ml"].fillna(0) > 0]
    if len(short):
        worst = short.sort_values("shortfall_ml", ascending=False).head(WORST_N)
        blocks += [
            Block("p", f"Largest demand not met ({len(worst)} of {len(short)} runs short):"),
            Block("table", table=_case_table(worst)),
        ]
    elif frame["shortfall_ml"].notna().any():
        blocks.append(Block("p", "Every run with an answer met all demand."))

    busiest = _busiest_plants(frame, plants)
    if len(busiest):
        blocks += [
            Block("h2", "Plant utilisation"),
            Block("p", "Highest utilisation of each plant over the runs with a plan:"),
            Block("table", table=busiest),
        ]

    shown = [n for n in figure_files if n in FIGURE_CAPTIONS or n in images]
    if shown:
        blocks.append(Block("h2", "Figures"))
    for figure in shown:
        blocks.append(
            Block(
                "figure",
                text=FIGURE_CAPTIONS.get(figure, figure),
                path=str(figure_files[figure]),
                data=images.get(figure, ""),
            )
        )
    return blocks


def _busiest_plants(frame: pd.DataFrame, plants: pd.DataFrame) -> pd.DataFrame:
    if plants.empty:
        return pd.DataFrame()
    keys = ["run_id", "tariff", "outage", "demand_multiplier"]
    rows = plants.merge(solved(frame)[keys], on="run_id")
    rows = rows[rows["utilisation"].notna()]
    if rows.empty:
        return pd.DataFrame()
    top = rows.loc[rows.groupby("plant", sort=False)["utilisation"].idxmax()]
    return pd.DataFrame(
        {
            "plant": top["plant"].astype(str),
            "highest utilisation": [percent(v, 0) for v in top["utilisation"]],
            "throughput (ML/day)": [ml(v) for v in top["throughput"]],
            "capacity (ML/day)": [ml(v) for v in top["capacity"]],
            "in run": [
                f"{r['run_id']} ({r['tariff']}, {r['outage']}, "
                f"{_multiplier_label(float(r['demand_multiplier']))})"
                for _, r in top.iterrows()
            ],
        }
    )


# --- writing ---------------------------------------------------------------------------------


def write_routing_sweep_outputs(
    frame: pd.DataFrame,
    plants: pd.DataFrame,
    out: Path,
    info: dict[str, Any],
    *,
    figure_format: str = "png",
    dpi: int = DEFAULT_DPI,
) -> dict[str, Path]:
    """Write every figure (``out/<name>.<figure_format>``), ``report.md`` (linking them) and
    ``report.html`` (embedding them, so it can be sent alone) in ``out``, each atomically;
    returns name → path (figure names, ``report_md``, ``report_html``)."""
    from wdnopt.solvers.harness.plotting import write_figure_files  # matplotlib: only to draw

    out = Path(out)
    figures = sweep_figures(frame, plants)
    paths, images = write_figure_files(figures, out, fmt=figure_format, dpi=dpi)
    blocks = report_blocks(frame, plants, info, {n: p.name for n, p in paths.items()}, images)
    paths["report_md"] = write_atomic(out / "report.md", to_markdown(blocks))
    paths["report_html"] = write_atomic(out / "report.html", to_html(blocks))
    logger.info("routing sweep outputs written in %s: %s", out, ", ".join(paths))
    return paths
