"""A bad sweep is refused before any run starts: file, field and expectation; exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from wdnopt.models.errors import InputError
from wdnopt.solvers.cli.main import main
from wdnopt.solvers.pumps.sweep import run_sweep

from .conftest import sweep_text, write_sweep

CASES = {
    "unknown algorithm": (
        {"algorithms": 'algorithms = ["milp", "tree-pomp"]'},
        ["algorithms[1]", "a registered algorithm", "'tree-pomp'", "tree-pump"],
    ),
    "empty factor list": (
        {"factors": "[]"},
        ["demand_factors", "at least 1 item"],
    ),
    "missing network": (
        {"network": '{ file = "no_such_net.inp" }'},
        ["networks[0].file", "an existing EPANET .inp file", "no_such_net.inp"],
    ),
    "unknown option": (
        {"extra": "[options.tree-pump]\nspeed = 3\n"},
        ["options.tree-pump.speed", "unknown option", "options of tree-pump"],
    ),
    "reference not exact": (
        {"extra": 'reference = "ga"'},
        ["reference", "an exact algorithm", "'ga'"],
    ),
    "no objective": (
        {"extra": "objectives = []"},
        ["objectives", "at least 1 item"],
    ),
    "repeated factor": (
        {"factors": "[2.0, 2.0]"},
        ["demand_factors", "values without repeats"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_before_any_run(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changes, expected = CASES[case]
    text = sweep_text(**changes)
    if case == "no objective":
        text = text.replace('objectives = ["opex", "tco"]\n', "")
    scenario = write_sweep(tmp_path, text)
    out = tmp_path / "out"
    code = main(["compare", str(scenario), "--out", str(out), "--workers", "1"])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err + captured.out
    assert str(scenario) in captured.err
    for part in expected:
        assert part in captured.err, (part, captured.err)
    assert not out.exists()  # nothing ran, nothing was written


def test_missing_scenario_and_wrong_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o")]) == 2
    assert "no such file" in capsys.readouterr().err
    placement = tmp_path / "placement.toml"
    placement.write_text(
        'kind = "pump_placement"\ndemand_factors = [2.0]\n[network]\nshipped = "Net1"\n'
    )
    assert main(["compare", str(placement), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "pump_comparison" in err and "kind" in err
    # and `wdnopt solve` on a sweep points to `wdnopt compare`
    sweep = write_sweep(tmp_path)
    assert main(["solve", str(sweep)]) == 2
    assert "wdnopt compare" in capsys.readouterr().err


def test_bad_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = write_sweep(tmp_path)
    with pytest.raises(SystemExit) as exit_:  # refused by the argument parser
        main(["compare", str(sweep), "--out", str(tmp_path / "o"), "--workers", "0"])
    assert exit_.value.code == 2
    assert "--workers" in capsys.readouterr().err


def test_python_api_raises_input_error(tmp_path: Path) -> None:
    scenario = write_sweep(tmp_path, sweep_text(algorithms='algorithms = ["simplex"]'))
    with pytest.raises(InputError) as info:
        run_sweep(scenario, tmp_path / "out", workers=1)
    (problem,) = info.value.problems
    assert problem.field == "algorithms[0]" and problem.file == str(scenario)
