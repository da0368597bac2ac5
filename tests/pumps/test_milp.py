"""The exact MILP and the tree dynamic programme against exhaustive enumeration and each other."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from wdnopt.models.pumps.costs import Catalogue, CostModel, Objective, PumpSize, price_placement
from wdnopt.models.pumps.milp import build_placement_milp, check_reachable, reduce_tree
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.random_tree import random_catalogue, random_tree_instance
from wdnopt.models.pumps.tree import TreeInstance, check_placement
from wdnopt.solvers.pumps import registry
from wdnopt.solvers.pumps.milp import MilpOptions, normalise_start, run_milp
from wdnopt.solvers.pumps.tree_dp import Step, run_tree_dp, solve_tree_dp
from wdnopt.solvers.status import Status

PLAIN = MilpOptions(presolve=False, tighten=False, dp_start=False, dp_bound=False, time_limit=30)
"""The design note's formulation as written (no presolve, no capped boost, no help)."""
STRONG = MilpOptions(dp_start=False, dp_bound=False, time_limit=30)
"""Presolve and capped boost, but no help from the dynamic programme."""
DEFAULT = MilpOptions(time_limit=30)
VARIANTS = {"plain": PLAIN, "strong": STRONG, "default": DEFAULT}


# ---------------------------------------------------------------------------- instances


def small_problem(
    seed: int, objective: Objective = "tco", *, n: int = 12, p_max: float | None = None
) -> PumpProblem:
    """A small random tree; flows scaled so that deficits need several pumps and sizes."""
    rng = np.random.default_rng(seed)
    tree = random_tree_instance(
        n, seed, branching=float(rng.uniform(0.2, 0.9)), max_deficit=40.0, p_max=p_max
    )
    tree = dataclasses.replace(tree, flow=tree.flow * float(rng.uniform(8, 30)))
    return PumpProblem(tree, random_catalogue(3, seed), CostModel(), objective)


def brute_force_optimum(problem: PumpProblem) -> tuple[float, dict[int, int] | None]:
    """Least cost over every placement on candidates × (none + sizes), by enumeration.

    Independent of the code under test: its own ancestor matrix, its own boost sums.
    """
    tree = problem.tree
    n = tree.n
    cand = [int(v) for v in tree.candidates]
    n_sizes = len(problem.catalogue)
    below = np.zeros((len(cand), n))  # below[i, u] = 1 when u is in the subtree of cand[i]
    for i, v in enumerate(cand):
        for u in range(n):
            w = u
            while w >= 0:
                if w == v:
                    below[i, u] = 1.0
                    break
                w = int(tree.parent[w])
    flow = np.asarray(tree.flow)
    hyd = np.array([s.power_kw * s.efficiency for s in problem.catalogue.sizes])
    heads = np.zeros((len(cand), n_sizes + 1))
    for i, v in enumerate(cand):
        heads[i, 1:] = hyd / (9.80665 * flow[v])
    costs = np.concatenate([[0.0], problem.size_costs])
    choices = np.array(list(itertools.product(range(n_sizes + 1), repeat=len(cand))), dtype=int)
    choices = choices.reshape(-1, len(cand))
    added = heads[np.arange(len(cand))[None, :], choices]
    boost = added @ below
    checked = np.asarray(tree.checked)
    pressure = np.asarray(tree.pressure)[None, :] + boost
    ok = (pressure[:, checked] >= tree.p_min - 1e-9).all(axis=1)
    if tree.p_max is not None:
        ok &= (pressure[:, checked] <= tree.p_max + 1e-9).all(axis=1)
    total = costs[choices].sum(axis=1)
    if not ok.any():
        return np.inf, None
    best = int(np.flatnonzero(ok)[np.argmin(total[ok])])
    placement = {cand[i]: int(c) - 1 for i, c in enumerate(choices[best]) if c > 0}
    return float(total[best]), placement


def enumerable(problem: PumpProblem, limit: int = 8) -> bool:
    return 1 <= len(problem.tree.candidates) <= limit


def cases(count: int, *, p_max: float | None = None) -> list[PumpProblem]:
    out = []
    seed = 0
    while len(out) < count:
        problem = small_problem(seed, ("tco", "opex", "capex")[seed % 3], p_max=p_max)
        if enumerable(problem):
            out.append(problem)
        seed += 1
    return out


# ---------------------------------------------------------------------------- brute force


@pytest.mark.parametrize("problem", cases(14), ids=lambda p: f"{p.tree.name}-{p.objective}")
def test_milp_and_dp_match_brute_force(problem: PumpProblem) -> None:
    best, witness = brute_force_optimum(problem)
    if witness is None:
        for options in VARIANTS.values():
            assert run_milp(problem, options).status is Status.INFEASIBLE
        assert run_tree_dp(problem).status is Status.INFEASIBLE
        return
    assert check_placement(problem.tree, witness, problem.catalogue).feasible
    tol = 1e-6 * max(1.0, best)
    for name, options in VARIANTS.items():
        result = run_milp(problem, options)
        assert result.status is Status.OPTIMAL, (name, result.message)
        assert result.objective == pytest.approx(best, abs=tol), name
        assert result.check is not None and result.check.feasible, name
        assert result.bound is not None and result.bound <= best + tol, name
    dp = run_tree_dp(problem)
    assert dp.status is Status.OPTIMAL
    assert dp.objective == pytest.approx(best, abs=tol)
    assert dp.check is not None and dp.check.feasible


@pytest.mark.parametrize(
    "problem", cases(8, p_max=60.0), ids=lambda p: f"{p.tree.name}-{p.objective}-pmax"
)
def test_ceiling_matches_brute_force(problem: PumpProblem) -> None:
    best, witness = brute_force_optimum(problem)
    for options in (PLAIN, STRONG, DEFAULT):
        result = run_milp(problem, options)
        dp = run_tree_dp(problem)
        if witness is None:
            assert result.status is Status.INFEASIBLE
            assert dp.status is Status.INFEASIBLE
            continue
        assert result.status is Status.OPTIMAL, result.message
        assert result.objective == pytest.approx(best, abs=1e-6 * best)
        assert dp.objective == pytest.approx(best, abs=1e-6 * best)
        for r in (result, dp):
            assert r.check is not None and r.check.feasible
            assert r.check.pressure[problem.tree.checked].max() <= 60.0 + 1e-6


def test_ceiling_cases_include_both_outcomes() -> None:
    """The ceiling cases above exercise feasible and infeasible instances alike."""
    outcomes = {brute_force_optimum(p)[1] is None for p in cases(8, p_max=60.0)}
    assert outcomes == {True, False}


# ---------------------------------------------------------------------------- hand-solvable


def path_problem(deficits: list[float], objective: Objective = "capex") -> PumpProblem:
    """A path root → 1 → 2 → …, flow 0.01 m³/s everywhere, given deficiencies."""
    n = len(deficits) + 1
    pressure = np.array([0.0] + [14.976 - d for d in deficits])
    tree = TreeInstance(
        name="path",
        node_names=tuple(f"n{v}" for v in range(n)),
        parent=np.arange(-1, n - 1),
        pipe_names=(None, *(f"p{v}" for v in range(1, n))),
        flow=np.full(n, 0.01),
        pressure=pressure,
        checked=np.arange(n) > 0,
        p_min=14.976,
    )
    # 1 kW hydraulic on 0.01 m³/s adds 1/(9.80665·0.01) ≈ 10.197 m
    catalogue = Catalogue((PumpSize("small", 1.0, 100.0, 1.0), PumpSize("big", 3.0, 250.0, 1.0)))
    return PumpProblem(tree, catalogue, CostModel(), objective)


def test_hand_solved_path() -> None:
    # 25 m at the end: big (30.6 m) for 250 beats three small (30.6 m) for 300
    problem = path_problem([1.0, 5.0, 25.0])
    for options in VARIANTS.values():
        result = run_milp(problem, options)
        assert result.status is Status.OPTIMAL
        assert result.objective == pytest.approx(250.0)
        assert list(result.placement.values()) == [1]
    # 15 m at the end: two small (20.4 m) for 200 beat a big for 250
    problem = path_problem([1.0, 5.0, 15.0])
    assert run_milp(problem, PLAIN).objective == pytest.approx(200.0)
    assert solve_tree_dp(problem).cost == pytest.approx(200.0)


def test_presolve_drops_implied_rows_and_orders_chains() -> None:
    problem = path_problem([10.0, 5.0, 12.0])
    rt = reduce_tree(problem)
    assert rt.required.tolist() == [1, 3]  # 5 m at node 2 is implied by 10 m at node 1
    assert [tuple(p) for p in rt.chain.tolist()] == [(2, 3)]
    plain = reduce_tree(problem, presolve=False)
    assert plain.required.tolist() == [1, 2, 3] and len(plain.chain) == 0
    # a start that breaks a chain row is moved down it at the same cost
    assert normalise_start(rt, {2: 0, 1: 1}) == {3: 0, 1: 1}


def test_model_has_only_candidate_binaries() -> None:
    problem = small_problem(3, n=40)
    assert np.isfinite(solve_tree_dp(problem).cost)
    model = build_placement_milp(problem)
    vs = {v for v, _ in model.y}
    assert vs <= set(problem.tree.candidates.tolist())
    assert len(model.y) <= len(problem.tree.candidates) * len(problem.catalogue)


# ---------------------------------------------------------------------------- objectives


@pytest.mark.parametrize("seed", [0, 2, 3, 7])
def test_objectives_order_their_optima(seed: int) -> None:
    base = small_problem(seed, n=40)
    results = {}
    for objective in ("opex", "capex", "tco"):
        problem = dataclasses.replace(base, objective=objective)
        model = build_placement_milp(problem)
        costs = {k: pyo_cost for (_, k), pyo_cost in _costs(model).items()}
        for k, c in costs.items():  # the objective changes the cost vector only
            assert c == pytest.approx(problem.size_costs[k])
        result = run_milp(problem, DEFAULT)
        assert result.status is Status.OPTIMAL
        results[objective] = price_placement(result.placement, base.catalogue, base.cost_model)
    for objective in ("opex", "capex", "tco"):
        best = results[objective].of(objective)
        for other in results.values():
            assert best <= other.of(objective) + 1e-6 * max(1.0, best)


def _costs(model: object) -> dict[tuple[int, int], float]:
    from pyomo.repn import generate_standard_repn

    repn = generate_standard_repn(model.cost.expr)  # type: ignore[attr-defined]
    out = {}
    for var, coef in zip(repn.linear_vars, repn.linear_coefs, strict=True):
        out[tuple(var.index())] = float(coef)
    return out


# ---------------------------------------------------------------------------- bigger trees


@pytest.mark.parametrize("seed", range(3))
def test_dp_matches_strong_milp_on_medium_trees(seed: int) -> None:
    tree = random_tree_instance(100, seed, deficient_share=0.3)
    problem = PumpProblem(tree, random_catalogue(4, seed), CostModel(), "tco")
    milp = run_milp(problem, dataclasses.replace(STRONG, time_limit=5.0))
    dp = run_tree_dp(problem)
    assert dp.status is Status.OPTIMAL and dp.check is not None and dp.check.feasible
    assert milp.bound is not None and milp.bound <= dp.objective * (1 + 1e-9)
    assert milp.objective is not None and milp.objective >= dp.objective * (1 - 1e-9)
    if milp.status is Status.OPTIMAL:
        assert milp.objective == pytest.approx(dp.objective, rel=2e-4)


def test_time_limit_is_never_reported_optimal() -> None:
    tree = random_tree_instance(1747, 1, deficient_share=0.38)
    problem = PumpProblem(tree, random_catalogue(8, 1), CostModel(), "tco")
    exact = solve_tree_dp(problem).cost
    result = run_milp(problem, dataclasses.replace(PLAIN, time_limit=0.5))
    assert result.status in (Status.TIME_LIMIT, Status.UNKNOWN), result.message
    assert result.status is not Status.OPTIMAL
    assert "not proved" in result.message or "before any" in result.message
    assert result.bound is None or result.bound <= exact * (1 + 1e-9)
    if result.status is Status.TIME_LIMIT:
        assert result.objective is not None and result.objective >= exact * (1 - 1e-9)
        assert result.gap is not None and result.gap > 1e-4
        assert result.check is not None and result.check.feasible
    # a start keeps an incumbent in hand, still not proved
    dp = solve_tree_dp(problem)
    started = run_milp(problem, dataclasses.replace(PLAIN, time_limit=0.5, warm_start=dp.placement))
    assert started.status is Status.TIME_LIMIT
    assert started.extras["warm_start"] is True
    assert started.objective == pytest.approx(exact, rel=1e-9)


def test_default_proves_large_tree_with_dp_help() -> None:
    tree = random_tree_instance(1747, 1, deficient_share=0.38)
    problem = PumpProblem(tree, random_catalogue(8, 1), CostModel(), "tco")
    result = run_milp(problem, DEFAULT)
    assert result.status is Status.OPTIMAL
    assert result.extras["bound_source"] == "highs+tree-dp"
    assert result.objective == pytest.approx(solve_tree_dp(problem).cost, rel=1e-9)


def test_warm_start_is_checked_and_used() -> None:
    problem = small_problem(10, n=40)
    best = run_tree_dp(problem)
    good = run_milp(problem, dataclasses.replace(STRONG, warm_start=dict(best.placement)))
    assert good.extras["warm_start"] is True
    assert good.objective == pytest.approx(best.objective, rel=1e-9)
    bad = run_milp(problem, dataclasses.replace(STRONG, warm_start={}))
    assert bad.extras["warm_start"] is False  # infeasible start refused
    assert bad.objective == pytest.approx(best.objective, rel=1e-9)


# ---------------------------------------------------------------------------- infeasible


def test_unreachable_nodes_are_named() -> None:
    problem = path_problem([1.0, 5.0, 95.0])  # 3 × 30.6 m is the most a path of 3 pipes gets
    why = check_reachable(problem)
    assert why.unreachable.tolist() == [3]
    result = run_milp(problem, PLAIN)
    assert result.status is Status.INFEASIBLE
    assert "n3" in result.message and "n1" not in result.message
    assert result.objective is None
    assert run_tree_dp(problem).status is Status.INFEASIBLE
    assert brute_force_optimum(problem)[1] is None


def test_ceiling_conflicts_are_named() -> None:
    problem = path_problem([1.0, 5.0, 8.0])
    tree = dataclasses.replace(problem.tree, p_max=10.0)  # below P_min
    result = run_milp(dataclasses.replace(problem, tree=tree), PLAIN)
    assert result.status is Status.INFEASIBLE
    assert "P_max" in result.message and "n1" in result.message


def test_ceiling_conflict_found_by_the_solver() -> None:
    # node 1 needs 1 m and tolerates 5 m; every pump adds ≥ 10.2 m: no simple reason exists
    problem = path_problem([1.0, 5.0, 8.0])
    tree = dataclasses.replace(problem.tree, p_max=14.976 + 4.0)
    problem = dataclasses.replace(problem, tree=tree)
    assert not check_reachable(problem).over_ceiling.size
    result = run_milp(problem, PLAIN)
    assert result.status is Status.INFEASIBLE
    assert run_tree_dp(problem).status is Status.INFEASIBLE


# ---------------------------------------------------------------------------- plumbing


def test_registry_entries() -> None:
    assert registry.get("milp").exact and registry.get("tree-dp").exact
    options = registry.get("milp").make_options({"time_limit": 5.0, "threads": 1})
    assert options.time_limit == 5.0


def test_step_functions() -> None:
    f = Step(np.array([0.0, 2.0, 5.0]), np.array([np.inf, 3.0, 0.0]))
    g = Step(np.array([0.0, 4.0]), np.array([1.0, 0.0]))
    s = f + g
    assert s(np.array([1.0, 2.0, 4.5, 6.0])).tolist() == [np.inf, 4.0, 3.0, 0.0]
    h = f.shift(3.0, 10.0)  # 10 + f(b + 3)
    assert h(np.array([0.0, 1.9, 2.0])).tolist() == [13.0, 13.0, 10.0]
    m = f.minimum(h)
    assert m(np.array([0.0, 2.5, 6.0])).tolist() == [13.0, 3.0, 0.0]
