"""Start-up: ``wdnopt --help``, ``--version`` and the routing worked example end to end, against
importing the solver stack alone, in one run.

Runs, in turn and several times each (interleaved, so that load on the machine hits all alike):

- ``wdnopt --help`` and ``wdnopt --version`` (target: at most 0.3 s each; the command's modules
  are imported only when a command runs);
- the reference ``python -c "import pyomo.environ, highspy"`` (the least any routing solve must
  import);
- ``wdnopt solve scenarios/routing/two_sources_three_plants_six_zones.toml`` (start the
  interpreter, import, parse, read and validate the scenario, build, solve with HiGHS, print the
  report; target: at most 1.6 × the reference),

and prints the median and best wall time of each and its median CPU time, the ratio of the
example to the reference (wall time, and CPU time, which other load on the machine sways less),
and the libraries the routing solve imported that it should not (wntr, matplotlib, Dask,
FastAPI, ...). The figures are printed, not asserted. Run it with the Python of the install to
measure (a wheel's venv: ``build/wheel-venv/bin/python benchmarks/bench_startup.py``).

    .venv/bin/python benchmarks/bench_startup.py
    .venv/bin/python benchmarks/bench_startup.py --repeat 10
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WDNOPT = Path(sys.executable).with_name("wdnopt")
EXAMPLE = ROOT / "scenarios" / "routing" / "two_sources_three_plants_six_zones.toml"
HELP_TARGET_S = 0.3
RATIO_TARGET = 1.6
HEAVY = (
    "pandas",  # a routing result's tables become DataFrames only when read as such
    "wntr",
    "matplotlib",
    "dask",
    "distributed",
    "scipy",
    "networkx",
    "fastapi",
    "uvicorn",
    "pyarrow",
)
REFERENCE = "import pyomo.environ, highspy"


def wall(command: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``command``, s."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu


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
    parser.add_argument("--repeat", type=int, default=7, help="runs of each (default 7)")
    args = parser.parse_args()
    commands = {
        "wdnopt --help": [str(WDNOPT), "--help"],
        "wdnopt --version": [str(WDNOPT), "--version"],
        REFERENCE: [sys.executable, "-c", REFERENCE],
        "wdnopt solve (routing example)": [str(WDNOPT), "solve", str(EXAMPLE)],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # warm the file cache once
        wall(command)
    for _ in range(args.repeat):
        for name, command in commands.items():
            elapsed, cpu = wall(command)
            times[name].append(elapsed)
            cpus[name].append(cpu)
    print(f"{'command':<34} {'median s':>9} {'best s':>8} {'CPU s':>7}")
    for name, values in times.items():
        cpu = statistics.median(cpus[name])
        print(f"{name:<34} {statistics.median(values):9.3f} {min(values):8.3f} {cpu:7.3f}")
    median = {name: statistics.median(values) for name, values in times.items()}
    for name in ("wdnopt --help", "wdnopt --version"):
        verdict = "within" if median[name] <= HELP_TARGET_S else "OVER"
        print(f"{name}: {median[name]:.3f} s, {verdict} the {HELP_TARGET_S:g} s target")
    example = "wdnopt solve (routing example)"
    ratio = median[example] / median[REFERENCE]
    cpu_ratio = statistics.median(cpus[example]) / statistics.median(cpus[REFERENCE])
    verdict = "within" if ratio <= RATIO_TARGET else "OVER"
    print(
        f"routing example: {ratio:.2f} × the solver imports alone (median wall time), "
        f"{verdict} the {RATIO_TARGET:g} × target; {cpu_ratio:.2f} × in CPU time (less "
        "sensitive to other load on the machine)"
    )
    heavy = imported_by_the_example()
    print(f"heavy libraries imported by the routing solve: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
