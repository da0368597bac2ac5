"""MIN-OPEX against an independent LP, and the lower bounds against exact optima."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import linprog

from wdnopt.models.pumps.costs import RHO_G, Catalogue, CostModel, PumpSize
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.random_tree import random_catalogue, random_tree_instance
from wdnopt.models.pumps.tree import TreeInstance
from wdnopt.solvers.pumps.bounds import (
    flag_paper_bound,
    knapsack_bound,
    lower_bounds,
    paper_fill,
    ratio_bound,
)
from wdnopt.solvers.pumps.brute_force import brute_force
from wdnopt.solvers.pumps.continuous_boost import continuous_min_boost
from wdnopt.solvers.pumps.min_opex import run_min_opex
from wdnopt.solvers.status import Status


def path_lp_optimum(tree: TreeInstance) -> float:
    """``min Σ ρ g q_u b_u`` s.t. path sums of ``b`` cover every deficiency (path form)."""
    hold = np.flatnonzero((tree.parent >= 0) & (tree.flow > 0))
    col = {int(u): j for j, u in enumerate(hold)}
    rows, cols, rhs = [], [], []
    for i, v in enumerate(np.flatnonzero(tree.deficient)):
        u = int(v)
        while u >= 0:
            if u in col:
                rows.append(i)
                cols.append(col[u])
            u = int(tree.parent[u])
        rhs.append(tree.deficiency[v])
    a = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(rhs), len(hold)))
    res = linprog(RHO_G * tree.flow[hold], A_ub=-a, b_ub=-np.array(rhs), method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


@pytest.mark.parametrize("seed", range(6))
def test_min_opex_is_the_lp_optimum(seed: int) -> None:
    tree = random_tree_instance(300, seed, branching=0.2 + 0.1 * seed)
    walk = continuous_min_boost(tree)
    assert walk.method == "walk"
    lp = path_lp_optimum(tree)
    assert walk.q_star_hydraulic_kw == pytest.approx(lp, rel=1e-7)
    # the walk's boosts are feasible for the relaxation
    assert np.all(walk.total[tree.deficient] >= tree.deficiency[tree.deficient] - 1e-9)


def test_min_opex_falls_back_to_lp_when_flows_are_not_conserved() -> None:
    tree = random_tree_instance(120, 3)
    rng = np.random.default_rng(0)
    flow = tree.flow * rng.uniform(0.2, 3.0, size=tree.n)
    flow[0] = 0.0
    tree = dataclasses.replace(tree, flow=flow)
    relaxed = continuous_min_boost(tree)
    assert relaxed.method == "lp"
    assert relaxed.q_star_hydraulic_kw == pytest.approx(path_lp_optimum(tree), rel=1e-6)


def test_min_opex_result_is_a_bound_only() -> None:
    problem = PumpProblem(random_tree_instance(200, 1), random_catalogue(4, 1), CostModel(), "opex")
    result = run_min_opex(problem)
    assert result.status is Status.BOUND_ONLY
    assert result.objective is None and result.check is None and not result.placement
    q_star = result.extras["q_star_kw"]
    assert q_star == pytest.approx(
        result.extras["q_star_hydraulic_kw"] / problem.catalogue.efficiency.max()
    )
    assert result.bound >= q_star * problem.cost_model.opex_per_kw * (1 - 1e-12)


def test_paper_counterexample() -> None:
    power, capex = np.array([20.0, 10.0, 3.0]), np.array([12.0, 10.0, 6.0])
    total, counts = paper_fill(13.0, power, capex)
    assert total == 16.0 and counts == [0, 1, 1]
    # valid bounds (efficiency 1, so hydraulic = rated power)
    assert ratio_bound(13.0, power, capex) == pytest.approx(13 * 0.6)
    assert knapsack_bound(13.0, power, capex) == pytest.approx(12.0)


def test_paper_counterexample_on_a_tree_is_flagged() -> None:
    """One pipe that needs exactly 13 kW of hydraulic power: the optimum is one 20 kW pump."""
    q, deficit = 0.05, 13.0 / (RHO_G * 0.05)
    tree = TreeInstance(
        name="one-pipe",
        node_names=("r", "v"),
        parent=np.array([-1, 0]),
        pipe_names=(None, "e"),
        flow=np.array([0.0, q]),
        pressure=np.array([50.0, 14.976 - deficit]),
        checked=np.array([False, True]),
        p_min=14.976,
    )
    cat = Catalogue(
        (
            PumpSize("20", 20.0, 12.0, 1.0),
            PumpSize("10", 10.0, 10.0, 1.0),
            PumpSize("3", 3.0, 6.0, 1.0),
        )
    )
    problem = PumpProblem(tree, cat, CostModel(), "capex")
    optimum = brute_force(problem)
    assert optimum.cost == 12.0 and optimum.placement == {1: 0}
    bounds = lower_bounds(problem)
    assert bounds.q_star_kw == pytest.approx(13.0)
    assert bounds.paper_capex == pytest.approx(16.0)
    assert bounds.valid("capex") == pytest.approx(12.0)
    assert flag_paper_bound(bounds, "capex", optimum.cost) is not None
    assert flag_paper_bound(bounds, "opex", 1e12) is None


@pytest.mark.parametrize("seed", [0, 1, 4, 5, 8, 9])
def test_valid_bounds_below_brute_force_optimum(make_small, seed: int) -> None:
    for objective in ("opex", "capex", "tco"):
        problem = make_small(seed, objective)
        optimum = brute_force(problem)
        assert optimum.cost is not None
        bounds = lower_bounds(problem)
        assert bounds.valid(objective) <= optimum.cost * (1 + 1e-9)
        assert run_min_opex(problem).bound <= optimum.cost * (1 + 1e-9)
