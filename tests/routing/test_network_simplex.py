"""Differential test: on random integer instances the LP optimum equals network simplex."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wdnopt.models.routing.certificate import certify
from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.solvers.routing.solve import solve_routing
from wdnopt.solvers.status import Status


@st.composite
def instances(draw: st.DrawFn) -> RoutingNetwork:
    n_s = draw(st.integers(1, 3))
    n_p = draw(st.integers(1, 4))
    n_z = draw(st.integers(1, 5))
    ints = st.integers
    pairs = [(s, n_s + p) for s in range(n_s) for p in range(n_p)]
    pairs += [(n_s + p, n_s + n_p + z) for p in range(n_p) for z in range(n_z)]
    keep = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    arcs = [a for a, k in zip(pairs, keep, strict=True) if k] or pairs[:1]
    caps = draw(st.lists(st.one_of(st.none(), ints(0, 30)), min_size=len(arcs), max_size=len(arcs)))
    return RoutingNetwork(
        source_ids=tuple(f"S{i}" for i in range(n_s)),
        plant_ids=tuple(f"P{i}" for i in range(n_p)),
        zone_ids=tuple(f"Z{i}" for i in range(n_z)),
        source_capacity=np.array(draw(st.lists(ints(0, 60), min_size=n_s, max_size=n_s)), float),
        plant_capacity=np.array(draw(st.lists(ints(0, 40), min_size=n_p, max_size=n_p)), float),
        treatment_cost=np.array(draw(st.lists(ints(0, 12), min_size=n_p, max_size=n_p)), float),
        demand=np.array(draw(st.lists(ints(0, 15), min_size=n_z, max_size=n_z)), float),
        tail=np.array([a for a, _ in arcs]),
        head=np.array([b for _, b in arcs]),
        arc_cost=np.array(
            draw(st.lists(ints(0, 9), min_size=len(arcs), max_size=len(arcs))), float
        ),
        arc_capacity=np.array([np.inf if c is None else c for c in caps], float),
    )


def network_simplex_cost(net: RoutingNetwork) -> float | None:
    """Min-cost flow on the expanded graph (super source, plants split in/out); None if
    infeasible."""
    g = nx.DiGraph()
    ids = net.node_ids
    total = int(net.demand.sum())
    g.add_node("super", demand=-total)
    for s in range(net.n_sources):
        g.add_edge("super", ids[s], capacity=int(net.source_capacity[s]), weight=0)
    for p in range(net.n_plants):
        v = net.plant_offset + p
        g.add_edge(
            f"{ids[v]}:in",
            f"{ids[v]}:out",
            capacity=int(net.plant_capacity[p]),
            weight=int(net.treatment_cost[p]),
        )
    for z in range(net.n_zones):
        g.add_node(ids[net.zone_offset + z], demand=int(net.demand[z]))
    for a in range(net.n_arcs):
        i, j = int(net.tail[a]), int(net.head[a])
        u = ids[i] if i < net.plant_offset else f"{ids[i]}:out"
        w = f"{ids[j]}:in" if j < net.zone_offset else ids[j]
        attrs = {"weight": int(net.arc_cost[a])}
        if np.isfinite(net.arc_capacity[a]):
            attrs["capacity"] = int(net.arc_capacity[a])
        g.add_edge(u, w, **attrs)
    try:
        cost, _ = nx.network_simplex(g)
    except nx.NetworkXUnfeasible:
        return None
    return float(cost)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_lp_optimum_equals_network_simplex(net: RoutingNetwork) -> None:
    expected = network_simplex_cost(net)
    result = solve_routing(net)
    if expected is None:
        assert result.status is Status.INFEASIBLE
        assert result.total_shortfall > 0
        return
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(expected, abs=1e-6)
    flow = result.flows["flow"].to_numpy()
    cert = certify(net, flow)
    assert cert.ok(1e-6)
    assert cert.cost == pytest.approx(expected, abs=1e-6)


def _with_quality(net: RoutingNetwork, seed: int) -> RoutingNetwork:
    """Zone 0 needs class "h", which a random half of the plants offer, at a premium of
    1-3 $/ML: still a min-cost flow (closed arcs dropped, premiums added to arc costs)."""
    from dataclasses import replace

    from wdnopt.models.routing.quality import Quality

    rng = np.random.default_rng(seed)
    offers = rng.random((net.n_plants, 1)) < 0.5
    premium = rng.integers(1, 4, (net.n_plants, 1)).astype(float)
    zone_class = np.full(net.n_zones, -1)
    zone_class[0] = 0
    return replace(net, quality=Quality(("h",), zone_class, offers, premium))


def _as_plain(net: RoutingNetwork) -> RoutingNetwork:
    """The same instance with closed arcs at capacity 0 and premiums folded into arc costs."""
    from dataclasses import replace

    cap = np.where(net.arc_closed, 0.0, net.arc_capacity)
    return replace(net, quality=None, arc_capacity=cap, arc_cost=net.arc_cost + net.arc_premium)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.integers(0, 1000))
def test_quality_classes_equal_network_simplex(net: RoutingNetwork, seed: int) -> None:
    net = _with_quality(net, seed)
    expected = network_simplex_cost(_as_plain(net))
    result = solve_routing(net)
    if expected is None:
        assert result.status is Status.INFEASIBLE
        return
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(expected, abs=1e-6)
    cert = certify(net, result.period_flow, result.decisions)
    assert cert.ok(1e-6) and cert.cost == pytest.approx(expected, abs=1e-6)
