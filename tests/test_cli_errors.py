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


@pytest.mark.parametrize(
    ("argv", "hidden", "extra"),
    [
        (["serve"], ("fastapi",), "service"),
        (["serve", "--new-token", "x"], ("uvicorn",), "service"),
        (["compare", "SWEEP", "--out", "OUT", "--workers", "2"], ("distributed",), "dask"),
        (["compare", "SWEEP", "--out", "OUT", "--scheduler", "h:1"], ("distributed",), "dask"),
    ],
)
def test_a_missing_extra_names_the_pip_install(
    argv: list[str],
    hidden: tuple[str, ...],
    extra: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without an extra's libraries (hidden here as a base install lacks them) the command
    stops before any work: one line naming the pip install, exit 2, no traceback."""
    sweep = Path(__file__).resolve().parents[1] / "scenarios" / "routing" / "daily_sweep.toml"
    argv = [{"SWEEP": str(sweep), "OUT": str(tmp_path / "out")}.get(a, a) for a in argv]
    for name in hidden:
        monkeypatch.setitem(sys.modules, name, None)  # find_spec() then finds nothing
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    assert f"pip install 'wdnopt[{extra}]'" in lines[0] and hidden[0] in lines[0]
    assert captured.out == ""
    assert not (tmp_path / "out").exists()


def test_a_sweep_runs_in_this_process_without_the_dask_extra(tmp_path: Path) -> None:
    """The base install's sweep, in an interpreter where Dask and pyarrow cannot be imported:
    it runs here, writes results.csv and no Parquet copy, and load_results reads it back."""
    tree = Path(__file__).resolve().parents[1] / "data" / "networks" / "tree_100.inp"
    sweep = tmp_path / "s.toml"
    sweep.write_text(
        f'kind = "pump_comparison"\nnetworks = [{{ file = "{tree}" }}]\n'
        'demand_factors = [2.6]\nobjectives = ["opex"]\nalgorithms = ["tree-pump"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code = f"""
import sys
for name in ("distributed", "dask", "pyarrow"):
    sys.modules[name] = None  # as in a base install: not there
from wdnopt.solvers.cli.main import main
assert main(["compare", {str(sweep)!r}, "--out", {str(out)!r}, "--no-report"]) == 0
from wdnopt.solvers.saved import load_results
assert len(load_results({str(out)!r})["results"]) == 2  # tree-pump and the reference
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert (out / "results.csv").is_file() and not (out / "results.parquet").exists()
