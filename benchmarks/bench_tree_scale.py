"""Time ``tree-dp`` end to end on generated trees of 10,000, 30,000 and 100,000 junctions.

For each size: every stage of ``wdnopt solve --algorithm tree-dp`` as the command runs it
(generating the network, the problem with its steady state, the DP, its certificate, the repair
with its EPANET run, the final EPANET check, the report), each in seconds and as a ratio to one
plain EPANET steady state of the same network in the same run (wntr's ``EpanetSimulator``:
write the ``.inp``, solve, read), then the whole command in a fresh process. Prints figures;
no timing asserts.

    .venv/bin/python benchmarks/bench_tree_scale.py [SIZES ...]   # default 10000 30000 100000
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

from wdnopt.models.pumps.hydraulics import simulate
from wdnopt.models.pumps.instance import build_problems, load_network
from wdnopt.models.pumps.schema import PumpPlacementScenario
from wdnopt.solvers.cli.pump_report import print_report
from wdnopt.solvers.pumps.exact import cross_check
from wdnopt.solvers.pumps.network_mode import repair_result
from wdnopt.solvers.pumps.placement import check_placement
from wdnopt.solvers.pumps.plan import PumpPlan
from wdnopt.solvers.pumps.tree_dp import run_tree_dp

FACTOR = 2.5
SEED = 1


def scenario_text(nodes: int) -> str:
    return (
        'kind = "pump_placement"\n'
        f'name = "tree {nodes}"\n'
        f"demand_factors = [{FACTOR}]\n"
        'objective = "tco"\n\n'
        "[network]\n"
        f"generator = {{ nodes = {nodes}, seed = {SEED} }}\n"
    )


def stages(nodes: int) -> None:
    scenario = PumpPlacementScenario(
        network={"generator": {"nodes": nodes, "seed": SEED}}, demand_factors=[FACTOR]
    )
    times: dict[str, float] = {}

    def clock(name: str, started: float) -> None:
        times[name] = time.perf_counter() - started

    t = time.perf_counter()
    wn = load_network(scenario)
    clock("generate network", t)
    t = time.perf_counter()
    (problem,) = build_problems(scenario, wn=wn)
    clock("problem (steady state, tree)", t)
    t = time.perf_counter()
    answer = run_tree_dp(problem)
    clock("tree DP", t)
    t = time.perf_counter()
    result = cross_check(problem, answer)
    clock("certificate / cross-check", t)
    t = time.perf_counter()
    result = repair_result(problem, result)
    clock("repair (EPANET with the plan)", t)
    t = time.perf_counter()
    check = check_placement(problem, result)
    clock("final EPANET check", t)
    t = time.perf_counter()
    plans = [PumpPlan(problem, result, check)]
    print_report(scenario, "tree-dp", plans, Console(file=io.StringIO()))
    clock("report", t)
    t = time.perf_counter()
    simulate(wn, FACTOR, problem.network.hour if problem.network else None)
    reference = time.perf_counter() - t

    print(f"\n{nodes:,} junctions: {result.status}, {len(result.pumps)} pumps, "
          f"{int(problem.tree.deficient.sum())} deficient; {result.message}")  # fmt: skip
    print(f"  {'one plain EPANET steady state':<34s} {reference:7.2f} s   1.00")
    for name, seconds in times.items():
        print(f"  {name:<34s} {seconds:7.2f} s  {seconds / reference:5.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tree.toml"
        path.write_text(scenario_text(nodes))
        t = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "wdnopt", "solve", str(path), "--algorithm", "tree-dp"],
            capture_output=True,
            text=True,
        )
        whole = time.perf_counter() - t
    print(f"  {'whole command (fresh process)':<34s} {whole:7.2f} s  {whole / reference:5.2f}"
          f"   exit {run.returncode}")  # fmt: skip


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "sizes", nargs="*", type=int, default=[10_000, 30_000, 100_000],
        help="junctions of each generated tree (default 10000 30000 100000)",
    )  # fmt: skip
    for nodes in parser.parse_args(argv).sizes:
        stages(nodes)


if __name__ == "__main__":
    main(sys.argv[1:])
