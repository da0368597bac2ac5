"""The report of ``wdnopt solve`` for pump placement scenarios.

One problem per demand factor; each is solved by the algorithm chosen with ``--algorithm``
(default ``network-dp``), then checked on the user's network in EPANET with constant-power
pumps (:func:`~wdnopt.solvers.pumps.verify.verify_pumps`). The report shows, per factor, the
status, the cost split, the placement (pipe, size, head added, cost) and the EPANET check;
``--json`` prints one JSON object instead. ``--plot FILE.png`` draws the junction pressures
without and with the plan on the network (:mod:`wdnopt.solvers.pumps.plot`), one file per
demand factor (``FILE_2.5.png`` for factor 2.5) when the scenario has several.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from wdnopt.models.pumps.collector import freeze_at_exit, frozen_gc
from wdnopt.models.pumps.instance import build_problems
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.schema import PumpPlacementScenario
from wdnopt.solvers.cli.console import report_console
from wdnopt.solvers.io import DEFAULT_DPI, check_output_path, print_json, write_csv_atomic
from wdnopt.solvers.pumps import registry
from wdnopt.solvers.pumps.placement import run_placement
from wdnopt.solvers.pumps.plan import PumpPlan, bound_basis, placement_report
from wdnopt.solvers.pumps.request import PlacementRequest, placement_request
from wdnopt.solvers.pumps.result import PlacementResult
from wdnopt.solvers.pumps.verify import Verification
from wdnopt.solvers.status import Status
from wdnopt.solvers.summary import summary, write_summary

MAX_PUMP_ROWS = 40
"""Plan rows printed in the report; a longer plan prints these and a count (``--out`` and
``--json`` keep every row)."""


def _progress(algorithm: registry.Algorithm, problem: PumpProblem) -> Callable[[Any], None]:
    """One line on stderr per iteration of an algorithm that reports them (``milp-network``:
    lower and upper bound, gap, time)."""
    err = report_console(stderr=True)

    def show(step: Any) -> None:
        gap = "–" if step.gap is None else f"{step.gap:.2%}"
        lb = "–" if step.lower is None else f"{step.lower:,.0f}"
        ub = "–" if step.upper is None else f"{step.upper:,.0f}"
        err.print(
            f"  {algorithm.name} at factor {problem.tree.demand_factor:g}, iteration "
            f"{step.iteration}: LB {lb}, UB {ub}, gap {gap}, {step.elapsed_s:.1f} s",
            soft_wrap=True,  # one line whatever the width: a log keeps it whole
        )

    return show


def solve_and_report(scenario: PumpPlacementScenario, args: argparse.Namespace) -> int:
    request = placement_request(
        scenario,
        getattr(args, "algorithm", None),
        getattr(args, "time_limit", None),
        where=str(getattr(args, "scenario", "<scenario>")),
    )
    plot = getattr(args, "plot", None)
    if plot is not None:
        check_output_path(Path(plot), option="--plot")
    problems = build_problems(scenario)
    freeze_at_exit()
    with frozen_gc():  # the networks and problems live to the end: see .collector
        return _solve_and_report(scenario, args, request, plot, problems)


def _solve_and_report(
    scenario: PumpPlacementScenario,
    args: argparse.Namespace,
    request: PlacementRequest,
    plot: str | None,
    problems: list[PumpProblem],
) -> int:
    algorithm = request.algorithm
    name = algorithm.name
    runs: list[tuple[PumpProblem, PlacementResult, Verification | None]] = []
    with FactorProgress(len(problems)) as progress:
        for problem in problems:
            result, check = run_placement(
                problem,
                request,
                progress=None if getattr(args, "json", False) else _progress(algorithm, problem),
            )
            runs.append((problem, result, check))
            progress.advance(problem.tree.demand_factor, str(result.status))
    plans = [PumpPlan(*run) for run in runs]
    report = placement_report(scenario.name, scenario.objective, name, plans)
    if getattr(args, "out", None):
        for plan in plans:
            write_csv_atomic(plan.pumps, Path(args.out) / f"pumps_{plan.demand_factor:g}.csv")
        write_pump_summary(Path(args.out), report, plans)
    if getattr(args, "json", False):
        print_json("solve", report)
    else:
        print_report(scenario, name, plans, report_console())
    if plot is not None:
        from wdnopt.solvers.pumps.plot import plot_plan  # lazy: matplotlib only for --plot

        for problem, result, check in runs:
            path = plot_path(Path(plot), problem.tree.demand_factor, several=len(runs) > 1)
            plot_plan(
                problem,
                result,
                check,
                path,
                fmt=getattr(args, "format", None),
                dpi=getattr(args, "dpi", None) or DEFAULT_DPI,
            )
    statuses = [r.status for _, r, _ in runs]
    if Status.INFEASIBLE in statuses:
        return 2
    holds = all(c is not None and c.verified for _, r, c in runs if r.has_plan)
    return 0 if all(r.has_plan for _, r, _ in runs) and holds else 1


class FactorProgress:
    """Progress over the demand factors on stderr, when there are several: a bar on a
    terminal, else one plain line per factor solved."""

    def __init__(self, total: int) -> None:
        # lazy: the bar's columns only when several factors are solved
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.total = total
        self.console = report_console(stderr=True)
        self.bar: Progress | None = None
        self.done = 0
        if total > 1 and self.console.is_terminal:
            self.bar = Progress(
                TextColumn("demand factors"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[last]}"),
                console=self.console,
                transient=True,
            )
            self.task = self.bar.add_task("factors", total=total, last="")

    def advance(self, factor: float, status: str) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(self.task, advance=1, last=f"{factor:g}: {status}")
        elif self.total > 1:
            line = f"demand factor {factor:g} ({self.done}/{self.total}): {status}"
            self.console.print(line, soft_wrap=True)

    def __enter__(self) -> FactorProgress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def write_pump_summary(
    out: Path,
    report: dict[str, Any],
    plans: list[PumpPlan],
) -> Path:
    """``out/summary.json``: the totals of the report (:func:`placement_report`), the
    timings, one entry per factor."""

    keep = ("demand_factor", "status", "objective", "bound", "gap", "runtime_s", "verified")
    factors = [{k: f.get(k) for k in keep} for f in report["factors"]]
    return write_summary(
        out,
        summary(
            command="solve",
            scenario=report["scenario"],
            kind="pump_placement",
            algorithm=report["algorithm"],
            status=report["status"],
            objective=report["objective"],
            bound=report["bound"],
            gap=report["gap"],
            timings={"solve_s": sum(p.result.runtime_s or 0.0 for p in plans)},
            verified=report.get("verified"),
            factors=factors,
        ),
    )


def plot_path(path: Path, factor: float, *, several: bool) -> Path:
    """Where the plot of one demand factor goes: ``path`` itself for a single factor, else the
    factor inserted before the suffix (``net.png`` → ``net_2.png`` for factor 2)."""
    return path.with_name(f"{path.stem}_{factor:g}{path.suffix}") if several else path


def _num(x: float | None, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, float) and math.isinf(x):
        return "∞"
    return f"{x:,.{digits}f}"


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def _model_error(r: PlacementResult, error: float | None) -> str:
    """The largest gap between the pressures the algorithm predicted for its plan and
    EPANET's, or why there is none: a plan the network loop built from no pumps was never
    predicted by the algorithm's model."""
    if _finite(error):
        return f"{error:,.3f} m"
    if r.extras.get("start") == "empty":
        return (
            "none to measure: the plan kept was built on the network from no pumps, so the "
            "model predicted no pressures for it"
        )
    return "none to measure: the algorithm predicted no pressures for this plan"


def print_report(
    scenario: PumpPlacementScenario,
    algorithm: str,
    plans: list[PumpPlan],
    console: Console,
) -> None:
    console.print(
        f"[bold]{scenario.name or 'pump placement'}[/]  ({algorithm}, {scenario.objective})"
    )
    for plan in plans:
        problem, r, check = plan.problem, plan.result, plan.check
        tree = problem.tree
        colour = {"optimal": "green", "infeasible": "red"}.get(str(r.status), "yellow")
        console.print(
            f"\n[bold]Demand factor {tree.demand_factor:g}[/]: {int(tree.deficient.sum())} of "
            f"{int(tree.checked.sum())} checked nodes below P_min = {tree.p_min:.3f} m"
        )
        console.print(f"Status: [bold {colour}]{r.status}[/]  {r.message}")
        if r.objective is None:
            continue
        line = f"{scenario.objective}: [bold]{_num(r.objective)}[/]"
        if plan.bound is not None:
            line += f"  bound {_num(plan.bound)}, gap {100 * (plan.gap or 0.0):.3f} %"
        console.print(line + f"  ({r.runtime_s:.2f} s)")
        split = Table(title="Cost split", title_justify="left")
        for col in ("pumps", "kW", "capex", "opex (NPV)", "TCO"):
            split.add_column(col, justify="right")
        c = r.cost
        split.add_row(str(c.n_pumps), _num(c.total_kw, 1), _num(c.capex), _num(c.opex), _num(c.tco))
        console.print(split)
        table = plan.pumps
        # how each pump runs: in EPANET's check when there is one, else in the algorithm's model
        simulated = check is not None
        title = "Placement"
        if len(table) > MAX_PUMP_ROWS:
            title += f" (the first {MAX_PUMP_ROWS} of {len(table):,} pumps)"
        caption = "flow and head: each pump as it runs in EPANET" if simulated else None
        pumps = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
        for col in ("pipe", "node", "size", "kW", "flow L/s", "head m", "cost"):
            pumps.add_column(col, justify="left" if col in ("pipe", "node", "size") else "right")
        for row in table.head(MAX_PUMP_ROWS).itertuples():
            pumps.add_row(
                str(row.pipe),
                str(row.node),
                str(row.size),
                _num(row.power_kw, 1),
                _num(1000 * (row.epanet_flow_m3s if simulated else row.flow_m3s), 2),
                _num(row.epanet_head_m if simulated else row.head_m, 2),
                _num(row.cost),
            )
        console.print(pumps)
        if len(table) > MAX_PUMP_ROWS:
            more = len(table) - MAX_PUMP_ROWS
            console.print(f"… and {more:,} more pumps (the whole table: --out DIR)")
        if check is not None:
            ok = (
                "[green]holds on the network[/]"
                if check.verified
                else "[red]does NOT hold on the network[/]"
            )
            error = plan.model_error_m
            console.print(
                f"EPANET check on {problem.network.name if problem.network else tree.name}: "
                f"{ok}; min margin {check.min_margin:.3f} m, "
                f"{len(check.below_min)} below P_min, {len(check.above_max)} above P_max, "
                f"mean slack {check.mean_slack:.1%}"
            )
            looped = problem.network is not None and problem.network.looped
            console.print(
                f"Model error of {r.algorithm}'s own prediction: {_model_error(r, error)}"
                + (" (looped network: the tree model is a linearisation)"
                   if looped and _finite(error) else "")
            )  # fmt: skip
            for name, short in check.failing(tree, limit=10):
                console.print(f"  [red]{name}[/] short of P_min by {short:.3f} m")
            for fault in check.pump_faults:
                console.print(f"  [red]{fault}[/]")
        basis = bound_basis(r)
        if basis:
            console.print(f"The bound ({basis['relaxation']} relaxation) rests on:")
            for line in basis["assumptions"]:
                console.print(f"  - {line}")
