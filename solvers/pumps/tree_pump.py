r"""TREE-PUMP (paper VI): one pump size at a time, provision bottom-up, prune top-down.

For one size :math:`k` every pipe :math:`e_v` that can hold a pump offers the head
:math:`H_v = \eta_k W_k / (\rho g q_v)`. With :math:`d_v` the deficiency (−∞ when not
checked):

**Provisioning** (children before parents, the paper's post-order). Each node returns to its
parent a *residual* :math:`\rho_v`: the head that pumps above :math:`v` must still deliver at
:math:`v`. With :math:`R_v = \max(d_v, \max_{c} \rho_c)` over the children :math:`c`:

* if :math:`R_v > 0` and :math:`e_v` can hold a pump, a pump is put before :math:`v`; every child
  :math:`c` holding a pump whose own requirement :math:`R_c \le \max(H_v, R_v)` is made
  redundant by it and loses its pump (the paper's Fig. 4): the pumps above :math:`v` deliver at
  least :math:`\max(0, R_v - H_v)`, so :math:`c` still receives at least :math:`R_c`. Then
  :math:`R_v` takes the removed children's :math:`R_c` into account and
  :math:`\rho_v = R_v - H_v`; a positive :math:`\rho_v` is a deficiency this pump cannot lift,
  passed on to the parent. The paper says it is "added to the parent's deficiency"; the same
  pumps above lift the parent and the child by the same head, so the parent's requirement is
  the *maximum* of the two, not their sum (a sum would over-provision);
* otherwise :math:`\rho_v = R_v`.

A positive residual at a root means this size alone cannot serve the tree.

**Pruning** (pre-order, the paper's POST-PROCESS, Fig. 5). With the slack
:math:`s_u = p_u + B_u - P_{min}` of every checked node, a pump before :math:`v` is dropped when
:math:`\min_{u \in \mathrm{subtree}(v)} s_u \ge H_v` (every node it serves keeps ``P_min``
without it); the slacks of the subtree then fall by :math:`H_v`. Dropping pumps only lowers
pressures, so a ceiling ``P_max`` met before pruning is met after.

Without ``P_max``, provisioning with the size of largest hydraulic power succeeds whenever any
placement exists (it places that size wherever a requirement is left, which gives the least
residual at every node), so a failure on every size is proved infeasibility. Each size's plan is
checked by the one checker; the cheapest feasible plan under the problem's objective is kept.
Runtime :math:`O(r n)` plus the pruning's subtree scans (array slices).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.tree import TreeInstance, check_placement
from wdnopt.solvers.pumps.registry import Algorithm, register
from wdnopt.solvers.pumps.result import PlacementResult, make_result
from wdnopt.solvers.pumps.tree_ops import (
    TOL,
    TreeLayout,
    can_hold_pump,
    tree_layout,
    unliftable_nodes,
    unliftable_result,
)
from wdnopt.solvers.status import Status

log = logging.getLogger(__name__)

NAME = "tree-pump"


@dataclass(frozen=True)
class TreePumpOptions:
    """Options of TREE-PUMP."""

    prune: bool = True
    """Run the pre-order pruning pass (the paper's second phase)."""


def provision(tree: TreeInstance, head: np.ndarray) -> tuple[list[int], float]:
    """The provisioning phase for one size: pump nodes, and the worst residual at a root.

    ``head[v]`` is the head the size adds on ``e_v`` (0 where no pump fits).
    """
    parent = tree.parent.tolist()
    hold = (can_hold_pump(tree) & (head > 0)).tolist()
    h = np.asarray(head, dtype=float).tolist()
    need = np.where(tree.deficient, tree.deficiency, -math.inf).tolist()
    starts, kids = tree.children_csr
    starts_l, kids_l = starts.tolist(), kids.tolist()
    residual = [-math.inf] * tree.n
    required = [-math.inf] * tree.n
    pump = [False] * tree.n
    worst_root = -math.inf
    for v in tree.preorder[::-1].tolist():
        children = kids_l[starts_l[v] : starts_l[v + 1]]
        r_v = need[v]
        for c in children:
            if residual[c] > r_v:
                r_v = residual[c]
        if r_v > TOL and hold[v]:
            pump[v] = True
            cover = max(h[v], r_v)
            for c in children:
                if pump[c] and required[c] <= cover + TOL:
                    pump[c] = False
                    if required[c] > r_v:
                        r_v = required[c]
            required[v] = r_v
            residual[v] = r_v - h[v]
        else:
            required[v] = r_v
            residual[v] = r_v
        if parent[v] < 0 and residual[v] > worst_root:
            worst_root = residual[v]
    return [v for v in range(tree.n) if pump[v]], worst_root


def prune(tree: TreeInstance, layout: TreeLayout, pumps: list[int], head: np.ndarray) -> list[int]:
    """The pruning phase: drop, top-down, every pump whose subtree keeps ``P_min`` without it."""
    n = tree.n
    diff = np.zeros(n + 1)
    np.add.at(diff, layout.pos[pumps], head[pumps])
    np.add.at(diff, layout.end[pumps], -head[pumps])
    boost_by_pos = np.cumsum(diff[:n])
    checked = np.asarray(tree.checked, dtype=bool)[layout.order]
    slack = np.where(checked, tree.pressure[layout.order] + boost_by_pos - tree.p_min, np.inf)
    kept = []
    for v in sorted(pumps, key=lambda u: layout.pos[u]):
        a, b = layout.pos[v], layout.end[v]
        if slack[a:b].min() >= head[v] - TOL:
            slack[a:b] -= head[v]
        else:
            kept.append(v)
    return kept


def run_tree_pump(problem: PumpProblem, options: TreePumpOptions | None = None) -> PlacementResult:
    """TREE-PUMP over every catalogue size; the cheapest feasible single-size plan."""
    options = options or TreePumpOptions()
    started = time.perf_counter()
    unliftable = unliftable_nodes(problem)
    if len(unliftable):
        return unliftable_result(problem, NAME, unliftable, started)
    tree = problem.tree
    layout = tree_layout(tree)
    gains = problem.head_gain
    best: dict[int, int] | None = None
    best_cost = math.inf
    per_size: dict[str, dict[str, object]] = {}
    for k, size in enumerate(problem.catalogue.sizes):
        head = gains[:, k]
        pumps, worst = provision(tree, head)
        if worst > TOL:
            per_size[size.name] = {"pumps": None, "reason": f"root residual {worst:.3f} m"}
            continue
        provisioned = len(pumps)
        if options.prune:
            pumps = prune(tree, layout, pumps, head)
        placement = dict.fromkeys(pumps, k)
        check = check_placement(tree, placement, problem.catalogue)
        if not check.feasible:
            reason = f"{len(check.below_min)} below P_min, {len(check.above_max)} above P_max"
            per_size[size.name] = {"pumps": None, "reason": reason}
            continue
        cost = problem.price(placement)
        value = cost.of(problem.objective)
        per_size[size.name] = {"pumps": len(pumps), "provisioned": provisioned, "cost": value}
        log.debug(
            "tree-pump size %s: %d pumps, %s %.6g", size.name, len(pumps), problem.objective, value
        )
        if value < best_cost:
            best, best_cost = placement, value
    runtime = time.perf_counter() - started
    if best is None:
        return make_result(
            problem,
            NAME,
            Status.UNKNOWN,
            None,
            runtime_s=runtime,
            message=(
                "no single catalogue size gives a plan within P_min and P_max "
                "(a plan mixing sizes may exist)"
            ),
            extras={"sizes": per_size},
        )
    if best:
        k_best = next(iter(best.values()))
        message = f"best single size {problem.catalogue.sizes[k_best].name}: {len(best)} pumps"
    else:
        message = "no deficient node: no pump needed"
    return make_result(
        problem,
        NAME,
        Status.HEURISTIC,
        best,
        runtime_s=runtime,
        message=message,
        extras={"sizes": per_size},
    )


register(
    Algorithm(
        name=NAME,
        run=run_tree_pump,
        options=TreePumpOptions,
        summary="TREE-PUMP (paper VI): one size at a time, provision bottom-up, prune top-down",
    )
)
