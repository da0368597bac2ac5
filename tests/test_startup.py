"""Start-up stays light: ``wdnopt --help``, ``--version`` and ``import wdnopt`` import no
solver library, and a routing solve imports none of the pump placement or service libraries.

wntr (with scipy, networkx and pyplot) costs seconds to import; Dask, FastAPI and matplotlib
more. The command line imports a command's module only when that command runs, and the scenario
loader imports the pump libraries only when a pump scenario, a sweep or a figure asks for them.
Timing is measured by ``benchmarks/bench_startup.py``; here, in a fresh interpreter, which
modules were imported.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import version
from pathlib import Path

import pytest

from wdnopt.solvers.cli.main import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "routing" / "two_sources_three_plants_six_zones.toml"
HEAVY = ("wntr", "matplotlib", "dask", "distributed", "scipy", "networkx", "fastapi", "uvicorn")
"""Never imported by a routing solve."""
SOLVER_STACK = (*HEAVY, "pandas", "numpy", "pyomo", "highspy", "pyarrow", "pydantic", "rich")
"""Never imported by ``--help``, ``--version`` or ``import wdnopt``."""
SERVER = ("fastapi", "starlette", "uvicorn", "dask", "distributed")
"""Imported by ``wdnopt serve`` only when the server starts."""


def _imported_after(code: str, heavy: tuple[str, ...] = HEAVY) -> tuple[list[str], str]:
    script = (
        textwrap.dedent(code) + f"\nprint('HEAVY:', *(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", "import sys\n" + script], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("HEAVY:"), done.stdout[-2000:]
    return last.split()[1:], done.stdout


def test_routing_solve_imports_no_pump_library() -> None:
    heavy, out = _imported_after(
        f"""
        from wdnopt.solvers.cli.main import main
        code = main(["solve", {str(EXAMPLE)!r}, "--json"])
        assert code == 0, code
        """
    )
    assert '"objective": 989.0' in out
    assert heavy == []


@pytest.mark.parametrize(
    "scenario", [EXAMPLE, ROOT / "scenarios" / "routing" / "daily_schedule.toml"]
)
def test_a_printed_routing_report_imports_no_pandas_nor_pump_schema(scenario: Path) -> None:
    """The report on standard output is printed from the result's columns: pandas (and the
    pyarrow it loads) is imported only when a DataFrame is asked for, and the pump placement
    schemas only when a pump scenario is loaded."""
    heavy, out = _imported_after(
        f"""
        from wdnopt.solvers.cli.main import main
        assert main(["solve", {str(scenario)!r}]) == 0
        """,
        heavy=(*HEAVY, "pandas", "pyarrow", "wdnopt.models.pumps.schema"),
    )
    assert "Treatment plants" in out
    assert heavy == []


def test_a_dataframe_asked_for_imports_pandas() -> None:
    heavy, _ = _imported_after(
        f"""
        from wdnopt.models.scenario import load_scenario
        from wdnopt.solvers.routing.solve import solve_routing
        result = solve_routing(load_scenario({str(EXAMPLE)!r}))
        assert "pandas" not in sys.modules
        assert list(result.plants.columns)[:2] == ["plant", "capacity"]
        """,
        heavy=("pandas",),
    )
    assert heavy == ["pandas"]


def test_a_pump_scenario_loads_its_schema_on_demand() -> None:
    heavy, _ = _imported_after(
        f"""
        from wdnopt.models.scenario import SCENARIO_KINDS, load_scenario
        load_scenario({str(EXAMPLE)!r})
        assert "wdnopt.models.pumps.schema" not in sys.modules
        assert sorted(SCENARIO_KINDS) == [
            "pump_comparison", "pump_placement", "routing", "routing_sweep"
        ]
        assert SCENARIO_KINDS["pump_placement"].__name__ == "PumpPlacementScenario"
        """,
        heavy=("wdnopt.models.pumps.schema",),
    )
    assert heavy == ["wdnopt.models.pumps.schema"]


def test_parsing_every_command_imports_no_pump_library() -> None:
    heavy, _ = _imported_after(
        """
        from wdnopt.solvers.cli.main import build_parser
        build_parser().parse_args(["compare", "x.toml", "--out", "o"])
        """
    )
    assert heavy == []


def test_a_pump_scenario_still_gets_wntr() -> None:
    heavy, _ = _imported_after(
        """
        from wdnopt.models.pumps.hydraulics import read_network
        assert read_network("Net1").num_junctions == 9
        """
    )
    assert "wntr" in heavy


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["examples", "-h"]])
def test_help_and_version_import_no_solver_library(argv: list[str]) -> None:
    """``wdnopt --help`` lists every command from its one-line summary without importing the
    commands' modules (the service's among them); ``--version`` reads the metadata alone;
    ``examples -h`` imports that command's module only, which leaves the solver stack alone."""
    heavy, out = _imported_after(
        f"""
        import contextlib, io
        from wdnopt.solvers.cli.main import main
        text = io.StringIO()
        with contextlib.redirect_stdout(text):
            try:
                main({argv!r})
            except SystemExit as exc:
                assert exc.code == 0, exc.code
        print(text.getvalue())
        """,
        (*SOLVER_STACK, "wdnopt.solvers.service"),
    )
    assert heavy == []
    if argv == ["--help"]:
        for command in COMMANDS:
            assert command in out, command
    elif argv == ["--version"]:
        assert f"wdnopt {version('wdnopt')}" in out


@pytest.mark.parametrize("argv", [["serve", "--help"], ["serve", "--new-token", "ops"]])
def test_serve_starts_no_server_library_before_it_serves(argv: list[str]) -> None:
    """``wdnopt serve``'s options live in the service package, and its ``--help`` and
    ``--new-token`` import none of FastAPI, uvicorn or Dask: they come when a server starts."""
    heavy, out = _imported_after(
        f"""
        import contextlib, io
        from wdnopt.solvers.cli.main import main
        text = io.StringIO()
        with contextlib.redirect_stdout(text):
            try:
                assert main({argv!r}) == 0
            except SystemExit as exc:
                assert exc.code == 0, exc.code
        print(text.getvalue())
        """,
        SERVER,
    )
    assert heavy == []
    assert ("--max-posts" if argv[1] == "--help" else "token file line: ops ") in out


def test_help_lists_and_explains_every_command() -> None:
    """Each command's line in ``wdnopt --help`` is its summary, and its module registers it
    (a command whose module is gone or misnamed fails here, not only when it is run)."""
    from wdnopt.solvers.cli.main import build_parser

    parser = build_parser()
    text = " ".join(parser.format_help().split())
    for name, (_, summary) in COMMANDS.items():
        assert f"{name} {summary}" in text, name
    sub = next(a for a in parser._actions if hasattr(a, "load"))
    for name in COMMANDS:
        command = sub.load(name)
        assert command.description, name  # filled in by the module's register()
        assert len(command._actions) > 2, name  # more than -h and -v


def test_import_wdnopt_imports_no_solver_library() -> None:
    heavy, out = _imported_after(
        """
        import wdnopt
        print(wdnopt.__version__)
        assert "place_pumps" in dir(wdnopt)
        """,
        SOLVER_STACK,
    )
    assert heavy == []
    assert version("wdnopt") in out


def test_python_m_wdnopt_is_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "wdnopt", "--help"], capture_output=True, text=True, cwd="/"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: wdnopt ")
    assert all(command in done.stdout for command in COMMANDS)
