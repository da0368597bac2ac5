"""Bad inputs are refused before any work: exit code 2, the file or field named, no traceback.

Each case is one scenario (or catalogue, or command line) with one thing wrong; the valid
edge cases at the end must still run (exit 0).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wdnopt.solvers.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
TREE = ROOT / "data" / "networks" / "tree_100.inp"
CATALOGUE = (ROOT / "data" / "pumps" / "catalogue.csv").read_text(encoding="utf-8")

PLACEMENT = f'''kind = "pump_placement"
demand_factors = [2.6]
{{top}}
[network]
file = "{TREE}"
{{tables}}
'''

SWEEP = f'''kind = "pump_comparison"
demand_factors = [2.6]
objectives = ["tco"]
algorithms = ["tree-dp", "approx-pump"]
reference = "tree-dp"
{{top}}
[[networks]]
file = "{TREE}"
{{tables}}
'''

PLACEMENT_CASES = [
    # (top-level lines, extra tables, what the message must name)
    ("p_min = -5", "", "p_min"),
    ("p_min = 0", "", "p_min"),
    ('p_min = "high"', "", "p_min"),
    ("p_max = 1", "", "p_max"),
    ("p_min = 10\np_min_psi = 20", "", "p_min_psi"),
    ('objective = "cheap"', "", "objective"),
    ('mode = "tree"', "", "mode"),
    ('checked = "some"', "", "checked"),
    ('repair = "yes please"', "", "repair"),
    ("hour = -1", "", "hour"),
    ("hour = 1.5", "", "hour"),
    ("foo = 1", "", "foo"),
    ('catalogue = "missing.csv"', "", "missing.csv"),
    ("", "[algorithms.gaa]\npopulation = 5", "algorithms.gaa"),
    ("", "[algorithms.ga]\npopulation = -3", "algorithms.ga.population"),
    ("", '[algorithms.ga]\ngenerations = "many"', "algorithms.ga.generations"),
    ("", "[algorithms.ga]\nmutation = 2.0", "algorithms.ga.mutation"),
    ("", "[algorithms.ga]\ncrossover = -0.1", "algorithms.ga.crossover"),
    ("", "[algorithms.ga]\nseed = -1", "algorithms.ga.seed"),
    ("", "[algorithms.ga]\ntime_limit = 0", "algorithms.ga.time_limit"),
    ("", "[algorithms.ga]\nwings = 2", "algorithms.ga.wings"),
    ("", "[algorithms.milp]\ntime_limit = -1", "algorithms.milp.time_limit"),
    ("", "[algorithms.milp]\nrel_gap = 2", "algorithms.milp.rel_gap"),
    ("", "[algorithms.milp]\nthreads = 0", "algorithms.milp.threads"),
    ("", "[algorithms.network-dp]\nmax_rounds = 0", "algorithms.network-dp.max_rounds"),
    ("", "[algorithms.tree-dp]\nmax_pieces = 0", "algorithms.tree-dp.max_pieces"),
    ("", "[costs]\ndiscount_rate = 2", "costs.discount_rate"),
    ("", "[costs]\nenergy_price = -1", "costs.energy_price"),
    ("", "[costs]\nlifetime_years = 0", "costs.lifetime_years"),
    ("", "[costs]\nbudget = 5", "costs.budget"),
    ("", "[solver]\nthreads = -2", "solver"),
]


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(argv: list[str], capsys: pytest.CaptureFixture[str], *names: str) -> None:
    """The command exits with 2, names each of ``names`` and prints no traceback."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == 2, text
    assert "Traceback" not in text
    for name in names:
        assert name in text, (name, text)


@pytest.mark.parametrize(("top", "tables", "field"), PLACEMENT_CASES)
def test_bad_placement_scenarios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], top: str, tables: str, field: str
) -> None:
    path = write(tmp_path, PLACEMENT.format(top=top, tables=tables))
    refused(["solve", str(path)], capsys, field)


@pytest.mark.parametrize(
    ("factors", "field"),
    [("[]", "demand_factors"), ("[0]", "demand_factors"), ("[-1.5]", "demand_factors"),
     ('["x"]', "demand_factors"), ("2.0", "demand_factors")],
)  # fmt: skip
def test_bad_demand_factors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], factors: str, field: str
) -> None:
    text = PLACEMENT.format(top="", tables="").replace("demand_factors = [2.6]", "")
    path = write(tmp_path, f"demand_factors = {factors}\n" + text)
    refused(["solve", str(path)], capsys, field)


@pytest.mark.parametrize(
    ("network", "field"),
    [('shipped = "Net9"', "network"), ('file = "nowhere.inp"', "nowhere.inp"),
     ('shipped = "Net3"\nfile = "x.inp"', "network"), ("", "network"),
     ("generator = { nodes = 0 }", "network.generator.nodes")],
)  # fmt: skip
def test_bad_networks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], network: str, field: str
) -> None:
    path = write(
        tmp_path, f'kind = "pump_placement"\ndemand_factors = [1.0]\n[network]\n{network}\n'
    )
    refused(["solve", str(path)], capsys, field)


@pytest.mark.parametrize(
    ("edit", "field"),
    [(("BP1,1,6200", "BP1,0,6200"), "power_kw"), (("0.55", "1.5"), "efficiency"),
     (("BP3,3,8750", "BP3,3,cheap"), "capex"), (("BP3,3,8750", "BP3,3,-1"), "capex"),
     ((",20\n", ",x\n"), "max_head_m"), ((",20\n", ",-5\n"), "max_head_m"),
     (("BP3,", "BP1,"), "name"), (("name,power_kw", "name,name"), "name"),
     (("name,power_kw,capex", "name,power_kw,,capex"), "header")],
)  # fmt: skip
def test_bad_catalogues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: tuple[str, str], field: str
) -> None:
    write(tmp_path, CATALOGUE.replace(*edit, 1), "pumps.csv")
    path = write(tmp_path, PLACEMENT.format(top='catalogue = "pumps.csv"', tables=""))
    refused(["solve", str(path)], capsys, "pumps.csv", field)


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--time-limit", "-5"], "--time-limit"), (["--time-limit", "nan"], "--time-limit"),
     (["--time-limit", "inf"], "--time-limit"), (["--time-limit", "soon"], "--time-limit"),
     (["--time-limit", "1e9"], "--time-limit"), (["--algorithm", "nope"], "--algorithm"),
     (["--season", "winter"], "--season")],
)  # fmt: skip
def test_bad_solve_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], named: str
) -> None:
    path = write(tmp_path, PLACEMENT.format(top="", tables=""))
    refused(["solve", str(path), *args], capsys, named)


def test_unknown_season_of_a_routing_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    scenario = ROOT / "scenarios" / "routing" / "irrigation.toml"
    refused(["solve", str(scenario), "--season", "monsoon"], capsys, "--season", "monsoon")


@pytest.mark.parametrize(
    ("top", "tables", "field"),
    [("seeds = [-1]", "", "seeds"), ('objectives = ["cheap"]', "", "objectives"),
     ("demand_factors = [2.6, 2.6]", "", "demand_factors"), ("verify = 3", "", "verify"),
     ("", "[options.ga]\npopulation = -3", "population"),
     ("", "[options.tree-dp]\nmax_pieces = -1", "max_pieces")],
)  # fmt: skip
def test_bad_sweeps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], top: str, tables: str, field: str
) -> None:
    text = SWEEP.format(top=top, tables=tables)
    if top.startswith("demand_factors"):
        text = text.replace("demand_factors = [2.6]\n", "")
    path = write(tmp_path, text)
    out = tmp_path / "out"
    refused(["compare", str(path), "--out", str(out), "--workers", "1"], capsys, field)
    assert not (out / "runs").exists() or not any((out / "runs").iterdir())


@pytest.mark.parametrize(
    ("text", "named"),
    [("kind = \"pump_placement\"\ndemand_factors = [1.0\n", "s.toml"),
     ('kind = "teleport"\n', "kind"), ("", "kind")],
)  # fmt: skip
def test_unreadable_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, named: str
) -> None:
    refused(["solve", str(write(tmp_path, text))], capsys, named)


def test_csv_with_a_repeated_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "name,power_kw,capex,capex,efficiency\nA,1,100,200,0.5\n", "pumps.csv")
    path = write(tmp_path, PLACEMENT.format(top='catalogue = "pumps.csv"', tables=""))
    refused(["solve", str(path)], capsys, "pumps.csv", "capex")


# --- valid edge cases still run ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("top", "tables"),
    [("", "[algorithms.ga]\npopulation = 2\ngenerations = 1\nmutation = 1"),
     ("hour = 0", ""), ("", "[costs]\ndiscount_rate = 0\nenergy_price = 0")],
)  # fmt: skip
def test_valid_edge_cases_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], top: str, tables: str
) -> None:
    path = write(tmp_path, PLACEMENT.format(top=top, tables=tables))
    assert main(["solve", str(path), "--algorithm", "tree-dp", "--time-limit", "30"]) == 0
    assert "Traceback" not in capsys.readouterr().err
