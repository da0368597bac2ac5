"""One run: an algorithm on one problem, its plan verified in EPANET; never raises.

:func:`execute_run` returns the run's record (its labels and figures), the content of one
``runs/<run id>.json`` file. Networks and problems are cached per process.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from wdnopt.models.pumps.instance import build_problems, load_network
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.harness.records import run_record
from wdnopt.solvers.harness.workers import RUN_LOCK, Cache
from wdnopt.solvers.pumps.placement import as_checked, check_placement, solve_placement
from wdnopt.solvers.pumps.plan import PumpPlan
from wdnopt.solvers.pumps.request import PlacementRequest, placement_request
from wdnopt.solvers.pumps.result import PlacementResult
from wdnopt.solvers.pumps.sweep.plan import RunSpec
from wdnopt.solvers.status import Status

logger = logging.getLogger(__name__)


_NETWORKS = Cache(4)
_PROBLEMS = Cache(32)


def _problem(spec: RunSpec) -> PumpProblem:
    """The problem of a run (the one problem factory; built once per process and kept)."""
    settings = spec.problem
    net_key = settings.model_dump_json(include={"network"})
    wn = _NETWORKS.get(net_key, lambda: load_network(settings))

    def make() -> PumpProblem:
        (problem,) = build_problems(
            settings,
            wn=wn,
            factors=[spec.demand_factor],
            objective=spec.objective,  # type: ignore[arg-type]
        )
        return problem

    key = (
        settings.model_dump_json(exclude={"name", "options"}),
        spec.demand_factor,
        spec.objective,
    )
    return _PROBLEMS.get(key, make)


def run_request(spec: RunSpec) -> PlacementRequest:
    """The run's request, built where the run executes (its deadline starts with the run)
    by the one builder, from the settings, algorithm and seed the plan checked."""
    where = f"run {spec.run_id} of {spec.scenario or 'the sweep'}"
    return placement_request(
        spec.problem, spec.algorithm, spec.time_limit, where=where, seed=spec.seed
    )


def execute_run(spec: RunSpec) -> dict[str, Any]:
    """Run one algorithm on one problem, verify its placement in EPANET; never raises.

    Returns the run's record: ``spec`` (labels) and ``result`` (the figures of the table).
    Safe on workers with several threads: runs of one process take turns (:data:`RUN_LOCK`).
    """
    with RUN_LOCK:
        return _execute_run(spec)


def _execute_run(spec: RunSpec) -> dict[str, Any]:
    for name, level in spec.log_levels.items():
        logging.getLogger(name).setLevel(level)
    started = time.perf_counter()
    result: dict[str, Any] = {"status": str(Status.ERROR)}
    try:
        problem = _problem(spec)
        answer = solve_placement(problem, run_request(spec))
        check = None
        t0 = time.perf_counter()
        if answer.has_plan and spec.verify:
            check = check_placement(problem, answer)
        verify_s = time.perf_counter() - t0
        answer = as_checked(answer, check)
        result = _record_result(PumpPlan(problem, answer, check).to_dict(), answer, spec)
        if check is not None:
            result["verify_s"] = verify_s
    except Exception as exc:  # a failing run is recorded, never stops the sweep
        logger.info("run %s (%s) failed: %s", spec.run_id, spec.algorithm, exc)
        result = {
            "status": str(Status.ERROR),
            "message": f"{type(exc).__name__}: {exc}",
            "runtime_s": time.perf_counter() - started,
        }
    labels = {
        "scenario": spec.scenario,
        "network": spec.network,
        "demand_factor": spec.demand_factor,
        "objective": spec.objective,
        "algorithm": spec.algorithm,
        "seed": spec.seed,
        "options": spec.options,
    }
    return run_record(spec.run_id, labels, result)


def _record_result(plan: dict[str, Any], answer: PlacementResult, spec: RunSpec) -> dict[str, Any]:
    """The figures of a run's row (:class:`~wdnopt.solvers.pumps.sweep.record.RunRecord`),
    read from the plan's one serialisation (:meth:`PumpPlan.to_dict`), and the paper's
    IV-B figure and the warm start's cost from the algorithm's extras."""
    result: dict[str, Any] = {
        "status": plan["status"],
        "message": plan["message"],
        "bound": plan["bound"],
        "runtime_s": plan["runtime_s"],
        "deficient_nodes": plan["deficient_nodes"],
    }
    bounds = answer.extras.get("bounds")
    if bounds and plan["bound"] is not None:
        result["paper_bound"] = _paper_bound(bounds, spec.objective)
    if answer.has_plan:
        result.update(
            cost=plan["objective"],
            **plan["cost"],
            placement={f"{p['pipe']}@{p['node']}": p["size"] for p in plan["placement"]},
            start_cost=answer.extras.get("start_cost"),
            start_holds=answer.extras.get("start_holds"),
        )
    epanet = plan["epanet"]
    if epanet is not None:  # a plan on a network, checked
        result.update(
            verified=plan["verified"],
            min_margin_m=epanet["min_margin_m"],
            mean_slack=epanet["mean_slack"],
            max_model_error_m=epanet["max_model_error_m"],
        )
    return result


def _paper_bound(bounds: dict[str, float], objective: str) -> float:
    """The paper's IV-B figure for ``objective`` from MIN-OPEX's bounds."""
    key = {"opex": "opex_ratio", "capex": "paper_capex", "tco": "paper_tco"}[objective]
    return float(bounds[key])
