"""Every shipped routing scenario solves through ``wdnopt solve`` and passes the certificate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.routing.conftest import checked
from wdnopt.models.scenario import load_scenario
from wdnopt.solvers.cli.main import main
from wdnopt.solvers.routing.solve import solve_routing, solve_seasons

SHIPPED = [
    path
    for path in sorted((Path(__file__).resolve().parents[2] / "scenarios/routing").glob("*.toml"))
    if 'kind = "routing"' in path.read_text(encoding="utf-8")  # sweeps: test_routing_sweep.py
]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_solves(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert path.read_text().startswith("#"), "a comment header says what the scenario shows"
    assert main(["solve", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    scenario = load_scenario(path)
    if scenario.seasons:
        assert set(out["seasons"]) == {s.id for s in scenario.seasons}
        for result in solve_seasons(scenario).values():
            checked(result)
    else:
        assert out["status"] == "optimal"
        checked(solve_routing(scenario))


def test_daily_schedule_writes_tables_and_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = next(p for p in SHIPPED if p.stem == "daily_schedule")
    assert main(["solve", str(path), "--out", str(tmp_path)]) == 0
    report = capsys.readouterr().out
    assert "period by period" in report and "cheaper half" in report
    for name in ("periods", "throughput", "storage", "binding"):
        assert (tmp_path / f"{name}.csv").is_file()
    png = (tmp_path / "day.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    assert (tmp_path / "throughput.csv").read_text().count("\n") == 25
