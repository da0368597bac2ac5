"""A routing sweep on the harness: 100 demand multipliers of a 1,000-zone network, through
``run_routing_sweep`` (each run a warm re-solve of the what-if model of its process) in this
process and on a local Dask cluster, against solving each variation from scratch, in one run.

The network is a random one (:func:`random_routing_network`) written as a routing scenario
with CSV tables in a temporary folder; the sweep scenario beside it varies every zone's demand
by a multiplier from 0.80 upwards. The script checks that every path gives the same objectives
and prints the times and their ratios to the from-scratch reference.

    .venv/bin/python benchmarks/bench_routing_sweep.py
    .venv/bin/python benchmarks/bench_routing_sweep.py --zones 2000 --variations 40
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from routing_instances import add_network_args, network, timed

from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.solvers.routing.solve import solve_routing
from wdnopt.solvers.routing.sweep import (
    load_routing_sweep,
    plan_routing_sweep,
    run_routing_sweep,
    vary,
)


def write_scenario(net: RoutingNetwork, folder: Path) -> Path:
    """``net`` as a routing scenario with CSV tables."""
    ids = net.node_ids
    pd.DataFrame({"id": net.source_ids, "capacity": net.source_capacity}).to_csv(
        folder / "sources.csv", index=False
    )
    pd.DataFrame(
        {"id": net.plant_ids, "capacity": net.plant_capacity, "treatment_cost": net.treatment_cost}
    ).to_csv(folder / "plants.csv", index=False)
    pd.DataFrame({"id": net.zone_ids, "demand": net.demand}).to_csv(
        folder / "zones.csv", index=False
    )
    pd.DataFrame(
        {
            "from": [ids[i] for i in net.tail],
            "to": [ids[j] for j in net.head],
            "cost": net.arc_cost,
        }
    ).to_csv(folder / "arcs.csv", index=False)
    path = folder / "base.toml"
    path.write_text(
        'kind = "routing"\nname = "random"\nsources = "sources.csv"\nplants = "plants.csv"\n'
        'zones = "zones.csv"\narcs = "arcs.csv"\n',
        encoding="utf-8",
    )
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_network_args(ap)
    ap.add_argument("--variations", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    args = ap.parse_args()
    net = network(args)
    multipliers = np.round(0.8 + 0.004 * np.arange(args.variations), 6).tolist()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = write_scenario(net, folder)
        sweep = folder / "sweep.toml"
        sweep.write_text(
            f'kind = "routing_sweep"\nbase = "{base.name}"\ndemand_multipliers = {multipliers}\n',
            encoding="utf-8",
        )
        print(f"instance: {net.name}; {args.variations} demand multipliers 0.80-{multipliers[-1]}")
        plan = plan_routing_sweep(load_routing_sweep(sweep)[0], file=str(sweep))

        here, here_s = timed(run_routing_sweep, sweep, folder / "here", workers=1, report=False)
        dask, dask_s = timed(
            run_routing_sweep, sweep, folder / "dask", workers=args.workers, report=False
        )
        again, again_s = timed(run_routing_sweep, sweep, folder / "here", workers=1, report=False)
        scratch = []
        t0 = time.perf_counter()
        for spec in plan.runs:
            scratch.append(solve_routing(vary(plan.net, spec)).objective)
        scratch_s = time.perf_counter() - t0

    reference = np.array(scratch, dtype=float)
    for name, frame in (("in this process", here), ("on Dask", dask), ("resumed", again)):
        worst = np.max(np.abs(frame["objective"].to_numpy() - reference) / np.abs(reference))
        assert worst < 1e-7, f"{name}: objectives differ by {worst:.1e}"
    n = len(plan.runs)
    per = 1000 * scratch_s / n
    print(f"{'from scratch (reference)':34} {scratch_s:7.2f} s  ({per:.0f} ms/run)")
    for name, seconds in (
        ("sweep, in this process", here_s),
        (f"sweep, {args.workers} Dask workers", dask_s),
        ("sweep run again (all recorded)", again_s),
    ):
        print(
            f"{name:34} {seconds:7.2f} s  ({1000 * seconds / n:.0f} ms/run, "
            f"{scratch_s / seconds:.1f}x the reference)"
        )
    print(f"objectives of every path agree with the reference to 1e-7 over {n} runs")


if __name__ == "__main__":
    main()
