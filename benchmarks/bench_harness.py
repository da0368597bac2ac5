"""Wall time of the paper replication sweep (``scenarios/paper/tree_1747.toml``) by workers.

Runs the whole sweep from scratch (a fresh output folder each time, so nothing is resumed) with
1 and with 2 local workers and with the sweep's default choice, and prints the wall time of
each, the speed-up and the summed run times by algorithm. The full sweep takes several minutes
per worker count; ``--factors`` runs a subset of the demand factors, ``--seeds`` of the GA
seeds. Figures are printed, not asserted.

    .venv/bin/python benchmarks/bench_harness.py
    .venv/bin/python benchmarks/bench_harness.py --factors 2.0,2.5,3.0 --seeds 0
    .venv/bin/python benchmarks/bench_harness.py --scenario scenarios/demo/tree_100.toml
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from wdnopt.models.scenario import load_scenario
from wdnopt.solvers.pumps.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "scenarios" / "paper" / "tree_1747.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=PAPER)
    parser.add_argument("--factors", help="comma list of demand factors (default: the sweep's)")
    parser.add_argument("--seeds", help="comma list of GA seeds (default: the sweep's)")
    parser.add_argument(
        "--workers",
        default="1,2,default",
        help="worker counts to time; 'default' is the sweep's own choice (default 1,2,default)",
    )
    args = parser.parse_args()
    import distributed  # noqa: F401  (its import sets its loggers' levels: set them after)

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("wntr").setLevel(logging.ERROR)
    logging.getLogger("distributed").setLevel(logging.ERROR)

    scenario = load_scenario(args.scenario)
    update: dict[str, list] = {}
    if args.factors:
        update["demand_factors"] = [float(x) for x in args.factors.split(",")]
    if args.seeds:
        update["seeds"] = [int(x) for x in args.seeds.split(",")]
    if update:
        scenario = scenario.model_validate({**scenario.model_dump(), **update})
    counts: list[int | None] = [None if x == "default" else int(x) for x in args.workers.split(",")]
    print(
        f"{scenario.name}: factors {scenario.demand_factors}, objectives {scenario.objectives}, "
        f"seeds {scenario.seeds}"
    )
    times = {}
    for n in counts:
        with tempfile.TemporaryDirectory(prefix="wdnopt-bench-") as tmp:
            start = time.perf_counter()
            frame = run_sweep(scenario, Path(tmp) / "out", workers=n)
            times[n] = time.perf_counter() - start
        errors = int((frame["status"] == "error").sum())
        label = "default workers" if n is None else f"{n} worker(s)"
        print(f"{label}: {len(frame)} runs in {times[n]:.1f} s wall ({errors} errors)")
        if n == counts[0]:
            by = frame.groupby("algorithm", sort=False)[["runtime_s", "verify_s"]].sum()
            print("  summed run and EPANET check times (s):")
            for name, row in by.iterrows():
                print(f"    {name:12s} {row['runtime_s']:8.1f} {row['verify_s']:8.1f}")
    if 1 in times:
        for n, t in times.items():
            if n != 1:
                label = "the default workers" if n is None else f"{n} workers"
                print(f"speed-up with {label}: {times[1] / t:.2f}×")


if __name__ == "__main__":
    main()
