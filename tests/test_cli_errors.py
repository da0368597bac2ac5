"""Bad input: one clear message naming file, field and expectation; exit code 2; no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from wdnopt.solvers.cli.main import main

GOOD = """
kind = "routing"
sources = [{id="S1", capacity=50}]
plants = [{id="P1", capacity=30, treatment_cost=8}]
zones = [{id="Z1", demand=12}]
arcs = [{from="S1", to="P1", cost=3}, {from="P1", to="Z1", cost=2}]
"""


def run(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str], *files: tuple[str, str]):
    for name, content in files:
        (tmp_path / name).write_text(content)
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    code = main(["solve", str(path)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.err


def test_good_scenario_solves(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(tmp_path, GOOD, capsys)
    assert code == 0 and err == ""


def test_malformed_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(tmp_path, GOOD.replace('kind = "routing"', "kind = routing"), capsys)
    assert code == 2
    assert "scenario.toml" in err and "valid TOML" in err and "line 2" in err


def test_unknown_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(tmp_path, GOOD.replace("demand=12", "demand=12, colour='blue'"), capsys)
    assert code == 2
    assert "scenario.toml" in err and "zones[0].colour" in err and "no such field" in err
    assert "allowed: capacity, demand, id" in err


def test_missing_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = GOOD.replace('zones = [{id="Z1", demand=12}]', 'zones = "zones.csv"')
    code, err = run(tmp_path, text, capsys)
    assert code == 2
    assert "scenario.toml" in err and "zones" in err and "zones.csv" in err
    assert "no such file" in err


def test_negative_capacity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(tmp_path, GOOD.replace("capacity=30", "capacity=-5"), capsys)
    assert code == 2
    assert "plants[0].capacity" in err and "≥ 0" in err and "-5" in err


def test_arc_to_unknown_node(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(tmp_path, GOOD.replace('to="Z1"', 'to="Z9"'), capsys)
    assert code == 2
    assert "scenario.toml" in err and "arcs[1].to" in err and "'Z9'" in err


def test_non_numeric_csv_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = GOOD.replace('zones = [{id="Z1", demand=12}]', 'zones = "zones.csv"')
    code, err = run(tmp_path, text, capsys, ("zones.csv", "id,demand\nZ1,twelve\n"))
    assert code == 2
    assert "zones.csv" in err and "row 1" in err and "column demand" in err
    assert "a number" in err and "'twelve'" in err


def test_missing_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(tmp_path / "nope.toml")]) == 2
    assert "nope.toml" in capsys.readouterr().err


def test_unknown_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(tmp_path, GOOD.replace('"routing"', '"rooting"'), capsys)
    assert code == 2 and "kind" in err and "'rooting'" in err


def test_console_script_exit_code(tmp_path: Path) -> None:
    """The installed entry point, as a user runs it: message on stderr, code 2."""
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace("capacity=50", 'capacity="lots"'))
    proc = subprocess.run(
        [sys.executable, "-m", "wdnopt.solvers.cli.main", "solve", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "sources[0].capacity" in proc.stderr and "Traceback" not in proc.stderr
