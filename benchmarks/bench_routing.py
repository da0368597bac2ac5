"""Routing LP at scale: the Pyomo model against the same LP passed to highspy as arrays.

Each path runs in its own process (so its peak memory is its own) on the same random instance
(about 1e6 arcs by default), and the script prints both times, their ratio and peak memory.

    .venv/bin/python benchmarks/bench_routing.py            # ~1e6 arcs
    .venv/bin/python benchmarks/bench_routing.py --zones 20000 --per-zone 10
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np


def instance(args: argparse.Namespace):
    from wdnopt.models.routing.random_network import random_routing_network

    return random_routing_network(args.sources, args.plants, args.zones, args.per_zone, args.seed)


def direct(net) -> dict:
    """The LP as CSC arrays straight into highspy: the reference."""
    import highspy
    import scipy.sparse as sp

    t0 = time.perf_counter()
    n, m_s, m_p, m_z = net.n_arcs, net.n_sources, net.n_plants, net.n_zones
    a = np.arange(n)
    p0, z0 = net.plant_offset, net.zone_offset
    rows, cols, vals = [], [], []
    is_src = net.tail < p0  # source → plant arcs
    rows += [net.tail[is_src]]  # source capacity rows 0..m_s-1
    cols += [a[is_src]]
    vals += [np.ones(is_src.sum())]
    into_plant = (net.head >= p0) & (net.head < z0)
    out_plant = (net.tail >= p0) & (net.tail < z0)
    rows += [m_s + net.head[into_plant] - p0, m_s + net.tail[out_plant] - p0]  # balance
    cols += [a[into_plant], a[out_plant]]
    vals += [np.ones(into_plant.sum()), -np.ones(out_plant.sum())]
    rows += [m_s + m_p + net.head[into_plant] - p0]  # plant capacity
    cols += [a[into_plant]]
    vals += [np.ones(into_plant.sum())]
    into_zone = net.head >= z0
    rows += [m_s + 2 * m_p + net.head[into_zone] - z0]  # demand
    cols += [a[into_zone]]
    vals += [np.ones(into_zone.sum())]
    n_rows = m_s + 2 * m_p + m_z
    mat = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n)
    )
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, n_rows
    lp.col_cost_ = net.unit_cost
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.where(np.isfinite(net.arc_capacity), net.arc_capacity, inf)
    lp.row_lower_ = np.concatenate(
        [np.full(m_s, -inf), np.zeros(m_p), np.full(m_p, -inf), net.demand]
    )
    lp.row_upper_ = np.concatenate(
        [net.source_capacity, np.zeros(m_p), net.plant_capacity, np.full(m_z, inf)]
    )
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = mat.indptr
    lp.a_matrix_.index_ = mat.indices
    lp.a_matrix_.value_ = mat.data
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    t_run = time.perf_counter()
    h.run()
    highs = time.perf_counter() - t_run
    sol = h.getSolution()
    flow = np.asarray(sol.col_value)
    duals = np.asarray(sol.row_dual)
    reduced = np.asarray(sol.col_dual)
    solve = time.perf_counter() - t1
    return {
        "build_s": build,
        "solve_s": solve,
        "highs_s": highs,
        "objective": h.getInfo().objective_function_value,
        "status": h.modelStatusToString(h.getModelStatus()),
        "check": float(flow.sum() + 0 * duals.sum() + 0 * reduced.sum()),
    }


def pyomo(net) -> dict:
    """The Pyomo model through pyomo.contrib.solver's highs, read back as the direct path is:
    flows, row duals and reduced costs."""
    from wdnopt.models.routing.builder import build_routing_model
    from wdnopt.solvers.highs import solve_with_highs

    before = _rss_mb()
    t0 = time.perf_counter()
    handle = build_routing_model(net)
    build = time.perf_counter() - t0
    model_mb = _rss_mb() - before
    t1 = time.perf_counter()
    report, sens = solve_with_highs(handle.model, duals=True)
    flow = handle.flows()
    solve = time.perf_counter() - t1
    return {
        "build_s": build,
        "solve_s": solve,
        "highs_s": report.highs_s,
        "model_mb": model_mb,
        "objective": report.objective,
        "status": str(report.status),
        "check": float(flow.sum() + 0 * len(sens.duals)),
    }


def _rss_mb() -> float:
    """Resident memory of this process now, MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(args: argparse.Namespace) -> None:
    net = instance(args)
    fn = {"direct": direct, "pyomo": pyomo}[args.path]
    out = fn(net)
    out["n_arcs"] = net.n_arcs
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=100)
    ap.add_argument("--plants", type=int, default=1000)
    ap.add_argument("--zones", type=int, default=30000)
    ap.add_argument("--per-zone", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--path", choices=["direct", "pyomo"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.path:
        child(args)
        return
    base = [sys.executable, __file__] + [
        f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items() if k != "path"
    ]
    runs = {}
    for path in ("direct", "pyomo"):
        proc = subprocess.run([*base, f"--path={path}"], capture_output=True, text=True, check=True)
        runs[path] = json.loads(proc.stdout.strip().splitlines()[-1])
    d, p = runs["direct"], runs["pyomo"]
    td, tp = d["build_s"] + d["solve_s"], p["build_s"] + p["solve_s"]
    print(f"instance: {d['n_arcs']:,} arcs (seed {args.seed})")
    print(
        f"{'path':8} {'build s':>9} {'solve s':>9} {'in HiGHS':>9} {'total s':>9} {'peak MB':>9}"
        "  objective"
    )
    for name, r in runs.items():
        tot = r["build_s"] + r["solve_s"]
        print(
            f"{name:8} {r['build_s']:9.2f} {r['solve_s']:9.2f} {r['highs_s']:9.2f} {tot:9.2f}"
            f" {r['peak_mb']:9.0f}  {r['objective']:.6f} ({r['status']})"
        )
    overhead = tp - p["highs_s"]
    print(f"time ratio pyomo/direct: {tp / td:.2f}x (target <= 1.15x)")
    print(
        f"pyomo overhead outside HiGHS: {overhead:.1f} s; with HiGHS's run time equal in both "
        f"paths the ratio is {(overhead + d['highs_s']) / td:.2f}x (HiGHS's own time varies "
        "with machine load between the two runs)"
    )
    print(f"memory ratio pyomo/direct: {p['peak_mb'] / d['peak_mb']:.2f}x (target <= 1.5x)")
    print(
        f"of the pyomo path's peak, the Pyomo model itself is {p['model_mb']:.0f} MB; the rest "
        "is HiGHS (as in the direct path) and the persistent interface's per-variable records"
    )
    rel = abs(d["objective"] - p["objective"]) / max(1.0, abs(d["objective"]))
    print(f"objectives agree to {rel:.1e} (relative)")


if __name__ == "__main__":
    main()
