"""Demand that cannot be met: which zones fall short and by how much, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from wdnopt.models.routing.schema import RoutingScenario
from wdnopt.models.scenario import load_scenario
from wdnopt.solvers.cli.main import main
from wdnopt.solvers.routing.solve import solve_routing
from wdnopt.solvers.status import Status

# S1 (10) feeds only P1 → Z1 (demand 20): Z1 is short by exactly 10.
# S2 (100) feeds P2 (capacity 8) → Z2 (5) and Z3 (4): 1 ML/day short between them.
SCENARIO = """
kind = "routing"
sources = [{id="S1", capacity=10}, {id="S2", capacity=100}]
plants = [{id="P1", capacity=50, treatment_cost=1}, {id="P2", capacity=8}]
zones = [{id="Z1", demand=20}, {id="Z2", demand=5}, {id="Z3", demand=4}]
arcs = [
  {from="S1", to="P1", cost=1}, {from="S2", to="P2", cost=1},
  {from="P1", to="Z1", cost=1}, {from="P2", to="Z2", cost=1}, {from="P2", to="Z3", cost=2},
]
"""


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(SCENARIO)
    return path


def test_shortfall_by_zone(scenario_file: Path) -> None:
    result = solve_routing(load_scenario(scenario_file))
    assert result.status is Status.INFEASIBLE
    assert result.objective is None
    short = dict(zip(result.zones["zone"], result.zones["shortfall"], strict=True))
    assert short["Z1"] == pytest.approx(10)
    assert short["Z2"] + short["Z3"] == pytest.approx(1)
    assert result.total_shortfall == pytest.approx(11)
    # the limiting capacities: source S1 and plant P2, each worth 1 ML/day less shortfall
    limits = dict(zip(result.binding["id"], result.binding["value_per_ml"], strict=True))
    assert limits["S1"] == pytest.approx(1) and limits["P2"] == pytest.approx(1)
    assert "Z1 short by 10" in result.message


def test_cli_reports_shortfall_with_exit_2(
    scenario_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["solve", str(scenario_file)]) == 2
    out = capsys.readouterr().out
    assert "infeasible" in out and "11 ML/day short" in out


def test_storage_that_cannot_reach_its_end_level_is_named() -> None:
    # every demand can be met, but the reservoir R (2 ML at the start, at least 5 at the end)
    # is refilled through one arc of 1 ML/day: it ends 2 ML short of its end level, and the
    # diagnosis names it (no shortage would explain it)
    scenario = RoutingScenario.model_validate(
        {
            "sources": [{"id": "S", "capacity": 100}],
            "plants": [{"id": "P", "capacity": 100}],
            "zones": [{"id": "Z", "demand": 10}],
            "storages": [{"id": "R", "capacity": 10, "start": 2, "end": 5}],
            "arcs": [
                {"from": "S", "to": "P", "cost": 1},
                {"from": "P", "to": "Z"},
                {"from": "P", "to": "R", "capacity": 1},
            ],
        }
    )
    result = solve_routing(scenario)
    assert result.status is Status.INFEASIBLE
    assert "R ends 2 ML below its 5 ML" in result.message, result.message
    assert "short" not in result.message.split("storage")[0]
    assert result.total_shortfall == 0
