"""The day as periods: demand per period, a time-of-use tariff, storage and ramping.

Periods :math:`t` last :math:`h_t` hours, :math:`\\lambda_t = h_t / 24` days. Flows are volumes
(ML per period); a capacity of :math:`U` ML/day allows :math:`\\lambda_t U` ML in period
:math:`t`. Pumping costs scale with the tariff: an arc's cost in period :math:`t` is
:math:`c_a f_t` $/ML with :math:`f_t = \\pi_t / \\pi_{ref}` (energy price over the reference
price at which :math:`c_a` is quoted); treatment costs do not scale. Without a schedule the day
is one period of 24 h (:math:`\\lambda = 1`, :math:`f = 1`): the daily LP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

if TYPE_CHECKING:
    from wdnopt.models.routing.network import RoutingNetwork


@dataclass(frozen=True, eq=False)
class Schedule:
    """Periods of the day and what changes between them."""

    hours: np.ndarray
    """Length of each period, hours, shape (periods,)."""
    demand: np.ndarray
    """Demand of each zone in each period, ML, shape (periods, zones)."""
    price_factor: np.ndarray
    """Pumping cost multiplier :math:`f_t` of each period, shape (periods,)."""
    ramp: np.ndarray
    """Largest change of each plant's throughput rate between periods, ML/day (inf: none)."""

    @classmethod
    def flat(cls, demand_per_day: np.ndarray, n_plants: int, periods: int = 24) -> Schedule:
        """``periods`` equal periods with a flat demand and a flat tariff."""
        hours = np.full(periods, 24.0 / periods)
        return cls(
            hours=hours,
            demand=np.outer(hours / 24.0, demand_per_day),
            price_factor=np.ones(periods),
            ramp=np.full(n_plants, np.inf),
        )


@dataclass(frozen=True, eq=False)
class Storage:
    """Storage at nodes (service reservoirs, tanks, a plant's clear-water tank), ML, one entry
    per node of the network; ``nan`` capacity where a node has none."""

    capacity: np.ndarray
    """Capacity :math:`C_v` of each node's storage, ML (nan: none), shape (nodes,)."""
    start: np.ndarray
    """Level at the start of the day :math:`L^0_v`, ML."""
    end: np.ndarray
    """Least level at the end of the day :math:`E_v` (≥ 0), ML."""

    def nodes(self, net: RoutingNetwork | None = None) -> list[tuple[int, float, float, float]]:
        """(node index, capacity, start, end) of every node with storage."""
        return [
            (v, float(self.capacity[v]), float(self.start[v]), float(self.end[v]))
            for v in np.flatnonzero(~np.isnan(self.capacity)).tolist()
        ]


@dataclass(frozen=True, eq=False)
class Levels:
    """The level variables of a built model: ``var[(t, v)]`` is :math:`L_{v,t}` (end of period
    :math:`t`), ``start[v]`` the constant :math:`L^0_v`."""

    var: dict[tuple[int, int], Any]
    start: dict[int, float]
    deficit: dict[int, Any] = field(default_factory=dict)
    """Elastic model only: how far each storage :math:`v` may end below its end level,
    :math:`d_v \\ge 0` (ML)."""

    def terms(self, v: int, t: int) -> tuple[list, float]:
        """Terms and constant of :math:`L_{v,t-1} - L_{v,t}` (what storage at :math:`v`
        releases in period :math:`t`), or ``([], 0)`` without storage."""
        if v not in self.start:
            return [], 0.0
        terms = [MonomialTermExpression((-1.0, self.var[(t, v)]))]
        if t == 0:
            return terms, self.start[v]
        return [*terms, self.var[(t - 1, v)]], 0.0


def define_storage_levels(
    m: pyo.ConcreteModel, net: RoutingNetwork, *, elastic: bool = False
) -> Levels:
    """Levels :math:`0 \\le L_{v,t} \\le C_v` at the end of each period, with
    :math:`L_{v,T} \\ge E_v` (the end level) and :math:`L_{v,0^-} = L^0_v` (the start level, a
    constant).

    In the elastic model of the diagnosis the end level may be missed, at a price:
    :math:`L_{v,T} + d_v \\ge E_v` with :math:`d_v \\ge 0` (``end_level``, index :math:`v`),
    :math:`d_v` counted with the shortages, so that a storage no water can refill is reported
    as such instead of leaving the diagnosis without an answer."""
    levels = Levels({}, {})
    if net.storage is None:
        return levels
    nodes = net.storage.nodes(net)
    if not nodes:
        return levels
    n_t, n_v = net.n_periods, net.n_nodes
    keys = [t * n_v + v for t in range(n_t) for v, *_ in nodes]
    m.level = pyo.Var(keys, domain=pyo.NonNegativeReals)
    for v, cap, start, _end in nodes:
        levels.start[v] = start
        for t in range(n_t):
            var = m.level[t * n_v + v]
            var.setub(cap)
            levels.var[(t, v)] = var
    ends = [(v, end) for v, _cap, _start, end in nodes if end > 0]
    if elastic and ends:
        m.end_deficit = pyo.Var([v for v, _ in ends], domain=pyo.NonNegativeReals)
        levels.deficit.update({v: m.end_deficit[v] for v, _ in ends})
        rows = {v: levels.var[(n_t - 1, v)] + m.end_deficit[v] >= end for v, end in ends}
        m.end_level = pyo.Constraint(list(rows), rule=lambda _, v: rows[v])
    else:
        for v, end in ends:
            levels.var[(n_t - 1, v)].setlb(end)
    return levels


def define_ramping(m: pyo.ConcreteModel, net: RoutingNetwork, xs: Sequence[Any]) -> None:
    """Throughput rates change by at most :math:`R_p` ML/day between periods:

    .. math:: -R_p \\le \\frac{1}{\\lambda_t} \\sum_{a \\in \\delta^-(p)} x_{a,t}
              - \\frac{1}{\\lambda_{t-1}} \\sum_{a \\in \\delta^-(p)} x_{a,t-1} \\le R_p
              \\qquad t \\ge 1

    (``plant_ramp``, index :math:`t \\cdot P + p`).
    """
    sch = net.schedule
    if sch is None or net.n_periods < 2 or not np.isfinite(sch.ramp).any():
        return
    start, arcs = net.in_arcs
    n_a, lam = net.n_arcs, net.period_days
    rows = {}
    for p in np.flatnonzero(np.isfinite(sch.ramp)).tolist():
        v = net.plant_offset + p
        ins = arcs[start[v] : start[v + 1]].tolist()
        if not ins:
            continue
        r = float(sch.ramp[p])
        for t in range(1, net.n_periods):
            now, before = 1.0 / lam[t], 1.0 / lam[t - 1]
            terms = [MonomialTermExpression((now, xs[t * n_a + a])) for a in ins]
            terms += [MonomialTermExpression((-before, xs[(t - 1) * n_a + a])) for a in ins]
            rows[t * net.n_plants + p] = pyo.inequality(-r, LinearExpression(args=terms), r)
    if rows:
        m.plant_ramp = pyo.Constraint(list(rows), rule=lambda _, k: rows[k])
