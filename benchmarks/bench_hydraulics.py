"""Time one steady state, one verification and a 1.0-3.0 pressure curve on the 1,747-node tree.

Prints figures (median of a few runs); no timing asserts. The verification is timed with both
engines (EpanetSimulator on a pumped copy; the toolkit on the edited .inp text, as
``verify_placement`` runs it, cache warm) and the largest pressure difference between them.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from wdnopt.models.pumps.catalogue import load_catalogue
from wdnopt.models.pumps.hydraulics import (
    SteadyStateSolver,
    pressure_curve,
    read_network,
    simulate,
)
from wdnopt.models.pumps.instance import tree_instance
from wdnopt.models.pumps.tree import P_MIN_DEFAULT
from wdnopt.solvers.pumps.verify import (
    clear_verifier_cache,
    verify_placement,
    verify_placement_simulator,
)

NETWORK = Path(__file__).resolve().parents[1] / "data" / "networks" / "tree_1747.inp"


def timed(label: str, fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    print(f"{label:<55s} median {median:8.4f} s  (min {min(times):.4f})")
    return median


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    wn = read_network(NETWORK)
    catalogue = load_catalogue()
    tree = tree_instance(wn, 2.4)
    rng = np.random.default_rng(0)
    placement = {int(v): int(rng.integers(0, len(catalogue))) for v in tree.candidates[:30]}
    factors = np.round(np.arange(1.0, 3.0001, 0.1), 2).tolist()
    print(f"{NETWORK.name}: {wn.num_junctions} junctions, {len(placement)} pumps in the placement")
    timed("steady state, EpanetSimulator (write .inp, run, read)", lambda: simulate(wn, 2.4))
    with SteadyStateSolver(wn) as solver:
        timed("steady state, toolkit (project open, re-solve)", lambda: solver.solve(2.4))
    timed("open toolkit project (write .inp once, open)", lambda: SteadyStateSolver(wn).close())
    old = timed("verification, reference (copy, pumps, EpanetSimulator)",
                lambda: verify_placement_simulator(wn, tree, placement, catalogue))  # fmt: skip

    def first_call() -> None:
        clear_verifier_cache()
        verify_placement(wn, tree, placement, catalogue)

    timed("verification, toolkit: first call (writes the .inp)", first_call)
    fast = timed("verification, toolkit (edited .inp text, cache warm)",
                 lambda: verify_placement(wn, tree, placement, catalogue), repeat=21)  # fmt: skip
    ref = verify_placement_simulator(wn, tree, placement, catalogue).pressure
    diff = np.max(np.abs(verify_placement(wn, tree, placement, catalogue).pressure - ref))
    print(f"{'verification: reference / toolkit':<55s} {old / fast:8.1f} x  "
          f"(pressures differ by {diff:.1e} m at most, up to {np.abs(ref).max():.0f} m: "
          "float32 output of the reference)")  # fmt: skip
    timed(f"pressure curve, {len(factors)} factors (toolkit)",
          lambda: pressure_curve(wn, factors, P_MIN_DEFAULT), repeat=3)  # fmt: skip


if __name__ == "__main__":
    main()
