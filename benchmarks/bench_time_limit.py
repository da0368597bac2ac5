"""Does ``--time-limit`` bound the whole run? ``wdnopt solve`` on the 10,000-node tree.

Runs the installed command ``wdnopt solve`` on ``data/networks/tree_10000.inp`` at demand factor
3.0 with ``--time-limit 5`` for each algorithm given, and prints its wall time beside the start-up
measured in the same run (``wdnopt solve --help``: imports and argument parsing) and the time to
build the problem (one steady state of the tree), so that wall − start-up − build is the
algorithm's share, to be compared with the limit. Figures are printed, not asserted.

    .venv/bin/python benchmarks/bench_time_limit.py
    .venv/bin/python benchmarks/bench_time_limit.py --limit 2 --algorithms milp,ga
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WDNOPT = Path(sys.executable).with_name("wdnopt")


def wall(args: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run([str(WDNOPT), *args], capture_output=True, text=True)
    return time.perf_counter() - start, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=5.0, help="seconds (default 5)")
    parser.add_argument("--factor", type=float, default=3.0)
    parser.add_argument("--algorithms", default="milp,network-dp,ga,tree-dp,approx-pump")
    args = parser.parse_args()
    startup, _ = wall(["solve", "--help"])
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "tree.toml"
        network = ROOT / "data" / "networks" / "tree_10000.inp"
        scenario.write_text(
            f'kind = "pump_placement"\ndemand_factors = [{args.factor}]\n'
            f'[network]\nfile = "{network}"\n',
            encoding="utf-8",
        )
        build, _ = wall(["solve", str(scenario), "--algorithm", "approx-pump", "--time-limit",
                         "0.001"])  # fmt: skip
        print(f"start-up (wdnopt solve --help): {startup:.2f} s")
        print(f"limit {args.limit:g} s; tree_10000 at factor {args.factor:g}")
        print(f"{'algorithm':12s} {'wall s':>7s} {'exit':>4s} {'wall/(limit+start-up)':>22s}")
        for name in args.algorithms.split(","):
            t, code = wall(["solve", str(scenario), "--algorithm", name,
                            "--time-limit", str(args.limit)])  # fmt: skip
            print(f"{name:12s} {t:7.2f} {code:4d} {t / (args.limit + startup):22.2f}")
        print(f"(one approx-pump solve, problem build and EPANET check included: {build:.2f} s)")


if __name__ == "__main__":
    main()
