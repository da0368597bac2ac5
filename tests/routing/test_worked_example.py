"""The routing guide's worked example: 989 $/day, plants at 30, 25 and 10 ML/day.

The optimum was confirmed independently by network simplex (see test_network_simplex.py for the
general differential test); duals are confirmed by re-solving with the capacity changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.scenario import load_scenario
from wdnopt.solvers.cli.main import main
from wdnopt.solvers.routing.solve import solve_routing

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "scenarios/routing/two_sources_three_plants_six_zones.toml"
)


def test_cli_json_gives_the_optimum(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(EXAMPLE), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "optimal"
    assert out["objective"] == pytest.approx(989, abs=1e-6)
    throughput = {p["plant"]: p["throughput"] for p in out["plants"]}
    assert throughput == pytest.approx({"P1": 30, "P2": 25, "P3": 10}, abs=1e-6)
    assert {z["zone"]: z["supplied"] for z in out["zones"]} == pytest.approx(
        {"Z1": 12, "Z2": 8, "Z3": 15, "Z4": 10, "Z5": 9, "Z6": 11}, abs=1e-6
    )


def test_python_api_and_certificate() -> None:
    result = solve_routing(load_scenario(EXAMPLE))
    assert result.objective == pytest.approx(989)
    assert result.certificate is not None and result.certificate.ok()
    assert result.certificate.cost == pytest.approx(result.objective)
    assert result.pumping_cost + result.treatment_cost == pytest.approx(989)
    assert result.gap == 0


def _solve_changed(scenario, table: str, node: str, field: str, delta: float) -> float:
    rows = [
        r.model_copy(update={field: getattr(r, field) + delta}) if r.id == node else r
        for r in getattr(scenario, table)
    ]
    changed = scenario.model_copy(update={table: rows})
    return solve_routing(RoutingNetwork.from_scenario(changed)).objective


def test_capacity_values_match_finite_differences() -> None:
    scenario = load_scenario(EXAMPLE)
    result = solve_routing(scenario)
    for row in result.plants.itertuples():
        saved = 989 - _solve_changed(scenario, "plants", row.plant, "capacity", 1.0)
        assert row.value_per_ml == pytest.approx(saved, abs=1e-6), row.plant
    binding = set(result.binding["id"])
    assert binding == {"P1", "P2"}


def test_zone_marginal_costs_match_finite_differences() -> None:
    scenario = load_scenario(EXAMPLE)
    result = solve_routing(scenario)
    for row in result.zones.itertuples():
        extra = _solve_changed(scenario, "zones", row.zone, "demand", 1.0) - 989
        assert row.marginal_cost == pytest.approx(extra, abs=1e-6), row.zone


def test_out_writes_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(EXAMPLE), "--out", str(tmp_path)]) == 0
    report = capsys.readouterr().out
    assert "989.00" in report and "optimal" in report
    for name in ("flows", "plants", "zones", "sources", "binding"):
        assert (tmp_path / f"{name}.csv").is_file()
    plants = (tmp_path / "plants.csv").read_text().splitlines()
    assert plants[0].startswith("plant,capacity,throughput")
    assert len(plants) == 4


def test_csv_tables_give_the_same_answer(tmp_path: Path) -> None:
    scenario = load_scenario(EXAMPLE)
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables/arcs.csv").write_text(
        "from,to,cost,capacity\n" + "".join(f"{a.from_},{a.to},{a.cost},\n" for a in scenario.arcs)
    )
    (tmp_path / "tables/zones.csv").write_text(
        "id,demand\n" + "".join(f"{z.id},{z.demand}\n" for z in scenario.zones)
    )
    text = EXAMPLE.read_text()
    start = text.index("zones = [")
    text = text[:start] + 'zones = "tables/zones.csv"\narcs = "tables/arcs.csv"\n'
    (tmp_path / "example.toml").write_text(text)
    from_csv = load_scenario(tmp_path / "example.toml")
    assert from_csv.arcs == scenario.arcs
    assert solve_routing(from_csv).objective == pytest.approx(989)
