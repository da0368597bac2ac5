r"""The continuous relaxation of pump placement on a tree: the least hydraulic pumping power
:math:`Q^*_{hyd}` when a pump may add any head, by the paper's pre-order walk (the LP optimum
when flows are conserved) or by the LP itself otherwise. The mathematics, and why the walk is
the LP optimum, are in :mod:`wdnopt.solvers.pumps.min_opex`; the bounds built on it are in
:mod:`wdnopt.solvers.pumps.bounds`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from wdnopt.models.pumps.costs import RHO_G
from wdnopt.models.pumps.tree import TreeInstance
from wdnopt.solvers.pumps.tree_ops import can_hold_pump

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class ContinuousBoost:
    """The optimum of the continuous relaxation."""

    boost: np.ndarray
    """``b_v``: head added on ``e_v``, m (0 where no pump)."""
    total: np.ndarray
    """``B_v``: head received at ``v`` from every pump above, m."""
    q_star_hydraulic_kw: float
    """``Q*_hyd = Σ ρ g q_v b_v``, kW."""
    unliftable: np.ndarray
    """Deficient nodes with no pipe that can hold a pump on their path."""
    method: str
    """``"walk"`` (the paper's pre-order walk) or ``"lp"`` (flows not conserved)."""


def flows_conserved(tree: TreeInstance, *, rtol: float = 1e-9) -> bool:
    """True when ``q_v ≥ Σ q_c`` over the children ``c`` whose pipe can hold a pump."""
    q = np.asarray(tree.flow, dtype=float)
    hold = can_hold_pump(tree)
    parent = np.asarray(tree.parent)
    kids = np.flatnonzero(hold)
    below = np.bincount(parent[kids], weights=q[kids], minlength=tree.n)
    nonroot = parent >= 0  # a root has no pipe: its children are unconstrained
    return bool(np.all(q[nonroot] >= below[nonroot] * (1 - rtol)))


def continuous_min_boost(tree: TreeInstance, *, lp_fallback: bool = True) -> ContinuousBoost:
    """The paper's MIN-OPEX walk (or the LP, when flows are not conserved)."""
    hold = can_hold_pump(tree)
    parent = np.asarray(tree.parent)
    order = tree.preorder
    need = np.where(tree.deficient, tree.deficiency, 0.0)
    # lift requirements over pipes that cannot hold a pump
    for v in order[::-1]:
        p = parent[v]
        if p >= 0 and not hold[v] and need[v] > need[p]:
            need[p] = need[v]
    stranded = _stranded(tree, hold)
    if lp_fallback and not flows_conserved(tree):
        log.info("%s: flows not exactly conserved; solving the continuous LP", tree.name)
        boost = _solve_lp(tree, stranded)
        method = "lp"
    else:
        boost = np.zeros(tree.n)
        received = np.zeros(tree.n)
        for v in order:
            p = parent[v]
            above = received[p] if p >= 0 else 0.0
            if hold[v] and need[v] > above:
                boost[v] = need[v] - above
            received[v] = above + boost[v]
        method = "walk"
    total = _path_sum(tree, boost)
    q = np.asarray(tree.flow, dtype=float)
    return ContinuousBoost(
        boost=boost,
        total=total,
        q_star_hydraulic_kw=float(RHO_G * np.dot(q, boost)),
        unliftable=stranded,
        method=method,
    )


def _path_sum(tree: TreeInstance, added: np.ndarray) -> np.ndarray:
    total = added.copy()
    parent = tree.parent
    for v in tree.preorder:
        if parent[v] >= 0:
            total[v] += total[parent[v]]
    return total


def _stranded(tree: TreeInstance, hold: np.ndarray) -> np.ndarray:
    """Deficient nodes whose path holds no pipe that can hold a pump."""
    reachable = np.zeros(tree.n, dtype=bool)  # has a pump-capable pipe on its path
    parent = tree.parent
    for v in tree.preorder:
        p = parent[v]
        reachable[v] = hold[v] or (p >= 0 and reachable[p])
    return np.flatnonzero(tree.deficient & ~reachable)


def _solve_lp(tree: TreeInstance, stranded: np.ndarray) -> np.ndarray:
    """``min Σ q_v b_v`` s.t. ``B_v = B_a(v) + b_v``, ``B_v ≥ d_v``; variables ``[b, B]``."""
    n = tree.n
    hold = can_hold_pump(tree)
    parent = np.asarray(tree.parent)
    q = np.asarray(tree.flow, dtype=float)
    nonroot = np.flatnonzero(parent >= 0)
    rows = np.arange(len(nonroot))
    # B_v − B_a(v) − b_v = 0 for every non-root; B_root = 0 through its bounds
    a_eq = sparse.coo_matrix(
        (
            np.concatenate([np.ones(len(rows)), -np.ones(len(rows)), -np.ones(len(rows))]),
            (
                np.concatenate([rows, rows, rows]),
                np.concatenate([n + nonroot, n + parent[nonroot], nonroot]),
            ),
        ),
        shape=(len(rows), 2 * n),
    ).tocsr()
    lower = np.zeros(2 * n)
    lower[n:] = np.where(tree.deficient, tree.deficiency, 0.0)
    lower[n + stranded] = 0.0  # no pump can reach them: left out, reported as unliftable
    upper = np.full(2 * n, np.inf)
    upper[:n] = np.where(hold, np.inf, 0.0)
    roots = np.flatnonzero(parent < 0)
    upper[n + roots] = 0.0
    lower[n + roots] = 0.0
    cost = np.concatenate([np.where(hold, q, 0.0), np.zeros(n)])
    res = linprog(
        cost,
        A_eq=a_eq,
        b_eq=np.zeros(len(rows)),
        bounds=np.column_stack([lower, upper]),
        method="highs",
    )
    if res.status != 0:
        raise RuntimeError(f"continuous relaxation of {tree.name}: {res.message}")
    return np.maximum(res.x[:n], 0.0)
