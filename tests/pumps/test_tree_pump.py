"""TREE-PUMP on hand-made trees reproducing the paper's Fig. 4 and Fig. 5."""

from __future__ import annotations

import numpy as np

from wdnopt.models.pumps.costs import RHO_G, Catalogue, CostModel, PumpSize
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.tree import TreeInstance
from wdnopt.solvers.pumps.tree_ops import tree_layout
from wdnopt.solvers.pumps.tree_pump import provision, prune, run_tree_pump
from wdnopt.solvers.status import Status

P_MIN = 15.0
ONE_SIZE = Catalogue((PumpSize("unit", RHO_G, 1000.0, 1.0),))
"""Hydraulic power ρg kW: on a pipe with flow q the head is exactly 1/q metres."""


def chain(names: str, heads: list[float], deficits: list[float]) -> TreeInstance:
    """A path root → names[1] → …; node i has head ``heads[i]`` and deficiency ``deficits[i]``."""
    n = len(names)
    flow = np.array([0.0] + [1.0 / h for h in heads[1:]])
    pressure = P_MIN - np.array(deficits, dtype=float)
    checked = np.ones(n, dtype=bool)
    checked[0] = False
    return TreeInstance(
        name="hand",
        node_names=tuple(names),
        parent=np.arange(-1, n - 1),
        pipe_names=(None, *(f"e{c}" for c in names[1:])),
        flow=flow,
        pressure=pressure,
        checked=checked,
        p_min=P_MIN,
    )


def test_fig4_parent_pump_makes_child_pump_redundant() -> None:
    # R → A → C → E; E and C deficient. E is provisioned first (post-order), then C's pump
    # (head 5 ≥ E's deficiency 2) makes E's pump redundant.
    tree = chain("RACE", heads=[0, 2, 5, 10], deficits=[-30, -1, 3, 2])
    head = tree.head_gain(ONE_SIZE)[:, 0]
    np.testing.assert_allclose(head[1:], [2, 5, 10])
    pumps, worst = provision(tree, head)
    assert worst <= 0
    assert pumps == [2]  # only C: E's pump was placed, then removed
    result = run_tree_pump(PumpProblem(tree, ONE_SIZE, CostModel(), "capex"))
    assert result.status is Status.HEURISTIC
    assert dict(result.placement) == {2: 0}


def test_fig4_child_pump_kept_when_parent_pump_is_too_small() -> None:
    tree = chain("RACE", heads=[0, 2, 5, 10], deficits=[-30, -1, 3, 8])
    pumps, _ = provision(tree, tree.head_gain(ONE_SIZE)[:, 0])
    assert pumps == [2, 3]


def test_fig5_pruning_removes_a_pump_that_ancestors_cover() -> None:
    # R → B → D → F → G. Provisioning puts pumps before G, D and B; B's pump (head 3) cannot
    # replace D's (D needs 6), and G is two hops below D, so provisioning, which looks one hop
    # down, keeps G's pump. B and D give G 3 + 4 = 7 ≥ 4: pruning drops G's pump.
    tree = chain("RBDFG", heads=[0, 3, 4, 10, 10], deficits=[-30, 1, 6, -1, 4])
    head = tree.head_gain(ONE_SIZE)[:, 0]
    pumps, worst = provision(tree, head)
    assert worst <= 0
    assert sorted(pumps) == [1, 2, 4]
    assert sorted(prune(tree, tree_layout(tree), pumps, head)) == [1, 2]
    result = run_tree_pump(PumpProblem(tree, ONE_SIZE, CostModel(), "tco"))
    assert dict(result.placement) == {1: 0, 2: 0}
    assert result.check is not None and result.check.feasible


def test_residual_passes_to_parent() -> None:
    # R → A → B; B needs 12 but its own pump gives 10: 2 m pass to A, whose pump gives 4.
    tree = chain("RAB", heads=[0, 4, 10], deficits=[-30, -5, 12])
    pumps, worst = provision(tree, tree.head_gain(ONE_SIZE)[:, 0])
    assert pumps == [1, 2] and worst <= 0
