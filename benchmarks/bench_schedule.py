"""A 24-period schedule with 50 plants and 2,000 zones: build and solve times (routing's default
HiGHS settings and hand-over), and a re-solve after a demand change through the persistent HiGHS
solver against rebuilding from scratch.

From scratch, the model is handed to HiGHS the way ``solve_routing`` does it (compiled to
matrices by Pyomo, one call: :class:`wdnopt.solvers.highs.CompiledHighs`); the same model handed
over through Pyomo's persistent interface is timed beside it, as the reference of the ratio.

The persistent path builds the model once with the demands as mutable Params, solves it, then
changes the Params and solves again on the same solver object: only the row bounds are sent to
HiGHS (every other automatic update check is switched off), and HiGHS starts from the previous
basis.

Then the HiGHS settings tried on the same model (simplex strategies, interior point with
crossover, presolve choices), each from a fresh solver object: the table of wall time (Pyomo
hand-over, HiGHS run, read-back), HiGHS's own time, and whether the answer is exact (proved
optimal, a basic solution, the reference objective); the default of
:data:`wdnopt.solvers.routing.solve.HIGHS_OPTIONS` is the fastest exact one measured here.

    .venv/bin/python benchmarks/bench_schedule.py
    .venv/bin/python benchmarks/bench_schedule.py --zones 500 --periods 12
    .venv/bin/python benchmarks/bench_schedule.py --no-settings
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
from routing_instances import add_network_args, network, timed

from wdnopt.models.routing.builder import build_routing_model
from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.routing.schedule import Schedule
from wdnopt.models.schema import SolverOptions
from wdnopt.solvers.highs import CompiledHighs, solve_with_highs
from wdnopt.solvers.routing.solve import HIGHS_OPTIONS, _kw, make_solver
from wdnopt.solvers.routing.whatif import UPDATE_FLAGS

SETTINGS: dict[str, dict[str, object]] = {
    "HiGHS default (choose)": {},
    "dual simplex": {"solver": "simplex", "simplex_strategy": 1},
    "dual simplex, presolve off": {"solver": "simplex", "simplex_strategy": 1, "presolve": "off"},
    "dual simplex, parallel (PAMI)": {"solver": "simplex", "simplex_strategy": 3, "parallel": "on"},
    "dual simplex, Dantzig pricing": {
        "solver": "simplex",
        "simplex_strategy": 1,
        "simplex_dual_edge_weight_strategy": 0,
    },
    "dual simplex, Dantzig pricing, presolve off": {
        "solver": "simplex",
        "simplex_strategy": 1,
        "simplex_dual_edge_weight_strategy": 0,
        "presolve": "off",
    },
    "primal simplex": {"solver": "simplex", "simplex_strategy": 4},
    "IPM (IPX) + crossover": {"solver": "ipm", "run_crossover": "on"},
    "IPM (IPX) + crossover, presolve off": {
        "solver": "ipm",
        "run_crossover": "on",
        "presolve": "off",
    },
}
"""HiGHS settings tried; every one returns a basic optimal solution (interior point only with
crossover), so each is exact."""


def instance(args: argparse.Namespace) -> RoutingNetwork:
    net = network(args)
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


def lp_solver(net: RoutingNetwork, *, persistent: bool = False):
    """A HiGHS solver as routing makes it for ``net`` (:data:`HIGHS_OPTIONS`; the compiled
    hand-over at this size, unless ``persistent``)."""
    size = net.n_arcs * net.n_periods
    return make_solver(_kw(SolverOptions()), milp=False, size=size, persistent=persistent)


def handover(net: RoutingNetwork) -> str:
    """How routing hands a model of ``net``'s size to HiGHS (below ``COMPILED_FROM``
    variables, persistent: then both rows of the comparison take the same path)."""
    return "compiled" if isinstance(lp_solver(net), CompiledHighs) else "persistent"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_network_args(ap, zones=2000)
    ap.add_argument("--periods", type=int, default=24)
    ap.add_argument("--change", type=float, default=0.05, help="demand increase of the re-solve")
    ap.add_argument(
        "--no-settings", dest="settings", action="store_false", help="skip the settings table"
    )
    ap.add_argument("--repeats", type=int, default=2, help="runs of each setting (best kept)")
    args = ap.parse_args()
    net = instance(args)
    n_vars = net.n_arcs * net.n_periods
    print(f"instance: {net.name}: {n_vars:,} flow variables")

    # from scratch
    handle, build_s = timed(build_routing_model, net)
    model = handle.model
    (report, _), solve_s = timed(solve_with_highs, model, solver=lp_solver(net))
    print(
        f"{'from scratch':24} build {build_s:7.2f} s  solve {solve_s:7.2f} s  "
        f"objective {report.objective:,.2f} ({report.status}; {report.highs_s:.2f} s in HiGHS)"
    )
    (ref, _), ref_s = timed(solve_with_highs, model, solver=lp_solver(net, persistent=True))
    print(
        f"{'  persistent hand-over':24} {'':15} solve {ref_s:7.2f} s  "
        f"objective {ref.objective:,.2f} ({ref.status}; {ref.highs_s:.2f} s in HiGHS)"
    )
    print(
        f"hand-over and read-back outside HiGHS: {handover(net)} {solve_s - report.highs_s:.2f} s, "
        f"persistent {ref_s - ref.highs_s:.2f} s "
        f"({(ref_s - ref.highs_s) / max(1e-9, solve_s - report.highs_s):.1f}x)"
    )

    # persistent: demands as mutable Params, one solver object
    handle, pbuild_s = timed(build_routing_model, net, mutable=True)
    model = handle.model
    solver = lp_solver(net, persistent=True)
    (first, _), first_s = timed(solve_with_highs, model, solver=solver)
    print(
        f"{'persistent, first solve':24} build {pbuild_s:7.2f} s  solve {first_s:7.2f} s  "
        f"objective {first.objective:,.2f}"
    )
    updates = solver.config.auto_updates  # type: ignore[attr-defined]
    for flag in UPDATE_FLAGS:  # as RoutingWhatIf: only the changed Params are sent
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
    (check, _), resolve2_s = timed(solve_with_highs, handle2.model, solver=lp_solver(net))
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
    speed_up = rebuild_total / persistent_s
    print(f"re-solve speed-up against rebuilding ({handover(net)} hand-over): {speed_up:.1f}x")
    print(
        f"build + solve from scratch with the routing default settings: {build_s + solve_s:.2f} s "
        "(target <= 8 s)"
    )
    if args.settings:
        settings_table(net, report.objective, args.repeats)


def settings_table(net: RoutingNetwork, reference: float, repeats: int) -> None:
    """Every candidate of :data:`SETTINGS` on one model built once; the best of ``repeats``
    runs of each (the machine's load varies), ratios to HiGHS's default measured here."""
    handle, build_s = timed(build_routing_model, net)
    rows = []
    for name, options in SETTINGS.items():
        best = None
        for _ in range(repeats):
            solver = CompiledHighs()  # the routing hand-over, with only the options below
            solver.config.solver_options.update(options)  # type: ignore[attr-defined]
            (rep, _), wall = timed(solve_with_highs, handle.model, solver=solver)
            if best is None or (rep.highs_s or wall) < (best[1].highs_s or best[0]):
                best = (wall, rep)
            if wall > 30:  # out of the running: not worth a second run
                break
        assert best is not None
        wall, rep = best
        exact = (
            str(rep.status) == "optimal"
            and rep.objective is not None
            and abs(rep.objective - reference) <= 1e-7 * max(1.0, abs(reference))
        )
        rows.append((name, wall, rep, exact, options == HIGHS_OPTIONS))
    default_s = rows[0][2].highs_s or float("nan")
    print(
        f"\nHiGHS settings on the same model (built once in {build_s:.2f} s; best of "
        f"{repeats} runs each):"
    )
    print(f"{'setting':44} {'wall s':>8} {'HiGHS s':>8} {'speed':>7}  exact  objective")
    for name, wall, rep, exact, chosen in rows:
        highs_s = rep.highs_s or float("nan")
        print(
            f"{name:44} {wall:8.2f} {highs_s:8.2f} "
            f"{default_s / highs_s:6.2f}x  {'yes' if exact else 'NO ':5}  "
            f"{rep.objective:,.2f}{' (routing default)' if chosen else ''}"
        )
    name, wall, rep, *_ = min((r for r in rows if r[3]), key=lambda r: r[2].highs_s or 1e300)
    print(
        f"fastest exact, by HiGHS's own time: {name} ({rep.highs_s:.2f} s in HiGHS, "
        f"{wall:.2f} s wall); build + solve {build_s + wall:.2f} s (target <= 8 s). Speed is "
        "HiGHS's default time over the setting's, inside HiGHS: the Pyomo hand-over and read-back "
        "(wall − HiGHS) are the same work for every setting and vary only with the machine's load"
    )


if __name__ == "__main__":
    main()
