"""Sweeps on a looped network measure every heuristic against ``milp-network``'s bound."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from wdnopt.solvers.pumps.sweep import gap_table, run_sweep

SWEEP = """kind = "pump_comparison"
name = "looped"
networks = [{ shipped = "Net1" }]
demand_factors = [4.0]
objectives = ["tco"]
seeds = [0]
algorithms = ["network-dp", "approx-pump", "ga"]

[options.milp-network]
time_limit = 120.0
max_iterations = 3

[options.ga]
population = 20
generations = 20
start = "paper"
"""


def test_looped_network_gaps_use_the_certified_bound(tmp_path: Path) -> None:
    scenario = tmp_path / "looped.toml"
    scenario.write_text(SWEEP, encoding="utf-8")
    frame = run_sweep(scenario, tmp_path / "out", workers=1)
    assert "milp-network" in set(frame["algorithm"])  # added: Net1 is looped
    exact = frame[frame["algorithm"] == "milp-network"].iloc[0]
    assert exact["bound"] > 0, exact["message"]
    expected = exact["cost"] if exact["status"] == "optimal" else exact["bound"]
    assert np.allclose(frame["reference"].astype(float), expected)
    assert set(frame["reference_kind"].dropna()) == {
        "optimum" if exact["status"] == "optimal" else "bound"
    }
    # no plan that holds on the network is cheaper than the certified bound
    held = frame[frame["verified"].fillna(False).astype(bool)]
    assert len(held) >= 3
    assert (held["cost"] >= held["lower_bound"] * (1 - 1e-9)).all()
    assert (held["cost_over_bound"] >= 1 - 1e-9).all()
    table = gap_table(frame)
    assert set(table["vs"]) <= {"optimum", "bound"}
    assert table["worst_cost_over_bound"].notna().all()
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "milp-network on looped networks" in report
    assert "paper: random" in report


def test_tree_sweeps_do_not_run_the_looped_reference(
    tiny_sweep: tuple[Path, Path, pd.DataFrame],
) -> None:
    _, _, frame = tiny_sweep
    assert "milp-network" not in set(frame["algorithm"])
    assert frame["cost_over_bound"].dropna().ge(1 - 1e-9).all()
