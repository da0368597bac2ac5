"""A 24-period schedule with 50 plants and 2,000 zones: build and solve times, and a re-solve
after a demand change through the persistent HiGHS solver against rebuilding from scratch.

The persistent path builds the model once with the demands as mutable Params, solves it, then
changes the Params and solves again on the same solver object: only the row bounds are sent to
HiGHS (every other automatic update check is switched off), and HiGHS starts from the previous
basis.

    .venv/bin/python benchmarks/bench_schedule.py
    .venv/bin/python benchmarks/bench_schedule.py --zones 500 --periods 12
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from wdnopt.models.routing.builder import build_routing_model
from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.routing.random_network import random_routing_network
from wdnopt.models.routing.schedule import Schedule
from wdnopt.solvers.highs import make_highs, solve_with_highs


def instance(args: argparse.Namespace) -> RoutingNetwork:
    net = random_routing_network(args.sources, args.plants, args.zones, args.per_zone, args.seed)
    rng = np.random.default_rng(args.seed)
    t = np.arange(args.periods)
    shape = 1.0 + 0.3 * np.sin(2 * np.pi * (t - 7) / args.periods)  # a day peak
    profile = shape[:, None] * rng.uniform(0.9, 1.1, (args.periods, net.n_zones))
    hours = np.full(args.periods, 24.0 / args.periods)
    price = np.where((t >= 0.7 * args.periods) & (t < 0.9 * args.periods), 2.0, 1.0)
    price = np.where(t < 0.3 * args.periods, 0.6, price)
    schedule = Schedule(
        hours=hours,
        demand=profile * net.demand[None, :] * (hours[:, None] / 24.0),
        price_factor=price,
        ramp=np.full(net.n_plants, np.inf),
    )
    return replace(net, schedule=schedule, name=f"{net.name}, {args.periods} periods")


def timed(fn, *a, **kw):
    t0 = time.perf_counter()
    out = fn(*a, **kw)
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=10)
    ap.add_argument("--plants", type=int, default=50)
    ap.add_argument("--zones", type=int, default=2000)
    ap.add_argument("--per-zone", type=int, default=5)
    ap.add_argument("--periods", type=int, default=24)
    ap.add_argument("--change", type=float, default=0.05, help="demand increase of the re-solve")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    net = instance(args)
    n_vars = net.n_arcs * net.n_periods
    print(f"instance: {net.name}: {n_vars:,} flow variables")

    # from scratch
    handle, build_s = timed(build_routing_model, net)
    model = handle.model
    (report, _), solve_s = timed(solve_with_highs, model)
    print(
        f"{'from scratch':24} build {build_s:7.2f} s  solve {solve_s:7.2f} s  "
        f"objective {report.objective:,.2f} ({report.status})"
    )

    # persistent: demands as mutable Params, one solver object
    handle, pbuild_s = timed(build_routing_model, net, mutable=True)
    model = handle.model
    solver = make_highs()
    (first, _), first_s = timed(solve_with_highs, model, solver=solver)
    print(
        f"{'persistent, first solve':24} build {pbuild_s:7.2f} s  solve {first_s:7.2f} s  "
        f"objective {first.objective:,.2f}"
    )
    updates = solver.config.auto_updates  # type: ignore[attr-defined]
    for flag in (
        "check_for_new_or_removed_constraints",
        "check_for_new_or_removed_vars",
        "check_for_new_or_removed_params",
        "check_for_new_objective",
        "update_constraints",
        "update_vars",
        "update_named_expressions",
        "update_objective",
    ):
        setattr(updates, flag, False)
    updates.update_parameters = True
    rng = np.random.default_rng(args.seed + 1)
    changed = rng.random(net.n_zones) < 0.2  # a fifth of the zones use more water
    factor = np.where(changed, 1.0 + args.change, 1.0)
    new_demand = net.period_demand * factor[None, :]
    t0 = time.perf_counter()
    for k, value in enumerate(new_demand.ravel().tolist()):
        model.demand_ml[k] = value
    set_s = time.perf_counter() - t0
    (again, _), resolve_s = timed(solve_with_highs, model, solver=solver)
    persistent_s = set_s + resolve_s

    # the same change, rebuilt from scratch
    changed_net = replace(net, schedule=replace(net.schedule, demand=new_demand))
    handle2, rebuild_s = timed(build_routing_model, changed_net)
    (check, _), resolve2_s = timed(solve_with_highs, handle2.model)
    rebuild_total = rebuild_s + resolve2_s
    print(
        f"{'re-solve, persistent':24} set {set_s:9.2f} s  solve {resolve_s:7.2f} s  "
        f"objective {again.objective:,.2f}"
    )
    print(
        f"{'re-solve, rebuilt':24} build {rebuild_s:7.2f} s  solve {resolve2_s:7.2f} s  "
        f"objective {check.objective:,.2f}"
    )
    rel = abs(again.objective - check.objective) / max(1.0, abs(check.objective))
    print(f"objectives agree to {rel:.1e} (relative)")
    print(f"re-solve speed-up: {rebuild_total / persistent_s:.1f}x (target >= 5x)")


if __name__ == "__main__":
    main()
