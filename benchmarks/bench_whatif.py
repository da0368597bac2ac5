"""What-if at speed: demand variations of a 1,000-zone network through
:class:`~wdnopt.solvers.routing.whatif.RoutingWhatIf` (built once, re-solved warm) against
:func:`~wdnopt.solvers.routing.solve.solve_routing` rebuilding the model each time, in one run.

Both paths return the full result (certificate, tables) of every variation; the script checks
that their objectives agree and prints the total times and their ratio (target: 100 variations
in at most 10 s through the what-if object).

    .venv/bin/python benchmarks/bench_whatif.py
    .venv/bin/python benchmarks/bench_whatif.py --zones 2000 --variations 50
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
from routing_instances import add_network_args, network

from wdnopt.solvers.routing.solve import solve_routing
from wdnopt.solvers.routing.whatif import RoutingWhatIf


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_network_args(ap)
    ap.add_argument("--variations", type=int, default=100)
    ap.add_argument("--rebuilt", type=int, default=100, help="variations timed when rebuilding")
    args = ap.parse_args()
    net = network(args)
    rng = np.random.default_rng(args.seed + 1)
    factors = rng.uniform(0.8, 1.2, (args.variations, net.n_zones))
    print(f"instance: {net.name}; {args.variations} demand variations (each zone × 0.8-1.2)")

    t0 = time.perf_counter()
    what_if = RoutingWhatIf(net)
    first = what_if.solve()
    setup_s = time.perf_counter() - t0
    objectives = []
    t0 = time.perf_counter()
    for f in factors:
        what_if.update(demand=net.demand * f)
        objectives.append(what_if.solve().objective)
    what_if_s = time.perf_counter() - t0

    n_rebuilt = min(args.rebuilt, args.variations)
    rebuilt = []
    t0 = time.perf_counter()
    for f in factors[:n_rebuilt]:
        rebuilt.append(solve_routing(replace(net, demand=net.demand * f)))
    rebuild_s = time.perf_counter() - t0

    worst = max(
        abs(a - b.objective) / max(1.0, abs(b.objective))
        for a, b in zip(objectives, rebuilt, strict=False)
    )
    per_whatif = what_if_s / args.variations
    per_rebuild = rebuild_s / n_rebuilt
    print(f"what-if: build + first solve {setup_s:.2f} s (objective {first.objective:,.2f})")
    print(
        f"what-if: {args.variations} variations in {what_if_s:.2f} s "
        f"({1000 * per_whatif:.1f} ms each; target: 100 in <= 10 s)"
    )
    print(
        f"rebuilt: {n_rebuilt} variations in {rebuild_s:.2f} s ({1000 * per_rebuild:.1f} ms each)"
    )
    print(f"speed-up per variation: {per_rebuild / per_whatif:.1f}x")
    print(f"objectives agree to {worst:.1e} (relative, worst of {n_rebuilt})")


if __name__ == "__main__":
    main()
