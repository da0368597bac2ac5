"""The solve of one job, in a solver process (:mod:`.jobprocess`): the scenario validated again
by the same :func:`~wdnopt.models.scenario.scenario_from_dict` as a file, solved exactly as
``wdnopt solve SCENARIO --json`` does, and the same JSON object returned: for routing
:meth:`~wdnopt.solvers.routing.solve.RoutingResult.to_dict` (``{"seasons": {...}}`` with several
seasons), for pump placement :func:`~wdnopt.solvers.pumps.plan.placement_report`, each with
``kind`` added."""

from __future__ import annotations

import json
from typing import Any

import highspy

from wdnopt.models.pumps.instance import build_problems
from wdnopt.models.scenario import scenario_from_dict
from wdnopt.solvers.io import json_envelope, to_json
from wdnopt.solvers.pumps.placement import run_placement
from wdnopt.solvers.pumps.plan import PumpPlan, placement_report
from wdnopt.solvers.pumps.request import placement_request
from wdnopt.solvers.routing.solve import solve_routing
from wdnopt.solvers.service.joboptions import BODY, JobOptions, Progress


def solve_scenario(
    data: dict[str, Any],
    options: JobOptions,
    *,
    progress: Progress | None = None,
    figures: dict[str, bytes] | None = None,
) -> dict[str, Any]:
    """Solve validated scenario data as ``wdnopt solve --json`` does; the report as JSON data
    (NaN and infinities as null). With ``options.figures``, the PNG figures are put in
    ``figures`` by file name. Raises :class:`~wdnopt.models.errors.InputError` for input that
    only the solve finds wrong."""
    figures = {} if figures is None else figures
    report = progress or (lambda done, total, stage: None)
    scenario = scenario_from_dict(data, file=BODY)
    reset_highs_threads()
    if scenario.kind == "routing":
        payload = _solve_routing(scenario, options, report, figures)
    elif scenario.kind == "pump_placement":
        payload = _solve_pumps(scenario, options, report, figures)
    else:  # refused at intake; kept as a clear error if a new kind slips through
        raise ValueError(f"the service does not solve {scenario.kind!r} scenarios")
    return {"kind": scenario.kind, **json.loads(to_json(json_envelope("solve", payload)))}


def _solve_routing(
    scenario: Any, options: JobOptions, report: Progress, figures: dict[str, bytes]
) -> dict[str, Any]:

    def solve(season: str | None, name: str) -> dict[str, Any]:
        result = solve_routing(scenario, season=season)
        if options.figures and not result.periods.empty:
            from wdnopt.solvers.routing.plot import day_png  # lazy: matplotlib, for figures

            figures[name] = day_png(result)
        return result.to_dict()

    if options.time_limit is not None:
        solver = scenario.solver.model_copy(update={"time_limit": options.time_limit})
        scenario = scenario.model_copy(update={"solver": solver})
    season = options.season or scenario.season
    if scenario.seasons and season is None:
        seasons = [s.id for s in scenario.seasons]
        results = {}
        for i, name in enumerate(seasons):
            report(i, len(seasons), f"season {name}")
            results[name] = solve(name, f"day_{name}.png")
        return {"scenario": scenario.name, "seasons": results}
    report(0, 1, "solving")
    return solve(season, "day.png")


def _solve_pumps(
    scenario: Any, options: JobOptions, report: Progress, figures: dict[str, bytes]
) -> dict[str, Any]:

    # the intake's time limit (the one precedence, within the server's caps) is the explicit one
    request = placement_request(scenario, options.algorithm, options.time_limit, where=BODY)
    name = request.algorithm.name
    report(0, len(scenario.demand_factors), "building the network")
    problems = build_problems(scenario)
    runs = []
    for i, problem in enumerate(problems):
        report(i, len(problems), f"demand factor {problem.tree.demand_factor:g}")
        result, check = run_placement(problem, request)
        runs.append((problem, result, check))
        if options.figures:
            from wdnopt.solvers.pumps.plot import plan_png  # lazy: matplotlib, for figures

            figures[f"plan_{problem.tree.demand_factor:g}.png"] = plan_png(problem, result, check)
    plans = [PumpPlan(*run) for run in runs]
    return placement_report(scenario.name, scenario.objective, name, plans)


def reset_highs_threads() -> None:
    """Start each job with HiGHS's thread scheduler unset, as in a new process.

    HiGHS keeps one thread scheduler per process, sized by the first solve's ``threads``; a
    later solve asking for another number stops at once with status unknown ("the scheduler
    has already been initialized"). A worker process runs many jobs in turn, e.g. a routing
    LP (HiGHS's default threads) and then a pump MILP (one thread): each job must find the
    scheduler as a fresh ``wdnopt solve`` would."""

    highspy.Highs.resetGlobalScheduler(True)
