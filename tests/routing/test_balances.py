"""Exact balances: zones receive exactly their demand unless they price a surplus; fixed
supplies are taken whole; untreated water only on raw arcs, priced. Hand-solved instances."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.routing.conftest import solve_dict
from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.scenario import load_scenario
from wdnopt.solvers.cli.main import main
from wdnopt.solvers.routing.resilience import n_minus_one
from wdnopt.solvers.routing.solve import solve_routing
from wdnopt.solvers.status import Status

WASTEWATER = Path(__file__).resolve().parents[2] / "scenarios/routing/wastewater.toml"

# Catchment C sends 10 ML/day that must be taken; works W treats 6 at 5 $/ML; pumping C → W
# and W → O 1 $/ML each; the outfall O takes whatever comes (demand 0, free surplus).
SEWAGE: dict[str, Any] = {
    "sources": [{"id": "C", "supply": 10}],
    "plants": [{"id": "W", "capacity": 6, "treatment_cost": 5}],
    "zones": [{"id": "O", "demand": 0, "surplus_cost": 0}],
    "arcs": [{"from": "C", "to": "W", "cost": 1}, {"from": "W", "to": "O", "cost": 1}],
}


def test_fixed_supply_without_bypass_is_infeasible_and_says_what_is_left() -> None:
    # 10 must be taken, 6 can be treated: 4 ML/day have nowhere to go
    result = solve_dict(SEWAGE)
    assert result.status is Status.INFEASIBLE
    assert result.objective is None
    assert result.extras["untaken"].tolist() == pytest.approx([4])
    assert "C left with 4" in result.message


def test_fixed_supply_with_priced_bypass() -> None:
    # a bypass C → O (raw, 20 $/ML): 6 treated at 1 + 5 + 1 = 7, 4 bypassed at 20: 42 + 80
    data = copy.deepcopy(SEWAGE)
    data["arcs"].append({"from": "C", "to": "O", "cost": 20, "raw": True})
    result = solve_dict(data)
    assert result.objective == pytest.approx(122)
    assert result.untreated == pytest.approx(4)
    assert result.sources["supplied"].tolist() == pytest.approx([10])
    # with room to treat all 10, nothing is bypassed: 70
    data["plants"][0]["capacity"] = 12
    result = solve_dict(data)
    assert result.objective == pytest.approx(70)
    assert result.untreated == pytest.approx(0)


# Plant A must run at 10 ML/day or more; zone Z needs 6; A is the only way in.
MINIMUM: dict[str, Any] = {
    "sources": [{"id": "S", "capacity": 100}],
    "plants": [{"id": "A", "capacity": 20, "treatment_cost": 1, "min_throughput": 10}],
    "zones": [{"id": "Z", "demand": 6}],
    "arcs": [{"from": "S", "to": "A"}, {"from": "A", "to": "Z"}],
}


def test_surplus_refused_where_the_zone_does_not_allow_it() -> None:
    # running A would push 10 into Z, which takes exactly 6: A stays off and Z is short of 6
    result = solve_dict(MINIMUM)
    assert result.status is Status.INFEASIBLE
    assert result.zones["shortfall"].tolist() == pytest.approx([6])
    assert "Z short by 6" in result.message


def test_priced_surplus_is_taken_and_charged() -> None:
    # Z accepts a surplus at 3 $/ML: A runs at 10, Z keeps 4 extra: 10·1 + 4·3 = 22
    data = copy.deepcopy(MINIMUM)
    data["zones"][0]["surplus_cost"] = 3
    result = solve_dict(data)
    assert result.objective == pytest.approx(22)
    assert result.surplus_cost == pytest.approx(12)
    assert result.zones["surplus"].tolist() == pytest.approx([4])


def test_exact_demand_is_met_exactly_when_supply_is_plentiful() -> None:
    # the worked example's optimum supplies every zone its demand, not more
    result = solve_routing(
        load_scenario(WASTEWATER.with_name("two_sources_three_plants_six_zones.toml"))
    )
    assert result.objective == pytest.approx(989)
    assert (result.zones["supplied"] - result.zones["demand"]).abs().max() < 1e-9


def _cut_outfall(tmp_path: Path, *, overflow: bool) -> Path:
    text = WASTEWATER.read_text().replace("capacity = 38", "capacity = 30")
    assert "capacity = 30" in text
    if not overflow:
        text = "\n".join(line for line in text.splitlines() if "raw = true" not in line)
    path = tmp_path / "cut.toml"
    path.write_text(text)
    return path


def test_wastewater_cut_outfall_goes_to_the_priced_overflow(tmp_path: Path) -> None:
    # 68 ML/day of sewage, outfalls now take at most 30 + 12 + 18 = 60: exactly 8 ML/day
    # overflow untreated (any more would cost 80 $/ML instead of treatment), all of it charged
    base = solve_dict(load_scenario(WASTEWATER).model_dump(by_alias=True))
    cut = solve_dict(load_scenario(_cut_outfall(tmp_path, overflow=True)).model_dump(by_alias=True))
    assert base.untreated == pytest.approx(0)
    assert cut.untreated == pytest.approx(8)
    raw = cut.flows[cut.flows["raw"]]
    assert raw["cost"].sum() == pytest.approx(8 * 80)


def test_wastewater_cut_outfall_without_overflow_is_infeasible(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _cut_outfall(tmp_path, overflow=False)
    result = solve_routing(load_scenario(path))
    assert result.status is Status.INFEASIBLE
    assert float(result.extras["untaken"].sum()) == pytest.approx(8)
    assert main(["solve", str(path)]) == 2
    out = capsys.readouterr().out
    assert "infeasible" in out and "fixed supply cannot all be taken" in out


BAD_TOPOLOGY = [
    (  # straight from a source to a zone
        'arcs = [{from="S", to="P"}, {from="P", to="Z"}, {from="S", to="Z"}]',
        ["arcs[2]", "only through a plant", "raw = true", "S → Z"],
    ),
    (  # through a junction: still untreated
        'junctions = [{id="J"}]\n'
        'arcs = [{from="S", to="P"}, {from="P", to="Z"}, {from="S", to="J"}, {from="J", to="Z"}]',
        ["arcs[3]", "J → Z", "from source 'S'"],
    ),
    ('arcs = [{from="S", to="P"}, {from="P", to="Z"}, {from="P", to="S"}]', ["arcs[2].to"]),
    ('arcs = [{from="S", to="P"}, {from="P", to="Z"}, {from="P", to="X"}]', ["arcs[2].to"]),
]


@pytest.mark.parametrize(("arcs", "expected"), BAD_TOPOLOGY)
def test_untreated_routes_are_refused_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arcs: str, expected: list[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'kind = "routing"\nsources = [{id="S", capacity=10}]\n'
        'plants = [{id="P", capacity=10}]\nzones = [{id="Z", demand=5}]\n' + arcs + "\n"
    )
    assert main(["solve", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(path) in err
    for text in expected:
        assert text in err


def test_source_needs_capacity_or_supply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'kind = "routing"\nsources = [{id="S", capacity=10, supply=5}]\n'
        'plants = [{id="P", capacity=10}]\nzones = [{id="Z", demand=5}]\n'
        'arcs = [{from="S", to="P"}, {from="P", to="Z"}]\n'
    )
    assert main(["solve", str(path)]) == 2
    err = capsys.readouterr().err
    assert "sources[0]" in err and "either capacity" in err


def test_raw_flag_on_a_treated_arc_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'kind = "routing"\nsources = [{id="S", capacity=10}]\n'
        'plants = [{id="P", capacity=10}]\nzones = [{id="Z", demand=5}]\n'
        'arcs = [{from="S", to="P"}, {from="P", to="Z", raw=true}]\n'
    )
    assert main(["solve", str(path)]) == 2
    err = capsys.readouterr().err
    assert "arcs[1].raw" in err and "treated water only" in err


def test_zone_capacity_limits_what_an_outfall_accepts() -> None:
    # the works can treat all 10 now, but the outfall O accepts 6 ML/day: 6 treated and
    # discharged at 7 $/ML, 4 to the overflow V untreated at 20: 42 + 80 = 122. One more
    # ML/day of outfall capacity saves 20 − 7 = 13 $/day
    data = copy.deepcopy(SEWAGE)
    data["plants"][0]["capacity"] = 12
    data["zones"][0]["capacity"] = 6
    data["zones"].append({"id": "V", "demand": 0, "surplus_cost": 0})
    data["arcs"].append({"from": "C", "to": "V", "cost": 20, "raw": True})
    result = solve_dict(data)
    assert result.objective == pytest.approx(122)
    assert result.zones.set_index("zone").loc["O", "supplied"] == pytest.approx(6)
    row = result.binding.set_index("id").loc["O"]
    assert row["kind"] == "zone" and row["value_per_ml"] == pytest.approx(13)


def test_wastewater_catchment_out_of_service_costs_less_and_leaves_nothing_short() -> None:
    # the outfalls take whatever comes up to their limits, so less sewage is never "short";
    # the south catchment only feeds the south works: dropping it removes those flows
    network = RoutingNetwork.from_scenario(load_scenario(WASTEWATER))
    report = n_minus_one(network, kinds=("source",))
    table = report.table.set_index("id")
    assert report.base.objective == pytest.approx(929)
    assert (table["status"] == "optimal").all()
    assert (table["unmet"] == 0).all()
    assert (table["cost"] < report.base.objective).all()


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("capacity=8", ["zones[0].capacity", "zones[0].surplus_cost as well"]),
        ("surplus_cost=1, capacity=4", ["zones[0].capacity", "at least the zone's demand (5"]),
    ],
)
def test_zone_capacity_input_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], zone: str, expected: list[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'kind = "routing"\nsources = [{id="S", capacity=10}]\n'
        f'plants = [{{id="P", capacity=10}}]\nzones = [{{id="Z", demand=5, {zone}}}]\n'
        'arcs = [{from="S", to="P"}, {from="P", to="Z"}]\n'
    )
    assert main(["solve", str(path)]) == 2
    err = capsys.readouterr().err
    for text in expected:
        assert text in err
