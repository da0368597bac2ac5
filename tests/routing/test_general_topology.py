"""General topology: storages, junctions, arcs between any nodes.

Differential test: on random networks with every node kind (sources with a capacity or a fixed
supply, plants, zones with exact or priced-surplus demand, storages, junctions), one or two
periods and integer data, the LP optimum equals networkx's network simplex on the
time-expanded network. Then hand-solved instances.
"""

from __future__ import annotations

import copy
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.routing.conftest import solve_dict
from wdnopt.models.routing.certificate import certify
from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.routing.schedule import Schedule, Storage
from wdnopt.solvers.routing.solve import solve_routing
from wdnopt.solvers.status import Status


@st.composite
def general_networks(draw: st.DrawFn) -> RoutingNetwork:
    ints = st.integers
    n_s, n_p, n_z = draw(ints(1, 2)), draw(ints(1, 3)), draw(ints(1, 3))
    n_r, n_j, n_t = draw(ints(0, 2)), draw(ints(0, 2)), draw(st.sampled_from([1, 2]))
    n_v = n_s + n_p + n_z + n_r + n_j

    def even(hi: int) -> int:
        return 2 * draw(ints(0, hi // 2))

    pairs = [(u, v) for u in range(n_v) for v in range(n_s, n_v) if u != v]
    keep = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    arcs = [a for a, k in zip(pairs, keep, strict=True) if k] or pairs[:1]
    fixed = [draw(st.booleans()) for _ in range(n_s)]
    limits = [even(20) if f else even(40) for f in fixed]
    caps = [draw(st.one_of(st.none(), st.just(0))) for _ in arcs]
    caps = [None if c is None else even(30) for c in caps]
    surplus = [draw(st.one_of(st.none(), ints(0, 5))) for _ in range(n_z)]
    r0 = n_s + n_p + n_z
    capacity = np.full(n_v, np.nan)
    start, end = np.zeros(n_v), np.zeros(n_v)
    for r in range(r0, r0 + n_r):
        capacity[r] = draw(ints(0, 15))
        start[r] = draw(ints(0, int(capacity[r])))
        end[r] = draw(ints(0, int(capacity[r])))
    demand = np.array([[draw(ints(0, 10)) for _ in range(n_z)] for _ in range(n_t)], dtype=float)
    hours = np.full(n_t, 24.0 / n_t)
    # a limit on what a surplus zone accepts: at least its demand in every period, and an
    # integer number of ML per period
    limit = [
        np.inf
        if c is None or not draw(st.booleans())
        else n_t * (demand[:, z].max() + draw(ints(0, 6)))
        for z, c in enumerate(surplus)
    ]
    return RoutingNetwork(
        source_ids=tuple(f"S{i}" for i in range(n_s)),
        plant_ids=tuple(f"P{i}" for i in range(n_p)),
        zone_ids=tuple(f"Z{i}" for i in range(n_z)),
        storage_ids=tuple(f"R{i}" for i in range(n_r)),
        junction_ids=tuple(f"J{i}" for i in range(n_j)),
        source_capacity=np.array(limits, float),
        source_supply=np.where(fixed, limits, np.nan),
        plant_capacity=np.array([even(40) for _ in range(n_p)], float),
        treatment_cost=np.array([draw(ints(0, 9)) for _ in range(n_p)], float),
        demand=demand.sum(axis=0),
        surplus_cost=np.array([np.nan if c is None else c for c in surplus], float),
        zone_capacity=np.array(limit, float),
        tail=np.array([a for a, _ in arcs], dtype=np.int64),
        head=np.array([b for _, b in arcs], dtype=np.int64),
        arc_cost=np.array([draw(ints(0, 9)) for _ in arcs], float),
        arc_capacity=np.array([np.inf if c is None else c for c in caps], float),
        schedule=Schedule(
            hours=hours, demand=demand, price_factor=np.ones(n_t), ramp=np.full(n_p, np.inf)
        ),
        storage=Storage(capacity=capacity, start=start, end=end) if n_r else None,
    )


def network_simplex_cost(net: RoutingNetwork) -> float | None:
    """Min-cost flow on the time-expanded network; None if infeasible.

    Nodes ``(v, t)``; a plant is split into ``(p, t, "in")`` → ``(p, t, "out")`` (capacity
    :math:`\\lambda_t K_p`, cost :math:`t_p`). A hub feeds every capacity-limited source
    (:math:`\\lambda_t S_s`) and takes every zone's surplus (at its price, up to
    :math:`\\lambda_t U_z - D_{z,t}`) and each storage's
    final level above its end level; a fixed supply, a start level, a demand and an end level
    are node supplies and demands; a storage carries its level to the next period on an arc of
    its capacity.
    """
    g = nx.DiGraph()
    n_t, lam = net.n_periods, net.period_days
    p0, z0, r0 = net.plant_offset, net.zone_offset, net.storage_offset
    demand: dict[Any, int] = {}

    def add_demand(node: Any, value: float) -> None:
        demand[node] = demand.get(node, 0) + round(value)

    def node(v: int, t: int, end: str) -> Any:
        return (v, t, end) if p0 <= v < z0 else (v, t)

    for t in range(n_t):
        for a in range(net.n_arcs):
            i, j = int(net.tail[a]), int(net.head[a])
            attrs: dict[str, int] = {"weight": round(net.arc_cost[a])}
            if np.isfinite(net.arc_capacity[a]):
                attrs["capacity"] = round(net.arc_capacity[a] * lam[t])
            g.add_edge(node(i, t, "out"), node(j, t, "in"), **attrs)
        for p in range(net.n_plants):
            g.add_edge(
                (p0 + p, t, "in"),
                (p0 + p, t, "out"),
                capacity=round(net.plant_capacity[p] * lam[t]),
                weight=round(net.treatment_cost[p]),
            )
        for s in range(net.n_sources):
            if net.fixed_supply[s]:
                add_demand((s, t), -net.source_supply[s] * lam[t])
            else:
                g.add_edge("hub", (s, t), capacity=round(net.source_capacity[s] * lam[t]), weight=0)
        for z in range(net.n_zones):
            add_demand((z0 + z, t), net.period_demand[t, z])
            if net.surplus_allowed[z]:
                room = net.surplus_room()[t, z]
                cap = {"capacity": round(room)} if np.isfinite(room) else {}
                g.add_edge((z0 + z, t), "hub", weight=round(net.surplus_cost[z]), **cap)
    if net.storage is not None:
        for v, cap, start, end in net.storage.nodes(net):
            assert v >= r0
            add_demand((v, 0), -start)
            for t in range(n_t - 1):
                g.add_edge((v, t), (v, t + 1), capacity=round(cap), weight=0)
            add_demand((v, n_t - 1), end)
            g.add_edge((v, n_t - 1), "hub", capacity=round(cap - end), weight=0)
    add_demand("hub", -sum(demand.values()))
    for key, value in demand.items():
        g.add_node(key, demand=value)
    try:
        cost, _ = nx.network_simplex(g)
    except nx.NetworkXUnfeasible:
        return None
    return float(cost)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(general_networks())
def test_general_lp_equals_network_simplex(net: RoutingNetwork) -> None:
    expected = network_simplex_cost(net)
    result = solve_routing(net)
    if expected is None:
        assert result.status is Status.INFEASIBLE
        return
    assert result.status is Status.OPTIMAL, result.message
    assert result.objective == pytest.approx(expected, abs=1e-6)
    cert = certify(net, result.period_flow, result.decisions)
    assert cert.ok(1e-6), cert
    assert cert.cost == pytest.approx(expected, abs=1e-6)


# Two periods of 12 h, the second at 3× the reference price. S → P is free; P → R (a service
# reservoir of 12 ML, empty at the start and the end) costs 1 $/ML at the reference price;
# R → Z is free; Z takes 12 ML in each period (24 ML/day). No other way to Z.
RESERVOIR: dict[str, Any] = {
    "energy_price": 0.1,
    "schedule": {"periods": 2, "energy_price": [0.1, 0.3]},
    "sources": [{"id": "S", "capacity": 100}],
    "plants": [{"id": "P", "capacity": 100}],
    "zones": [{"id": "Z", "demand": 24}],
    "storages": [{"id": "R", "capacity": 12}],
    "arcs": [
        {"from": "S", "to": "P"},
        {"from": "P", "to": "R", "cost": 1},
        {"from": "R", "to": "Z"},
    ],
}


def test_storage_between_plant_and_zone_fills_off_peak() -> None:
    # pump 24 into R off-peak (24 $), R gives 12 to Z in each period: levels 12 then 0
    result = solve_dict(RESERVOIR)
    assert result.objective == pytest.approx(24)
    assert result.storage["R"].tolist() == pytest.approx([12, 0])
    assert result.throughput["P"].tolist() == pytest.approx([24, 0])


def test_storage_node_capacity_and_end_level() -> None:
    # 5 ML of room: 17 off-peak (level 5), 7 at the peak at 3 $/ML: 17 + 21 = 38
    data = copy.deepcopy(RESERVOIR)
    data["storages"][0]["capacity"] = 5
    assert solve_dict(data).objective == pytest.approx(38)
    # start at 4, end at least 10 of 12: 12 + 12 + 6 = 30 ML through P → R; off-peak the
    # reservoir can take 12 − 4 + 12 = 20, then 10 at the peak: 20 + 30 = 50
    data["storages"][0].update(capacity=12, start=4, end=10)
    result = solve_dict(data)
    assert result.objective == pytest.approx(50)
    assert result.storage["R"].tolist() == pytest.approx([12, 10])


def test_junction_booster_and_transfer_between_zones() -> None:
    # P → J (booster, 2 $/ML, at most 10 ML/day) → Z1; Z1 → Z2 transfer (1 $/ML); a direct
    # P → Z2 main costs 6 $/ML. Z1 needs 4, Z2 needs 8: 10 through J (20), 4 kept by Z1,
    # 6 passed on to Z2 (6), 2 direct (12): 38
    data: dict[str, Any] = {
        "sources": [{"id": "S", "capacity": 100}],
        "plants": [{"id": "P", "capacity": 100}],
        "zones": [{"id": "Z1", "demand": 4}, {"id": "Z2", "demand": 8}],
        "junctions": [{"id": "J"}],
        "arcs": [
            {"from": "S", "to": "P"},
            {"from": "P", "to": "J", "cost": 2, "capacity": 10},
            {"from": "J", "to": "Z1"},
            {"from": "Z1", "to": "Z2", "cost": 1},
            {"from": "P", "to": "Z2", "cost": 6},
        ],
    }
    result = solve_dict(data)
    assert result.objective == pytest.approx(38)
    flows = {
        (r.frm, r.to): r.flow for r in result.flows.rename(columns={"from": "frm"}).itertuples()
    }
    assert flows[("J", "Z1")] == pytest.approx(10)
    assert flows[("Z1", "Z2")] == pytest.approx(6)
    assert result.zones["supplied"].tolist() == pytest.approx([4, 8])


def test_raw_supply_arc_for_irrigation() -> None:
    # a field F takes river water untreated (raw arc, 1 $/ML) or treated through P (3 $/ML):
    # raw is cheaper: 10 ML/day at 1 $/ML
    data: dict[str, Any] = {
        "sources": [{"id": "river", "capacity": 100}],
        "plants": [{"id": "P", "capacity": 100, "treatment_cost": 2}],
        "zones": [{"id": "F", "demand": 10}],
        "arcs": [
            {"from": "river", "to": "P", "cost": 1},
            {"from": "P", "to": "F"},
            {"from": "river", "to": "F", "cost": 1, "raw": True},
        ],
    }
    result = solve_dict(data)
    assert result.objective == pytest.approx(10)
    assert result.untreated == pytest.approx(10)
