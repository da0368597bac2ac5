"""Start-up: the routing worked example end to end, against importing the solver stack alone.

Runs, in turn and several times each, the installed command

    wdnopt solve scenarios/routing/two_sources_three_plants_six_zones.toml

(start the interpreter, import, parse, read and validate the scenario, build, solve with HiGHS,
print the report) and the reference ``python -c "import pyomo.environ, highspy"`` (the least
any routing solve must import), and prints the median and best wall time of each and their
ratio. The target for the example is 2 s; the figures are printed, not asserted. It also lists
the heavy libraries the routing solve imported (none of wntr, matplotlib, dask should be).

    .venv/bin/python benchmarks/bench_startup.py
    .venv/bin/python benchmarks/bench_startup.py --repeat 10
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WDNOPT = Path(sys.executable).with_name("wdnopt")
EXAMPLE = ROOT / "scenarios" / "routing" / "two_sources_three_plants_six_zones.toml"
TARGET_S = 2.0
HEAVY = ("wntr", "matplotlib", "dask", "distributed", "scipy", "networkx")


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def imported_by_the_example() -> list[str]:
    code = (
        "import sys, contextlib, io\n"
        "from wdnopt.solvers.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['solve', {str(EXAMPLE)!r}])\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return done.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each (default 5)")
    args = parser.parse_args()
    commands = {
        "wdnopt solve (routing example)": [str(WDNOPT), "solve", str(EXAMPLE)],
        "import pyomo.environ, highspy": [sys.executable, "-c", "import pyomo.environ, highspy"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    wall(commands["import pyomo.environ, highspy"])  # warm the file cache once
    for _ in range(args.repeat):  # interleaved, so that load on the machine hits both alike
        for name, command in commands.items():
            times[name].append(wall(command))
    print(f"{'command':<34} {'median s':>9} {'best s':>8}")
    for name, values in times.items():
        print(f"{name:<34} {statistics.median(values):9.2f} {min(values):8.2f}")
    cli, ref = (statistics.median(v) for v in times.values())
    verdict = "within" if cli <= TARGET_S else "OVER"
    print(f"ratio (median): {cli / ref:.2f} × the solver imports alone")
    print(f"routing example: {cli:.2f} s, {verdict} the {TARGET_S:g} s target")
    heavy = imported_by_the_example()
    print(f"heavy libraries imported by the routing solve: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
