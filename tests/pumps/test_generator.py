"""Generated trees: reproducible, trees, and the shipped files are what the generator writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wdnopt.models.pumps.generator import (
    SHIPPED_TREES,
    generate_tree,
    onset_factor,
)
from wdnopt.models.pumps.hydraulics import pressure_curve, read_network
from wdnopt.models.pumps.instance import tree_layout
from wdnopt.models.pumps.tree import P_MIN_DEFAULT

DATA = Path(__file__).resolve().parents[2] / "data" / "networks"


def test_same_seed_same_tree_and_shipped_files_match() -> None:
    stem, nodes, seed = SHIPPED_TREES[1]
    a = generate_tree(nodes, seed)
    shipped = read_network(DATA / f"{stem}.inp")
    assert a.num_junctions == nodes and a.num_reservoirs == 1
    for name, pipe in a.pipes():
        other = shipped.get_link(name)
        assert other.diameter == pytest.approx(pipe.diameter, rel=1e-9)
        assert other.length == pytest.approx(pipe.length, rel=1e-9)
        assert other.start_node_name == pipe.start_node_name
    b = generate_tree(nodes, seed + 1)
    assert any(p.length != b.get_link(n).length for n, p in a.pipes())


def test_small_trees_fail_just_after_1_9() -> None:
    for seed in (1, 2, 3):
        wn = generate_tree(300, seed)
        layout = tree_layout(wn)  # a tree
        assert len(layout.node_names) == 301
        curve = pressure_curve(wn, [1.0, 1.85, 2.3, 3.0], P_MIN_DEFAULT).set_index("factor")
        assert curve.loc[1.0, "below"] == 0
        assert curve.loc[1.85, "below"] == 0
        assert curve.loc[2.3, "below"] > 0
        assert curve.loc[3.0, "share"] > curve.loc[2.3, "share"]


def test_onset_formula_predicts_epanet() -> None:
    """The analytic first failure F* brackets EPANET's first violation."""
    wn = generate_tree(200, 5)
    layout = tree_layout(wn)
    n = len(layout.node_names)
    parent = layout.parent
    length = np.zeros(n)
    diameter = np.zeros(n)
    flow = np.zeros(n)
    z = np.zeros(n)
    for v in range(1, n):
        pipe = wn.get_link(layout.link_names[v])
        length[v], diameter[v] = pipe.length, pipe.diameter
        node = wn.get_node(layout.node_names[v])
        z[v] = node.elevation
        flow[v] = node.demand_timeseries_list[0].base_value
    for v in range(n - 1, 0, -1):
        if parent[v] > 0:
            flow[parent[v]] += flow[v]
    onset = onset_factor(parent, length, z, flow, diameter, wn.get_node("R").base_head, 14.976)
    curve = pressure_curve(wn, [onset * 0.99, onset * 1.02], 14.976)
    assert curve["below"].tolist()[0] == 0
    assert curve["below"].tolist()[1] > 0
