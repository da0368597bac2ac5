"""The power cover: a lower bound from the power the new pumps must deliver, in whole pumps.

The relaxation's fractional choices buy power at the price per kW of the largest size: a
tenth of a 150 kW pump lifts as much as a 15 kW one, for a tenth of the large pump's price. A
real plan buys whole pumps. Let :math:`\\bar P_k` be the power a size delivers in the energy
row (:func:`~wdnopt.models.pumps.energy.size_power`) and

.. math:: W = \\min \\sum_{e,k} \\bar P_k\\, y_{e,k}

over the LP relaxation (integrality dropped, the cost at most the incumbent's). The simulated
state of every plan that holds satisfies every row of the relaxation (the property the tests
check by enumeration), so its own :math:`\\sum \\bar P_k y_{e,k}` is at least ``W``:

- the **row** :math:`\\sum_{e,k} \\bar P_k y_{e,k} \\ge W` is valid, and HiGHS derives
  knapsack covers from it;
- the **bound**: every such plan costs at least the least cost of whole pumps that cover
  ``W``, :math:`\\min \\{\\sum_k c_k n_k : \\sum_k \\bar P_k n_k \\ge W,\\ n_k \\in
  \\{0, 1, \\dots, N_k\\}\\}` (``c_k`` the least price of size ``k`` on any candidate,
  ``N_k`` the candidates it fits), a knapsack HiGHS solves at once.

It lifts the bound where few pumps serve a whole network: in one run at 60 s on a 36-junction
network with 31 junctions short, from 25,730 to 34,704 (the plan that holds costs 92,817).
Where the binding limit is a size's head rather than its power, it does not: on a variant of
the same network the whole-pump cover of ``W`` is one 3 kW pump (41,483) while the plan that
holds needs a 7.5 kW one (94,843).
"""

from __future__ import annotations

import logging
import math

import highspy
import numpy as np

from wdnopt.models.pumps.costs import Catalogue
from wdnopt.models.pumps.energy import size_power
from wdnopt.solvers.highs import quiet_highs, run_for
from wdnopt.solvers.pumps.content_oa import OuterApproximation
from wdnopt.solvers.status import Status

logger = logging.getLogger(__name__)

COVER_TOL = 1e-6
"""Share of ``W`` given back before it is used (the LP's own tolerances)."""

KNAPSACK_S = 2.0
"""Seconds the knapsack gets at most (a handful of integer columns: milliseconds)."""


def least_power(oa: OuterApproximation, catalogue: Catalogue, seconds: float) -> float | None:
    """``W`` on the model as it stands (solved as an LP; the cost restored after). Returns
    ``math.inf`` when the LP is infeasible (no plan within the budget), None when HiGHS gave
    no optimum in ``seconds``."""
    h = oa.highs
    n = h.getNumCol()
    cost = np.asarray(h.getLp().col_cost_, dtype=float).copy()
    power = size_power(catalogue)
    weights = np.zeros(n)
    for (_, k), col in oa.y_cols.items():
        weights[col] = power[k]
    everything = np.arange(n, dtype=np.int32)
    h.changeColsCost(n, everything, weights)
    try:
        s = oa.solve(seconds)
    finally:
        h.changeColsCost(n, everything, cost)
    if s.status is Status.INFEASIBLE:
        return math.inf
    if s.status is not Status.OPTIMAL or s.objective is None:
        return None
    return float(s.objective)


def add_cover(oa: OuterApproximation, catalogue: Catalogue, need: float) -> None:
    """The row :math:`\\sum \\bar P_k y_{e,k} \\ge` ``need``."""
    power = size_power(catalogue)
    items = sorted(oa.y_cols.items(), key=lambda item: item[1])
    oa.add_row([col for _, col in items], [float(power[k]) for (_, k), _ in items], need)


def knapsack_bound(oa: OuterApproximation, catalogue: Catalogue, need: float) -> float | None:
    """The least cost of whole pumps covering ``need`` (the module notes), from the prices in
    the model's objective. None when HiGHS gives no bound."""
    if need <= 0:
        return 0.0
    cost = np.asarray(oa.highs.getLp().col_cost_, dtype=float)
    power = size_power(catalogue)
    sizes = sorted({k for _, k in oa.y_cols})
    if not sizes:
        return None
    price = {k: min(cost[col] for (_, kk), col in oa.y_cols.items() if kk == k) for k in sizes}
    fits = {k: sum(1 for _, kk in oa.y_cols if kk == k) for k in sizes}
    h = quiet_highs(False)
    h.setOptionValue("mip_rel_gap", 0.0)
    inf = highspy.kHighsInf
    for k in sizes:
        h.addVar(0.0, float(fits[k]))
    idx = np.arange(len(sizes), dtype=np.int32)
    h.changeColsCost(len(sizes), idx, np.array([price[k] for k in sizes], dtype=float))
    h.changeColsIntegrality(len(sizes), idx, np.array([highspy.HighsVarType.kInteger] * len(sizes)))
    h.addRow(need, inf, len(sizes), idx, np.array([power[k] for k in sizes], dtype=float))
    run_for(h, KNAPSACK_S)
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return math.inf  # the sizes cannot cover it at all: no plan holds
    bound = float(h.getInfo().mip_dual_bound)
    return bound if math.isfinite(bound) else None


def power_cover(
    oa: OuterApproximation, catalogue: Catalogue, seconds: float
) -> tuple[float | None, float | None]:
    """``W`` and the knapsack's bound (the module notes); the row is added to the model.
    ``(inf, inf)``: no plan within the budget; ``(None, None)``: no LP optimum in time."""
    w = least_power(oa, catalogue, seconds)
    if w is None or not math.isfinite(w):
        return w, w
    need = w - COVER_TOL * abs(w) - 1e-12
    if need <= 0:
        return w, 0.0
    add_cover(oa, catalogue, need)
    bound = knapsack_bound(oa, catalogue, need)
    logger.debug("power cover: W = %.6g, whole pumps cost at least %s", w, bound)
    return w, bound
