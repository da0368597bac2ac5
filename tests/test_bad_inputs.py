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
    ('repair = "yes"', "", "repair"),
    ("repair = 1", "", "repair"),
    ("hour = -1", "", "hour"),
    ("hour = 1.5", "", "hour"),
    ("foo = 1", "", "foo"),
    ('catalogue = "missing.csv"', "", "missing.csv"),
    ("", "[options.gaa]\npopulation = 5", "options.gaa"),
    ("", "[algorithms.ga]\npopulation = 5", "rename each [algorithms.NAME] table"),
    ("", "[options.ga]\npopulation = -3", "options.ga.population"),
    ("", '[options.ga]\ngenerations = "many"', "options.ga.generations"),
    ("", "[options.ga]\nmutation = 2.0", "options.ga.mutation"),
    ("", "[options.ga]\ncrossover = -0.1", "options.ga.crossover"),
    ("", "[options.ga]\nseed = -1", "options.ga.seed"),
    ("", "[options.ga]\ntime_limit = 0", "options.ga.time_limit"),
    ("", "[options.ga]\nwings = 2", "options.ga.wings"),
    ("", "[options.milp]\ntime_limit = -1", "options.milp.time_limit"),
    ("", "[options.milp]\nrel_gap = 2", "options.milp.rel_gap"),
    ("", "[options.milp]\nthreads = 0", "options.milp.threads"),
    ("", "[options.network-dp]\nmax_rounds = 0", "options.network-dp.max_rounds"),
    ("", "[options.tree-dp]\nmax_pieces = 0", "options.tree-dp.max_pieces"),
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
     ('verify = "on"', "", "verify"), ("verify = 0", "", "verify"),
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


# --- magnitudes: amounts near 1e308 are refused with the field ----------------------------------


@pytest.mark.parametrize(
    ("top", "tables", "field"),
    [("", "[costs]\nenergy_price = 1e308", "costs.energy_price"),
     ("", "[costs]\nenergy_price = nan", "costs.energy_price"),
     ("", "[costs]\nlifetime_years = 1e308", "costs.lifetime_years"),
     ("p_min = 1e308", "", "p_min"), ("p_min = inf", "", "p_min"),
     ("p_max = 1e308", "", "p_max"), ("hour = 100000000", "", "hour"),
     ("", "[solver]\ntime_limit = 1e308", "solver.time_limit")],
)  # fmt: skip
def test_huge_values_in_placement_scenarios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], top: str, tables: str, field: str
) -> None:
    path = write(tmp_path, PLACEMENT.format(top=top, tables=tables))
    refused(["solve", str(path)], capsys, field)


@pytest.mark.parametrize("factors", ["[1e308]", "[101]", "[inf]", "[nan]"])
def test_huge_demand_factors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], factors: str
) -> None:
    text = PLACEMENT.format(top="", tables="").replace("[2.6]", factors)
    refused(["solve", str(write(tmp_path, text))], capsys, "demand_factors")


@pytest.mark.parametrize(
    ("edit", "field"),
    [(("BP3,3,8750", "BP3,3,1e308"), "capex"), (("BP3,3,8750", "BP3,1e308,8750"), "power_kw"),
     (("BP3,3,8750", "BP3,inf,8750"), "power_kw"), ((",20\n", ",1e308\n"), "max_head_m"),
     (("0.55", "nan"), "efficiency"), (("BP3,3,8750", "BP3,3,nan"), "capex")],
)  # fmt: skip
def test_huge_catalogue_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: tuple[str, str], field: str
) -> None:
    write(tmp_path, CATALOGUE.replace(*edit, 1), "pumps.csv")
    path = write(tmp_path, PLACEMENT.format(top='catalogue = "pumps.csv"', tables=""))
    refused(["solve", str(path)], capsys, "pumps.csv", field)


# --- routing scenarios --------------------------------------------------------------------------

ROUTING = """kind = "routing"
{head}
sources = [{{id = "S1", capacity = {capacity}}}]
plants = [{{id = "P1", capacity = 30, treatment_cost = {treatment}}}]
zones = {zones}
arcs = [{{from = "S1", to = "P1", cost = {cost}}}, {{from = "P1", to = "Z1", cost = 2}}]
{tail}
"""
ROUTING_PARTS = {
    "head": "",
    "capacity": "50",
    "treatment": "8",
    "zones": '[{id = "Z1", demand = 12}]',
    "cost": "3",
    "tail": "",
}


def routing(**parts: str) -> str:
    return ROUTING.format(**{**ROUTING_PARTS, **parts})


@pytest.mark.parametrize(
    ("parts", "field"),
    [({"capacity": "1e308"}, "sources[0].capacity"), ({"capacity": "-1"}, "sources[0].capacity"),
     ({"capacity": "inf"}, "sources[0].capacity"), ({"capacity": '"lots"'}, "sources[0].capacity"),
     ({"treatment": "1e300"}, "plants[0].treatment_cost"),
     ({"treatment": "nan"}, "plants[0].treatment_cost"),
     ({"cost": "1e308"}, "arcs[0].cost"), ({"cost": "-inf"}, "arcs[0].cost"),
     ({"zones": '[{id = "Z1", demand = 1e308}]'}, "zones[0].demand"),
     ({"zones": '[{id = "Z1", demand = 1e13}]'}, "zones[0].demand"),
     ({"zones": '[{id = "Z1"}]'}, "zones[0].demand"), ({"zones": "[]"}, "zones"),
     ({"head": "energy_price = 1e308"}, "energy_price"),
     ({"head": "colour = 1"}, "colour"),
     ({"tail": "[schedule]\nperiods = 0"}, "schedule.periods"),
     ({"tail": "[schedule]\nperiods = 1000000000"}, "schedule.periods"),
     ({"tail": "[schedule]\nperiods = 2\nenergy_price = [0.1, 1e308]"}, "schedule.energy_price"),
     ({"tail": "[solver]\ntime_limit = -1"}, "solver.time_limit"),
     ({"tail": "[solver]\nrel_gap = 2"}, "solver.rel_gap")],
)  # fmt: skip
def test_bad_routing_scenarios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], parts: dict[str, str], field: str
) -> None:
    refused(["solve", str(write(tmp_path, routing(**parts)))], capsys, "s.toml", field)


@pytest.mark.parametrize(
    ("table", "field"),
    [("id,demand,demand\nZ1,12,13\n", "demand"), ("id, demand ,demand\nZ1,12,13\n", "demand"),
     ("id,,demand\nZ1,x,12\n", "header"), ("id,demand\nZ1,1e308\n", "demand"),
     ("id,demand\nZ1,-4\n", "demand"), ("id,demand\nZ1,twelve\n", "demand"),
     ("id,demand\nZ1,12,5\n", "row 1"), ("", "header")],
)  # fmt: skip
def test_bad_routing_csv_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, field: str
) -> None:
    write(tmp_path, table, "zones.csv")
    path = write(tmp_path, routing(zones='"zones.csv"'))
    refused(["solve", str(path)], capsys, "zones.csv", field)


ARCS_CSV = "from,to,cost,raw\nS1,P1,3,{raw}\nP1,Z1,2,\n"


@pytest.mark.parametrize("raw", ["yes", "1", "on", "y"])
def test_routing_csv_booleans_are_true_or_false(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], raw: str
) -> None:
    write(tmp_path, ARCS_CSV.format(raw=raw), "arcs.csv")
    text = routing().replace(
        'arcs = [{from = "S1", to = "P1", cost = 3}, {from = "P1", to = "Z1", cost = 2}]',
        'arcs = "arcs.csv"',
    )
    refused(["solve", str(write(tmp_path, text))], capsys, "arcs.csv", "row 1", "raw", repr(raw))


@pytest.mark.parametrize("raw", ["false", "FALSE", "true", "True"])
def test_routing_csv_booleans_spelt_true_or_false_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], raw: str
) -> None:
    write(tmp_path, ARCS_CSV.format(raw=raw), "arcs.csv")
    text = routing().replace(
        'arcs = [{from = "S1", to = "P1", cost = 3}, {from = "P1", to = "Z1", cost = 2}]',
        'arcs = "arcs.csv"',
    )
    assert main(["solve", str(write(tmp_path, text))]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_missing_routing_csv_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refused(["solve", str(write(tmp_path, routing(zones='"nope.csv"')))], capsys, "zones")


# --- sweeps: algorithm options checked before any run -------------------------------------------


@pytest.mark.parametrize(
    ("tables", "field"),
    [('[options.ga]\ngenerations = "many"', "options.ga.generations"),
     ("[options.ga]\nmutation = 2.0", "options.ga.mutation"),
     ("[options.milp]\ntime_limit = -1", "options.milp.time_limit"),
     ("[options.approx-pump]\nprune = 3", "options.approx-pump.prune")],
)  # fmt: skip
def test_bad_sweep_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tables: str, field: str
) -> None:
    path = write(tmp_path, SWEEP.format(top="", tables=tables))
    out = tmp_path / "out"
    refused(
        ["compare", str(path), "--out", str(out), "--workers", "1"], capsys, field.split(".")[-1]
    )
    assert not (out / "runs").exists() or not any((out / "runs").iterdir())


def test_sweep_with_huge_pressure_curve_factor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, SWEEP.format(top="pressure_curve_factors = [1e308]", tables=""))
    refused(["compare", str(path), "--out", str(tmp_path / "out")], capsys, "pressure_curve")


# --- command-line numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--factors", "1e308"], "--factors"), (["--factors", "0"], "--factors"),
     (["--factors", "-1,2"], "--factors"), (["--factors", "nan"], "--factors"),
     (["--factors", "inf"], "--factors"), (["--factors", "1:inf:1"], "--factors"),
     (["--factors", "1:2:nan"], "--factors"), (["--factors", "1:90:0.00001"], "--factors"),
     (["--factors", "101"], "--factors"), (["--hour", "-1"], "--hour"),
     (["--hour", "1.5"], "--hour"), (["--hour", "100000000"], "--hour"),
     (["--p-min", "nan"], "--p-min"), (["--p-min", "1e308"], "--p-min"),
     (["--p-min", "0"], "--p-min")],
)  # fmt: skip
def test_bad_pressure_curve_options(
    capsys: pytest.CaptureFixture[str], args: list[str], named: str
) -> None:
    refused(["pressure-curve", str(TREE), *args], capsys, named)


TWO_SOURCES = ROOT / "scenarios" / "routing" / "two_sources_three_plants_six_zones.toml"


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--time-limit", "-1"], "--time-limit"), (["--time-limit", "nan"], "--time-limit"),
     (["--time-limit", "0"], "--time-limit"), (["--season", "summer"], "--season")],
)  # fmt: skip
def test_bad_routing_solve_options(
    capsys: pytest.CaptureFixture[str], args: list[str], named: str
) -> None:
    refused(["solve", str(TWO_SOURCES), *args], capsys, named)


def test_resilience_refuses_an_unknown_season(capsys: pytest.CaptureFixture[str]) -> None:
    refused(["resilience", str(TWO_SOURCES), "--season", "monsoon"], capsys, "--season")


def test_resilience_refuses_a_pump_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, PLACEMENT.format(top="", tables=""))
    refused(["resilience", str(path)], capsys, "kind")


# --- output paths: checked before any work ------------------------------------------------------


def _no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every solve fail loudly: an output path must be refused before any of them."""
    from wdnopt.solvers.cli import pressure, pump_report, resilience, routing_report

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("work started before the output path was checked")

    monkeypatch.setattr(routing_report, "solve_routing", fail)
    monkeypatch.setattr(routing_report, "solve_seasons", fail)
    monkeypatch.setattr(pump_report, "build_problems", fail)
    monkeypatch.setattr(pressure, "pressure_curve", fail)
    monkeypatch.setattr(resilience, "n_minus_one", fail)


OUTPUTS = [
    # (command, option, what the path is)
    (["solve", str(TWO_SOURCES)], "--out", "file"),
    (["solve", str(TWO_SOURCES)], "--out", "under a file"),
    (["solve", str(TWO_SOURCES)], "--plot", "folder"),
    (["solve", str(TWO_SOURCES)], "--plot", "no folder"),
    (["solve", str(TREE)], "--plot", "no folder"),
    (["solve", str(TREE)], "--out", "file"),
    (["pressure-curve", str(TREE)], "--csv", "folder"),
    (["pressure-curve", str(TREE)], "--csv", "no folder"),
    (["pressure-curve", str(TREE)], "--plot", "folder"),
    (["pressure-curve", str(TREE)], "--plot", "no folder"),
    (["resilience", str(TWO_SOURCES)], "--csv", "folder"),
    (["resilience", str(TWO_SOURCES)], "--csv", "no folder"),
]


@pytest.mark.parametrize(("command", "option", "kind"), OUTPUTS)
def test_unwritable_outputs_are_refused_before_any_work(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    option: str,
    kind: str,
) -> None:
    _no_work(monkeypatch)
    (tmp_path / "a_file").write_text("x", encoding="utf-8")
    target = {
        "file": tmp_path / "a_file",
        "under a file": tmp_path / "a_file" / "out",
        "folder": tmp_path,
        "no folder": tmp_path / "missing" / "x.csv",
    }[kind]
    if command[1] == str(TREE) and command[0] == "solve":
        command = ["solve", str(write(tmp_path, PLACEMENT.format(top="", tables="")))]
    refused([*command, option, str(target)], capsys, option)
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(
    ("command", "option"),
    [(["solve", str(TWO_SOURCES)], "--out"), (["solve", str(TWO_SOURCES)], "--plot"),
     (["pressure-curve", str(TREE)], "--csv"), (["resilience", str(TWO_SOURCES)], "--csv")],
)  # fmt: skip
def test_outputs_in_a_read_only_folder_are_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    option: str,
) -> None:
    import wdnopt.solvers.io as io_module

    _no_work(monkeypatch)
    monkeypatch.setattr(io_module.os, "access", lambda *args, **kwargs: False)
    refused([*command, option, str(tmp_path / "x")], capsys, option, "not writable")


# --- valid edge cases still run ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("top", "tables"),
    [("", "[options.ga]\npopulation = 2\ngenerations = 1\nmutation = 1"),
     ("hour = 0", ""), ("", "[costs]\ndiscount_rate = 0\nenergy_price = 0")],
)  # fmt: skip
def test_valid_edge_cases_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], top: str, tables: str
) -> None:
    path = write(tmp_path, PLACEMENT.format(top=top, tables=tables))
    assert main(["solve", str(path), "--algorithm", "tree-dp", "--time-limit", "30"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_large_but_sane_amounts_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = routing(capacity="1e9", zones='[{id = "Z1", demand = 0}]', cost="0")
    out = tmp_path / "new" / "tables"
    assert main(["solve", str(write(tmp_path, text)), "--out", str(out)]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert (out / "plants.csv").is_file() or any(out.iterdir())


def test_catalogue_with_a_free_pump_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, CATALOGUE.replace("BP1,1,6200", "BP1,1,0", 1), "pumps.csv")
    path = write(tmp_path, PLACEMENT.format(top='catalogue = "pumps.csv"', tables=""))
    assert main(["solve", str(path), "--algorithm", "tree-dp"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_pressure_curve_at_the_largest_factor_writes_its_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "curve.csv"
    assert main(["pressure-curve", str(TREE), "--factors", "1,100", "--csv", str(csv)]) == 0
    assert csv.read_text(encoding="utf-8").startswith("factor")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert "Traceback" not in capsys.readouterr().err


def test_resilience_writes_its_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "n1.csv"
    assert main(["resilience", str(TWO_SOURCES), "--no-arcs", "--csv", str(csv)]) in (0, 1)
    assert csv.is_file()
    assert "Traceback" not in capsys.readouterr().err
