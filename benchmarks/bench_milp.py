"""The exact reference on a 1,747-node tree: build time, solve time, status and final gap.

The shipped network ``data/networks/tree_1747.inp`` with the shipped catalogue, at demand
factors 2.0, 2.5 and 3.0; ``--random`` uses ``random_tree_instance(1747, seed)`` with deficient
shares rising with the factor and ``random_catalogue(8, seed)`` instead. One HiGHS thread, a
60 s limit per solve. Target: proven optimal (gap ≤ 1e-4) within 60 s at every factor.

Each variant adds one step to the one before it, so the figures show what each step gains:

* ``plain``: the design note's formulation as written;
* ``presolve``: implied rows dropped, chain-order rows, useless sizes removed;
* ``capped``: the capped boost (coefficient tightening);
* ``dp-start``: the tree dynamic programme's optimum as MIP start;
* ``dp-bound``: its optimum also as a lower bound on the cost (the default of ``milp``);

and ``tree-dp`` is the dynamic programme on its own. Figures are printed, not asserted.

    .venv/bin/python benchmarks/bench_milp.py
    .venv/bin/python benchmarks/bench_milp.py --random --seed 1 --objective opex
    .venv/bin/python benchmarks/bench_milp.py --variants capped dp-bound --time-limit 20
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from wdnopt.models.pumps.costs import CostModel
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.pumps.milp import MilpOptions, run_milp
from wdnopt.solvers.pumps.result import PlacementResult
from wdnopt.solvers.pumps.tree_dp import run_tree_dp

FACTORS = (2.0, 2.5, 3.0)
SHARE = {2.0: 0.25, 2.5: 0.38, 3.0: 0.5}
"""Deficient share of the random stand-in at each factor."""

BASE = MilpOptions(presolve=False, tighten=False, dp_start=False, dp_bound=False, threads=1)
VARIANTS: dict[str, dict[str, bool]] = {
    "plain": {},
    "presolve": {"presolve": True},
    "capped": {"presolve": True, "tighten": True},
    "dp-start": {"presolve": True, "tighten": True, "dp_start": True},
    "dp-bound": {"presolve": True, "tighten": True, "dp_start": True, "dp_bound": True},
}


def shipped_problems(factors: tuple[float, ...], objective: str) -> list[PumpProblem]:
    from wdnopt.models.pumps.catalogue import load_catalogue
    from wdnopt.models.pumps.hydraulics import read_network
    from wdnopt.models.pumps.instance import tree_instances

    path = Path(__file__).resolve().parents[1] / "data" / "networks" / "tree_1747.inp"
    trees = tree_instances(read_network(path), list(factors))
    catalogue = load_catalogue()
    return [PumpProblem(t, catalogue, CostModel(), objective) for t in trees]  # type: ignore[arg-type]


def random_problems(factors: tuple[float, ...], seed: int, objective: str) -> list[PumpProblem]:
    from wdnopt.models.pumps.random_tree import random_catalogue, random_tree_instance

    out = []
    for f in factors:
        tree = random_tree_instance(1747, seed, deficient_share=SHARE.get(f, 0.4))
        tree = dataclasses.replace(tree, demand_factor=f)
        out.append(PumpProblem(tree, random_catalogue(8, seed), CostModel(), objective))  # type: ignore[arg-type]
    return out


def row(factor: float, variant: str, r: PlacementResult) -> str:
    build = r.extras.get("build_s", 0.0)
    solve = r.extras.get("solve_s", r.runtime_s)
    gap = "-" if r.gap is None else f"{r.gap:.2e}"
    obj = "-" if r.objective is None else f"{r.objective:,.0f}"
    bound = "-" if r.bound is None else f"{r.bound:,.0f}"
    return (
        f"{factor:>6.1f}  {variant:<9}  {build:>7.2f}  {solve:>7.2f}  {r.status.value:<10}  "
        f"{obj:>14}  {bound:>14}  {gap:>9}  {r.cost.n_pumps:>5}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", action="store_true", help="random stand-in tree")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--objective", default="tco", choices=["opex", "capex", "tco"])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--factors", type=float, nargs="+", default=list(FACTORS))
    parser.add_argument("--variants", nargs="+", default=[*VARIANTS, "tree-dp"])
    args = parser.parse_args()
    factors = tuple(args.factors)
    if args.random:
        problems = random_problems(factors, args.seed, args.objective)
        source = f"random_tree_instance(1747, {args.seed})"
    else:
        problems = shipped_problems(factors, args.objective)
        source = "data/networks/tree_1747.inp"
    print(f"{source}, objective {args.objective}, 1 HiGHS thread, {args.time_limit:g} s limit")
    for p in problems:
        t = p.tree
        print(
            f"  factor {t.demand_factor:g}: {t.n} nodes, {int(t.deficient.sum())} deficient, "
            f"{len(t.candidates)} candidate pipes, {len(p.catalogue)} sizes"
        )
    print(
        f"{'factor':>6}  {'variant':<9}  {'build s':>7}  {'solve s':>7}  {'status':<10}  "
        f"{'objective':>14}  {'bound':>14}  {'gap':>9}  {'pumps':>5}"
    )
    for factor, problem in zip(factors, problems, strict=True):
        for name in args.variants:
            if name == "tree-dp":
                result = run_tree_dp(problem)
            else:
                options = dataclasses.replace(BASE, time_limit=args.time_limit, **VARIANTS[name])
                result = run_milp(problem, options)
            print(row(factor, name, result), flush=True)


if __name__ == "__main__":
    main()
