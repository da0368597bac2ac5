"""What a Dask worker runs for one job: the solve of ``wdnopt solve``, its JSON report back.

:func:`solve_job` runs the job in a solver process of the worker (:mod:`.jobprocess`), which it
kills when the job is cancelled or runs past its deadline. The process takes the scenario as
validated data (a plain dict, validated again there by
the same :func:`~wdnopt.models.scenario.scenario_from_dict` as a file), solves it exactly as
``wdnopt solve SCENARIO --json`` does, and returns the same JSON object: for routing the
result's :func:`~wdnopt.solvers.cli.routing_report.result_dict` (``{"seasons": {...}}`` with
several seasons), for pump placement
:func:`~wdnopt.solvers.cli.pump_report.report_dict`, each with ``kind`` added. Progress goes to
the client as Dask events on :data:`PROGRESS_TOPIC`: ``{"job", "done", "total", "stage"}``
when each part starts (the end of the last part is the job's end, recorded with its report).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from wdnopt.models.scenario import scenario_from_dict
from wdnopt.solvers.io import json_envelope, to_json

log = logging.getLogger(__name__)

PROGRESS_TOPIC = "wdnopt-service-progress"
"""Dask event topic of job progress."""
BODY = "request body"
"""How messages name a scenario that came as a request body (where a file would be named)."""

Progress = Callable[[int, int, str], None]
"""``progress(done, total, stage)``."""
POLL_S = 0.2
"""Seconds between two looks at a running job's cancel flag and deadline."""


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
    deadline: float | None = None
    """Wall-clock seconds of the whole job, network building and checks included (none: no
    limit beyond each solve's): past it the job is stopped."""


def cancel_event_name(job_id: str) -> str:
    """The Dask event that tells a running job to stop (set by the server on cancel)."""
    return f"wdnopt-cancel-{job_id}"


def _cancel_flag(job_id: str) -> Callable[[], bool]:
    """Whether the server asked the job to stop (never, outside a Dask worker). The event is
    reached lazily: a scheduler slow to answer delays the news, never fails the job."""
    try:
        from distributed import Event, get_worker

        get_worker()
    except (ImportError, ValueError):
        return lambda: False
    found: list[Any] = []

    def is_set() -> bool:
        try:
            if not found:
                found.append(Event(cancel_event_name(job_id)))
            return bool(found[0].is_set())
        except Exception:  # the scheduler is away: keep going, the deadline still holds
            log.warning("the cancel flag of job %s could not be read", job_id, exc_info=True)
            return False

    def clear() -> None:
        with contextlib.suppress(Exception):
            if found:
                found[0].clear()

    is_set.clear = clear  # type: ignore[attr-defined]
    return is_set


def solve_job(job_id: str, data: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """Run on a Dask worker: solve one job in a solver process of this worker
    (:mod:`.jobprocess`), relaying its progress; stop it (kill the process) when the job is
    cancelled or passes its deadline. ``{"report": ..., "figures": {name: PNG}}``,
    ``{"errors": [...]}`` with the messages of input that only the solve found wrong, or of
    why the job stopped (plain text: an exception would lose its fields on its way back from
    a worker process), or ``{"cancelled": True}``."""
    from wdnopt.solvers.service.jobprocess import POOL

    deadline = JobOptions(**options).deadline
    cancelled = _cancel_flag(job_id)
    progress = _dask_progress(job_id)
    start = time.monotonic()
    try:
        with POOL.lease() as process:
            process.send(("job", data, options))
            while True:
                message = process.frames.receive(POLL_S)
                if message is None:
                    if cancelled():
                        process.kill()
                        log.info("job %s cancelled: its solver process stopped", job_id)
                        return {"cancelled": True}
                    if deadline is not None and time.monotonic() - start > deadline:
                        process.kill()
                        return {
                            "errors": [
                                f"stopped at the job's time limit of {deadline:g} s "
                                "(network building and checks included)"
                            ]
                        }
                    if process.frames.closed or not process.alive:
                        code = process.popen.wait()
                        return {
                            "errors": [f"the solver process ended without an answer (code {code})"]
                        }
                    continue
                if message[0] == "progress":
                    progress(*message[1:])
                elif message[0] == "report":
                    return {"report": message[1], "figures": message[2]}
                elif message[0] == "errors":
                    return {"errors": list(message[1])}
                else:
                    return {"errors": [f"the solve failed: {message[1]}"]}
    finally:
        getattr(cancelled, "clear", lambda: None)()


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
    from wdnopt.solvers.routing.solve import solve_routing

    def solve(season: str | None, name: str) -> dict[str, Any]:
        result = solve_routing(scenario, season=season)
        if options.figures and not result.periods.empty:
            from wdnopt.solvers.routing.plot import day_png

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
    from wdnopt.models.pumps.instance import build_problems
    from wdnopt.solvers.cli.pump_report import report_dict
    from wdnopt.solvers.pumps.placement import run_placement
    from wdnopt.solvers.pumps.request import placement_request  # pump jobs only

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
            from wdnopt.solvers.pumps.plot import plan_png

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
