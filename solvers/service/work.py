"""What a Dask worker runs for one job: the solve of ``wdnopt solve``, its JSON report back.

:func:`solve_job` takes the scenario as validated data (a plain dict, validated again here by
the same :func:`~wdnopt.models.scenario.scenario_from_dict` as a file), solves it exactly as
``wdnopt solve SCENARIO --json`` does, and returns the same JSON object: for routing the
result's ``to_dict()`` (``{"seasons": {...}}`` with several seasons), for pump placement
:func:`~wdnopt.solvers.cli.pump_report.report_dict`, each with ``kind`` added. Progress goes to
the client as Dask events on :data:`PROGRESS_TOPIC`: ``{"job", "done", "total", "stage"}``
when each part starts (the end of the last part is the job's end, recorded with its report).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from typing import Any

from wdnopt.models.errors import InputError
from wdnopt.models.scenario import scenario_from_dict
from wdnopt.solvers.io import json_envelope, to_json

log = logging.getLogger(__name__)

PROGRESS_TOPIC = "wdnopt-service-progress"
"""Dask event topic of job progress."""
BODY = "request body"
"""How messages name a scenario that came as a request body (where a file would be named)."""

Progress = Callable[[int, int, str], None]
"""``progress(done, total, stage)``."""


@dataclasses.dataclass(frozen=True)
class JobOptions:
    """What the request adds to the scenario (the options of ``wdnopt solve``)."""

    time_limit: float | None = None
    """Wall-clock seconds of each solve (``--time-limit``), already within the server's cap."""
    algorithm: str | None = None
    """Pump placement algorithm (``--algorithm``; none: the default)."""
    season: str | None = None
    """Routing: solve this season only (``--season``)."""
    figures: bool = False
    """Draw the figures of ``--plot`` too: a routing schedule's day, each pump plan on its
    network (PNG, returned beside the report)."""


def solve_job(job_id: str, data: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """Run on a Dask worker: solve one job. ``{"report": ..., "figures": {name: PNG}}``, or
    ``{"errors": [...]}`` with the messages of input that only the solve found wrong (plain
    text: an exception would lose its fields on its way back from a worker process)."""
    figures: dict[str, bytes] = {}
    try:
        report = solve_scenario(
            data, JobOptions(**options), progress=_dask_progress(job_id), figures=figures
        )
    except InputError as exc:
        return {"errors": [str(p) for p in exc.problems]}
    return {"report": report, "figures": figures}


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
    from wdnopt.solvers.routing import solve_routing

    def solve(season: str | None, name: str) -> dict[str, Any]:
        result = solve_routing(scenario, season=season)
        if options.figures and not result.periods.empty:
            from wdnopt.solvers.routing_plot import day_png

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
        return {"seasons": results}
    report(0, 1, "solving")
    return solve(season, "day.png")


def _solve_pumps(
    scenario: Any, options: JobOptions, report: Progress, figures: dict[str, bytes]
) -> dict[str, Any]:
    from wdnopt.models.pumps.instance import build_problems
    from wdnopt.solvers.cli.pump_report import DEFAULT_ALGORITHM, report_dict
    from wdnopt.solvers.placement import algorithm_options, run_placement
    from wdnopt.solvers.pumps import registry

    name = options.algorithm or DEFAULT_ALGORITHM
    algorithm = registry.get(name)
    algo_options = algorithm_options(algorithm, scenario, options.time_limit, where=BODY)
    report(0, len(scenario.demand_factors), "building the network")
    problems = build_problems(scenario)
    runs = []
    for i, problem in enumerate(problems):
        report(i, len(problems), f"demand factor {problem.tree.demand_factor:g}")
        result, check = run_placement(problem, algorithm, algo_options, repairs=scenario.repairs)
        runs.append((problem, result, check))
        if options.figures:
            from wdnopt.solvers.network_plot import plan_png

            figures[f"plan_{problem.tree.demand_factor:g}.png"] = plan_png(problem, result, check)
    return report_dict(scenario, name, runs)


def reset_highs_threads() -> None:
    """Start each job with HiGHS's thread scheduler unset, as in a new process.

    HiGHS keeps one thread scheduler per process, sized by the first solve's ``threads``; a
    later solve asking for another number stops at once with status unknown ("the scheduler
    has already been initialized"). A worker process runs many jobs in turn, e.g. a routing
    LP (HiGHS's default threads) and then a pump MILP (one thread): each job must find the
    scheduler as a fresh ``wdnopt solve`` would."""
    import highspy

    highspy.Highs.resetGlobalScheduler(True)


def _dask_progress(job_id: str) -> Progress:
    """Progress sent as Dask events from the worker (nothing outside a worker)."""

    def send(done: int, total: int, stage: str) -> None:
        try:
            from distributed import get_worker

            worker = get_worker()
        except (ImportError, ValueError):
            return
        worker.log_event(
            PROGRESS_TOPIC, {"job": job_id, "done": done, "total": total, "stage": stage}
        )

    return send
