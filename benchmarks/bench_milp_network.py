"""Certified bounds on real looped networks: ``milp-network`` at a wall-clock limit.

For each network (read from the installed wntr and epyt packages, never copied) at a demand
factor where its unpumped state has junctions below ``P_min``, ``milp-network`` runs with
``--time-limit`` seconds (default 60). Printed per network: junctions, candidate pipes,
deficient junctions, the lower bound LB (the relaxation's), the upper bound UB (the cheapest
plan simulated that holds), the certified gap ``(UB − LB)/UB``, MILP iterations, bound
tightening LPs, the wall time, the status, and whether the UB plan holds in an independent
EPANET run (the ``.inp`` read again, pumps inserted by wntr, ``EpanetSimulator``: every
checked junction within its limits, every new pump forward within its maximum head). The cost of
``network-dp``'s plan (the warm start) is printed beside UB: how much the exact loop saved.

Each network is run once per relaxation (``--relaxations``, default ``combined,outer``: the
content constraint added to the link-by-link model, and the link-by-link model alone), in the
same run, so the lower bounds are set side by side on the same instances.

    .venv/bin/python benchmarks/bench_milp_network.py
    .venv/bin/python benchmarks/bench_milp_network.py --networks Hanoi,Net3 --time-limit 30
    .venv/bin/python benchmarks/bench_milp_network.py --relaxations combined \
        --networks "Net1,Richmond_skeleton,Jilin including water quality,Net2,foss_poly_1"
    .venv/bin/python benchmarks/bench_milp_network.py --relaxations combined,content,outer
    .venv/bin/python benchmarks/bench_milp_network.py --relaxations combined \
        --networks "Richmond_skeleton@1.25,Net2@5,path/to/network.inp@1.5"

A network is a name of :data:`CASES` (at its factor there), ``name@factor`` for another demand
factor, or the path of an ``.inp`` file (``@factor`` too; 1.0 without).

Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from importlib.resources import files
from pathlib import Path

CASES: dict[str, float] = {
    "Net1": 4.0,
    "Richmond_skeleton": 1.0,
    "New York Tunnels including water quality": 1.25,
    "Jilin including water quality": 1.0,
    "Hanoi": 1.0,
    "Anytown": 4.0,
    "Net2": 4.0,
    "foss_poly_1": 2.0,
    "Net3": 2.5,
    "Balerma": 1.2,
    "ky10": 1.5,
    "ky4": 3.0,
}
"""Network → a demand factor at which it is deficient (at its peak-demand hour): for the
small ones the first of 1, 1.25, 1.5, 2, 2.5, 3, 4 with a junction below ``P_min``."""

SHIPPED = ("Net1", "Net3", "Net6", "ky4", "ky10")

EXETER = ("Richmond_skeleton",)
"""Networks of epyt's ``exeter-benchmarks`` folder (the others are in ``asce-tf-wdst``)."""


def source(name: str) -> dict:
    if name in SHIPPED:
        return {"shipped": name}
    folder = "exeter-benchmarks" if name in EXETER else "asce-tf-wdst"
    return {"file": str(files("epyt").joinpath("networks", folder, f"{name}.inp"))}


def parse_network(spec: str) -> tuple[str, dict, float]:
    """``name``, ``name@factor`` or ``path.inp[@factor]`` → its label, source and factor."""
    name, _, factor = spec.strip().partition("@")
    if name.endswith(".inp"):
        label, where = Path(name).stem, {"file": name}
    else:
        label, where = name, source(name)
    return label, where, float(factor) if factor else CASES.get(name, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--networks",
        default=",".join(CASES),
        help="comma-separated names, name@factor, or paths of .inp files (path@factor)",
    )
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per network")
    parser.add_argument(
        "--relaxations",
        default="combined,outer",
        help="comma-separated lower-bounding models of milp-network (combined, content, outer)",
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.basicConfig(level=logging.WARNING)

    from pydantic import ValidationError

    from wdnopt.models.errors import InputError
    from wdnopt.models.pumps.instance import build_problems
    from wdnopt.models.pumps.relaxation import candidates, network_data
    from wdnopt.models.pumps.schema import PumpPlacementScenario

    header = (
        f"{'network':<18}{'factor':>7}{'relax':>9}{'junct':>6}{'cands':>6}{'defic':>6}{'LB':>14}{'UB':>14}"
        f"{'gap':>8}{'iter':>5}{'LPs':>6}{'time s':>8}  {'status':<11}{'holds':>6}"
        f"{'network-dp':>14}"
    )
    problems = []
    for spec in args.networks.split(","):  # every network read before any run
        try:
            name, where, factor = parse_network(spec)
            scenario = PumpPlacementScenario(network=where, demand_factors=[factor])
            (problem,) = build_problems(scenario)
        except (InputError, ValidationError, ValueError) as exc:
            parser.error(f"--networks {spec!r}: {exc}")
        problems.append((name, where, factor, problem))
    print(header)
    print("-" * len(header))
    for name, where, factor, problem in problems:
        net = problem.network
        cands = len(candidates(network_data(net)))
        for relaxation in args.relaxations.split(","):
            _run(name, where, factor, relaxation, problem, net, cands, args.time_limit)


def _run(
    name: str, where: dict, factor: float, relaxation: str, problem, net, cands: int,
    time_limit: float,
) -> None:  # fmt: skip
    """One run of ``milp-network`` with one relaxation, printed as one row."""
    from wdnopt.models.pumps.hydraulics import read_network
    from wdnopt.solvers.pumps.milp_network import MilpNetworkOptions, run_milp_network
    from wdnopt.solvers.pumps.verify import verify_pumps_simulator

    started = time.perf_counter()
    options = MilpNetworkOptions(time_limit=time_limit, relaxation=relaxation)
    result = run_milp_network(problem, options)
    wall = time.perf_counter() - started
    holds = "-"
    if result.has_plan:  # the reference engine: a wntr copy, EpanetSimulator
        wn = read_network(where.get("file") or where["shipped"])
        check = verify_pumps_simulator(wn, problem.tree, result.pumps, problem.catalogue)
        holds = "yes" if check.verified else "NO"
    ex = result.extras
    lb, ub, gap = ex.get("lower_bound"), ex.get("upper_bound"), ex.get("gap")
    warm = ex.get("warm_cost")
    print(
        f"{name[:18]:<18}{factor:>7g}{relaxation:>9}"
        f"{len(net.checked) + len(net.excluded):>6}{cands:>6}"
        f"{len(net.deficient()):>6}{_money(lb):>14}{_money(ub):>14}"
        f"{'-' if gap is None else f'{gap:.1%}':>8}{ex.get('iterations', 0):>5}"
        f"{ex.get('bound_lps', 0):>6}{wall:>8.1f}  {result.status.value:<11}{holds:>6}"
        f"{_money(warm):>14}"
    )


def _money(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


if __name__ == "__main__":
    main()
