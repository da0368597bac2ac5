"""N−1 on the worked example: every source and plant out in turn, with the unmet demand."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.routing.schema import RoutingScenario
from wdnopt.models.scenario import load_scenario
from wdnopt.solvers.cli.main import main
from wdnopt.solvers.routing.resilience import n_minus_one

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "scenarios/routing/two_sources_three_plants_six_zones.toml"
)


def test_every_source_and_plant_with_unmet_demand() -> None:
    # demand 65 ML/day. Without S1 only S2's 40 remain: 25 short; without S2, S1's 50: 15.
    # Without P1 (30) the others give 45: 20 short; without P2 (25): 15; without P3 (20): 10.
    net = RoutingNetwork.from_scenario(load_scenario(EXAMPLE))
    report = n_minus_one(net)
    assert report.base.objective == pytest.approx(989)
    table = report.table.set_index("id")
    unmet = table.loc[["S1", "S2", "P1", "P2", "P3"], "unmet"].to_dict()
    assert unmet == pytest.approx({"S1": 25, "S2": 15, "P1": 20, "P2": 15, "P3": 10})
    assert (table.loc[["S1", "S2", "P1", "P2", "P3"], "status"] == "short").all()
    # one arc out never leaves demand unmet here, and never makes the day cheaper
    arcs = report.table[report.table["kind"] == "arc"]
    assert len(arcs) == net.n_arcs
    assert (arcs["status"] == "optimal").all() and (arcs["unmet"] == 0).all()
    assert (arcs["extra_cost"] >= -1e-9).all()
    # an arc unused in the optimum costs nothing to lose
    flows = report.base.flows
    unused = flows.loc[flows["flow"] < 1e-9, "from"] + " → " + flows.loc[flows["flow"] < 1e-9, "to"]
    assert len(unused) == 13
    assert table.loc[list(unused), "extra_cost"].to_numpy() == pytest.approx(0)


def test_cli_table_csv_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "n1.csv"
    assert main(["resilience", str(EXAMPLE), "--no-arcs", "--csv", str(csv)]) == 0
    text = capsys.readouterr().out
    assert "N-1" in text and "S1" in text and "P3" in text and "short" in text
    frame = pd.read_csv(csv)
    assert list(frame.columns) == [
        "kind",
        "id",
        "status",
        "cost",
        "extra_cost",
        "unmet",
        "short_zones",
    ]
    assert frame["unmet"].iloc[0] == pytest.approx(25)  # worst first: S1
    assert main(["resilience", str(EXAMPLE), "--json", "--no-arcs"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["base"]["objective"] == pytest.approx(989)
    assert {c["id"] for c in out["cases"]} == {"S1", "S2", "P1", "P2", "P3"}


def test_cli_refuses_unknown_season(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resilience", str(EXAMPLE), "--season", "monsoon"]) == 2
    assert "--season" in capsys.readouterr().err


def test_an_element_out_of_service_loses_its_upgrade_too() -> None:
    # Z1 needs 10 ML/day; its only arc carries 4 and can be upgraded by 10 for 5 $/day.
    # P1 has no capacity until its upgrade (+20 for 1 $/day). Base: both upgrades bought,
    # cost 10 ML × (1 + 2 + 3) $/ML + 5 + 1 = 66. With the arc out, the
    # upgrade must not bring it back: all 10 ML/day unmet. With P1 out (upgradable by 20):
    # likewise 10 unmet.
    scenario = RoutingScenario.model_validate(
        {
            "sources": [{"id": "S1", "capacity": 50}],
            "plants": [
                {"id": "P1", "capacity": 0, "treatment_cost": 2, "upgrade_capacity": 20,
                 "upgrade_cost": 1}
            ],
            "zones": [{"id": "Z1", "demand": 10}],
            "arcs": [
                {"from": "S1", "to": "P1", "cost": 1},
                {"from": "P1", "to": "Z1", "cost": 3, "capacity": 4, "upgrade_capacity": 10,
                 "upgrade_cost": 5},
            ],
        }
    )  # fmt: skip
    net = RoutingNetwork.from_scenario(scenario)
    report = n_minus_one(net)
    assert report.base.objective == pytest.approx(10 * (1 + 2 + 3) + 5 + 1)
    table = report.table.set_index("id")
    assert table.loc["P1 → Z1", "unmet"] == pytest.approx(10)
    assert table.loc["P1", "unmet"] == pytest.approx(10)
    assert table.loc["S1", "unmet"] == pytest.approx(10)
