"""Certificates for every heuristic: feasible by the one checker, never below a proven optimum."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from wdnopt.models.pumps.costs import CostModel
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.random_tree import random_catalogue, random_tree_instance
from wdnopt.models.pumps.tree import TreeInstance
from wdnopt.solvers.highs import Status
from wdnopt.solvers.pumps import registry
from wdnopt.solvers.pumps.approx_pump import ApproxPumpOptions, run_approx_pump
from wdnopt.solvers.pumps.bounds import lower_bounds
from wdnopt.solvers.pumps.brute_force import brute_force
from wdnopt.solvers.pumps.ga import GAOptions, run_ga
from wdnopt.solvers.pumps.min_opex import run_min_opex
from wdnopt.solvers.pumps.result import PlacementResult
from wdnopt.solvers.pumps.tree_pump import run_tree_pump

SMALL_GA = GAOptions(population=24, generations=25, seed=3)

HEURISTICS = {
    "approx-pump": lambda p: run_approx_pump(p),
    "approx-pump+prune": lambda p: run_approx_pump(p, ApproxPumpOptions(prune=True)),
    "tree-pump": lambda p: run_tree_pump(p),
    "ga": lambda p: run_ga(p, SMALL_GA),
}


def assert_certified(result: PlacementResult, problem: PumpProblem) -> None:
    """A feasible placement, or an honest failure with a reason in words."""
    if result.status is Status.HEURISTIC:
        assert result.check is not None and result.check.feasible, result.message
        assert result.objective == pytest.approx(result.cost.of(problem.objective))
    else:
        assert result.status in (Status.INFEASIBLE, Status.UNKNOWN)
        assert result.objective is None and result.message


@pytest.mark.parametrize("seed", range(12))
def test_small_trees_against_brute_force(make_small, seed: int) -> None:
    for objective in ("tco", "capex", "opex"):
        problem = make_small(seed, objective)
        optimum = brute_force(problem)
        bound = lower_bounds(problem).valid(objective) if optimum.cost is not None else None
        for name, run in HEURISTICS.items():
            result = run(problem)
            assert_certified(result, problem)
            if optimum.cost is None:
                # no placement exists: the only honest answer is a proof with the nodes named
                assert result.status is Status.INFEASIBLE, name
                bad = result.extras["unliftable_nodes"]
                assert bad and problem.tree.node_names[bad[0]] in result.message
            else:
                assert result.status is Status.HEURISTIC, (name, result.message)
                assert result.objective >= optimum.cost * (1 - 1e-9), name
        if optimum.cost is not None:
            assert bound <= optimum.cost * (1 + 1e-9)
            assert run_min_opex(problem).bound <= optimum.cost * (1 + 1e-9)
        else:
            assert run_min_opex(problem).status is Status.INFEASIBLE


@pytest.mark.parametrize("seed", range(3))
def test_small_trees_with_a_ceiling(make_small, seed: int) -> None:
    base = make_small(seed + 20, "tco")
    tree = dataclasses.replace(base.tree, p_max=base.tree.p_min + 25.0)
    problem = dataclasses.replace(base, tree=tree)
    optimum = brute_force(problem)
    for name, run in HEURISTICS.items():
        result = run(problem)
        assert_certified(result, problem)
        if result.status is Status.HEURISTIC:
            assert optimum.cost is not None and result.objective >= optimum.cost * (1 - 1e-9)
        if result.status is Status.INFEASIBLE:
            assert optimum.cost is None, name


@pytest.mark.parametrize("seed", range(3))
def test_medium_trees_are_certified_and_above_the_bound(seed: int) -> None:
    tree = random_tree_instance(400, seed, branching=0.3 + 0.2 * seed)
    problem = PumpProblem(tree, random_catalogue(5, seed), CostModel(), "tco")
    bound = lower_bounds(problem).valid("tco")
    for name, run in HEURISTICS.items():
        result = run(problem)
        assert result.status is Status.HEURISTIC, (name, result.message)
        assert_certified(result, problem)
        assert result.objective >= bound, name


def test_forest_with_two_roots() -> None:
    a = random_tree_instance(60, 1)
    b = random_tree_instance(50, 2)
    shift = a.n
    parent = np.concatenate([a.parent, np.where(b.parent >= 0, b.parent + shift, -1)])
    tree = TreeInstance(
        name="forest",
        node_names=a.node_names + tuple(f"b{v}" for v in range(b.n)),
        parent=parent,
        pipe_names=a.pipe_names + tuple(None if p is None else f"b{p}" for p in b.pipe_names),
        flow=np.concatenate([a.flow, b.flow]),
        pressure=np.concatenate([a.pressure, b.pressure]),
        checked=np.concatenate([a.checked, b.checked]),
    )
    problem = PumpProblem(tree, random_catalogue(4, 0), CostModel(), "opex")
    for run in HEURISTICS.values():
        result = run(problem)
        assert result.status is Status.HEURISTIC
        assert_certified(result, problem)


def test_ga_same_seed_same_answer() -> None:
    problem = PumpProblem(random_tree_instance(300, 7), random_catalogue(6, 7), CostModel(), "tco")
    first = run_ga(problem, GAOptions(seed=11))  # the paper's settings
    second = run_ga(problem, GAOptions(seed=11))
    assert first.status is Status.HEURISTIC
    assert dict(first.placement) == dict(second.placement)
    assert first.objective == second.objective


def test_registry_lists_the_paper_algorithms() -> None:
    names = registry.names()
    for name in ("min-opex", "approx-pump", "tree-pump", "ga"):
        assert name in names
        algorithm = registry.get(name)
        algorithm.make_options({})
    with pytest.raises(Exception, match="options of ga"):
        registry.get("ga").make_options({"populaton": 10})


@pytest.mark.parametrize("seed", range(2))
def test_no_heuristic_below_an_exact_optimum(seed: int) -> None:
    """Beside the brute force: the exact algorithms of the registry, where they prove optimality."""
    problem = PumpProblem(
        random_tree_instance(80, seed, branching=0.4), random_catalogue(4, seed), CostModel(), "tco"
    )
    proven = [
        r
        for a in (registry.get(n) for n in registry.names())
        if a.exact
        for r in [a.run(problem, a.make_options({}))]
        if r.status is Status.OPTIMAL
    ]
    # tree-dp always finishes with a proof; the MILP must agree whenever it proves one too
    assert "tree-dp" in {r.algorithm for r in proven}
    optimum = min(r.objective for r in proven)
    assert max(r.objective for r in proven) == pytest.approx(optimum, rel=1e-6)
    assert lower_bounds(problem).valid("tco") <= optimum * (1 + 1e-6)
    for name, run in HEURISTICS.items():
        result = run(problem)
        assert result.objective >= optimum * (1 - 1e-6), name
