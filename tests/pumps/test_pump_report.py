"""``wdnopt solve`` on a pump placement scenario: exit code, JSON report, EPANET check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wdnopt.solvers.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def scenario(tmp_path: Path, *, factors: str = "[2.5]", extra: str = "") -> Path:
    path = tmp_path / "pumps.toml"
    path.write_text(
        f"""kind = "pump_placement"
name = "small"
demand_factors = {factors}
objective = "tco"
{extra}
[network]
file = "{ROOT / "data" / "networks" / "tree_100.inp"}"

[solver]
threads = 1
""",
        encoding="utf-8",
    )
    return path


def test_json_report_of_the_exact_reference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["solve", str(scenario(tmp_path)), "--json", "--algorithm", "milp"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["status"] == "optimal" and report["algorithm"] == "milp"
    assert report["verified"] is True
    assert report["gap"] is not None and report["gap"] <= 1e-4
    (factor,) = report["factors"]
    assert factor["objective"] == pytest.approx(report["objective"])
    pumps = factor["placement"]
    assert len(pumps) == factor["cost"]["n_pumps"] > 0
    assert sum(p["cost"] for p in pumps) == pytest.approx(report["objective"])


def test_algorithms_agree_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario(tmp_path)
    assert main(["solve", str(path), "--json", "--algorithm", "tree-dp"]) == 0
    dp = json.loads(capsys.readouterr().out)
    assert main(["solve", str(path), "--json", "--algorithm", "milp"]) == 0
    milp = json.loads(capsys.readouterr().out)
    assert dp["objective"] == pytest.approx(milp["objective"], rel=1e-9)


def test_readable_report_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["solve", str(scenario(tmp_path)), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Placement" in text and "EPANET check" in text and "optimal" in text
    assert (out / "pumps_2.5.csv").is_file()
