"""``wdnopt pressure-curve NETWORK``: share of demand junctions below P_min against demand.

The paper's Fig. 1: every junction demand is multiplied by each factor in turn, one EPANET
steady state is solved (peak-demand hour unless ``--hour``), and the demand junctions whose
pressure is below ``P_min`` are counted. Prints a table; optionally writes a CSV and a figure.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from rich.table import Table

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.hydraulics import pressure_curve, read_network
from wdnopt.models.pumps.tree import P_MIN_DEFAULT
from wdnopt.solvers import numbers
from wdnopt.solvers.cli.console import report_console
from wdnopt.solvers.cli.figure_options import (
    add_figure_options,
    plot_format,
    refuse_unused_figure_options,
)
from wdnopt.solvers.io import (
    DEFAULT_DPI,
    check_output_path,
    print_json,
    write_csv_atomic,
    write_figure,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)


MAX_FACTOR = 100.0
"""Largest demand factor accepted (a hundred times the network's demand)."""
MAX_FACTORS = 1_000
"""Most demand factors in one curve (one EPANET solve each)."""


def parse_factors(text: str) -> list[float]:
    """``START:STOP:STEP`` (both ends included) or a comma list ``1.0,1.5,2``; each factor
    finite, in (0, :data:`MAX_FACTOR`], at most :data:`MAX_FACTORS` of them."""
    try:
        if ":" in text:
            start, stop, step = (float(x) for x in text.split(":"))
            if not all(np.isfinite([start, stop, step])) or step <= 0 or stop < start:
                raise ValueError
            count = int(np.floor((stop - start) / step + 1e-9)) + 1
            if count > MAX_FACTORS:
                raise InputError.single(
                    f"at most {MAX_FACTORS} demand factors",
                    field="--factors",
                    got=f"{text!r}: {count} factors",
                )
            factors = [round(start + i * step, 10) for i in range(count)]
        else:
            factors = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError.single(
            "START:STOP:STEP with STEP > 0 and STOP ≥ START, or a comma list of numbers",
            field="--factors",
            got=repr(text),
        ) from None
    bad = [f for f in factors if not (np.isfinite(f) and 0 < f <= MAX_FACTOR)]
    if not factors or bad:
        raise InputError.single(
            f"demand factors > 0, finite and at most {MAX_FACTOR:g}",
            field="--factors",
            got=repr(bad[0] if bad else text),
        )
    if len(factors) > MAX_FACTORS:
        raise InputError.single(
            f"at most {MAX_FACTORS} demand factors",
            field="--factors",
            got=f"{len(factors)} factors",
        )
    return factors


def register(sub: Any) -> None:
    p = sub.add_parser(
        "pressure-curve",
        description=(
            "Multiply every junction demand by each factor, solve one EPANET steady state, "
            "and report how many demand junctions fall below the minimum pressure."
        ),
    )
    p.add_argument("network", help="EPANET .inp file, or a shipped network (Net1, Net3, ky10, ...)")
    p.add_argument(
        "--factors",
        default="1.0:3.0:0.1",
        metavar="SPEC",
        help=f"START:STOP:STEP (ends included) or a comma list (default 1.0:3.0:0.1); "
        f"each factor in (0, {MAX_FACTOR:g}], at most {MAX_FACTORS} factors",
    )
    p.add_argument(
        "--hour",
        type=numbers.hour,
        help=f"pattern hour to solve, 0 to {numbers.MAX_HOUR} (default: peak-demand hour)",
    )
    p.add_argument(
        "--p-min",
        type=float,
        default=P_MIN_DEFAULT,
        metavar="M",
        help=f"minimum pressure, m, in (0, {numbers.MAX_PRESSURE_M:g}] "
        f"(default {P_MIN_DEFAULT:.3f} = 21.3 psi)",
    )
    p.add_argument(
        "--flow-tree", action="store_true", help="use the network's flow tree (at factor 1)"
    )
    p.add_argument(
        "--csv", type=Path, metavar="FILE", help="write the curve as CSV (in an existing folder)"
    )
    p.add_argument(
        "--plot",
        type=Path,
        metavar="FILE",
        help="write the curve as a figure (in an existing folder; PNG, SVG or PDF by the "
        "suffix or --format)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object on stdout (network, p_min, hour, the curve) instead",
    )
    add_figure_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    factors = parse_factors(args.factors)
    if not (np.isfinite(args.p_min) and 0 < args.p_min <= numbers.MAX_PRESSURE_M):
        raise InputError.single(
            f"a pressure > 0 m, finite and at most {numbers.MAX_PRESSURE_M:g} m",
            field="--p-min",
            got=repr(args.p_min),
        )
    for option, path in (("--csv", args.csv), ("--plot", args.plot)):
        if path is not None:
            check_output_path(path, option=option)
    refuse_unused_figure_options(args, draws=args.plot is not None, why="--plot FILE")
    fmt = plot_format(args, args.plot)
    from wdnopt.models.pumps.flowtree import flow_tree  # networkx: only when asked for

    wn = read_network(args.network)
    if args.flow_tree:
        wn = flow_tree(wn, 1.0, args.hour)
    curve = pressure_curve(wn, factors, args.p_min, args.hour)
    title = f"{wn.name}: demand junctions below {args.p_min:.3f} m"
    if args.json:
        payload = {
            "command": "pressure-curve",
            "network": wn.name,
            "p_min": args.p_min,
            "hour": args.hour,
            "flow_tree": bool(args.flow_tree),
            "curve": curve.to_dict(orient="records"),
        }
        print_json("pressure-curve", payload)
    else:
        print_curve(curve, title)
    if args.csv is not None:
        write_csv_atomic(curve, args.csv)
    if args.plot is not None:
        plot_curve(curve, args.plot, title, fmt=fmt, dpi=args.dpi or DEFAULT_DPI)
    return 0


def print_curve(curve: pd.DataFrame, title: str) -> None:
    table = Table(title=title)
    for column in ("factor", "below P_min", "share", "min pressure (m)"):
        table.add_column(column, justify="right")
    for row in curve.itertuples():
        table.add_row(
            f"{row.factor:.2f}",
            f"{row.below} / {row.junctions}",
            f"{100 * row.share:.1f} %",
            f"{row.min_pressure:.2f}",
        )
    report_console().print(table)


def curve_figure(curve: pd.DataFrame, title: str) -> Figure:
    """The pressure curve: share of demand junctions below P_min against the demand factor."""
    from matplotlib.figure import Figure  # lazy: matplotlib only for --plot

    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    ax.plot(curve["factor"], 100 * curve["share"], marker="o")
    ax.set_xlabel("demand factor")
    ax.set_ylabel("demand junctions below P_min (%)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def plot_curve(
    curve: pd.DataFrame, path: Path, title: str, *, fmt: str | None = None, dpi: int = DEFAULT_DPI
) -> None:
    """Write :func:`curve_figure` to ``path`` (``fmt``: default from the file's suffix)."""
    try:
        write_figure(curve_figure(curve, title), path, fmt=fmt, dpi=dpi)
    except OSError as exc:
        raise InputError.single(f"a writable file ({exc.strerror})", file=path) from None
