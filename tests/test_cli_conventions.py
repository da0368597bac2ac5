"""Conventions every command follows: --version, -v anywhere, '-' for standard output, options
that do not apply refused, --json on every command, summary.json in every --out folder."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest

from wdnopt.solvers.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "routing" / "two_sources_three_plants_six_zones.toml"
SCHEDULE = ROOT / "scenarios" / "routing" / "daily_schedule.toml"
TREE = ROOT / "data" / "networks" / "tree_100.inp"
ROUTING_SWEEP = ROOT / "scenarios" / "routing" / "daily_sweep.toml"
INPUT_FILE_OPTIONS = ("--tokens",)
"""File options that are read, not written."""
SUMMARY_KEYS = {"command", "status", "objective", "bound", "gap", "timings", "versions"}


def wdnopt(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "wdnopt.solvers.cli.main", *args], capture_output=True, timeout=300
    )


def test_version() -> None:
    done = wdnopt("--version")
    assert done.returncode == 0
    assert done.stdout.decode().split() == ["wdnopt", version("wdnopt")]


def test_verbose_after_the_command() -> None:
    quiet, loud = wdnopt("solve", str(EXAMPLE)), wdnopt("solve", str(EXAMPLE), "-v")
    assert quiet.returncode == loud.returncode == 0
    assert b"INFO" not in quiet.stderr and b"INFO wdnopt" in loud.stderr


def test_dash_writes_the_file_to_stdout_and_the_report_to_stderr(tmp_path: Path) -> None:
    args = ("pressure-curve", str(TREE), "--factors", "2.0,3.0")
    piped = wdnopt(*args, "--csv", "-")
    assert wdnopt(*args, "--csv", str(tmp_path / "c.csv")).returncode == piped.returncode == 0
    assert piped.stdout == (tmp_path / "c.csv").read_bytes()  # the file alone on stdout
    assert b"below P_min" in piped.stderr  # the table went to stderr
    image = wdnopt("solve", str(SCHEDULE), "--plot", "-", "--format", "svg")
    assert image.returncode == 0 and image.stdout.startswith(b"<?xml")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["solve", str(EXAMPLE), "--algorithm", "milp"], "--algorithm"),
        (["solve", str(EXAMPLE), "--plot", "day.png"], "--plot"),  # no [schedule]: no day
        (["solve", str(EXAMPLE), "--dpi", "200"], "--dpi"),
        (["solve", str(EXAMPLE), "--format", "svg"], "--format"),
        (["solve", str(SCHEDULE), "--plot", "-", "--json"], "--json"),
        (["pressure-curve", str(TREE), "--csv", "-", "--plot", "-"], "--csv"),
        (["pressure-curve", str(TREE), "--dpi", "99"], "--dpi"),
        (["solve", str(EXAMPLE), "--out", "-"], "--out"),
        (["compare", str(ROUTING_SWEEP), "--out", "-"], "--out"),
        (["serve", "--db", "-"], "--db"),
    ],
)
def test_options_that_do_not_apply_are_refused(
    args: list[str],
    option: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args = [str(tmp_path / a) if a == "day.png" else a for a in args]
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{option}:" in err and "Traceback" not in err
    assert not (tmp_path / "-").exists()  # nothing written under the name '-'


def test_every_file_option_says_what_dash_means() -> None:
    """Each option naming a file or folder to write, in every command, either takes '-' for
    standard output or refuses it: none is left to make a file or folder called '-'."""
    from wdnopt.solvers.cli.main import COMMANDS, NO_STDOUT_OPTIONS, STDOUT_OPTIONS, build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if hasattr(a, "load"))
    for name in COMMANDS:
        for action in sub.load(name)._actions:
            if action.type is Path and action.option_strings:
                option = action.option_strings[-1]
                if option not in INPUT_FILE_OPTIONS:
                    assert option in (*STDOUT_OPTIONS, *NO_STDOUT_OPTIONS), (name, option)


def _summary(folder: Path) -> dict:
    data = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert set(data) >= SUMMARY_KEYS, set(data)
    assert data["versions"]["wdnopt"] == version("wdnopt")
    return data


def test_summary_of_a_routing_solve_matches_its_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["solve", str(EXAMPLE), "--json", "--out", str(tmp_path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    data = _summary(tmp_path)
    assert printed["scenario"] == data["scenario"] == "two sources, three plants, six zones"
    assert "name" not in printed
    assert (data["status"], data["objective"], data["bound"]) == ("optimal", 989.0, 989.0)
    assert (printed["status"], printed["objective"]) == (data["status"], data["objective"])
    assert data["timings"]["solve_s"] == pytest.approx(printed["runtime_s"])


def test_summary_and_json_of_a_pump_placement_and_a_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    placement = tmp_path / "p.toml"
    placement.write_text(
        f'kind = "pump_placement"\ndemand_factors = [2.6]\n[network]\nfile = "{TREE}"\n',
        encoding="utf-8",
    )
    out = tmp_path / "p"
    args = ["solve", str(placement), "--algorithm", "tree-dp", "--json", "--out", str(out)]
    assert main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    data = _summary(out)
    assert printed["scenario"] == data["scenario"]
    assert data["status"] == printed["status"]
    assert data["objective"] == pytest.approx(printed["objective"])
    assert [f["demand_factor"] for f in data["factors"]] == [2.6]

    sweep = tmp_path / "s.toml"
    sweep.write_text(
        f'kind = "pump_comparison"\nnetworks = [{{ file = "{TREE}" }}]\n'
        'demand_factors = [2.6]\nobjectives = ["opex"]\nalgorithms = ["milp", "tree-pump"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "s"
    args = ["compare", str(sweep), "--out", str(out), "--workers", "1", "--no-report", "--json"]
    assert main(args) == 0
    captured = capsys.readouterr()
    printed = json.loads(captured.out)
    assert "runs 2/2: done 2, failed 0, left 0" in captured.err  # not a terminal: plain lines
    data = _summary(out)
    assert printed["scenario"] == data["scenario"] and printed["file"] == str(sweep)
    table = pd.read_csv(out / "results.csv")
    assert printed["runs"] == len(table) == data["recorded"] == data["runs"] == 2
    assert data["status"] == "complete" and data["errors"] == printed["failed"] == 0
    assert data["optimal"] == int((table["status"] == "optimal").sum())
    gaps = pd.read_csv(out / "gaps.csv")
    assert [g["algorithm"] for g in printed["gaps"]] == gaps["algorithm"].tolist()
    assert data["objective"] is None  # a sweep has one per problem, in results.csv


def test_json_of_the_pressure_curve_is_the_csv(tmp_path: Path) -> None:
    args = ("pressure-curve", str(TREE), "--factors", "2.0,2.5")
    printed = wdnopt(*args, "--json", "--csv", str(tmp_path / "c.csv"))
    assert printed.returncode == 0
    curve = pd.DataFrame(json.loads(printed.stdout)["curve"])
    expected = pd.read_csv(io.BytesIO((tmp_path / "c.csv").read_bytes()))
    pd.testing.assert_frame_equal(curve, expected, check_dtype=False)


def test_progress_per_demand_factor_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Several factors: one plain line per factor solved (stderr is no terminal here); the
    JSON on stdout stays whole."""
    placement = tmp_path / "p.toml"
    placement.write_text(
        f'kind = "pump_placement"\ndemand_factors = [2.4, 2.6]\n[network]\nfile = "{TREE}"\n',
        encoding="utf-8",
    )
    assert main(["solve", str(placement), "--algorithm", "tree-dp", "--json"]) == 0
    captured = capsys.readouterr()
    statuses = [f["status"] for f in json.loads(captured.out)["factors"]]
    assert captured.err.splitlines() == [
        f"demand factor 2.4 (1/2): {statuses[0]}",
        f"demand factor 2.6 (2/2): {statuses[1]}",
    ]


def test_the_scenario_key_of_every_json(capsys: pytest.CaptureFixture[str]) -> None:
    """`scenario` (the scenario's name) in the JSON of every command that takes a scenario,
    never `name`: here resilience and a routing solve by seasons (the other commands are
    checked with their summary.json above)."""
    seasons = ROOT / "scenarios" / "routing" / "irrigation.toml"
    for args in (["resilience", str(EXAMPLE), "--no-arcs"], ["solve", str(seasons)]):
        assert main([*args, "--json"]) == 0
        printed = json.loads(capsys.readouterr().out)
        assert "name" not in printed and printed["scenario"], args
        for inner in printed.get("seasons", {}).values():
            assert "name" not in inner and inner["scenario"], args


def test_piped_tables_are_whole() -> None:
    """Piped, the report's tables are as wide as they need (rich alone would cut them to 80
    columns with '…')."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = subprocess.run(
        [sys.executable, "-m", "wdnopt", "solve", str(EXAMPLE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) > 80
    assert "…" not in done.stdout


def test_compare_help_names_only_its_own_options() -> None:
    done = wdnopt("compare", "--help")
    assert done.returncode == 0
    assert b"--plot" not in done.stdout


def test_several_demand_factors_have_no_summed_objective(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each demand factor is a problem of its own: its objective, bound and gap are in its
    entry of `factors`; the top level has none (never their sum), and summary.json alike."""
    placement = tmp_path / "p.toml"
    placement.write_text(
        f'kind = "pump_placement"\ndemand_factors = [2.4, 2.6]\n[network]\nfile = "{TREE}"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["solve", str(placement), "--algorithm", "tree-dp", "--json", "--out", str(out)]
    assert main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["objective"], printed["bound"], printed["gap"]) == (None, None, None)
    objectives = [f["objective"] for f in printed["factors"]]
    assert all(o is not None and o > 0 for o in objectives)
    assert objectives[0] < objectives[1]  # more demand, dearer plan
    data = _summary(out)
    assert data["objective"] is None
    assert [f["objective"] for f in data["factors"]] == objectives


def test_json_floats_are_rounded_in_one_place() -> None:
    from wdnopt.solvers.io import JSON_DIGITS, json_ready, to_json

    assert JSON_DIGITS == 10
    assert to_json({"x": 5.0000000060000005, "y": 0.1 + 0.2}) == '{"x": 5.000000006, "y": 0.3}'
    assert json_ready([float("nan"), float("inf"), 2, True]) == [None, None, 2, True]
    import numpy as np

    assert json_ready({"a": np.float64(1 / 3)}) == {"a": 0.3333333333}


def test_json_of_a_solve_carries_no_float_noise(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(SCHEDULE), "--json"]) == 0
    text = capsys.readouterr().out
    floats = re.findall(r"-?\d+\.\d+(?:e[-+]?\d+)?", text)
    assert floats
    for number in floats:
        digits = number.split("e")[0].lstrip("-").replace(".", "").lstrip("0")
        assert len(digits) <= 10, number


def test_progress_lines_are_never_wrapped(capsys: pytest.CaptureFixture[str]) -> None:
    """A progress line is one line on stderr, even where the console is narrow (``COLUMNS``
    set by a CI runner): logs keep it whole."""
    from types import SimpleNamespace

    from wdnopt.solvers.cli.pump_report import _progress

    algorithm = SimpleNamespace(name="milp-network")
    problem = SimpleNamespace(tree=SimpleNamespace(demand_factor=2.5))
    step = SimpleNamespace(iteration=3, lower=1234.0, upper=5678.0, gap=0.7827, elapsed_s=12.34)
    os.environ["COLUMNS"] = "30"
    try:
        _progress(algorithm, problem)(step)  # type: ignore[arg-type]
    finally:
        del os.environ["COLUMNS"]
    assert capsys.readouterr().err.splitlines() == [
        "  milp-network at factor 2.5, iteration 3: LB 1,234, UB 5,678, gap 78.27%, 12.3 s"
    ]
