"""Certificates for every heuristic: feasible by the one checker, never below a proven optimum."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from wdnopt.models.pumps.costs import CostModel
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.random_tree import random_catalogue, random_tree_instance
from wdnopt.models.pumps.tree import TreeInstance
from wdnopt.solvers.pumps import registry
from wdnopt.solvers.pumps.approx_pump import ApproxPumpOptions, run_approx_pump
from wdnopt.solvers.pumps.bounds import lower_bounds
from wdnopt.solvers.pumps.brute_force import brute_force
from wdnopt.solvers.pumps.ga import GAOptions, run_ga
from wdnopt.solvers.pumps.min_opex import run_min_opex
from wdnopt.solvers.pumps.result import PlacementResult
from wdnopt.solvers.pumps.tree_pump import run_tree_pump
from wdnopt.solvers.status import Status

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


def test_ga_paper_start_is_random_and_never_far_above_the_deficit() -> None:
    """The paper's initial population: on a candidate serving a deficit ``d``, no pump or a
    size of head ≤ (1 + overshoot) d (the smallest if none is); nothing elsewhere. Checked
    against the deficits recomputed here from the tree, node by node."""
    from wdnopt.solvers.pumps.ga import _encode, _initial

    problem = PumpProblem(random_tree_instance(200, 3), random_catalogue(5, 3), CostModel(), "tco")
    options = GAOptions(start="paper", population=50, overshoot=0.5)
    enc = _encode(problem)
    genes = _initial(problem, enc, options, np.random.default_rng(0))
    tree = problem.tree
    heads = problem.head_gain
    cand = list(enc.cand)
    # the largest deficiency among the nodes whose nearest candidate at or above is c
    serves = {c: 0.0 for c in cand}
    for v in np.flatnonzero(tree.deficient):
        u = int(v)
        while u >= 0 and u not in serves:
            u = int(tree.parent[u])
        if u >= 0:
            serves[u] = max(serves[u], float(tree.deficiency[v]))
    assert len({tuple(g) for g in genes}) > 1  # random, not one guided individual
    for j, c in enumerate(cand):
        need = serves[c]
        chosen = genes[:, j]
        if need <= 1e-9:
            assert (chosen == 0).all()
            continue
        sizes = heads[c]
        allowed = {0} | {k + 1 for k in range(len(sizes)) if 0 < sizes[k] <= 1.5 * need + 1e-9}
        if allowed == {0}:
            positive = [k for k in range(len(sizes)) if sizes[k] > 0]
            allowed |= {min(positive, key=lambda k: sizes[k]) + 1} if positive else set()
        assert set(chosen.tolist()) <= allowed
    result = run_ga(problem, GAOptions(start="paper", seed=1, generations=60))
    assert result.status is Status.HEURISTIC and "paper start" in result.message
    assert_certified(result, problem)
