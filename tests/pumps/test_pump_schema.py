"""The pump placement scenario: validation, problems per factor, catalogue errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.catalogue import DEFAULT_CATALOGUE, load_catalogue
from wdnopt.models.pumps.hydraulics import demand_junctions, read_network, simulate
from wdnopt.models.pumps.instance import build_problems, tree_instance
from wdnopt.models.scenario import scenario_from_dict

DATA = Path(__file__).resolve().parents[2] / "data" / "networks"


def scenario(**fields):
    return scenario_from_dict({"kind": "pump_placement", **fields}, file="s.toml")


def test_generator_scenario_matches_the_shipped_file() -> None:
    s = scenario(network={"generator": {"nodes": 100, "seed": 100}}, demand_factors=[1.0, 2.6],
                 p_min_psi=21.3, objective="capex")  # fmt: skip
    assert s.pressure_min == pytest.approx(14.976, abs=1e-3)
    assert s.catalogue == DEFAULT_CATALOGUE
    problems = build_problems(s)
    assert [p.tree.demand_factor for p in problems] == [1.0, 2.6]
    assert problems[0].objective == "capex"
    assert not problems[0].tree.deficient.any() and problems[1].tree.deficient.any()
    shipped = tree_instance(read_network(DATA / "tree_100.inp"), 2.6, p_min=s.pressure_min)
    assert np.allclose(problems[1].tree.pressure, shipped.pressure, atol=2e-3)
    assert np.allclose(problems[1].tree.flow, shipped.flow, rtol=1e-5)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"network": {"shipped": "Net9"}}, "network.shipped: one of"),
        ({"network": {"shipped": "Net3", "generator": {"nodes": 5}}}, "exactly one of"),
        ({"network": {"shipped": "Net3"}, "demand_factors": [1.0, 0.0]}, "demand_factors[1]"),
        ({"network": {"shipped": "Net3"}, "demand_factors": []}, "at least 1"),
        ({"network": {"shipped": "Net3"}, "p_min": 10, "p_min_psi": 20}, "not both"),
        ({"network": {"shipped": "Net3"}, "p_max": 5}, "p_max"),
        ({"network": {"shipped": "Net3"}, "objective": "cheap"}, "objective"),
    ],
)
def test_bad_scenarios(fields: dict, message: str) -> None:
    fields.setdefault("demand_factors", [1.0])
    with pytest.raises(InputError) as exc:
        scenario(**fields)
    assert message in str(exc.value) and "s.toml" in str(exc.value)


def test_looped_networks_in_network_and_flow_tree_mode() -> None:
    """Network mode models the network as given (its own EPANET pressures, every node);
    flow-tree mode solves on the flow tree derived at the solve factor."""
    wn = read_network("Net3")
    reference = simulate(wn, 1.5)  # EpanetSimulator: not the engine the factory uses
    (net,) = build_problems(scenario(network={"shipped": "Net3"}, demand_factors=[1.5]))
    assert net.mode == "network" and net.network is not None and net.network.looped
    assert set(net.tree.node_names) == set(wn.node_name_list)
    p = reference.pressure.reindex(list(net.tree.node_names)).to_numpy()
    assert np.max(np.abs(net.tree.pressure - p)) < 1e-3
    # checked: junctions with demand, never a pump station node
    pump_nodes = {n for _, pump in wn.pumps() for n in (pump.start_node_name, pump.end_node_name)}
    checked = {n for n, c in zip(net.tree.node_names, net.tree.checked, strict=True) if c}
    assert checked == set(net.network.checked) and not checked & pump_nodes
    assert checked == {n for n in demand_junctions(wn) if n not in pump_nodes}
    (tree,) = build_problems(
        scenario(network={"shipped": "Net3"}, demand_factors=[1.5], mode="flow-tree")
    )
    assert tree.mode == "flow-tree" and tree.tree.meta["mode"] == "flow-tree"
    assert tree.tree.n < len(wn.node_name_list) + 1
    assert int(tree.tree.deficient.sum()) > int(net.tree.deficient.sum()) == 0


def test_catalogue_errors_name_file_row_field(tmp_path: Path) -> None:
    assert len(load_catalogue()) == 8
    bad = tmp_path / "pumps.csv"
    bad.write_text("name,power_kw,capex,efficiency\nA,5,100,0.7\nB,0,200,0.7\n")
    with pytest.raises(InputError) as exc:
        load_catalogue(bad)
    text = str(exc.value)
    assert "pumps.csv" in text and "row 2" in text and "power_kw" in text
    bad.write_text("name,power_kw,capex,efficiency\nA,five,100,0.7\n")
    with pytest.raises(InputError, match="a number"):
        load_catalogue(bad)
