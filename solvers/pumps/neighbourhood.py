"""Destroy and repair: a plan that holds, made cheaper by dropping pumps and repairing the rest.

For a plan ``P`` that holds on the network, each neighbour drops one pump of ``P`` (the dearest
first), then two, and hands what is left to the repair (:func:`~.repair.repair_plan`: EPANET in
the loop, the linearised network's cover MILP, then pruning). A repaired plan that holds and
costs less than ``P`` replaces it, and the search starts again from there. It stops when no
neighbour is cheaper, or at its deadline.

The repair places pumps where the network, linearised around the plan's own state, says they
lift the junctions that fall short, so a neighbour can move a pump far from where it was:
``milp-network`` uses the search on its warm start, whose plan depends on the time its rounds
got (on foss_poly_1 at twice its demands: three pumps for 51,333 in one run, two for 34,222 in
another; the search takes the first to the second).
"""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass

from wdnopt.models.pumps.network import PlannedPump
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.pumps.network_loop import plan_cost
from wdnopt.solvers.pumps.repair import RepairOptions, repair_plan

logger = logging.getLogger(__name__)

NEIGHBOUR_REPAIR_S = 1.0
"""Seconds one neighbour's repair gets at most (less than the loop's ``REPAIR_S``: the search
repairs dozens of neighbours in its share of the time)."""

MAX_DROPPED = 2
"""Pumps a neighbour drops at most."""


@dataclass(frozen=True)
class Improved:
    """What the search did."""

    pumps: tuple[PlannedPump, ...]
    cost: float
    start_cost: float
    neighbours: int
    """Neighbours repaired."""
    moves: int
    """Neighbours taken (each cheaper than the plan before it)."""


def _neighbours(pumps: tuple[PlannedPump, ...], problem: PumpProblem):
    """Sets of pumps to drop: one at a time (the dearest first), then pairs."""
    order = sorted(pumps, key=lambda p: (-plan_cost((p,), problem), p))
    for n in range(1, min(MAX_DROPPED, len(order)) + 1):
        yield from itertools.combinations(order, n)


def improve(problem: PumpProblem, pumps: tuple[PlannedPump, ...], deadline: float) -> Improved:
    """The search of the module notes from ``pumps`` (a plan that holds), until ``deadline``
    (``time.perf_counter()`` seconds)."""
    best = tuple(sorted(pumps))
    cost = start = plan_cost(best, problem)
    tried: set[tuple[PlannedPump, ...]] = set()
    neighbours = moves = 0
    improved = True
    while improved and best:
        improved = False
        for dropped in _neighbours(best, problem):
            left = deadline - time.perf_counter()
            if left <= 0.05:
                break
            rest = tuple(p for p in best if p not in dropped)
            if rest in tried:
                continue
            tried.add(rest)
            neighbours += 1
            budget = RepairOptions(time_limit=min(NEIGHBOUR_REPAIR_S, left), max_rounds=10)
            fixed = repair_plan(problem, rest, budget)
            if not fixed.holds:
                continue
            trial = tuple(sorted(fixed.pumps))
            trial_cost = plan_cost(trial, problem)
            if trial_cost < cost - 1e-9 * max(abs(cost), 1.0):
                best, cost = trial, trial_cost
                moves += 1
                improved = True
                break
    logger.info(
        "%s: destroy and repair from %s to %s (%d neighbour(s), %d move(s))",
        getattr(problem.network, "name", "network"),
        f"{start:,.0f}", f"{cost:,.0f}", neighbours, moves,
    )  # fmt: skip
    return Improved(best, cost, start, neighbours, moves)
