"""Plant commitment: on/off decisions, minimum throughput when running, fixed running cost.

A committed plant :math:`p` (one with a minimum throughput :math:`m_p > 0` or a fixed running
cost :math:`F_p > 0`) gets a binary :math:`y_{p,t}` per period: off (no throughput) or running
between :math:`m_p` and its capacity, paying :math:`F_p` $/day pro rata while it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

if TYPE_CHECKING:
    from wdnopt.models.routing.handle import RoutingModel


@dataclass(frozen=True, eq=False)
class Commitment:
    """Minimum throughput and fixed running cost of each plant."""

    min_throughput: np.ndarray
    """Least throughput while running, ML/day, shape (plants,)."""
    fixed_cost: np.ndarray
    """Cost of running, $/day, shape (plants,)."""

    @property
    def committed(self) -> np.ndarray:
        """Plants that need an on/off decision."""
        return (self.min_throughput > 0) | (self.fixed_cost > 0)


def define_plant_on(
    m: pyo.ConcreteModel, commitment: Commitment | None, n_periods: int
) -> dict[int, Any]:
    """On/off binaries :math:`y_{p,t} \\in \\{0, 1\\}` of the committed plants, by index
    :math:`t \\cdot P + p`."""
    if commitment is None or not commitment.committed.any():
        return {}
    plants = np.flatnonzero(commitment.committed).tolist()
    n_p = len(commitment.committed)
    keys = [t * n_p + p for t in range(n_periods) for p in plants]
    m.plant_on = pyo.Var(keys, domain=pyo.Binary)
    return {k: m.plant_on[k] for k in keys}


def define_plant_running(h: RoutingModel) -> None:
    """For every committed plant and period, with :math:`I_{p,t} =
    \\sum_{a \\in \\delta^-(p)} x_{a,t}`:

    .. math::

        I_{p,t} \\ge \\lambda_t m_p\\, y_{p,t} \\quad \\text{(plant_min)} \\qquad
        I_{p,t} \\le \\lambda_t (K_p + \\Delta K_p)\\, y_{p,t} \\quad \\text{(plant_on_cap, when
        the plant may be upgraded; otherwise plant_capacity holds it)}

    and for a candidate plant (build binary :math:`b_p`): :math:`y_{p,t} \\le b_p`, or
    :math:`I_{p,t} \\le \\lambda_t (K_p + \\Delta K_p)\\, b_p` when it has no on/off decision
    (plant_build). Index :math:`t \\cdot P + p`.
    """
    net, on = h.net, h.on
    build_plant, upgrade_plant = h.expansion.build_plant, h.expansion.upgrade_plant
    if not (on or build_plant):
        return
    start, arcs = net.in_arcs
    xs, n_a, n_p = h.flow, net.n_arcs, net.n_plants
    lam = net.period_days.tolist()
    kmax = net.plant_capacity_max
    mins = net.commitment.min_throughput if net.commitment is not None else np.zeros(n_p)
    min_rows, on_rows, build_rows = {}, {}, {}

    def inflow(t: int, p: int) -> list:
        v = net.plant_offset + p
        return [xs[t * n_a + a] for a in arcs[start[v] : start[v + 1]].tolist()]

    for k, y in on.items():
        t, p = divmod(k, n_p)
        if mins[p] > 0:
            term = MonomialTermExpression((-float(mins[p]) * lam[t], y))
            min_rows[k] = LinearExpression(args=[*inflow(t, p), term]) >= 0.0
        if p in upgrade_plant:
            term = MonomialTermExpression((-float(kmax[p]) * lam[t], y))
            on_rows[k] = LinearExpression(args=[*inflow(t, p), term]) <= 0.0
        if p in build_plant:
            build_rows[k] = (
                LinearExpression(args=[y, MonomialTermExpression((-1.0, build_plant[p]))]) <= 0.0
            )
    for p, b in build_plant.items():
        if any((t * n_p + p) in on for t in range(len(lam))):
            continue
        for t in range(len(lam)):
            term = MonomialTermExpression((-float(kmax[p]) * lam[t], b))
            build_rows[t * n_p + p] = LinearExpression(args=[*inflow(t, p), term]) <= 0.0
    for name, rows in (
        ("plant_min", min_rows),
        ("plant_on_cap", on_rows),
        ("plant_build", build_rows),
    ):
        if rows:
            setattr(h.model, name, pyo.Constraint(list(rows), rule=lambda _, k, r=rows: r[k]))
