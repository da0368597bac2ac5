"""The exact reference: solve the placement MILP with HiGHS (registered as ``milp``).

Three steps: :func:`~wdnopt.models.pumps.milp.build_placement_milp` builds the model,
:func:`~wdnopt.solvers.highs.solve_with_highs` solves it, :func:`placement_from_model` reads the
placement back; :func:`~wdnopt.solvers.pumps.result.make_result` prices and checks it.

Status honesty: ``optimal`` only when HiGHS proved the optimum within ``rel_gap``;
``time_limit`` with the incumbent, the best bound and the gap when the clock ran out;
``infeasible`` with the nodes that cause it (found before the solve when a simple reason exists).

Warm start: ``pyomo.contrib.solver``'s HiGHS interface has no warm-start option (Pyomo 6.10), but
it is persistent: after ``set_instance`` the underlying ``highspy.Highs`` object and the map from
Pyomo variables to HiGHS columns are reachable, and ``Highs.setSolution`` hands HiGHS a MIP
start that it checks and keeps as its first incumbent. :func:`_set_mip_start` does that; if the
interface ever changes so that they are not reachable, the start is skipped with a warning.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pydantic import Field

from wdnopt.models.pumps.milp import (
    ReducedTree,
    build_placement_milp,
    check_reachable,
    placement_from_model,
    reduce_tree,
)
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.tree import check_placement
from wdnopt.solvers.highs import SolveReport, make_highs, solve_with_highs
from wdnopt.solvers.pumps import registry
from wdnopt.solvers.pumps.registry import Algorithm, Seconds, Share, register
from wdnopt.solvers.pumps.result import PlacementResult, make_result
from wdnopt.solvers.pumps.tree_dp import TooManyPieces, solve_tree_dp
from wdnopt.solvers.status import Status

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MilpOptions:
    """Options of the exact MILP (keys of ``[options.milp]`` in a scenario)."""

    time_limit: Seconds = 60.0
    """Wall-clock limit of the HiGHS solve, s."""
    rel_gap: Share = 1e-4
    """Relative gap at which HiGHS stops and reports the optimum as proved."""
    threads: Annotated[int, Field(ge=1, le=1024)] = 1
    """HiGHS threads."""
    presolve: bool = True
    """Reduce the tree before building (implied rows, chain order, useless sizes)."""
    tighten: bool = True
    """Use the capped boost (tighter LP relaxation; exact on integer points)."""
    warm_start: Mapping[int, int] | None = None
    """A feasible placement (node → size) to start from, e.g. a heuristic's answer."""
    warm_start_from: str | None = None
    """Name of a registered algorithm to run first and start from (default options)."""
    dp_start: bool = True
    """Start from the optimum of the exact tree dynamic programme (``tree-dp``) when no other
    start is given."""
    dp_bound: bool = True
    """Add the tree dynamic programme's optimum as a lower bound on the cost (row ``floor``).
    The proof of optimality then rests on the dynamic programme, which the tests check against
    brute force and against the plain MILP; ``extras['bound_source']`` says so."""
    tee: bool = False
    """Show the HiGHS log."""


MIN_HIGHS_S = 0.1
"""HiGHS always gets this long (s), even when building the model used up the time limit."""


def run_milp(problem: PumpProblem, options: MilpOptions | None = None) -> PlacementResult:
    """Solve ``problem`` to proven optimality (or to the time limit) with HiGHS."""
    options = options or MilpOptions()
    start = time.perf_counter()
    reduced = reduce_tree(problem, presolve=options.presolve)
    why = check_reachable(problem, reduced)
    if why.infeasible:
        message = why.message(problem.tree.node_names)
        log.info("infeasible before solving: %s", message)
        return make_result(
            problem,
            "milp",
            Status.INFEASIBLE,
            None,
            runtime_s=time.perf_counter() - start,
            message=message,
            extras={
                "unreachable_nodes": why.unreachable.tolist(),
                "ceiling_nodes": why.over_ceiling.tolist(),
            },
        )
    if len(reduced.nodes) == 0:
        # nothing is deficient: the empty placement is optimal (HiGHS has no model to solve)
        return make_result(
            problem,
            "milp",
            Status.OPTIMAL,
            {},
            bound=0.0,
            runtime_s=time.perf_counter() - start,
            message="no deficient node: no pump needed",
        )
    warm = _warm_start(problem, options)
    floor = ceiling = None
    dp_s = 0.0
    if options.dp_start or options.dp_bound:
        dp_started = time.perf_counter()
        try:
            dp = solve_tree_dp(problem)
        except TooManyPieces as exc:
            log.warning("tree dynamic programme skipped: %s", exc)
            dp = None
        dp_s = time.perf_counter() - dp_started
        if dp is not None and np.isfinite(dp.cost):
            ceiling = dp.cost  # the cost of a feasible plan: dearer sizes are left out
            if options.dp_bound:
                floor = dp.cost
            if warm is None and options.dp_start:
                warm = dp.placement
    model = build_placement_milp(
        problem, tighten=options.tighten, reduced=reduced, cost_floor=floor, cost_ceiling=ceiling
    )
    build_s = time.perf_counter() - start - dp_s
    # the time limit is wall-clock for the whole run: HiGHS gets what the rest left
    left = options.time_limit - (time.perf_counter() - start)
    solver = make_highs(
        time_limit=max(left, MIN_HIGHS_S),
        rel_gap=options.rel_gap,
        threads=options.threads,
        tee=options.tee,
    )
    started = False
    if warm is not None:
        started = _set_mip_start(solver, model, problem, reduced, warm)
    report, _ = solve_with_highs(model, solver=solver)
    placement = placement_from_model(model) if report.objective is not None else None
    status, message = _status(report, placement is not None)
    if status is Status.UNKNOWN and report.status is Status.TIME_LIMIT and warm is not None:
        # HiGHS kept no incumbent, but the start is feasible: report it, still not proved
        placement, status = dict(warm), Status.TIME_LIMIT
        message = "time limit reached; the warm start is the best placement known"
    bound = report.bound
    extras: dict[str, Any] = {
        "build_s": build_s,
        "dp_s": dp_s,
        "bound_source": "highs+tree-dp" if floor is not None else "highs",
        "dp_cost": ceiling,
        "solve_s": report.runtime_s,
        "termination": report.termination,
        "highs_objective": report.objective,
        "n_binaries": len(model.y),
        "n_rows": sum(1 for _ in model.component_data_objects(pyo.Constraint, active=True)),
        "warm_start": started,
    }
    result = make_result(
        problem,
        "milp",
        status,
        placement,
        bound=bound,
        runtime_s=time.perf_counter() - start,
        message=message,
        extras=extras,
    )
    if (
        result.objective is not None
        and report.objective is not None
        and abs(result.objective - report.objective) > 1e-6 * max(1.0, abs(report.objective))
    ):
        log.warning(
            "HiGHS objective %.6g differs from the priced placement %.6g",
            report.objective,
            result.objective,
        )
    return result


def _status(report: SolveReport, has_placement: bool) -> tuple[Status, str]:
    if report.status is Status.OPTIMAL:
        return Status.OPTIMAL, f"proved optimal (gap {report.gap or 0.0:.2e})"
    if report.status is Status.TIME_LIMIT:
        if not has_placement:
            return Status.UNKNOWN, "time limit reached before any feasible placement was found"
        gap = report.gap
        return Status.TIME_LIMIT, (
            "time limit reached; not proved optimal"
            + (f" (gap {gap:.2%})" if gap is not None else "")
        )
    if report.status is Status.INFEASIBLE:
        return Status.INFEASIBLE, (
            "no placement lifts every deficient node without breaking the P_max ceiling "
            "(HiGHS proved the model infeasible)"
        )
    return report.status, f"HiGHS stopped with {report.termination}"


def _warm_start(problem: PumpProblem, options: MilpOptions) -> dict[int, int] | None:
    """The start placement asked for, if it is feasible (else None, with a warning)."""

    warm: dict[int, int] | None = None
    if options.warm_start is not None:
        warm = {int(v): int(k) for v, k in options.warm_start.items()}
    elif options.warm_start_from:
        algorithm = registry.get(options.warm_start_from)
        found = algorithm.run(problem, algorithm.options())
        if found.has_plan:
            warm = dict(found.placement)
    if warm is None:
        return None
    if not check_placement(problem.tree, warm, problem.catalogue).feasible:
        log.warning("warm start ignored: the placement is not feasible")
        return None
    return warm


def normalise_start(reduced: ReducedTree, placement: Mapping[int, int]) -> dict[int, int]:
    """A placement of no higher cost that satisfies the presolved model's rows.

    Pumps on pipes outside the candidates are dropped (they lift no deficient node; dropping
    them only lowers boosts), and pumps move down the chain pairs ``(v, w)`` while ``e_w`` is
    free (the exchange that makes the chain rows valid).
    """
    cand = set(reduced.candidates.tolist())
    out = {v: k for v, k in placement.items() if v in cand and reduced.allowed[v, k]}
    moved = True
    while moved:
        moved = False
        for v, w in reduced.chain[::-1].tolist():
            if v in out and w not in out:
                out[w] = out.pop(v)
                moved = True
    return out


def _set_mip_start(
    solver: Any,
    model: pyo.ConcreteModel,
    problem: PumpProblem,
    reduced: ReducedTree,
    placement: Mapping[int, int],
) -> bool:
    """Give HiGHS a full MIP start (every column) through ``Highs.setSolution``."""
    start = normalise_start(reduced, placement)
    boost = problem.tree.boost(start, problem.catalogue)
    pairs: list[tuple[Any, float]] = [
        (var, 1.0 if start.get(v) == k else 0.0) for (v, k), var in model.y.items()
    ]
    if hasattr(model, "B"):
        pairs.extend((var, float(boost[v])) for v, var in model.B.items())
    if hasattr(model, "z"):
        pairs.extend((var, float(min(boost[v], reduced.cap[v]))) for v, var in model.z.items())
    try:
        solver.set_instance(model)
        highs = solver._solver_model
        columns = solver._pyomo_var_to_solver_var_map
        index = np.array([columns[id(var)] for var, _ in pairs], dtype=np.int64)
    except (AttributeError, KeyError) as exc:  # pragma: no cover - depends on Pyomo internals
        log.warning("warm start skipped: HiGHS columns not reachable (%s)", exc)
        return False
    full = np.zeros(highs.getNumCol())
    full[index] = [value for _, value in pairs]
    sol = _highs_solution(full)
    status = highs.setSolution(sol)
    log.info("MIP start of %d pumps handed to HiGHS (%s)", len(start), status)
    return True


def _highs_solution(col_value: np.ndarray) -> Any:

    sol = highspy.HighsSolution()
    sol.col_value = col_value.tolist()
    sol.value_valid = True
    return sol


ALGORITHM = register(
    Algorithm(
        name="milp",
        run=run_milp,
        options=MilpOptions,
        summary="exact MILP (HiGHS): proven optimum, or incumbent, bound and gap at the limit",
        exact=True,
    )
)
