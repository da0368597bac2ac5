"""The routing model as a Pyomo model: one small ``define_*`` function per constraint family.

Notation: periods :math:`t` of :math:`\\lambda_t` days (one period, :math:`\\lambda = 1`,
without a schedule); arcs :math:`a = (i, j)` with flow :math:`x_{a,t} \\ge 0` (ML in period
:math:`t`), pumping cost :math:`c_a` ($/ML, scaled by the tariff factor :math:`f_t`) and capacity
:math:`u_a` (ML/day); sources :math:`s` with capacity :math:`S_s` or a fixed supply
:math:`\\sigma_s`; plants :math:`p` with capacity :math:`K_p` and treatment cost :math:`t_p`;
zones :math:`z` with demand :math:`D_{z,t}` (ML) and, where a surplus is allowed, its price
:math:`\\pi_z`; storages and junctions (conservation, with levels :math:`L_{v,t}` at storage).
:math:`\\delta^-(v)` and :math:`\\delta^+(v)` are the arcs into and out of node :math:`v`.
Variables and rows of period :math:`t` are indexed :math:`t \\cdot n + i` (:math:`n` arcs,
sources, plants, zones or nodes), so a model without a schedule is indexed as before.

The optional families (quality, commitment, expansion, storage, ramping) live in their own
modules and add nothing when unused: a plain network gives the plain LP.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from wdnopt.models.routing.commitment import define_plant_on, define_plant_running
from wdnopt.models.routing.expansion import (
    define_arc_expansion,
    define_expansion_choices,
    expansion_cost_terms,
)
from wdnopt.models.routing.handle import RoutingModel
from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.routing.schedule import define_ramping, define_storage_levels


def build_routing_model(
    net: RoutingNetwork, *, elastic: bool = False, mutable: bool = False
) -> RoutingModel:
    """The routing model of ``net`` (an LP, or a MILP with on/off or expansion decisions).

    With ``elastic=True`` every zone gets a shortage variable :math:`s_{z,t} \\ge 0`, every
    fixed-supply source a variable :math:`u_{s,t} \\ge 0` for supply it cannot place, and the
    objective is their total (phase 1 of the infeasibility diagnosis; see
    :func:`define_elastic_objective`). With ``mutable=True`` the demands
    (``model.demand_ml``, ML per period), source capacities or fixed supplies
    (``model.source_limit``, ML/day) and plant capacities (``model.plant_limit``, ML/day) are
    mutable Params, so a persistent solver can re-solve after a change without rebuilding.
    """
    m = pyo.ConcreteModel(name=net.name or "routing")
    if mutable:
        define_limits(m, net)
    xs = define_flows(m, net)
    expansion = define_expansion_choices(m, net)
    on = define_plant_on(m, net.commitment, net.n_periods)
    levels = define_storage_levels(m, net, elastic=elastic)
    shortage, untaken = define_elastic_vars(m, net) if elastic else ({}, {})
    surplus = define_surplus(m, net)
    peak = define_peak_var(m, net)
    h = RoutingModel(
        model=m,
        net=net,
        flow=tuple(xs),
        on=on,
        expansion=expansion,
        levels=levels,
        shortage=shortage,
        untaken=untaken,
        surplus=surplus,
        peak=peak,
        elastic=elastic,
    )
    define_source_capacity(h)
    define_source_supply(h)
    define_plant_balance(h)
    define_plant_capacity(h)
    define_plant_running(h)
    define_arc_expansion(h)
    define_node_balance(h)
    define_demand(h, mutable=mutable)
    define_ramping(m, net, h.flow)
    define_peak_power(h)
    if elastic:
        define_elastic_objective(h)
    else:
        define_cost_objective(h)
    return h


def _sum(xs: Sequence[Any], arcs: np.ndarray) -> LinearExpression:
    """:math:`\\sum_{a \\in arcs} x_a` as one linear expression of the variables themselves
    (no intermediate sums, no coefficient-1 term objects: fewer objects to build and walk)."""
    return LinearExpression(args=[xs[a] for a in arcs.tolist()])


def _net_terms(h: RoutingModel, v: int, t: int) -> list:
    """Terms of :math:`\\sum_{a \\in \\delta^-(v)} x_{a,t} - \\sum_{a \\in \\delta^+(v)}
    x_{a,t}`."""
    ins, outs = h.net.adjacency
    xs, base = h.flow, t * h.net.n_arcs
    terms = [xs[base + a] for a in ins[v]]
    terms += [MonomialTermExpression((-1.0, xs[base + a])) for a in outs[v]]
    return terms


def define_limits(m: pyo.ConcreteModel, net: RoutingNetwork) -> None:
    """Mutable Params of the limits a what-if changes: ``source_limit[s]`` (capacity or fixed
    supply, ML/day) and ``plant_limit[p]`` (capacity, ML/day)."""
    m.source_limit = pyo.Param(range(net.n_sources), mutable=True, initialize=0.0)
    m.plant_limit = pyo.Param(range(net.n_plants), mutable=True, initialize=0.0)
    for s, value in enumerate(net.source_capacity.tolist()):
        m.source_limit[s] = value
    for p, value in enumerate(net.plant_capacity.tolist()):
        m.plant_limit[p] = value


def _limit(m: pyo.ConcreteModel, name: str, i: int, value: float, days: float) -> Any:
    """:math:`\\lambda_t` times a limit: the mutable Param when the model has one, else the
    number."""
    param = getattr(m, name, None)
    if param is None:
        return value * days
    return param[i] * days if days != 1.0 else param[i]


def _constraint(m: pyo.ConcreteModel, name: str, rows: dict) -> None:
    if rows:
        setattr(m, name, pyo.Constraint(list(rows), rule=lambda _, k: rows[k]))


def define_flows(m: pyo.ConcreteModel, net: RoutingNetwork) -> list:
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
    return xs


def define_elastic_vars(m: pyo.ConcreteModel, net: RoutingNetwork) -> tuple[dict, dict]:
    """Shortage :math:`s_{z,t} \\ge 0` of every zone and untaken supply :math:`u_{s,t} \\ge 0`
    of every fixed-supply source (the elastic model of the diagnosis)."""
    n_t, n_z, n_s = net.n_periods, net.n_zones, net.n_sources
    m.shortage = pyo.Var(range(n_t * n_z), domain=pyo.NonNegativeReals, dense=True)
    keys = [t * n_s + s for t in range(n_t) for s in np.flatnonzero(net.fixed_supply).tolist()]
    m.untaken = pyo.Var(keys, domain=pyo.NonNegativeReals, dense=True)
    return dict(m.shortage.items()), dict(m.untaken.items())


def define_surplus(m: pyo.ConcreteModel, net: RoutingNetwork) -> dict:
    """Surplus :math:`0 \\le e_{z,t} \\le \\lambda_t U_z - D_{z,t}` of every zone that
    allows one (priced at :math:`\\pi_z` $/ML in the objective; :math:`U_z` the most it
    accepts, ML/day, when it has a limit)."""
    zones = np.flatnonzero(net.surplus_allowed).tolist()
    if not zones:
        return {}
    keys = [t * net.n_zones + z for t in range(net.n_periods) for z in zones]
    m.surplus = pyo.Var(keys, domain=pyo.NonNegativeReals, dense=True)
    room = net.surplus_room().ravel()
    for k in keys:
        if np.isfinite(room[k]):
            m.surplus[k].setub(float(room[k]))
    return dict(m.surplus.items())


def define_peak_var(m: pyo.ConcreteModel, net: RoutingNetwork) -> Any:
    """The day's peak pumping power :math:`\\hat P \\ge 0` (kW), when there is a demand
    charge."""
    if not net.demand_charge or net.arc_energy is None:
        return None
    m.peak_power = pyo.Var(domain=pyo.NonNegativeReals)
    return m.peak_power


def define_peak_power(h: RoutingModel) -> None:
    """The peak is at least each period's pumping power:
    :math:`\\sum_a \\frac{e_a}{h_t} x_{a,t} \\le \\hat P` for every period (``peak``; arcs of
    known energy :math:`e_a` kWh/ML, :math:`h_t` hours)."""
    net = h.net
    if h.peak is None or net.arc_energy is None:
        return
    known = np.flatnonzero(~np.isnan(net.arc_energy) & (net.arc_energy > 0))
    hours = net.period_days * 24.0
    rows = {}
    for t in range(net.n_periods):
        terms = [
            MonomialTermExpression((float(net.arc_energy[a]) / float(hours[t]), h.flow[k]))
            for a, k in zip(known.tolist(), (t * net.n_arcs + known).tolist(), strict=True)
        ]
        terms.append(MonomialTermExpression((-1.0, h.peak)))
        rows[t] = LinearExpression(args=terms) <= 0.0
    _constraint(h.model, "peak", rows)


def define_source_capacity(h: RoutingModel) -> None:
    """:math:`\\sum_{a \\in \\delta^+(s)} x_{a,t} \\le \\lambda_t S_s` for every source
    :math:`s` without a fixed supply and every period :math:`t`."""
    net, xs = h.net, h.flow
    start, arcs = net.out_arcs
    n_a, n_s = net.n_arcs, net.n_sources
    rows = {}
    for t, days in enumerate(net.period_days.tolist()):
        base = t * n_a
        for s in np.flatnonzero(~net.fixed_supply).tolist():
            if start[s + 1] > start[s]:
                limit = _limit(h.model, "source_limit", s, float(net.source_capacity[s]), days)
                rows[t * n_s + s] = _sum(xs, base + arcs[start[s] : start[s + 1]]) <= limit
    _constraint(h.model, "source_capacity", rows)


def define_source_supply(h: RoutingModel) -> None:
    """A fixed supply is taken whole: :math:`\\sum_{a \\in \\delta^+(s)} x_{a,t}
    \\;(+\\, u_{s,t}) = \\lambda_t \\sigma_s` for every fixed-supply source and period (the
    elastic model's :math:`u_{s,t}` is what cannot be placed)."""
    net, xs = h.net, h.flow
    if net.source_supply is None:
        return
    start, arcs = net.out_arcs
    n_a, n_s = net.n_arcs, net.n_sources
    rows = {}
    for t, days in enumerate(net.period_days.tolist()):
        base = t * n_a
        for s in np.flatnonzero(net.fixed_supply).tolist():
            k = t * n_s + s
            terms = [xs[a] for a in (base + arcs[start[s] : start[s + 1]]).tolist()]
            if k in h.untaken:
                terms.append(h.untaken[k])
            supply = _limit(h.model, "source_limit", s, float(net.source_supply[s]), days)
            rows[k] = LinearExpression(args=terms) == supply
    _constraint(h.model, "source_supply", rows)


def define_plant_balance(h: RoutingModel) -> None:
    """Treated water leaves as it came in, less what the plant's tank stores:
    :math:`\\sum_{a \\in \\delta^-(p)} x_{a,t} + (L_{p,t-1} - L_{p,t})
    = \\sum_{a \\in \\delta^+(p)} x_{a,t}` for every plant and period."""
    net = h.net
    n_p = net.n_plants
    rows = {}
    for t in range(net.n_periods):
        for p in range(n_p):
            v = net.plant_offset + p
            terms = _net_terms(h, v, t)
            store, const = h.levels.terms(v, t)
            if terms or store:
                rows[t * n_p + p] = LinearExpression(args=terms + store) == -const
    _constraint(h.model, "plant_balance", rows)


def define_plant_capacity(h: RoutingModel) -> None:
    """:math:`\\sum_{a \\in \\delta^-(p)} x_{a,t} \\le \\lambda_t (K_p + \\Delta K_p\\, g_p)`
    for every plant and period (:math:`g_p` only where an upgrade may be taken). A plant with
    an on/off decision and no upgrade gets :math:`\\le \\lambda_t K_p\\, y_{p,t}` instead."""
    net, xs = h.net, h.flow
    start, arcs = net.in_arcs
    n_a, n_p = net.n_arcs, net.n_plants
    ex = net.expansion
    upgrade = h.expansion.upgrade_plant
    rows = {}
    for t, days in enumerate(net.period_days.tolist()):
        base = t * n_a
        for p in range(n_p):
            v = net.plant_offset + p
            if start[v + 1] == start[v]:
                continue
            k = t * n_p + p
            cap = _limit(h.model, "plant_limit", p, float(net.plant_capacity[p]), days)
            if p in upgrade:
                assert ex is not None
                extra = float(ex.plant_upgrade_capacity[p]) * days
                terms = [xs[a] for a in (base + arcs[start[v] : start[v + 1]]).tolist()]
                terms.append(MonomialTermExpression((-extra, upgrade[p])))
                rows[k] = LinearExpression(args=terms) <= cap
            elif k in h.on:
                terms = [xs[a] for a in (base + arcs[start[v] : start[v + 1]]).tolist()]
                rows[k] = LinearExpression(args=terms) - cap * h.on[k] <= 0.0
            else:
                rows[k] = _sum(xs, base + arcs[start[v] : start[v + 1]]) <= cap
    _constraint(h.model, "plant_capacity", rows)


def define_node_balance(h: RoutingModel) -> None:
    """Storages and junctions keep what they do not pass on:
    :math:`\\sum_{a \\in \\delta^-(v)} x_{a,t} - \\sum_{a \\in \\delta^+(v)} x_{a,t}
    = L_{v,t} - L_{v,t-1}` at a storage, :math:`= 0` at a junction, for every period
    (``node_balance``, index :math:`t \\cdot V + v`)."""
    net = h.net
    n_v = net.n_nodes
    rows = {}
    for t in range(net.n_periods):
        for v in range(net.storage_offset, n_v):
            terms = _net_terms(h, v, t)
            store, const = h.levels.terms(v, t)
            if terms or store:
                rows[t * n_v + v] = LinearExpression(args=terms + store) == -const
    _constraint(h.model, "node_balance", rows)


def define_demand(h: RoutingModel, *, mutable: bool = False) -> None:
    """What reaches a zone, less what it passes on, plus what its storage releases, is its
    demand:

    .. math:: \\sum_{a \\in \\delta^-(z)} x_{a,t} - \\sum_{a \\in \\delta^+(z)} x_{a,t}
              + (L_{z,t-1} - L_{z,t}) \\;(+\\, s_{z,t}) \\;(-\\, e_{z,t}) = D_{z,t}

    for every zone and period: exactly the demand, unless the zone allows a surplus
    :math:`e_{z,t} \\ge 0` (priced); :math:`s_{z,t}` only in the elastic model.

    A zone with positive demand and no arc in makes the plain model infeasible on purpose: the
    elastic model then reports it as short by its whole demand.
    """
    net, m = h.net, h.model
    n_z = net.n_zones
    demand = net.period_demand
    if mutable:
        m.demand_ml = pyo.Param(
            range(net.n_periods * n_z), mutable=True, initialize=lambda _, k: 0.0
        )
        for k, value in enumerate(demand.ravel().tolist()):
            m.demand_ml[k] = value
    rows = {}
    for t in range(net.n_periods):
        for z in range(n_z):
            v = net.zone_offset + z
            k = t * n_z + z
            store, const = h.levels.terms(v, t)
            terms = _net_terms(h, v, t) + store
            if k in h.shortage:
                terms.append(h.shortage[k])
            if k in h.surplus:
                terms.append(MonomialTermExpression((-1.0, h.surplus[k])))
            rhs = m.demand_ml[k] - const if mutable else float(demand[t, z]) - const
            rows[k] = LinearExpression(args=terms) == rhs
    _constraint(m, "demand", rows)


def define_cost_objective(h: RoutingModel) -> None:
    """Minimise the cost of the day, $/day:

    .. math:: \\sum_t \\sum_a (c_a f_t + t_{j(a)} + q_a) x_{a,t}
              + \\sum_t \\sum_z \\pi_z e_{z,t}
              + \\sum_t \\sum_p \\lambda_t F_p\\, y_{p,t} + \\sum B\\, b + \\sum G\\, g
              + c_{peak} \\hat P

    where :math:`t_{j(a)}` is the treatment cost of the plant arc :math:`a` enters (0 for arcs
    into other nodes), :math:`q_a` the quality premium on arc :math:`a`, :math:`\\pi_z` the
    price of a zone's surplus, :math:`F_p` the fixed running cost, :math:`B, G` the
    annualised costs of building and upgrading and :math:`c_{peak}` the demand charge ($/kW)
    on the peak pumping power :math:`\\hat P`."""
    net, m = h.net, h.model
    coefs: list[float] = []
    variables: list[Any] = []
    n_a = net.n_arcs
    for t in range(net.n_periods):
        cost = net.period_unit_cost(t)
        nz = np.flatnonzero(cost != 0)
        coefs += cost[nz].tolist()
        variables += [h.flow[a] for a in (t * n_a + nz).tolist()]
    if h.surplus:
        assert net.surplus_cost is not None
        for k, e in h.surplus.items():
            price = float(net.surplus_cost[k % net.n_zones])
            if price:
                coefs.append(price)
                variables.append(e)
    if h.on:
        assert net.commitment is not None
        lam, n_p = net.period_days, net.n_plants
        for k, y in h.on.items():
            fixed = float(net.commitment.fixed_cost[k % n_p]) * float(lam[k // n_p])
            if fixed:
                coefs.append(fixed)
                variables.append(y)
    for c, v in expansion_cost_terms(h):
        coefs.append(c)
        variables.append(v)
    if h.peak is not None:
        coefs.append(float(net.demand_charge))
        variables.append(h.peak)
    m.cost = pyo.Objective(
        expr=LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=variables),
        sense=pyo.minimize,
    )


def elastic_terms(h: RoutingModel) -> list[Any]:
    """The variables of what the elastic model leaves undone: shortages :math:`s_{z,t}`,
    untaken supplies :math:`u_{s,t}` and storage end-level deficits :math:`d_v` (ML)."""
    return [*h.shortage.values(), *h.untaken.values(), *h.levels.deficit.values()]


def define_elastic_objective(h: RoutingModel) -> None:
    """Phase 1 of the diagnosis: minimise what is left undone,
    :math:`\\sum_{z,t} s_{z,t} + \\sum_{s,t} u_{s,t} + \\sum_v d_v` (ML): shortages,
    untaken fixed supplies and storage end levels missed."""
    terms = elastic_terms(h)
    h.model.total_shortage = pyo.Objective(expr=pyo.quicksum(terms), sense=pyo.minimize)


def define_shortage_cap(h: RoutingModel, least: float) -> None:
    """Phase 2 of the diagnosis: what is left undone stays at phase 1's least,
    :math:`\\sum_{z,t} s_{z,t} + \\sum_{s,t} u_{s,t} + \\sum_v d_v \\le (1 + 10^{-9})\\,
    \\text{least} + 10^{-9}` (``shortage_cap``; the margin absorbs the solver's tolerance)."""
    total = pyo.quicksum(elastic_terms(h))
    h.model.shortage_cap = pyo.Constraint(expr=total <= least * (1 + 1e-9) + 1e-9)
