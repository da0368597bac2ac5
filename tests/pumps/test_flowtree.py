"""Flow trees of looped networks: a tree, connected to sources, built from the largest inflows."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import wntr

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.flowtree import flow_tree
from wdnopt.models.pumps.hydraulics import read_network, simulate
from wdnopt.models.pumps.instance import tree_instance, tree_layout


@pytest.mark.parametrize("name", ["Net3", "ky4", "ky10"])
def test_flow_tree_is_a_connected_tree(name: str) -> None:
    wn = read_network(name)
    with pytest.raises(InputError, match="a tree network"):
        tree_layout(wn)  # the looped network is refused by tree-only steps
    state = simulate(wn, 1.0)
    tree = flow_tree(wn, 1.0, state=state)
    sources = set(tree.reservoir_name_list) | set(tree.tank_name_list)

    # one incoming link per junction: links = nodes − roots, and no cycle (networkx)
    graph = nx.MultiGraph()
    graph.add_nodes_from(tree.node_name_list)
    graph.add_edges_from((link.start_node_name, link.end_node_name) for _, link in tree.links())
    assert tree.num_links == tree.num_nodes - len(sources)
    assert nx.is_forest(graph)
    for component in nx.connected_components(graph):
        assert len(component & sources) == 1  # every junction has a path to one source
    assert set(tree.junction_name_list) == set(wn.junction_name_list)

    # each junction with inflow kept the link of its largest inflow in the looped solution
    inflow: dict[str, float] = {}
    for link_name, link in wn.links():
        q = state.flow[link_name]
        down = link.end_node_name if q > 0 else link.start_node_name
        inflow[down] = max(inflow.get(down, 0.0), abs(q))
    layout = tree_layout(tree)
    fed, largest = 0, 0
    for v, link_name in zip(layout.node_names, layout.link_names, strict=True):
        if link_name is None or inflow.get(v, 0.0) <= 1e-6:
            continue
        fed += 1
        link = wn.get_link(link_name)
        q = state.flow[link_name]
        if abs(q) > 1e-6:  # a kept link with flow is kept in its flow direction
            assert (link.end_node_name if q > 0 else link.start_node_name) == v
        largest += abs(q) == pytest.approx(inflow[v])
    # all but junctions on circulations through pumps keep their largest inflow
    assert fed > 0.5 * tree.num_junctions
    assert largest >= 0.95 * fed

    # the tree simulates, and its flows are the subtree demands
    inst = tree_instance(tree, 1.0)
    assert np.all(np.isfinite(inst.pressure))
    tree_state = simulate(tree, 1.0)
    demand = tree_state.demand.reindex(list(layout.node_names)).to_numpy()
    subtree = np.where(layout.parent >= 0, demand, 0.0)
    for v in range(len(subtree) - 1, 0, -1):
        if layout.parent[v] >= 0:
            p = layout.parent[v]
            if layout.parent[p] >= 0:
                subtree[p] += subtree[v]
    wet = inst.flow > 1e-4
    assert np.allclose(inst.flow[wet], subtree[wet], rtol=1e-3, atol=1e-5)


def test_parallel_pipes_are_combined_not_dropped() -> None:
    """Two unequal parallel mains from a reservoir: the flow tree's one pipe carries both,
    so the junction's pressure is the network's (Hazen-Williams, exact for equal lengths)."""
    wn = wntr.network.WaterNetworkModel()
    wn.add_reservoir("R", base_head=60.0)
    wn.add_junction("J", base_demand=0.08, elevation=10.0)
    wn.add_junction("K", base_demand=0.02, elevation=12.0)
    wn.add_pipe("P1", "R", "J", length=1000, diameter=0.30, roughness=120)
    wn.add_pipe("P2", "R", "J", length=1000, diameter=0.20, roughness=110)
    wn.add_pipe("P3", "J", "K", length=500, diameter=0.15, roughness=120)
    wn.name = "parallel"
    state = simulate(wn, 1.0)
    tree = flow_tree(wn, 1.0, state=state)
    assert sorted(tree.link_name_list) == ["P1", "P3"]
    assert tree.get_link("P1").diameter > 0.30
    again = simulate(tree, 1.0)
    for node in ("J", "K"):
        assert again.pressure[node] == pytest.approx(state.pressure[node], abs=0.01)
    # dropping the second main instead would lose pressure
    wn.remove_link("P2")
    assert simulate(wn, 1.0).pressure["J"] < state.pressure["J"] - 1.0
