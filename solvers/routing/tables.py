"""Reading a solved routing model back into arrays and the tables of a result.

Values of one more unit of capacity come from LP duals (for a MILP, duals of the LP with the
binaries fixed at their optimum). A capacity of :math:`U` ML/day allows :math:`\\lambda_t U` ML
in period :math:`t`, so one more ML/day of it is worth :math:`\\sum_t \\lambda_t (-y_t)` $/day,
:math:`y_t` the dual of its row (or the reduced cost of the bounded flow) in period :math:`t`.
Which rows price what is the family table's word
(:data:`~wdnopt.models.routing.certificate.FAMILIES`, read by
:func:`~wdnopt.models.routing.certificate.priced_rows`); the costs are the certificate's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyomo.environ as pyo

from wdnopt.models.routing.certificate import (
    RoutingDecisions,
    period_sums,
    priced_rows,
    received,
)
from wdnopt.models.routing.costs import CostBreakdown, energy_kwh, pumping_power, zone_surplus
from wdnopt.models.routing.handle import RoutingModel
from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.solvers.highs import Sensitivity
from wdnopt.solvers.routing.frames import Table

BINDING_TOL = 1e-7
"""A capacity is binding when its slack is below this (ML/day or ML)."""

FEASIBILITY_TOL = 1e-6
"""What HiGHS may leave of a constraint unmet, relative to the day's demand: its MIP
feasibility tolerance (its LP one is 1e-7). A shortfall or an untaken supply within
``FEASIBILITY_TOL · max(1, total demand)`` ML is solver noise, reported as 0."""


def noise_floor(net: RoutingNetwork) -> float:
    """Amounts (ML) at or below this are solver noise in an answer of ``net``."""
    return FEASIBILITY_TOL * max(1.0, float(np.sum(net.period_demand)))


def denoise(values: np.ndarray, net: RoutingNetwork) -> np.ndarray:
    """``values`` (ML) with solver noise removed: amounts within :func:`noise_floor` of 0 are
    0, the others rounded to the decimal of the floor (``2.9999999`` is ``3``)."""
    floor = noise_floor(net)
    decimals = max(0, int(-np.floor(np.log10(floor))))
    values = np.asarray(values, dtype=float)
    return np.where(np.abs(values) <= floor, 0.0, np.round(values, decimals))


def read_flows(h: RoutingModel) -> np.ndarray:
    """Flows of every period, ML, shape (periods, arcs)."""
    return h.flows()


def read_decisions(h: RoutingModel) -> RoutingDecisions:
    """On/off, expansion choices and storage levels of a solved model."""
    net = h.net
    n_t, n_p = net.n_periods, net.n_plants
    on = None
    if h.on:
        on = np.ones((n_t, n_p))
        for k, y in h.on.items():
            on[k // n_p, k % n_p] = round(y.value or 0.0)

    def choices(var_map: dict, n: int) -> np.ndarray | None:
        if not var_map:
            return None
        return np.round(h.values(var_map, n))

    ex = h.expansion
    return RoutingDecisions(
        on=on,
        arc_built=choices(ex.build_arc, net.n_arcs),
        plant_built=choices(ex.build_plant, n_p),
        arc_upgraded=choices(ex.upgrade_arc, net.n_arcs),
        plant_upgraded=choices(ex.upgrade_plant, n_p),
        level=h.level_values(),
    )


def fix_binaries(model: pyo.ConcreteModel) -> bool:
    """Fix every binary at its (rounded) value and make it continuous: the LP whose duals
    price the capacities of a MILP solution. Returns whether there was any binary."""
    found = False
    for var in model.component_data_objects(pyo.Var, descend_into=True):
        if var.is_binary():
            found = True
            value = round(var.value or 0.0)
            var.domain = pyo.Reals
            var.fix(value)
    return found


def _period_values(
    sens: Sensitivity | None, con: Any, n: int, n_t: int, lam: np.ndarray, sign: float = -1.0
) -> np.ndarray:
    """:math:`\\lambda_t \\cdot \\max(0, \\text{sign} \\cdot y)` of rows ``t * n + i``, shape
    (periods, n)."""
    out = np.zeros((n_t, n))
    if sens is None or con is None:
        return out
    for k, c in con.items():
        t, i = divmod(k, n)
        out[t, i] = max(0.0, sign * float(sens.duals.get(c, 0.0))) * lam[t]
    return out


def tables(
    net: RoutingNetwork,
    flow: np.ndarray,
    decisions: RoutingDecisions,
    costs: CostBreakdown,
    sens: Sensitivity | None,
    h: RoutingModel | None,
) -> dict[str, Table]:
    """Every table of a result, by name (columns; DataFrames when asked for); ``costs`` the
    certificate's breakdown of ``flow`` and ``decisions``."""
    n_t, n_a = net.n_periods, net.n_arcs
    lam = net.period_days
    flow = flow.reshape(n_t, n_a)
    inflow, outflow = period_sums(net, flow)
    p0, z0 = net.plant_offset, net.zone_offset
    ids = net.node_ids
    model = h.model if h is not None else None
    supplied = received(net, flow, decisions.level)
    daily = flow.sum(axis=0)
    flows = {
        "from": [ids[i] for i in net.tail],
        "to": [ids[j] for j in net.head],
        "flow": daily,
        "capacity": net.arc_capacity,
        "cost_per_ml": net.arc_cost,
        "cost": costs.pumping.sum(axis=0),
    }
    if net.raw.any():
        flows["raw"] = net.raw
    src_value = _period_values(sens, priced_rows(model, "source"), net.n_sources, n_t, lam)
    sources = {
        "source": net.source_ids,
        "capacity": net.source_capacity,
        "supplied": (outflow[:, :p0] - inflow[:, :p0]).sum(axis=0),
        "value_per_ml": src_value.sum(axis=0),
    }
    if net.fixed_supply.any():
        sources["fixed"] = net.fixed_supply
    plant_in = inflow[:, p0:z0]
    throughput = plant_in.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(net.plant_capacity > 0, throughput / net.plant_capacity, 0.0)
    plant_value = _period_values(sens, priced_rows(model, "plant"), net.n_plants, n_t, lam)
    plants = {
        "plant": net.plant_ids,
        "capacity": net.plant_capacity,
        "throughput": throughput,
        "utilisation": util,
        "treatment_cost": net.treatment_cost,
        "value_per_ml": plant_value.sum(axis=0),
    }
    if decisions.on is not None:
        plants["hours_running"] = (decisions.on * net.period_days[:, None] * 24).sum(axis=0)
    demand = net.period_demand
    marginal = np.zeros(net.n_zones)
    dem_con = priced_rows(model, "zone")
    if sens is not None and dem_con is not None:
        total = demand.sum(axis=0)
        weights = np.where(total > 0, demand / np.where(total > 0, total, 1), lam[:, None])
        duals = np.zeros((n_t, net.n_zones))
        for k, c in dem_con.items():
            duals[divmod(k, net.n_zones)] = float(sens.duals.get(c, 0.0))
        marginal = (weights * duals).sum(axis=0)
    zones = {
        "zone": net.zone_ids,
        "demand": demand.sum(axis=0),
        "supplied": supplied.sum(axis=0),
        "shortfall": denoise(np.maximum(demand - supplied, 0.0).sum(axis=0), net),
        "marginal_cost": marginal,
    }
    if net.surplus_allowed.any():
        if net.zone_capacity is not None:
            zones["capacity"] = net.zone_capacity
        zones["surplus"] = zone_surplus(net, supplied).sum(axis=0)
        zones["surplus_cost"] = costs.surplus.sum(axis=0)
    out = {
        "flows": Table(flows),
        "sources": Table(sources),
        "plants": Table(plants),
        "zones": Table(zones),
        "binding": binding_table(net, flow, inflow, outflow, decisions, sens, h),
    }
    out.update(schedule_tables(net, flow, plant_in, decisions, costs))
    out.update(hourly_tables(net, flow, plant_in, decisions, costs))
    out.update(decision_tables(net, decisions))
    return out


def binding_table(
    net: RoutingNetwork,
    flow: np.ndarray,
    inflow: np.ndarray,
    outflow: np.ndarray,
    decisions: RoutingDecisions,
    sens: Sensitivity | None,
    h: RoutingModel | None,
) -> Table:
    """Capacities at their limit in at least one period: kind, id, capacity, used (peak rate,
    ML/day; for storage, peak level, ML), periods (how many periods bind), value_per_ml ($/day
    saved per extra ML/day, or per extra ML of storage), sorted by value."""
    n_t, lam = net.n_periods, net.period_days
    p0, z0 = net.plant_offset, net.zone_offset
    ids = net.node_ids
    rows: list[dict[str, Any]] = []
    model = h.model if h is not None else None

    def add(kind: str, name: str, cap: float, used: np.ndarray, limit: np.ndarray, value: float):
        tight = limit - used <= BINDING_TOL * np.maximum(1.0, np.abs(limit))
        if tight.any():
            rate = used / lam if kind != "storage" else used
            rows.append(
                {
                    "kind": kind,
                    "id": name,
                    "capacity": cap,
                    "used": float(rate.max()),
                    "periods": int(tight.sum()),
                    "value_per_ml": value,
                }
            )

    src_v = _period_values(sens, priced_rows(model, "source"), net.n_sources, n_t, lam).sum(axis=0)
    for s in np.flatnonzero(~net.fixed_supply).tolist():
        cap = float(net.source_capacity[s])
        add("source", ids[s], cap, outflow[:, s] - inflow[:, s], lam * cap, float(src_v[s]))
    plant_v = _period_values(sens, priced_rows(model, "plant"), net.n_plants, n_t, lam).sum(axis=0)
    on = decisions.on if decisions.on is not None else np.ones((n_t, net.n_plants))
    ex = net.expansion
    for p in range(net.n_plants):
        cap = float(net.plant_capacity[p])
        if ex is not None and decisions.plant_upgraded is not None:
            cap += float(np.nan_to_num(ex.plant_upgrade_capacity[p])) * decisions.plant_upgraded[p]
        if (
            ex is not None
            and decisions.plant_built is not None
            and not np.isnan(ex.plant_build_cost[p])
        ):
            cap *= decisions.plant_built[p]
        limit = lam * cap * np.where(on[:, p] > 0.5, 1.0, np.nan)
        if cap > 0:
            add("plant", ids[p0 + p], cap, inflow[:, p0 + p], limit, float(plant_v[p]))
    # arcs: bounded flows (reduced costs) or upgrade rows (duals)
    arc_cap = net.arc_capacity.copy()
    upgrade_con = priced_rows(model, "arc")
    if ex is not None and decisions.arc_upgraded is not None:
        arc_cap = arc_cap + ex.extra_capacity(net.n_arcs, "arc") * decisions.arc_upgraded
    closed = net.arc_closed if net.quality is not None else np.zeros(net.n_arcs, dtype=bool)
    for a in np.flatnonzero(np.isfinite(arc_cap) & ~closed).tolist():
        cap = float(arc_cap[a])
        value = 0.0
        if sens is not None and h is not None:
            for t in range(n_t):
                k = t * net.n_arcs + a
                if upgrade_con is not None and k in upgrade_con:
                    y = float(sens.duals.get(upgrade_con[k], 0.0))
                else:
                    y = float(sens.reduced_costs.get(h.flow[k], 0.0))
                value += max(0.0, -y) * lam[t]
        name = f"{ids[net.tail[a]]} → {ids[net.head[a]]}"
        add("arc", name, cap, flow[:, a], lam * cap, value)
    if decisions.level is not None and net.storage is not None and h is not None:
        for v, cap, _s, _e in net.storage.nodes(net):
            value = 0.0
            if sens is not None:
                value = sum(
                    max(0.0, -float(sens.reduced_costs.get(h.levels.var[(t, v)], 0.0)))
                    for t in range(n_t)
                )
            add("storage", ids[v], cap, decisions.level[:, v], np.full(n_t, cap), value)
    if net.zone_capacity is not None:
        got = received(net, flow, decisions.level)
        for z in np.flatnonzero(np.isfinite(net.zone_capacity) & net.surplus_allowed).tolist():
            cap = float(net.zone_capacity[z])
            value = 0.0
            if sens is not None and h is not None:
                for t in range(n_t):
                    var = h.surplus.get(t * net.n_zones + z)
                    if var is not None:
                        y = float(sens.reduced_costs.get(var, 0.0))
                        value += max(0.0, -y) * lam[t]
            add("zone", ids[net.zone_offset + z], cap, got[:, z], lam * cap, value)
    ramp_con = priced_rows(model, "ramp")
    if ramp_con is not None and net.schedule is not None:
        rate = inflow[:, p0:z0] / lam[:, None]
        for p in np.flatnonzero(np.isfinite(net.schedule.ramp)).tolist():
            r = float(net.schedule.ramp[p])
            jumps = np.abs(np.diff(rate[:, p]))
            value = 0.0
            if sens is not None:
                value = sum(
                    abs(float(sens.duals.get(ramp_con[t * net.n_plants + p], 0.0)))
                    for t in range(1, n_t)
                    if (t * net.n_plants + p) in ramp_con
                )
            tight = r - jumps <= BINDING_TOL * max(1.0, r)
            if tight.any():
                rows.append(
                    {
                        "kind": "ramp",
                        "id": ids[p0 + p],
                        "capacity": r,
                        "used": float(jumps.max()),
                        "periods": int(tight.sum()),
                        "value_per_ml": value,
                    }
                )
    cols = ["kind", "id", "capacity", "used", "periods", "value_per_ml"]
    rows.sort(key=lambda row: -row["value_per_ml"])  # stable: ties keep their order
    return Table.from_rows([[row[c] for c in cols] for row in rows], cols)


def schedule_tables(
    net: RoutingNetwork,
    flow: np.ndarray,
    plant_in: np.ndarray,
    decisions: RoutingDecisions,
    costs: CostBreakdown,
) -> dict[str, Table]:
    """With periods (numbered from 1): cost, demand and pumping power by period, throughput
    per plant per period, storage levels at the end of each period, and which plants run."""
    if net.schedule is None:
        return {}
    n_t = net.n_periods
    hours = net.schedule.hours
    start = np.concatenate([[0.0], np.cumsum(hours)[:-1]])
    pumping = costs.pumping.sum(axis=1)
    treatment = costs.treatment.sum(axis=1)
    fixed = costs.fixed
    out: dict[str, Table] = {}
    period = np.arange(1, n_t + 1)
    out["periods"] = Table(
        {
            "period": period,
            "start_h": start,
            "hours": hours,
            "price_factor": net.price_factor,
            "demand": net.period_demand.sum(axis=1),
            "treated": plant_in.sum(axis=1),
            "pumping_cost": pumping,
            "treatment_cost": treatment,
            "fixed_cost": fixed,
            "cost": costs.by_period,
            "power_kw": pumping_power(net, flow),
        }
    )
    out["throughput"] = _by_period(period, plant_in, list(net.plant_ids))
    if decisions.level is not None and net.storage is not None:
        nodes = [v for v, *_ in net.storage.nodes(net)]
        out["storage"] = _by_period(
            period, decisions.level[:, nodes], [net.node_ids[v] for v in nodes]
        )
    if decisions.on is not None and net.commitment is not None:
        committed = np.flatnonzero(net.commitment.committed)
        out["running"] = _by_period(
            period, decisions.on[:, committed].astype(int), [net.plant_ids[p] for p in committed]
        )
    return out


def _by_period(period: np.ndarray, values: np.ndarray, names: list[str]) -> Table:
    """A wide table: the period, then one column of ``values`` per name."""
    if "period" in names:  # as pandas' insert, which refuses a second column of one name
        raise ValueError("cannot insert period, already exists")
    return Table({"period": period, **{name: values[:, i] for i, name in enumerate(names)}})


def hourly_tables(
    net: RoutingNetwork,
    flow: np.ndarray,
    plant_in: np.ndarray,
    decisions: RoutingDecisions,
    costs: CostBreakdown,
) -> dict[str, Table]:
    """With periods: long tables keyed by period (from 1) and node or arc ids.

    ``arc_periods``: period, start_h, from, to, flow (ML), energy_kwh, power_kw (nan where
    the arc's energy is unknown), pumping_cost, treatment_cost ($);
    ``plant_periods``: period, start_h, plant, throughput (ML);
    ``storage_levels``: period, time_h, storage, level (ML) at the end of the period, the
    start level as period 0."""
    if net.schedule is None:
        return {}
    n_t, n_a = net.n_periods, net.n_arcs
    hours = net.schedule.hours
    start = np.concatenate([[0.0], np.cumsum(hours)[:-1]])
    ids = net.node_ids
    period = np.repeat(np.arange(1, n_t + 1), n_a)
    energy = energy_kwh(net, flow)
    out = {
        "arc_periods": Table(
            {
                "period": period,
                "start_h": np.repeat(start, n_a),
                "from": np.tile(np.array(ids, dtype=object)[net.tail], n_t),
                "to": np.tile(np.array(ids, dtype=object)[net.head], n_t),
                "flow": flow.ravel(),
                "energy_kwh": energy.ravel(),
                "power_kw": (energy / hours[:, None]).ravel(),
                "pumping_cost": costs.pumping.ravel(),
                "treatment_cost": costs.treatment.ravel(),
            }
        ),
        "plant_periods": Table(
            {
                "period": np.repeat(np.arange(1, n_t + 1), net.n_plants),
                "start_h": np.repeat(start, net.n_plants),
                "plant": np.tile(np.array(net.plant_ids, dtype=object), n_t),
                "throughput": plant_in.ravel(),
            }
        ),
    }
    if decisions.level is not None and net.storage is not None:
        nodes = net.storage.nodes(net)
        rows = []
        for v, _cap, first, _end in nodes:
            rows.append((0, 0.0, ids[v], first))
            rows += [
                (t + 1, float(start[t] + hours[t]), ids[v], float(decisions.level[t, v]))
                for t in range(n_t)
            ]
        rows.sort(key=lambda row: (row[0], row[2]))  # stable: by period, then storage
        out["storage_levels"] = Table.from_rows(rows, ["period", "time_h", "storage", "level"])
    return out


def decision_tables(net: RoutingNetwork, decisions: RoutingDecisions) -> dict[str, Table]:
    """Expansion options and which were chosen."""
    ex = net.expansion
    if ex is None:
        return {}
    ids = net.node_ids
    rows = []

    def arc_name(a: int) -> str:
        return f"{ids[net.tail[a]]} → {ids[net.head[a]]}"

    for a in ex.candidate_arcs.tolist():
        chosen = decisions.arc_built is not None and decisions.arc_built[a] > 0.5
        cap = float(net.arc_capacity[a])
        rows.append(("build", "arc", arc_name(a), cap, float(ex.arc_build_cost[a]), chosen))
    for a in ex.upgradable_arcs.tolist():
        chosen = decisions.arc_upgraded is not None and decisions.arc_upgraded[a] > 0.5
        cap, cost = float(ex.arc_upgrade_capacity[a]), float(ex.arc_upgrade_cost[a])
        rows.append(("upgrade", "arc", arc_name(a), cap, cost, chosen))
    for p in ex.candidate_plants.tolist():
        chosen = decisions.plant_built is not None and decisions.plant_built[p] > 0.5
        cap, cost = float(net.plant_capacity[p]), float(ex.plant_build_cost[p])
        rows.append(("build", "plant", net.plant_ids[p], cap, cost, chosen))
    for p in ex.upgradable_plants.tolist():
        chosen = decisions.plant_upgraded is not None and decisions.plant_upgraded[p] > 0.5
        cap, cost = float(ex.plant_upgrade_capacity[p]), float(ex.plant_upgrade_cost[p])
        rows.append(("upgrade", "plant", net.plant_ids[p], cap, cost, chosen))
    cols = ["option", "kind", "id", "capacity", "cost_per_day", "chosen"]
    return {"expansion": Table.from_rows(rows, cols)}
