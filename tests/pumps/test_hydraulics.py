"""Steady states at a scaled demand: demand scaling, peak hour, engines, parallel runs, Fig. 1."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.hydraulics import (
    SteadyStateSolver,
    peak_hour,
    pressure_curve,
    read_network,
    simulate,
)
from wdnopt.models.pumps.instance import tree_layout
from wdnopt.models.pumps.tree import P_MIN_DEFAULT

DATA = Path(__file__).resolve().parents[2] / "data" / "networks"


def test_net1_peak_hour_is_the_pattern_maximum() -> None:
    # Net1's only pattern (2 h steps): 1.0 1.2 1.4 1.6 1.4 ... -> maximum 1.6 in hours 6-7
    assert peak_hour(read_network("Net1")) == 6


def test_demands_are_scaled_by_the_factor() -> None:
    wn = read_network("Net1")
    state = simulate(wn, 1.7, hour=6)
    for name, junction in wn.junctions():
        base = sum(d.base_value for d in junction.demand_timeseries_list)
        assert state.demand[name] == pytest.approx(base * 1.6 * 1.7, rel=1e-4, abs=1e-7)
    assert wn.options.hydraulic.demand_multiplier == 1.0  # the network is left as it was


def test_engines_agree_and_parallel_runs_do_not_collide() -> None:
    wn = read_network(DATA / "tree_100.inp")
    factors = [1.0, 1.5, 2.0, 2.5]
    with ThreadPoolExecutor(4) as pool:
        parallel = list(
            pool.map(lambda f: simulate(read_network(DATA / "tree_100.inp"), f), factors)
        )
    with SteadyStateSolver(wn) as solver:
        for f, state in zip(factors, parallel, strict=True):
            fast = solver.solve(f)
            diff = (state.pressure - fast.pressure.loc[state.pressure.index]).abs().max()
            assert diff < 2e-3
            assert state.demand_factor == f


def test_tree_pressures_match_hazen_williams_by_hand() -> None:
    """On a tree p_v(f) = H_R − z_v − f^1.852 Λ_v: recompute Λ_v from the file's pipes."""
    wn = read_network(DATA / "tree_100.inp")
    layout = tree_layout(wn)
    n = len(layout.node_names)
    demand = np.array(
        [
            sum(d.base_value for d in wn.get_node(v).demand_timeseries_list)
            if v in wn.junction_name_list
            else 0.0
            for v in layout.node_names
        ]
    )
    flow = demand.copy()
    for v in range(n - 1, 0, -1):  # children after parents
        flow[layout.parent[v]] += flow[v]
    loss = np.zeros(n)
    for v in range(1, n):
        pipe = wn.get_link(layout.link_names[v])
        hl = 10.667 * pipe.roughness**-1.852 * pipe.diameter**-4.871 * pipe.length
        loss[v] = loss[layout.parent[v]] + hl * flow[v] ** 1.852
    head = wn.get_node("R").base_head
    z = np.array([getattr(wn.get_node(v), "elevation", head) for v in layout.node_names])
    f = 2.5
    state = simulate(wn, f)
    simulated = state.pressure.loc[list(layout.node_names)].to_numpy()
    expected = head - z - f**1.852 * loss
    assert np.max(np.abs(simulated[1:] - expected[1:])) < 0.05 + 0.002 * np.abs(expected[1:]).max()


def test_generated_1747_tree_fails_after_1_9() -> None:
    wn = read_network(DATA / "tree_1747.inp")
    factors = [1.0, 1.5, 1.8, 1.9, 2.0, 2.2, 2.5, 3.0]
    curve = pressure_curve(wn, factors, P_MIN_DEFAULT).set_index("factor")
    assert curve.loc[1.0, "below"] == 0
    assert curve.loc[1.8, "below"] == 0
    assert curve.loc[1.9, "share"] < 0.01
    assert curve.loc[2.2, "share"] > 0.03
    assert curve.loc[2.5, "share"] > 0.15
    assert curve.loc[3.0, "share"] > 0.4
    assert np.all(np.diff(curve["below"].to_numpy()) >= 0)
    # cross-check one point with the file-writing engine
    state = simulate(wn, 2.5)
    names = [n for n, j in wn.junctions() if j.demand_timeseries_list[0].base_value > 0]
    assert int((state.pressure[names] < P_MIN_DEFAULT).sum()) == curve.loc[2.5, "below"]


def test_bad_networks_are_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.inp"
    bad.write_text("[JUNCTIONS]\n J1 not-a-number\n")
    with pytest.raises(InputError, match=r"bad\.inp"):
        read_network(bad)
    with pytest.raises(InputError, match="Net1, Net3"):
        read_network("Net9")
    with pytest.raises(InputError, match="no such file"):
        read_network(tmp_path / "missing.inp")
    with pytest.raises(InputError, match="demand factor > 0"):
        simulate(read_network("Net1"), 0.0)


def test_each_toolkit_solve_starts_afresh() -> None:
    """On ky10 (pumps, tanks, controls) a solve must not start from the previous factor's
    flows: the states equal EpanetSimulator's at every factor, whatever came before."""
    wn = read_network("ky10")
    with SteadyStateSolver(wn) as solver:
        states = [solver.solve(f) for f in (1.0, 2.0, 3.0, 2.0)]
    for state in states[1:]:
        ref = simulate(wn, state.demand_factor).pressure.reindex(state.pressure.index)
        assert (state.pressure - ref).abs().max() < 0.01
