"""The routing LP as a Pyomo model: one small ``define_*`` function per constraint family.

Notation: arcs :math:`a = (i, j)` with flow :math:`x_a \\ge 0` (ML/day), pumping cost
:math:`c_a` ($/ML) and capacity :math:`u_a`; sources :math:`s` with capacity :math:`S_s`;
plants :math:`p` with capacity :math:`K_p` and treatment cost :math:`t_p`; zones :math:`z` with
demand :math:`D_z`. :math:`\\delta^-(v)` and :math:`\\delta^+(v)` are the arcs into and out of
node :math:`v`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from wdnopt.models.routing.network import RoutingNetwork


def build_routing_model(net: RoutingNetwork, *, elastic: bool = False) -> pyo.ConcreteModel:
    """The routing LP of ``net``.

    With ``elastic=True`` every zone gets a shortage variable :math:`s_z \\ge 0` and the
    objective is the total shortage (phase 1 of the infeasibility diagnosis; see
    :func:`define_elastic_objective`).
    """
    m = pyo.ConcreteModel(name=net.name or "routing")
    define_flows(m, net)
    define_source_capacity(m, net)
    define_plant_balance(m, net)
    define_plant_capacity(m, net)
    define_demand(m, net, elastic=elastic)
    if elastic:
        define_elastic_objective(m, net)
    else:
        define_cost_objective(m, net)
    return m


def _sum(xs: Sequence[pyo.Var], arcs: np.ndarray) -> LinearExpression:
    """:math:`\\sum_{a \\in arcs} x_a` as one linear expression of the variables themselves
    (no intermediate sums, no coefficient-1 term objects: fewer objects to build and walk)."""
    return LinearExpression(args=[xs[a] for a in arcs.tolist()])


def define_flows(m: pyo.ConcreteModel, net: RoutingNetwork) -> None:
    """Arc flows :math:`0 \\le x_a \\le u_a` (no upper bound where :math:`u_a = \\infty`)."""
    m.flow = pyo.Var(range(net.n_arcs), domain=pyo.NonNegativeReals, dense=True)
    xs = list(m.flow.values())
    for a in np.flatnonzero(np.isfinite(net.arc_capacity)).tolist():
        xs[a].setub(float(net.arc_capacity[a]))
    m._xs = xs  # positional access to the flow variables, for the other define_* functions


def define_source_capacity(m: pyo.ConcreteModel, net: RoutingNetwork) -> None:
    """:math:`\\sum_{a \\in \\delta^+(s)} x_a \\le S_s` for every source :math:`s`."""
    start, arcs = net.out_arcs
    xs = m._xs
    rows = {
        s: _sum(xs, arcs[start[s] : start[s + 1]]) <= float(net.source_capacity[s])
        for s in range(net.n_sources)
        if start[s + 1] > start[s]
    }
    m.source_capacity = pyo.Constraint(list(rows), rule=lambda _, s: rows[s])


def define_plant_balance(m: pyo.ConcreteModel, net: RoutingNetwork) -> None:
    """Treated water leaves as it came in:
    :math:`\\sum_{a \\in \\delta^-(p)} x_a = \\sum_{a \\in \\delta^+(p)} x_a` for every plant."""
    in_start, in_arcs = net.in_arcs
    out_start, out_arcs = net.out_arcs
    xs = m._xs
    rows = {}
    for p in range(net.n_plants):
        v = net.plant_offset + p
        ins = in_arcs[in_start[v] : in_start[v + 1]].tolist()
        outs = out_arcs[out_start[v] : out_start[v + 1]].tolist()
        if ins or outs:
            terms = [xs[a] for a in ins] + [MonomialTermExpression((-1.0, xs[a])) for a in outs]
            rows[p] = LinearExpression(args=terms) == 0.0
    m.plant_balance = pyo.Constraint(list(rows), rule=lambda _, p: rows[p])


def define_plant_capacity(m: pyo.ConcreteModel, net: RoutingNetwork) -> None:
    """:math:`\\sum_{a \\in \\delta^-(p)} x_a \\le K_p` for every plant :math:`p`."""
    start, arcs = net.in_arcs
    xs = m._xs
    rows = {}
    for p in range(net.n_plants):
        v = net.plant_offset + p
        if start[v + 1] > start[v]:
            rows[p] = _sum(xs, arcs[start[v] : start[v + 1]]) <= float(net.plant_capacity[p])
    m.plant_capacity = pyo.Constraint(list(rows), rule=lambda _, p: rows[p])


def define_demand(m: pyo.ConcreteModel, net: RoutingNetwork, *, elastic: bool) -> None:
    """:math:`\\sum_{a \\in \\delta^-(z)} x_a \\;(+\\, s_z) \\ge D_z` for every zone :math:`z`.

    A zone with positive demand and no arc in makes the plain model infeasible on purpose: the
    elastic model then reports it as short by its whole demand.
    """
    start, arcs = net.in_arcs
    xs = m._xs
    if elastic:
        m.shortage = pyo.Var(range(net.n_zones), domain=pyo.NonNegativeReals, dense=True)
    rows = {}
    for z in range(net.n_zones):
        v = net.zone_offset + z
        expr = _sum(xs, arcs[start[v] : start[v + 1]])
        if elastic:
            expr = expr + m.shortage[z]
        rows[z] = expr >= float(net.demand[z])
    m.demand = pyo.Constraint(list(rows), rule=lambda _, z: rows[z])


def define_cost_objective(m: pyo.ConcreteModel, net: RoutingNetwork) -> None:
    """Minimise pumping plus treatment cost, $/day:
    :math:`\\sum_a c_a x_a + \\sum_p t_p \\sum_{a \\in \\delta^-(p)} x_a
    = \\sum_a (c_a + t_{j(a)}) x_a` where :math:`t_{j(a)}` is the treatment cost of the plant
    arc :math:`a` enters (0 for arcs into zones)."""
    cost = net.unit_cost
    nz = np.flatnonzero(cost != 0).tolist()
    m.cost = pyo.Objective(
        expr=LinearExpression(
            constant=0.0,
            linear_coefs=[float(cost[a]) for a in nz],
            linear_vars=[m._xs[a] for a in nz],
        ),
        sense=pyo.minimize,
    )


def define_elastic_objective(m: pyo.ConcreteModel, net: RoutingNetwork) -> None:
    """Phase 1 of the diagnosis: minimise the total shortage :math:`\\sum_z s_z` (ML/day)."""
    m.total_shortage = pyo.Objective(expr=pyo.quicksum(m.shortage.values()), sense=pyo.minimize)
