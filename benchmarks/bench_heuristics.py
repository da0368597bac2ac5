"""Runtime of the paper's algorithms on a 1,747-node tree.

The shipped network ``data/networks/tree_1747.inp`` (simulated at the demand factor given,
default 2.5) with the shipped catalogue; ``--random`` uses ``random_tree_instance(1747, seed)`` and
``random_catalogue(8, seed)`` instead. Targets: MIN-OPEX and TREE-PUMP under 0.2 s,
APPROX-PUMP under 2 s, the GA with the paper's settings under 20 s. Figures are printed, not
asserted.

    .venv/bin/python benchmarks/bench_heuristics.py
    .venv/bin/python benchmarks/bench_heuristics.py --random --seed 1 --objective opex
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from wdnopt.models.pumps.costs import CostModel
from wdnopt.models.pumps.problem import PumpProblem


def shipped_problem(factor: float, objective: str) -> PumpProblem:
    from wdnopt.models.pumps.catalogue import load_catalogue
    from wdnopt.models.pumps.hydraulics import read_network
    from wdnopt.models.pumps.instance import tree_instance

    path = Path(__file__).resolve().parents[1] / "data" / "networks" / "tree_1747.inp"
    tree = tree_instance(read_network(path), factor)
    return PumpProblem(tree, load_catalogue(), CostModel(), objective)  # type: ignore[arg-type]


def random_problem(seed: int, objective: str) -> PumpProblem:
    from wdnopt.models.pumps.random_tree import random_catalogue, random_tree_instance

    tree = random_tree_instance(1747, seed)
    return PumpProblem(tree, random_catalogue(8, seed), CostModel(), objective)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", action="store_true", help="random tree instead of tree_1747")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--factor", type=float, default=2.5)
    parser.add_argument("--objective", choices=["opex", "capex", "tco"], default="tco")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the fast algorithms")
    args = parser.parse_args()

    from wdnopt.solvers.pumps.approx_pump import run_approx_pump
    from wdnopt.solvers.pumps.bounds import lower_bounds
    from wdnopt.solvers.pumps.ga import run_ga
    from wdnopt.solvers.pumps.min_opex import run_min_opex
    from wdnopt.solvers.pumps.tree_pump import run_tree_pump

    start = time.perf_counter()
    if args.random:
        problem = random_problem(args.seed, args.objective)
    else:
        problem = shipped_problem(args.factor, args.objective)
    tree = problem.tree
    print(
        f"instance {tree.name}: {tree.n} nodes, {int(tree.deficient.sum())} deficient, "
        f"{len(tree.candidates)} candidate pipes, {len(problem.catalogue)} sizes, "
        f"objective {problem.objective} (built in {time.perf_counter() - start:.2f} s)"
    )
    bound = lower_bounds(problem).valid(problem.objective)
    print(f"valid lower bound: {bound:,.0f}")
    runs = [
        ("min-opex", run_min_opex, 0.2, args.repeat),
        ("tree-pump", run_tree_pump, 0.2, args.repeat),
        ("approx-pump", run_approx_pump, 2.0, args.repeat),
        ("ga", run_ga, 20.0, 1),
    ]
    print(f"{'algorithm':<12} {'best s':>8} {'target s':>9} {'status':<11} {'objective':>14} ratio")
    for name, run, target, repeat in runs:
        times, result = [], None
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = run(problem)
            times.append(time.perf_counter() - t0)
        value = result.objective if result.objective is not None else result.bound
        ratio = f"{value / bound:.3f}" if value is not None and bound > 0 else "-"
        shown = f"{value:,.0f}" if value is not None else "-"
        print(
            f"{name:<12} {min(times):>8.3f} {target:>9.1f} {result.status.value:<11} "
            f"{shown:>14} {ratio}"
        )


if __name__ == "__main__":
    main()
