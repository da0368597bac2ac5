"""Start-up stays light: a routing solve imports none of the pump placement libraries.

wntr (with scipy, networkx and pyplot) costs seconds to import; Dask and matplotlib more. A
routing solve needs none of them, so the command line and the scenario loader import them only
when a pump scenario, a sweep or a figure asks for them. Timing is measured by
``benchmarks/bench_startup.py``; here, in a fresh interpreter, which modules were imported.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "routing" / "two_sources_three_plants_six_zones.toml"
HEAVY = ("wntr", "matplotlib", "dask", "distributed", "scipy", "networkx")


def _imported_after(code: str) -> tuple[list[str], str]:
    script = (
        textwrap.dedent(code) + f"\nprint('HEAVY:', *(m for m in {HEAVY!r} if m in sys.modules))"
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
