"""Generated looped networks: looped, connected, reproducible, solved by EPANET from their
``.inp``, and deficient from the onset factor the generator gives (not before)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
import wntr

from wdnopt.models.pumps.generator import LOOP_HOPS, generate_looped, write_looped
from wdnopt.models.pumps.hydraulics import pressure_curve, read_network, simulate
from wdnopt.models.pumps.instance import build_problems
from wdnopt.models.pumps.network import is_looped
from wdnopt.models.pumps.schema import PumpPlacementScenario
from wdnopt.models.pumps.tree import P_MIN_DEFAULT


def _pipes(wn: wntr.network.WaterNetworkModel) -> list[tuple[str, str, str, float, float]]:
    return [(n, p.start_node_name, p.end_node_name, p.length, p.diameter)
            for n, p in wn.pipes()]  # fmt: skip


@pytest.mark.parametrize(("nodes", "seed"), [(200, 1), (400, 2), (800, 3)])
def test_looped_connected_and_loops_are_local(nodes: int, seed: int) -> None:
    looped = generate_looped(nodes, seed)
    wn = looped.wn
    assert wn.num_junctions == nodes and wn.num_reservoirs == 1
    assert is_looped(wn)
    assert looped.loops == round(0.15 * nodes)
    assert wn.num_pipes == nodes + looped.loops  # 15 % more pipes than junctions
    graph = nx.Graph(wn.to_graph())
    assert nx.is_connected(graph)
    assert sum(1 for n, _ in wn.pipes() if n[0] == "L") == looped.loops  # the checks below see all
    tree = nx.Graph((p.start_node_name, p.end_node_name) for n, p in wn.pipes() if n[0] == "P")
    for name, pipe in wn.pipes():
        if name[0] == "L":  # a loop pipe closes a tree path of 3 to LOOP_HOPS pipes
            hops = nx.shortest_path_length(tree, pipe.start_node_name, pipe.end_node_name)
            assert 3 <= hops <= LOOP_HOPS
            assert pipe.length >= 50.0


def test_same_seed_same_network() -> None:
    a, b = generate_looped(300, 11), generate_looped(300, 11)
    assert _pipes(a.wn) == _pipes(b.wn)
    assert a.onset == b.onset
    c = generate_looped(300, 12)
    assert _pipes(a.wn) != _pipes(c.wn)


def test_epanet_solves_the_written_file_and_failures_start_at_the_onset(tmp_path: Path) -> None:
    path, looped = write_looped(500, 5, tmp_path / "looped_500.inp")
    wn = read_network(path)
    assert wn.num_pipes == looped.wn.num_pipes and is_looped(wn)
    state = simulate(wn, 1.0)
    assert state.pressure.notna().all()
    curve = pressure_curve(wn, [looped.onset * 0.99, looped.onset * 1.02], P_MIN_DEFAULT)
    below = curve["below"].tolist()
    assert below[0] == 0
    assert below[1] > 0


def test_problem_at_a_factor_above_the_onset_has_deficient_junctions(tmp_path: Path) -> None:
    path, looped = write_looped(300, 9, tmp_path / "looped_300.inp")
    factor = round(looped.onset * 1.1, 2)
    scenario = PumpPlacementScenario(network={"file": str(path)}, demand_factors=[factor])
    (problem,) = build_problems(scenario)
    assert problem.network is not None
    assert len(problem.network.deficient()) > 0
