"""Destroy and repair (:mod:`wdnopt.solvers.pumps.neighbourhood`) against enumeration: from the
dearest plan that holds, every plan it returns is one the enumeration found holding, never
dearer than where it started and never cheaper than the enumerated optimum."""

from __future__ import annotations

import time

from wdnopt.solvers.pumps.neighbourhood import improve
from wdnopt.solvers.pumps.network_loop import plan_cost

from .looped import CATALOGUE, enumerated

SEEDS = [3, 19, 22, 27, 37]


def test_destroy_and_repair_moves_to_cheaper_plans_that_hold() -> None:
    gained = 0
    for seed in SEEDS:
        problem, optimum, holding = enumerated(seed, CATALOGUE)
        if optimum is None:
            continue
        ok = {tuple(sorted(p)) for p in holding}
        start = max(holding, key=lambda p: plan_cost(p, problem))
        result = improve(problem, start, time.perf_counter() + 20.0)
        assert tuple(sorted(result.pumps)) in ok, (seed, result.pumps)
        assert result.cost == plan_cost(result.pumps, problem)
        assert optimum - 1e-6 <= result.cost <= plan_cost(start, problem) + 1e-6
        gained += result.cost < plan_cost(start, problem) - 1e-6
    assert gained >= 1  # from the dearest plan, at least one search found a cheaper one
