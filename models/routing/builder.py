"""The routing model as a Pyomo model: one small ``define_*`` function per constraint family.

Notation: periods :math:`t` of :math:`\\lambda_t` days (one period, :math:`\\lambda = 1`,
without a schedule); arcs :math:`a = (i, j)` with flow :math:`x_{a,t} \\ge 0` (ML in period
:math:`t`), pumping cost :math:`c_a` ($/ML, scaled by the tariff factor :math:`f_t`) and capacity
:math:`u_a` (ML/day); sources :math:`s` with capacity :math:`S_s`; plants :math:`p` with
capacity :math:`K_p` and treatment cost :math:`t_p`; zones :math:`z` with demand
:math:`D_{z,t}` (ML). :math:`\\delta^-(v)` and :math:`\\delta^+(v)` are the arcs into and out
of node :math:`v`. Variables and rows of period :math:`t` are indexed :math:`t \\cdot n + i`
(:math:`n` arcs, sources, plants or zones), so a model without a schedule is indexed as before.

The optional families (quality, commitment, expansion, storage, ramping) live in their own
modules and add nothing when unused: a plain network gives the plain LP.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from wdnopt.models.routing.commitment import define_plant_on, define_plant_running
from wdnopt.models.routing.expansion import (
    define_arc_expansion,
    define_expansion_choices,
    expansion_cost_terms,
)
from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.routing.schedule import define_ramping, define_storage_levels, level_terms


def build_routing_model(
    net: RoutingNetwork, *, elastic: bool = False, mutable_demand: bool = False
) -> pyo.ConcreteModel:
    """The routing model of ``net`` (an LP, or a MILP with on/off or expansion decisions).

    With ``elastic=True`` every zone gets a shortage variable :math:`s_{z,t} \\ge 0` and the
    objective is the total shortage (phase 1 of the infeasibility diagnosis; see
    :func:`define_elastic_objective`). With ``mutable_demand=True`` the demands are mutable
    Params (``m.demand_ml``), so a persistent solver can re-solve after a demand change
    without rebuilding.
    """
    m = pyo.ConcreteModel(name=net.name or "routing")
    define_flows(m, net)
    define_expansion_choices(m, net)
    define_plant_on(m, net.commitment, net.n_periods)
    define_storage_levels(m, net)
    define_source_capacity(m, net)
    define_plant_balance(m, net)
    define_plant_capacity(m, net)
    define_plant_running(m, net)
    define_arc_expansion(m, net)
    define_demand(m, net, elastic=elastic, mutable=mutable_demand)
    define_ramping(m, net)
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
    """Flows :math:`0 \\le x_{a,t} \\le \\lambda_t u_a` (no upper bound where
    :math:`u_a = \\infty`; :math:`u_a + \\Delta U_a` where an upgrade may be taken; 0 on arcs
    closed by a quality class)."""
    n_t, n_a = net.n_periods, net.n_arcs
    m.flow = pyo.Var(range(n_t * n_a), domain=pyo.NonNegativeReals, dense=True)
    xs = list(m.flow.values())
    cap = net.arc_capacity
    if net.expansion is not None:
        cap = cap + net.expansion.extra_capacity(n_a, "arc")
    if net.quality is not None:
        cap = np.where(net.arc_closed, 0.0, cap)
    finite = np.flatnonzero(np.isfinite(cap)).tolist()
    for t, days in enumerate(net.period_days.tolist()):
        base = t * n_a
        for a in finite:
            xs[base + a].setub(float(cap[a]) * days if days != 1.0 else float(cap[a]))
    m._xs = xs  # positional access to the flow variables, for the other define_* functions


def define_source_capacity(m: pyo.ConcreteModel, net: RoutingNetwork) -> None:
    """:math:`\\sum_{a \\in \\delta^+(s)} x_{a,t} \\le \\lambda_t S_s` for every source
    :math:`s` and period :math:`t`."""
    start, arcs = net.out_arcs
    xs, n_a, n_s = m._xs, net.n_arcs, net.n_sources
    rows = {}
    for t, days in enumerate(net.period_days.tolist()):
        base = t * n_a
        for s in range(n_s):
            if start[s + 1] > start[s]:
                rows[t * n_s + s] = (
                    _sum(xs, base + arcs[start[s] : start[s + 1]])
                    <= float(net.source_capacity[s]) * days
                )
    m.source_capacity = pyo.Constraint(list(rows), rule=lambda _, k: rows[k])


def define_plant_balance(m: pyo.ConcreteModel, net: RoutingNetwork) -> None:
    """Treated water leaves as it came in, less what the plant's tank stores:
    :math:`\\sum_{a \\in \\delta^-(p)} x_{a,t} + (L_{p,t-1} - L_{p,t})
    = \\sum_{a \\in \\delta^+(p)} x_{a,t}` for every plant and period."""
    in_start, in_arcs = net.in_arcs
    out_start, out_arcs = net.out_arcs
    xs, n_a, n_p = m._xs, net.n_arcs, net.n_plants
    rows = {}
    for t in range(net.n_periods):
        base = t * n_a
        for p in range(n_p):
            v = net.plant_offset + p
            ins = (base + in_arcs[in_start[v] : in_start[v + 1]]).tolist()
            outs = (base + out_arcs[out_start[v] : out_start[v + 1]]).tolist()
            store, const = level_terms(m, v, t)
            if ins or outs or store:
                terms = [xs[a] for a in ins] + [MonomialTermExpression((-1.0, xs[a])) for a in outs]
                rows[t * n_p + p] = LinearExpression(args=terms + store) == -const
    m.plant_balance = pyo.Constraint(list(rows), rule=lambda _, k: rows[k])


def define_plant_capacity(m: pyo.ConcreteModel, net: RoutingNetwork) -> None:
    """:math:`\\sum_{a \\in \\delta^-(p)} x_{a,t} \\le \\lambda_t (K_p + \\Delta K_p\\, g_p)`
    for every plant and period (:math:`g_p` only where an upgrade may be taken). A plant with
    an on/off decision and no upgrade gets :math:`\\le \\lambda_t K_p\\, y_{p,t}` instead."""
    start, arcs = net.in_arcs
    xs, n_a, n_p = m._xs, net.n_arcs, net.n_plants
    ex = net.expansion
    rows = {}
    for t, days in enumerate(net.period_days.tolist()):
        base = t * n_a
        for p in range(n_p):
            v = net.plant_offset + p
            if start[v + 1] == start[v]:
                continue
            k = t * n_p + p
            cap = float(net.plant_capacity[p]) * days
            if p in m._upgrade_plant:
                assert ex is not None
                extra = float(ex.plant_upgrade_capacity[p]) * days
                terms = [xs[a] for a in (base + arcs[start[v] : start[v + 1]]).tolist()]
                terms.append(MonomialTermExpression((-extra, m._upgrade_plant[p])))
                rows[k] = LinearExpression(args=terms) <= cap
            elif k in m._on:
                terms = [xs[a] for a in (base + arcs[start[v] : start[v + 1]]).tolist()]
                terms.append(MonomialTermExpression((-cap, m._on[k])))
                rows[k] = LinearExpression(args=terms) <= 0.0
            else:
                rows[k] = _sum(xs, base + arcs[start[v] : start[v + 1]]) <= cap
    m.plant_capacity = pyo.Constraint(list(rows), rule=lambda _, k: rows[k])


def define_demand(
    m: pyo.ConcreteModel, net: RoutingNetwork, *, elastic: bool, mutable: bool = False
) -> None:
    """What reaches a zone, plus what its storage releases, (plus shortage) meets its demand:
    :math:`\\sum_{a \\in \\delta^-(z)} x_{a,t} + (L_{z,t-1} - L_{z,t}) \\;(+\\, s_{z,t})
    \\ge D_{z,t}` for every zone and period.

    A zone with positive demand and no arc in makes the plain model infeasible on purpose: the
    elastic model then reports it as short by its whole demand.
    """
    start, arcs = net.in_arcs
    xs, n_a, n_z = m._xs, net.n_arcs, net.n_zones
    demand = net.period_demand
    if elastic:
        m.shortage = pyo.Var(range(net.n_periods * n_z), domain=pyo.NonNegativeReals, dense=True)
    if mutable:
        m.demand_ml = pyo.Param(
            range(net.n_periods * n_z), mutable=True, initialize=lambda _, k: 0.0
        )
        for k, value in enumerate(demand.ravel().tolist()):
            m.demand_ml[k] = value
    rows = {}
    for t in range(net.n_periods):
        base = t * n_a
        for z in range(n_z):
            v = net.zone_offset + z
            k = t * n_z + z
            store, const = level_terms(m, v, t)
            terms = [xs[a] for a in (base + arcs[start[v] : start[v + 1]]).tolist()] + store
            if elastic:
                terms.append(m.shortage[k])
            rhs = m.demand_ml[k] if mutable else float(demand[t, z]) - const
            if mutable and const:
                rhs = rhs - const
            rows[k] = LinearExpression(args=terms) >= rhs
    m.demand = pyo.Constraint(list(rows), rule=lambda _, k: rows[k])


def define_cost_objective(m: pyo.ConcreteModel, net: RoutingNetwork) -> None:
    """Minimise the cost of the day, $/day:

    .. math:: \\sum_t \\sum_a (c_a f_t + t_{j(a)} + q_a) x_{a,t}
              + \\sum_t \\sum_p \\lambda_t F_p\\, y_{p,t} + \\sum B\\, b + \\sum G\\, g

    where :math:`t_{j(a)}` is the treatment cost of the plant arc :math:`a` enters (0 for arcs
    into zones), :math:`q_a` the quality premium on arc :math:`a`, :math:`F_p` the fixed
    running cost and :math:`B, G` the annualised costs of building and upgrading."""
    coefs: list[float] = []
    variables: list[pyo.Var] = []
    n_a = net.n_arcs
    for t in range(net.n_periods):
        cost = net.period_unit_cost(t)
        nz = np.flatnonzero(cost != 0)
        coefs += cost[nz].tolist()
        variables += [m._xs[a] for a in (t * n_a + nz).tolist()]
    if m._on:
        assert net.commitment is not None
        lam, n_p = net.period_days, net.n_plants
        for k, y in m._on.items():
            fixed = float(net.commitment.fixed_cost[k % n_p]) * float(lam[k // n_p])
            if fixed:
                coefs.append(fixed)
                variables.append(y)
    for c, v in expansion_cost_terms(m, net):
        coefs.append(c)
        variables.append(v)
    m.cost = pyo.Objective(
        expr=LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=variables),
        sense=pyo.minimize,
    )


def define_elastic_objective(m: pyo.ConcreteModel, net: RoutingNetwork) -> None:
    """Phase 1 of the diagnosis: minimise the total shortage :math:`\\sum_{z,t} s_{z,t}` (ML)."""
    m.total_shortage = pyo.Objective(expr=pyo.quicksum(m.shortage.values()), sense=pyo.minimize)
