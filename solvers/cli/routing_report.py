"""The report of ``wdnopt solve`` for routing scenarios."""

from __future__ import annotations

import argparse
import math
import sys

import pandas as pd
from rich.console import Console
from rich.table import Table

from wdnopt.models.routing.schema import RoutingScenario
from wdnopt.solvers.highs import Status
from wdnopt.solvers.io import to_json, write_csv_atomic
from wdnopt.solvers.routing import RoutingResult, solve_routing

MAX_FLOW_ROWS = 40


def solve_and_report(scenario: RoutingScenario, args: argparse.Namespace) -> int:
    if getattr(args, "time_limit", None):
        scenario = scenario.model_copy(
            update={"solver": scenario.solver.model_copy(update={"time_limit": args.time_limit})}
        )
    result = solve_routing(scenario)
    if args.out:
        for name, table in result.tables().items():
            write_csv_atomic(table, args.out / f"{name}.csv")
    if args.json:
        sys.stdout.write(to_json(result.to_dict()) + "\n")
    else:
        print_report(result, Console(highlight=False), out=args.out)
    if result.status is Status.INFEASIBLE:
        return 2
    return 0 if result.status.has_solution else 1


def _num(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, float) and math.isinf(x):
        return "∞"
    return f"{x:,.{digits}f}"


def print_report(result: RoutingResult, console: Console, *, out: object = None) -> None:
    title = result.name or "routing"
    colour = {"optimal": "green", "infeasible": "red"}.get(str(result.status), "yellow")
    console.print(f"[bold]{title}[/]")
    console.print(f"Status: [bold {colour}]{result.status}[/]")
    if result.objective is not None:
        console.print(
            f"Total daily cost: [bold]${_num(result.objective)}[/]"
            f"  (pumping ${_num(result.pumping_cost)}, treatment ${_num(result.treatment_cost)})"
        )
        if result.status is Status.TIME_LIMIT:
            console.print(
                f"Best bound ${_num(result.bound)}, gap {_num(100 * (result.gap or 0))} %"
            )
    if result.message:
        console.print(f"[red]{result.message}[/]")
    console.print(f"Solved in {result.runtime_s:.3f} s (model built in {result.build_s:.3f} s)\n")
    shortfall = result.extras.get("value_unit") == "shortfall"
    value_col = "+1 ML/day cuts shortfall by" if shortfall else "+1 ML/day worth $"

    plants = Table(title="Treatment plants (ML/day)", title_justify="left")
    for col in ("plant", "throughput", "capacity", "use", "treatment $/ML", value_col):
        plants.add_column(col, justify="left" if col == "plant" else "right")
    for row in result.plants.itertuples():
        plants.add_row(
            row.plant,
            _num(row.throughput),
            _num(row.capacity),
            f"{100 * row.utilisation:.0f} %",
            _num(row.treatment_cost),
            _num(row.value_per_ml),
        )
    console.print(plants)

    zones = Table(title="Zones (ML/day)", title_justify="left")
    zone_cols = ["zone", "supplied", "demand", "shortfall"] + (
        [] if shortfall else ["marginal $/ML"]
    )
    for col in zone_cols:
        zones.add_column(col, justify="left" if col == "zone" else "right")
    for row in result.zones.itertuples():
        short = f"[red]{_num(row.shortfall)}[/]" if row.shortfall > 1e-9 else "0"
        cells = [row.zone, _num(row.supplied), _num(row.demand), short]
        zones.add_row(*cells, *([] if shortfall else [_num(row.marginal_cost)]))
    console.print(zones)

    sources = Table(title="Sources (ML/day)", title_justify="left")
    for col in ("source", "supplied", "capacity", value_col):
        sources.add_column(col, justify="left" if col == "source" else "right")
    for row in result.sources.itertuples():
        sources.add_row(row.source, _num(row.supplied), _num(row.capacity), _num(row.value_per_ml))
    console.print(sources)

    _print_binding(
        result.binding, console, shortfall=result.extras.get("value_unit") == "shortfall"
    )
    used = result.flows[result.flows["flow"] > 1e-9]
    flows = Table(
        title=f"Flows in use ({len(used)} of {len(result.flows)} arcs)", title_justify="left"
    )
    for col in ("from", "to", "ML/day", "$/ML", "$/day"):
        flows.add_column(col, justify="left" if col in ("from", "to") else "right")
    cols = ["from", "to", "flow", "cost_per_ml", "cost"]
    for src, dst, flow, unit, cost in (
        used[cols].head(MAX_FLOW_ROWS).itertuples(index=False, name=None)
    ):
        flows.add_row(src, dst, _num(flow), _num(unit), _num(cost))
    console.print(flows)
    if len(used) > MAX_FLOW_ROWS:
        console.print(f"… {len(used) - MAX_FLOW_ROWS} more; use --out DIR for every table as CSV")
    if out:
        console.print(f"Tables written to {out}/")


def _print_binding(binding: pd.DataFrame, console: Console, *, shortfall: bool) -> None:
    if binding.empty:
        console.print("No capacity is binding.\n")
        return
    if shortfall:
        title = "Capacities that limit supply (value: ML/day less shortfall per extra ML/day)"
    else:
        title = "Binding capacities (value: $/day saved per extra ML/day)"
    table = Table(title=title, title_justify="left")
    for col in ("kind", "id", "capacity", "value"):
        table.add_column(col, justify="left" if col in ("kind", "id") else "right")
    for row in binding.itertuples():
        table.add_row(row.kind, str(row.id), _num(row.capacity), _num(row.value_per_ml))
    console.print(table)
