r"""MIN-OPEX (paper IV-A): the least pumping power with continuous pump sizes, a lower bound.

The continuous relaxation of pump placement lets a pump on pipe :math:`e_v` add any head
:math:`b_v \ge 0` at hydraulic power :math:`\rho g \, q_v b_v` (kW, :math:`q` in m³/s):

.. math::

    Q^*_{hyd} = \min \sum_v \rho g \, q_v b_v \quad \text{s.t.} \quad
    \sum_{u \in \mathrm{path}(r, v)} b_u \ge d_v \ \ \forall v \text{ deficient}, \quad
    b_u = 0 \text{ where } e_u \text{ cannot hold a pump } (q_u = 0 \text{ or root}).

**The walk.** Let :math:`D_v = \max(d_v, \max\{D_c : c \text{ child of } v,\ e_c \text{ cannot
hold a pump}\})` (a requirement below a pipe without flow must be met above it). In pre-order,
with :math:`B_{a(v)}` the boost already received from above, a node whose pipe can hold a pump
gets :math:`b_v = \max(0, D_v - B_{a(v)})`; this is the paper's MIN-OPEX (its line 1 has the
sign of the deficiency inverted; the prose is right).

**Why it is the LP optimum.** The walk's total boost :math:`B_v = \max(0, \max_{u \in
\mathrm{path}} D_u)` is the pointwise least boost of any feasible point. Take an optimal
:math:`b` and the highest node :math:`v` where :math:`b_v` exceeds the walk's value; lowering
:math:`b_v` by :math:`\delta` and raising :math:`b_c` by :math:`\delta` on every child :math:`c`
that can hold a pump keeps every constraint (no node at or below :math:`v` other than those
children's subtrees needed the extra, by the choice of :math:`v`) and changes the cost by
:math:`\rho g \delta (\sum_c q_c - q_v) \le 0`, because with non-negative demands flow is
conserved, :math:`q_v \ge \sum_c q_c`. Repeating moves every optimal point to the walk's.
When the tree's flows break :math:`q_v \ge \sum_c q_c`, even by EPANET's round-off (relative
errors near 1e-7 are common), the walk is not guaranteed optimal and the LP is solved
instead (HiGHS through ``scipy.optimize.linprog``), so :math:`Q^*` stays a valid bound.

**From hydraulic to electrical power.** A real placement's boosts are a feasible :math:`b`, and
a size-:math:`k` pump on :math:`e_v` delivers exactly :math:`\rho g q_v H_{v,k} = \eta_k W_k`, so
:math:`\sum \eta_k W_k \ge Q^*_{hyd}` and its electrical power is
:math:`\sum W_k \ge Q^*_{hyd} / \eta_{max}` with :math:`\eta_{max}` the best catalogue
efficiency. Hence :math:`Q^* = Q^*_{hyd}/\eta_{max}` (kW) and
:math:`\mathrm{opex} \ge Q^* \cdot` ``opex_per_kw``; with one efficiency for every size this is
the paper's :math:`Q^*`. The relaxation ignores ``P_max``; but since the walk's boost is the
least possible at every node, a node it pushes above ``P_max`` is a proof that no placement
respects the ceiling.

MIN-OPEX gives no realisable placement: the registry run returns ``Status.BOUND_ONLY``, no
objective, and as bound the valid lower bound of :mod:`wdnopt.solvers.pumps.bounds` for the
problem's objective.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from wdnopt.models.pumps.costs import RHO_G
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.tree import TreeInstance
from wdnopt.solvers.pumps.registry import Algorithm, register
from wdnopt.solvers.pumps.result import PlacementResult, make_result
from wdnopt.solvers.pumps.tree_ops import (
    TOL,
    can_hold_pump,
    describe_nodes,
    unliftable_nodes,
    unliftable_result,
)
from wdnopt.solvers.status import Status

log = logging.getLogger(__name__)

NAME = "min-opex"


@dataclass(frozen=True)
class MinOpexOptions:
    """MIN-OPEX has no tuning; the options exist for the registry's uniform interface."""

    lp_fallback: bool = True
    """Solve the LP when the flows break conservation (the walk is then not proved optimal)."""


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


def run_min_opex(problem: PumpProblem, options: MinOpexOptions | None = None) -> PlacementResult:
    """MIN-OPEX as a registry algorithm: a proved lower bound, no realisable placement."""
    from wdnopt.solvers.pumps.bounds import lower_bounds  # bounds builds on this module

    options = options or MinOpexOptions()
    started = time.perf_counter()
    unliftable = unliftable_nodes(problem)
    if len(unliftable):
        return unliftable_result(problem, NAME, unliftable, started)
    tree = problem.tree
    relaxed = continuous_min_boost(tree, lp_fallback=options.lp_fallback)
    over = np.flatnonzero(
        np.asarray(tree.checked)
        & (relaxed.total > tree.headroom + TOL)
        & np.isfinite(tree.headroom)
    )
    if len(over):
        return make_result(
            problem,
            NAME,
            Status.INFEASIBLE,
            None,
            runtime_s=time.perf_counter() - started,
            message=(
                f"infeasible: the least boost any placement gives pushes {len(over)} node(s) "
                f"above P_max: {describe_nodes(tree, over)}"
            ),
            extras={"above_max_nodes": [int(v) for v in over]},
        )
    bounds = lower_bounds(problem, relaxed.q_star_hydraulic_kw)
    boosts = {int(v): float(relaxed.boost[v]) for v in np.flatnonzero(relaxed.boost > 0)}
    return make_result(
        problem,
        NAME,
        Status.BOUND_ONLY,
        None,
        bound=bounds.valid(problem.objective),
        runtime_s=time.perf_counter() - started,
        message=(
            f"continuous pump sizes (not realisable): Q* = {bounds.q_star_kw:.3f} kW electrical "
            f"at the best efficiency, {relaxed.q_star_hydraulic_kw:.3f} kW hydraulic, "
            f"{len(boosts)} continuous pumps ({relaxed.method})"
        ),
        extras={
            "q_star_kw": bounds.q_star_kw,
            "q_star_hydraulic_kw": relaxed.q_star_hydraulic_kw,
            "opex_lower_bound": bounds.opex,
            "continuous_boost_m": boosts,
            "method": relaxed.method,
            "bounds": bounds.as_dict(),
        },
    )


register(
    Algorithm(
        name=NAME,
        run=run_min_opex,
        options=MinOpexOptions,
        summary="MIN-OPEX (paper IV-A): continuous pump sizes, least pumping power; a lower bound",
    )
)
