"""The report of ``wdnopt solve`` for routing scenarios.

With seasons (and no season chosen) every season is solved in turn and reported one after the
other, after a summary table. With a schedule the report adds the day hour by hour (throughput
per plant, storage, cost, pumping power) and ``--out DIR`` also writes ``day.png`` and the
hourly schedule as long tables (``arc_periods``, ``plant_periods``, ``storage_levels``) in CSV
and Parquet.
"""

from __future__ import annotations

import argparse
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from rich.console import Console
from rich.table import Table

from wdnopt.extras import installed
from wdnopt.models.routing.costs import COST_PARTS
from wdnopt.models.routing.schema import RoutingScenario
from wdnopt.solvers.cli.console import report_console
from wdnopt.solvers.io import DEFAULT_DPI, print_json, write_atomic, write_csv_atomic
from wdnopt.solvers.routing.frames import Table as Columns
from wdnopt.solvers.routing.solve import LONG_TABLES, RoutingResult, solve_routing, solve_seasons
from wdnopt.solvers.status import Status

if TYPE_CHECKING:
    import pandas as pd

MAX_FLOW_ROWS = 40
MAX_PLANT_COLUMNS = 8
"""Plants shown one column each in the hour-by-hour table (more: the total only)."""


def solve_and_report(scenario: RoutingScenario, args: argparse.Namespace) -> int:
    if getattr(args, "time_limit", None):
        scenario = scenario.model_copy(
            update={"solver": scenario.solver.model_copy(update={"time_limit": args.time_limit})}
        )
    season = getattr(args, "season", None) or scenario.season
    if scenario.seasons and season is None:
        return _report_seasons(scenario, args)
    result = solve_routing(scenario, season=season)
    _write(result, args.out, getattr(args, "plot", None), _figure(args))
    if args.json:
        print_json("solve", result.to_dict())
    else:
        print_report(result, report_console(), out=args.out)
    return _exit_code([result])


def _exit_code(results: list[RoutingResult]) -> int:
    if any(r.status is Status.INFEASIBLE for r in results):
        return 2
    return 0 if all(r.status.has_solution for r in results) else 1


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> Path:
    """``frame`` as Parquet at ``path``, written whole or not at all."""
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return write_atomic(path, buf.getvalue())


def write_routing_summary(out: Path, result: RoutingResult) -> Path:
    """``out/summary.json`` of a routing solve (status, objective, bound, gap, timings)."""
    from wdnopt.solvers.summary import summary, write_summary  # only with --out

    return write_summary(
        out,
        summary(
            command="solve",
            scenario=result.name,
            kind="routing",
            status=str(result.status),
            objective=result.objective,
            bound=result.bound,
            gap=result.gap,
            timings={"build_s": result.build_s, "solve_s": result.runtime_s},
            unmet=result.total_shortfall,
            message=result.message,
        ),
    )


def _figure(args: argparse.Namespace) -> tuple[str, int]:
    """``--format`` and ``--dpi`` of the day's figure."""
    return getattr(args, "format", None) or "png", getattr(args, "dpi", None) or DEFAULT_DPI


def _write(
    result: RoutingResult,
    out: Path | None,
    plot: Path | None,
    figure: tuple[str, int] = ("png", DEFAULT_DPI),
) -> None:
    if out:
        for name, table in result.tables().items():
            write_csv_atomic(table, out / f"{name}.csv")
            if name in LONG_TABLES and installed("parquet"):  # pyarrow: an extra
                write_parquet_atomic(table, out / f"{name}.parquet")
        write_routing_summary(out, result)
    if result.has("periods") and (out or plot):
        from wdnopt.solvers.routing.plot import write_day_png  # matplotlib: only to draw

        fmt, dpi = figure
        write_day_png(result, plot or out / f"day.{fmt}", fmt=fmt, dpi=dpi)


def _report_seasons(scenario: RoutingScenario, args: argparse.Namespace) -> int:
    """Every season in turn: a summary table, then each season's report."""
    results = solve_seasons(scenario)
    for season, result in results.items():
        out = args.out / season if args.out else None
        plot = getattr(args, "plot", None)
        if plot:
            plot = plot.with_name(f"{plot.stem}_{season}{plot.suffix}")
        _write(result, out, plot, _figure(args))
    if args.json:
        payload = {
            "scenario": scenario.name,
            "seasons": {k: r.to_dict() for k, r in results.items()},
        }
        print_json("solve", payload)
        return _exit_code(list(results.values()))
    console = report_console()
    summary = Table(
        title=f"{scenario.name or 'routing'}: one solve per season", title_justify="left"
    )
    plant_ids = [p.id for p in scenario.plants]
    for col in ("season", "status", "cost $/day", "shortfall", *plant_ids):
        summary.add_column(col, justify="left" if col in ("season", "status") else "right")
    for season, r in results.items():
        tp = r.table("plants").column("throughput").tolist()
        summary.add_row(
            season, str(r.status), _num(r.objective), _num(r.total_shortfall), *map(_num, tp)
        )
    console.print(summary)
    console.print("Plant columns: ML/day treated.\n")
    for result in results.values():
        print_report(result, console, out=None)
    if args.out:
        console.print(f"Tables written to {args.out}/<season>/")
    return _exit_code(list(results.values()))


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
        parts = result.cost_parts().items()
        split = ", ".join(f"{COST_PARTS[k]} ${_num(v)}" for k, v in parts)
        console.print(f"Total daily cost: [bold]${_num(result.objective)}[/]  ({split})")
        if result.status is Status.TIME_LIMIT:
            console.print(
                f"Best bound ${_num(result.bound)}, gap {_num(100 * (result.gap or 0))} %"
            )
    if result.message:
        console.print(f"[red]{result.message}[/]")
    if result.peak_kw is not None and result.objective is not None:
        when = ""
        if result.has("periods"):
            periods = result.table("periods")
            t = int(periods.column("power_kw").argmax())
            when = f" from {_hh(float(periods.column('start_h')[t]))}"
        console.print(f"Peak pumping power: {_num(result.peak_kw)} kW{when}")
    if result.untreated > 1e-9:
        raw = [r for r in result.table("flows") if r.get("raw", False) and r["flow"] > 1e-9]
        arcs = ", ".join(f"{r['from']} → {r['to']} {_num(r['flow'])}" for r in raw)
        console.print(
            f"[yellow]Untreated water on raw arcs: {_num(result.untreated)} ML/day[/], "
            f"${_num(float(sum(r['cost'] for r in raw)))} of the pumping cost ({arcs})"
        )
    console.print(f"Solved in {result.runtime_s:.3f} s (model built in {result.build_s:.3f} s)\n")
    shortfall = result.extras.get("value_unit") == "shortfall"
    value_col = "+1 ML/day cuts shortfall by" if shortfall else "+1 ML/day worth $"

    plants = Table(title="Treatment plants (ML/day)", title_justify="left")
    running = "hours_running" in result.table("plants")
    for col in ("plant", "throughput", "capacity", "use", "treatment $/ML", value_col) + (
        ("hours on",) if running else ()
    ):
        plants.add_column(
            col, justify="left" if col == "plant" else "right", no_wrap=col == "plant"
        )
    for row in result.table("plants"):
        plants.add_row(
            row["plant"],
            _num(row["throughput"]),
            _num(row["capacity"]),
            f"{100 * row['utilisation']:.0f} %",
            _num(row["treatment_cost"]),
            _num(row["value_per_ml"]),
            *([_num(row["hours_running"], 1)] if running else []),
        )
    console.print(plants)
    if result.has("expansion"):
        _print_expansion(result, console)
    if result.has("periods"):
        _print_day(result, console)

    zones = Table(title="Zones (ML/day)", title_justify="left")
    surplus = "surplus" in result.table("zones")
    zone_cols = ["zone", "supplied", "demand", "shortfall"] + (["surplus"] if surplus else [])
    zone_cols += [] if shortfall else ["marginal $/ML"]
    for col in zone_cols:
        zones.add_column(col, justify="left" if col == "zone" else "right", no_wrap=col == "zone")
    for row in result.table("zones"):
        short = f"[red]{_num(row['shortfall'])}[/]" if row["shortfall"] > 1e-9 else "0"
        cells = [row["zone"], _num(row["supplied"]), _num(row["demand"]), short]
        cells += [_num(row["surplus"])] if surplus else []
        zones.add_row(*cells, *([] if shortfall else [_num(row["marginal_cost"])]))
    console.print(zones)

    sources = Table(title="Sources (ML/day)", title_justify="left")
    fixed = "fixed" in result.table("sources")
    for col in ("source", "supplied", "capacity", value_col) + (("fixed supply",) if fixed else ()):
        sources.add_column(
            col, justify="left" if col == "source" else "right", no_wrap=col == "source"
        )
    for row in result.table("sources"):
        cells = [row["source"], _num(row["supplied"]), _num(row["capacity"])]
        cells += [_num(row["value_per_ml"])]
        cells += ["yes" if row["fixed"] else "no"] if fixed else []
        sources.add_row(*cells)
    console.print(sources)

    _print_binding(
        result.table("binding"), console, shortfall=result.extras.get("value_unit") == "shortfall"
    )
    all_flows = result.table("flows")
    used = [row for row in all_flows if row["flow"] > 1e-9]
    flows = Table(
        title=f"Flows in use ({len(used)} of {len(all_flows)} arcs)", title_justify="left"
    )
    for col in ("from", "to", "ML/day", "$/ML", "$/day"):
        flows.add_column(col, justify="left" if col in ("from", "to") else "right")
    for row in used[:MAX_FLOW_ROWS]:
        flows.add_row(
            row["from"], row["to"], _num(row["flow"]), _num(row["cost_per_ml"]), _num(row["cost"])
        )
    console.print(flows)
    if len(used) > MAX_FLOW_ROWS:
        console.print(f"… {len(used) - MAX_FLOW_ROWS} more; use --out DIR for every table as CSV")
    if out:
        console.print(f"Tables written to {out}/")


def _print_binding(binding: Columns, console: Console, *, shortfall: bool) -> None:
    if binding.empty:
        console.print("No capacity is binding.\n")
        return
    if shortfall:
        title = "Capacities that limit supply (value: ML/day less shortfall per extra ML/day)"
    else:
        title = "Binding capacities (value: $/day saved per extra ML/day)"
    table = Table(title=title, title_justify="left")
    periods = "periods" in binding and bool((binding.column("periods") > 1).any())
    cols = ("kind", "id", "capacity", "peak use") + (("periods",) if periods else ()) + ("value",)
    for col in cols:
        table.add_column(col, justify="left" if col in ("kind", "id") else "right")
    for row in binding:
        cells = [row["kind"], str(row["id"]), _num(row["capacity"]), _num(row["used"])]
        cells += [str(row["periods"])] if periods else []
        table.add_row(*cells, _num(row["value_per_ml"]))
    console.print(table)
    console.print(
        "capacity and peak use in ML/day (storage: ML, its value per extra ML; ramp: ML/day "
        "of change)\n"
    )


def _print_expansion(result: RoutingResult, console: Console) -> None:
    table = Table(title="Expansion options (annualised $/day)", title_justify="left")
    for col in ("option", "kind", "id", "+ML/day", "$/day", "chosen"):
        table.add_column(col, justify="left" if col in ("option", "kind", "id") else "right")
    for row in result.table("expansion"):
        chosen = "[bold green]yes[/]" if row["chosen"] else "no"
        cells = [row["option"], row["kind"], str(row["id"])]
        table.add_row(*cells, _num(row["capacity"]), _num(row["cost_per_day"]), chosen)
    console.print(table)


def _hh(hour: float) -> str:
    h, m = divmod(round(hour * 60), 60)
    return f"{h:02d}:{m:02d}"


def _print_day(result: RoutingResult, console: Console) -> None:
    """The day period by period: tariff, demand, throughput per plant, storage, cost."""
    periods, tp = result.table("periods"), result.table("throughput")
    plants = [c for c in tp.names if c != "period"]
    shown = plants if len(plants) <= MAX_PLANT_COLUMNS else []
    levels = result.table("storage")
    storage = [c for c in levels.names if c != "period"] if not levels.empty else []
    table = Table(
        title="The day period by period (ML per period; storage: ML at the end of the period)",
        title_justify="left",
    )
    power = result.peak_kw is not None
    cols = ["from", "tariff ×", "demand", *shown, "treated"]
    cols += ["in storage"] if storage else []
    cols += ["kW"] if power else []
    cols += ["$"]
    for col in cols:
        table.add_column(col, justify="left" if col == "from" else "right")
    run = result.table("running")
    off = {p: run.column(p) == 0 for p in shown if p in run}
    in_storage = sum((levels.column(c) for c in storage), np.zeros(len(periods)))
    for i, row in enumerate(periods):
        cells = [_hh(row["start_h"]), _num(row["price_factor"]), _num(row["demand"])]
        for p in shown:
            text = _num(float(tp.column(p)[i]))
            if p in off and off[p][i]:
                text = "[dim]off[/]"
            cells.append(text)
        cells.append(_num(row["treated"]))
        if storage:
            cells.append(_num(float(in_storage[i])))
        if power:
            cells.append(_num(row["power_kw"], 0))
        cells.append(_num(row["cost"]))
        table.add_row(*cells)
    console.print(table)
    cost = periods.column("cost")
    factor = periods.column("price_factor")
    treated = periods.column("treated")
    cheap = factor <= np.median(factor)
    share = treated[cheap].sum() / max(treated.sum(), 1e-12)
    dearest = int(cost.argmax())
    console.print(
        f"{100 * share:.0f} % of the water is treated in the cheaper half of the periods; "
        f"dearest period from {_hh(float(periods.column('start_h')[dearest]))} "
        f"(${_num(float(cost.max()))}).\n"
    )
