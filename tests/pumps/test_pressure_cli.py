"""``wdnopt pressure-curve``: the table, CSV and PNG; bad input gives exit code 2 and a message."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wdnopt.models.pumps.hydraulics import read_network, simulate
from wdnopt.models.pumps.tree import P_MIN_DEFAULT
from wdnopt.solvers.cli.main import main

DATA = Path(__file__).resolve().parents[2] / "data" / "networks"


def test_curve_table_csv_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv, png = tmp_path / "c.csv", tmp_path / "c.png"
    network = str(DATA / "tree_100.inp")
    code = main(["pressure-curve", network, "--factors", "2.0:3.0:0.5", "--csv", str(csv),
                 "--plot", str(png)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "factor" in out and "2.50" in out
    curve = pd.read_csv(csv)
    assert curve["factor"].tolist() == [2.0, 2.5, 3.0]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    wn = read_network(network)
    state = simulate(wn, 3.0)
    names = [n for n, j in wn.junctions() if j.demand_timeseries_list[0].base_value > 0]
    assert curve["below"].iloc[-1] == int((state.pressure[names] < P_MIN_DEFAULT).sum())


def test_plot_format_by_suffix_or_option(tmp_path: Path) -> None:
    """--plot FILE.svg writes SVG, --format pdf a PDF; a suffix naming another format than
    --format is refused before any EPANET run (exit 2)."""
    network = str(DATA / "tree_100.inp")
    args = ["pressure-curve", network, "--factors", "2.0,3.0"]
    assert main([*args, "--plot", str(tmp_path / "c.svg")]) == 0
    assert (tmp_path / "c.svg").read_bytes().startswith(b"<?xml")
    assert main([*args, "--plot", str(tmp_path / "c"), "--format", "pdf", "--dpi", "72"]) == 0
    assert (tmp_path / "c").read_bytes().startswith(b"%PDF")
    assert main([*args, "--plot", str(tmp_path / "d.png"), "--format", "svg"]) == 2
    assert not (tmp_path / "d.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Net9"], "Net1, Net3"),
        (["BAD"], "valid EPANET"),
        (["Net1", "--factors", "0:2:1"], "demand factors > 0"),
        (["Net1", "--factors", "1,-2"], "demand factors > 0"),
        (["Net1", "--factors", "a:b"], "START:STOP:STEP"),
        (["Net1", "--p-min", "-1"], "--p-min"),
    ],
)
def test_bad_input_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    bad = tmp_path / "broken.inp"
    bad.write_text("[PIPES]\n P1 A B x y z\n[END]\n")
    args = [str(bad) if a == "BAD" else a for a in args]
    code = main(["pressure-curve", *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    if "BAD" in args or str(bad) in args:
        assert "broken.inp" in err


def test_pump_scenario_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        'kind = "pump_placement"\ndemand_factors = [-1.0]\n[network]\nshipped = "Net3"\n'
    )
    assert main(["solve", str(path)]) == 2
    assert "demand_factors[0]" in capsys.readouterr().err
    path.write_text('kind = "pump_placement"\ndemand_factors = [1.0]\n[network]\nshipped = "X"\n')
    assert main(["solve", str(path)]) == 2
    assert "network.shipped" in capsys.readouterr().err
