"""``wdnopt resilience SCENARIO``: N−1 on a routing scenario, one row per element out."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from wdnopt.models.errors import InputError
from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.scenario import load_scenario
from wdnopt.solvers.cli.console import report_console
from wdnopt.solvers.io import check_output_path, print_json, write_csv_atomic
from wdnopt.solvers.routing.resilience import n_minus_one


def register(sub: Any) -> None:
    p = sub.add_parser(
        "resilience",
        description=(
            "Solve a routing scenario once as is, then once with each source, plant and arc "
            "out of service in turn (zero capacity). Each row gives the cost of the day, its "
            "increase over the base and the demand that can no longer be met (by zone). "
            "Exit code 0 when every case was solved, 2 for bad input, 1 when a solve failed."
        ),
    )
    p.add_argument("scenario", type=Path, help="routing scenario file (.toml)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead")
    p.add_argument(
        "--csv", type=Path, metavar="FILE", help="also write the table as CSV (existing folder)"
    )
    p.add_argument("--season", metavar="NAME", help="the season whose capacities to use")
    p.add_argument(
        "--no-arcs", action="store_true", help="take out sources and plants only (not arcs)"
    )
    p.set_defaults(func=run)


def _num(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.{digits}f}"


def run(args: argparse.Namespace) -> int:
    if args.csv is not None:
        check_output_path(args.csv, option="--csv")
    scenario = load_scenario(args.scenario)
    if scenario.kind != "routing":
        raise InputError.single(
            'a routing scenario (kind = "routing")',
            field="kind",
            got=repr(scenario.kind),
            file=args.scenario,
        )
    season = args.season or scenario.season
    if season is not None and season not in {s.id for s in scenario.seasons}:
        raise InputError.single(
            "the name of a season of the scenario",
            field="--season",
            got=repr(season),
            file=args.scenario,
        )
    net = RoutingNetwork.from_scenario(scenario, season=season)
    kinds = ("source", "plant") if args.no_arcs else ("source", "plant", "arc")
    err = report_console(stderr=True)

    def progress(done: int, total: int, case: str) -> None:
        # plain lines, a few per run: every tenth case, and the last
        if done == total or done % max(total // 10, 1) == 0:
            err.print(f"  N-1 cases {done}/{total} (last: {case})", soft_wrap=True)

    report = n_minus_one(
        net, options=scenario.solver, kinds=kinds, progress=None if args.json else progress
    )
    table = report.table.sort_values(
        ["unmet", "extra_cost"], ascending=False, kind="stable", na_position="first"
    )
    if args.csv:
        write_csv_atomic(table, args.csv)
    if args.json:
        payload = {
            "scenario": net.name,
            "base": {
                "status": str(report.base.status),
                "objective": report.base.objective,
                "unmet": report.base.total_shortfall,
            },
            "cases": table.to_dict(orient="records"),
        }
        print_json("resilience", payload)
    else:
        _print(report.base, table, report_console(), net.name, args.csv)
    return 1 if (table["status"] == "failed").any() else 0


def _print(base: Any, table: Any, console: Console, name: str, csv: Path | None) -> None:
    console.print(f"[bold]{name or 'routing'}[/]: N-1 resilience")
    base_text = _num(base.objective) if base.objective is not None else "demand not met"
    console.print(f"Base case: {base.status}, ${base_text}/day\n")
    out = Table(title="One element out of service at a time (worst first)", title_justify="left")
    for col in ("kind", "out", "status", "$/day", "Δ $/day", "unmet", "short zones (ML/day)"):
        left = col in ("kind", "out", "status", "short zones (ML/day)")
        wide = col == "short zones (ML/day)"
        out.add_column(
            col,
            justify="left" if left else "right",
            no_wrap=not wide,
            min_width=18 if wide else None,
        )
    for row in table.itertuples():
        colour = {"optimal": "green", "short": "red"}.get(row.status, "yellow")
        unmet = f"[red]{_num(row.unmet)}[/]" if row.unmet > 1e-9 else "0"
        out.add_row(
            row.kind,
            str(row.id),
            f"[{colour}]{row.status}[/]",
            _num(row.cost),
            _num(row.extra_cost),
            unmet,
            row.short_zones,
        )
    console.print(out)
    n_short = int((table["status"] == "short").sum())
    console.print(
        f"{n_short} of {len(table)} outages leave demand unmet; $/day is the cost of the water "
        "still delivered, unmet in ML/day."
    )
    if csv:
        console.print(f"Table written to {csv}")
