r"""APPROX-PUMP (paper V): pump placement as a weighted set cover of the deficient nodes.

**TRANSFORM.** Every pipe :math:`e_x` that can hold a pump and has a deficient node below it is
a location (the paper's :math:`V_1`); every deficient node :math:`y` is an element
(:math:`V_2`). A pump at :math:`x` sized for a required head :math:`t` has continuous hydraulic
power :math:`\rho g q_x t`, rounded up to the next catalogue size (VII-A): the smallest
:math:`k` with :math:`H_{x,k} \ge t`. So location :math:`x` with size :math:`k` covers

.. math:: S(x, k) = \{ y \in \mathrm{subtree}(x) : d_y \le H_{x,k} \}

(the deficient nodes it lifts alone) at weight :math:`c_{x,k}`, the size's cost under the
objective (a curve pump's energy at the flow of :math:`e_x`). The paper's edges
:math:`x \to y'` are the pairs :math:`y \in S(x, k_{max})`; its
edges :math:`x \to x'` (coverage of :math:`x'` contained in that of :math:`x`) say that a
location adds nothing once its elements are covered, which the greedy below applies directly
(a set with no uncovered element is never picked), so they are not materialised (they would be
:math:`O(n^2)`). Coverage is computed from the tree: a subtree is a contiguous block of the
pre-order, so :math:`|S(x,k) \cap U|` for the uncovered set :math:`U` is one masked count over
that block.

**Greedy cover** (Chvátal, the paper's [25]): repeatedly pick the :math:`(x, k)` of least
:math:`c_k / |S(x,k) \cap U|` until every deficient node is covered, with lazy re-evaluation
(gains only fall). Picking a larger size at a location that already has a pump replaces it, at
weight :math:`c_k - c_{k'}`. The union of the chosen pumps is feasible: each deficient node has
on its path a pump whose head alone lifts it, and other pumps only add head.

**Deficiencies one pump cannot lift.** TRANSFORM assumes every deficient node can be lifted by
one pump. Where the largest head on the free pipes above a node is smaller than its remaining
deficiency, a pre-lift phase first places pumps of the largest hydraulic power, round by round:
for each such node with no such node above it, on the free pipe of its path offering the largest
head; boosts are recomputed and the cover then runs on the remaining deficiencies, with those
pipes excluded. Without ``P_max`` this terminates with every remaining deficiency liftable by one
pump whenever any placement exists.

Rounding up leaves slack; the optional ``prune`` pass (off by default, not in the paper) drops,
top-down, pumps whose subtree keeps ``P_min`` without them.
"""

from __future__ import annotations

import heapq
import logging
import time
from dataclasses import dataclass

import numpy as np

from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.tree import check_placement
from wdnopt.solvers.pumps.registry import Algorithm, register
from wdnopt.solvers.pumps.result import PlacementResult, make_result
from wdnopt.solvers.pumps.tree_ops import (
    TOL,
    TreeLayout,
    can_hold_pump,
    describe_nodes,
    placement_boost,
    tree_layout,
    unliftable_nodes,
    unliftable_result,
)
from wdnopt.solvers.pumps.tree_pump import prune as prune_pumps
from wdnopt.solvers.status import Status

log = logging.getLogger(__name__)

NAME = "approx-pump"


@dataclass(frozen=True)
class ApproxPumpOptions:
    """Options of APPROX-PUMP."""

    prune: bool = False
    """After the cover, drop pumps whose subtree keeps ``P_min`` without them (not in the paper)."""


def pre_lift(
    problem: PumpProblem, layout: TreeLayout, hold: np.ndarray
) -> tuple[dict[int, int], int]:
    """Largest pumps for deficiencies no single free pump can lift; returns them and the rounds."""
    tree = problem.tree
    gains = problem.head_gain
    # the size of most head on each pipe (the largest power, unless above its maximum head)
    k_best = np.argmax(gains, axis=1) if gains.shape[1] else np.zeros(tree.n, dtype=int)
    head_max = np.where(hold, gains[np.arange(tree.n), k_best], 0.0)
    parent = tree.parent.tolist()
    order = layout.order.tolist()
    placed: dict[int, int] = {}
    rounds = 0
    while True:
        nodes = np.fromiter(placed, dtype=np.int64, count=len(placed))
        boost = placement_boost(layout, tree.n, nodes, gains[nodes, k_best[nodes]])
        residual = np.where(tree.deficient, tree.deficiency - boost, 0.0).tolist()
        free_head = [0.0 if v in placed else h for v, h in enumerate(head_max.tolist())]
        best = [0.0] * tree.n  # largest free head on the path root → v
        where = [-1] * tree.n
        flagged_above = [False] * tree.n
        targets: set[int] = set()
        for v in order:
            p = parent[v]
            best[v], where[v] = (best[p], where[p]) if p >= 0 else (0.0, -1)
            if free_head[v] > best[v]:
                best[v], where[v] = free_head[v], v
            above = flagged_above[p] if p >= 0 else False
            short = residual[v] > best[v] + TOL
            flagged_above[v] = above or short
            if short and not above:
                if where[v] < 0:  # no free pipe left: cannot happen when unliftable_nodes is empty
                    raise RuntimeError(f"node {tree.node_names[v]} cannot be lifted")
                targets.add(where[v])
        if not targets:
            return placed, rounds
        rounds += 1
        for x in targets:
            placed[x] = int(k_best[x])


def greedy_cover(
    problem: PumpProblem,
    layout: TreeLayout,
    residual: np.ndarray,
    allowed: np.ndarray,
) -> dict[int, int]:
    """Chvátal's greedy weighted set cover of the nodes with ``residual > 0``."""
    gains = problem.head_gain
    costs = np.asarray(problem.node_costs, dtype=float)  # c[x, k]
    tiny = 1e-12 * max(float(costs.max()), 1.0)
    order = layout.order
    r_pos = residual[order]
    need_pos = r_pos > TOL
    uncovered = need_pos.copy()
    left = int(uncovered.sum())
    if left == 0:
        return {}
    pos, end = layout.pos, layout.end
    # deficient nodes strictly inside some subtree: candidate locations
    need_count = np.concatenate([[0], np.cumsum(need_pos)])
    locations = np.flatnonzero(allowed & (need_count[end] - need_count[pos] > 0))
    heap: list[tuple[float, int, int, int]] = []
    for x in locations.tolist():
        seg = r_pos[pos[x] : end[x]]
        vals = np.sort(seg[need_pos[pos[x] : end[x]]])
        counts = np.searchsorted(vals, gains[x] + TOL, side="right")
        for k in np.flatnonzero(counts > 0).tolist():
            heapq.heappush(heap, (max(costs[x, k], tiny) / counts[k], x, k, int(counts[k])))
    chosen: dict[int, int] = {}

    def gain_of(x: int, k: int) -> int:
        a, b = pos[x], end[x]
        return int(np.count_nonzero(uncovered[a:b] & (r_pos[a:b] <= gains[x, k] + TOL)))

    def weight_of(x: int, k: int) -> float:
        have = chosen.get(x)
        return max(costs[x, k] - (costs[x, have] if have is not None else 0.0), tiny)

    while left > 0:
        if not heap:
            raise RuntimeError("set cover ran out of sets with deficient nodes still uncovered")
        _, x, k, _ = heapq.heappop(heap)
        have = chosen.get(x)
        if have is not None and gains[x, have] >= gains[x, k]:
            continue
        g = gain_of(x, k)
        if g == 0:
            continue
        ratio = weight_of(x, k) / g
        if heap and ratio > heap[0][0] * (1 + 1e-12):
            heapq.heappush(heap, (ratio, x, k, g))
            continue
        chosen[x] = k
        a, b = pos[x], end[x]
        hit = uncovered[a:b] & (r_pos[a:b] <= gains[x, k] + TOL)
        uncovered[a:b] &= ~hit
        left -= int(hit.sum())
        # larger sizes at x are now upgrades, cheaper than their stale keys say
        for k2 in np.flatnonzero(gains[x] > gains[x, k]).tolist():
            g2 = gain_of(x, k2)
            if g2 > 0:
                heapq.heappush(heap, (weight_of(x, k2) / g2, x, k2, g2))
    return chosen


def run_approx_pump(
    problem: PumpProblem, options: ApproxPumpOptions | None = None
) -> PlacementResult:
    """APPROX-PUMP: TRANSFORM, greedy weighted set cover, sizes rounded up to the catalogue."""
    options = options or ApproxPumpOptions()
    started = time.perf_counter()
    unliftable = unliftable_nodes(problem)
    if len(unliftable):
        return unliftable_result(problem, NAME, unliftable, started)
    tree = problem.tree
    layout = tree_layout(tree)
    hold = can_hold_pump(tree)
    lifted, rounds = pre_lift(problem, layout, hold)
    nodes = np.fromiter(lifted, dtype=np.int64, count=len(lifted))
    gains = problem.head_gain
    ks = np.fromiter(lifted.values(), dtype=np.int64, count=len(lifted))
    boost = placement_boost(layout, tree.n, nodes, gains[nodes, ks])
    residual = np.where(tree.deficient, tree.deficiency - boost, 0.0)
    allowed = hold.copy()
    allowed[nodes] = False
    cover = greedy_cover(problem, layout, residual, allowed)
    placement = {**lifted, **cover}
    pruned = 0
    if options.prune and placement:
        head = np.zeros(tree.n)
        for v, k in placement.items():
            head[v] = gains[v, k]
        kept = prune_pumps(tree, layout, list(placement), head)
        pruned = len(placement) - len(kept)
        placement = {v: placement[v] for v in kept}
    check = check_placement(tree, placement, problem.catalogue)
    runtime = time.perf_counter() - started
    extras = {"pre_lift_pumps": len(lifted), "pre_lift_rounds": rounds, "pruned": pruned}
    if not check.feasible:
        # only P_max can break the cover's union
        return make_result(
            problem,
            NAME,
            Status.UNKNOWN,
            None,
            runtime_s=runtime,
            message=(
                f"the cover's pumps push {len(check.above_max)} node(s) above P_max "
                f"({describe_nodes(tree, check.above_max)}); "
                f"{len(check.below_min)} below P_min"
            ),
            extras=extras,
        )
    return make_result(
        problem,
        NAME,
        Status.HEURISTIC,
        placement,
        runtime_s=runtime,
        message=f"{len(placement)} pumps ({len(lifted)} from the pre-lift)",
        extras=extras,
    )


register(
    Algorithm(
        name=NAME,
        run=run_approx_pump,
        options=ApproxPumpOptions,
        summary="APPROX-PUMP (paper V): greedy weighted set cover of deficient nodes",
    )
)
