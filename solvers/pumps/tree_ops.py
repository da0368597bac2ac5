"""Tree operations shared by the pump placement heuristics.

Every subtree is a contiguous block of :attr:`TreeInstance.preorder` (a depth-first pre-order),
so "add a head ``H`` to every node below pipe ``e_v``" is a range update on pre-order positions:
``+H`` at ``pos[v]``, ``−H`` at ``end[v]``, then a cumulative sum. The heuristics use that to
evaluate boosts of whole placements (or whole GA populations) in ``O(n)`` array operations.

The one exact feasibility fact every heuristic reports: without a pressure ceiling, the
placement "the pump of largest hydraulic power on every pipe that can hold one" gives every node
the largest boost any placement can give it (heads add along paths, and one size maximises
``η_k W_k / (ρ g q_v)`` on every pipe at once). A node that this placement cannot lift is
lifted by no placement.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.tree import TreeInstance
from wdnopt.solvers.pumps.result import PlacementResult, make_result
from wdnopt.solvers.status import Status

TOL = 1e-9
"""Slack (m) under which a node counts as lifted inside the heuristics; the checker uses 1e-6."""


@dataclass(frozen=True, eq=False)
class TreeLayout:
    """Pre-order positions of a tree: ``order[pos[v]] = v``, subtree of ``v`` is
    ``order[pos[v]:end[v]]``, plus per-node depth."""

    order: np.ndarray
    pos: np.ndarray
    end: np.ndarray
    depth: np.ndarray


def tree_layout(tree: TreeInstance) -> TreeLayout:
    """Pre-order positions, subtree ends and depths in ``O(n)``."""
    order = np.asarray(tree.preorder, dtype=np.int64)
    parent = np.asarray(tree.parent, dtype=np.int64)
    n = tree.n
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    size = np.ones(n, dtype=np.int64)
    for v in order[::-1]:
        p = parent[v]
        if p >= 0:
            size[p] += size[v]
    depth = np.zeros(n, dtype=np.int64)
    for v in order:
        p = parent[v]
        if p >= 0:
            depth[v] = depth[p] + 1
    return TreeLayout(order=order, pos=pos, end=pos + size, depth=depth)


def can_hold_pump(tree: TreeInstance) -> np.ndarray:
    """True where ``e_v`` exists and carries flow (a pump there adds a finite head)."""
    return (np.asarray(tree.parent) >= 0) & (np.asarray(tree.flow, dtype=float) > 0)


def path_sum(tree: TreeInstance, added: np.ndarray) -> np.ndarray:
    """``Σ added[u]`` over the path root → ``v``, for every ``v``."""
    total = np.asarray(added, dtype=float).copy()
    parent = tree.parent
    for v in tree.preorder:
        p = parent[v]
        if p >= 0:
            total[v] += total[p]
    return total


def max_boost(problem: PumpProblem) -> np.ndarray:
    """The largest boost any placement can give each node (P_max ignored), m."""
    gains = problem.head_gain
    best = gains.max(axis=1) if gains.shape[1] else np.zeros(problem.tree.n)
    best = np.where(can_hold_pump(problem.tree), best, 0.0)
    return path_sum(problem.tree, best)


def unliftable_nodes(problem: PumpProblem) -> np.ndarray:
    """Deficient nodes that no placement of catalogue pumps lifts to ``P_min``."""
    tree = problem.tree
    short = tree.deficiency - max_boost(problem)
    return np.flatnonzero(tree.deficient & (short > TOL))


def describe_nodes(tree: TreeInstance, nodes: np.ndarray, limit: int = 10) -> str:
    """EPANET names of up to ``limit`` nodes, with a count of the rest."""
    names = [tree.node_names[int(v)] for v in nodes[:limit]]
    more = len(nodes) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def unliftable_result(
    problem: PumpProblem, algorithm: str, nodes: np.ndarray, started: float
) -> PlacementResult:
    """An INFEASIBLE result naming the nodes no catalogue pump can lift, with the reason."""
    tree = problem.tree
    worst = float((tree.deficiency - max_boost(problem))[nodes].max())
    message = (
        f"infeasible: {len(nodes)} node(s) stay below P_min even with the catalogue's pump of "
        f"largest hydraulic power on every pipe above them (short by up to {worst:.3f} m): "
        f"{describe_nodes(tree, nodes)}"
    )
    return make_result(
        problem,
        algorithm,
        Status.INFEASIBLE,
        None,
        runtime_s=time.perf_counter() - started,
        message=message,
        extras={"unliftable_nodes": [int(v) for v in nodes]},
    )


def placement_boost(layout: TreeLayout, n: int, nodes: np.ndarray, heads: np.ndarray) -> np.ndarray:
    """Boost at every node (indexed by node) of pumps with ``heads`` on pipes ``nodes``."""
    diff = np.zeros(n + 1)
    np.add.at(diff, layout.pos[nodes], heads)
    np.add.at(diff, layout.end[nodes], -np.asarray(heads, dtype=float))
    by_pos = np.cumsum(diff[:n])
    return by_pos[layout.pos]
