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

from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.pumps.bounds import lower_bounds
from wdnopt.solvers.pumps.continuous_boost import continuous_min_boost
from wdnopt.solvers.pumps.registry import Algorithm, register
from wdnopt.solvers.pumps.result import PlacementResult, make_result
from wdnopt.solvers.pumps.tree_ops import (
    TOL,
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


def run_min_opex(problem: PumpProblem, options: MinOpexOptions | None = None) -> PlacementResult:
    """MIN-OPEX as a registry algorithm: a proved lower bound, no realisable placement."""
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
