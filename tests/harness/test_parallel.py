"""Dask workers give the same table as one process; failing runs are recorded, not fatal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wdnopt.solvers.cli.main import main
from wdnopt.solvers.pumps.sweep import run_sweep

from .conftest import sweep_text, tree_algorithms, write_sweep

TIMES = ["runtime_s", "verify_s"]


def test_two_workers_same_table_as_one(
    tmp_path: Path, tiny_sweep: tuple[Path, Path, pd.DataFrame]
) -> None:
    scenario, _, serial = tiny_sweep
    out = tmp_path / "two"
    code = main(["compare", str(scenario), "--out", str(out), "--workers", "2", "--no-report"])
    assert code == 0
    parallel = pd.read_parquet(out / "results.parquet")
    assert len(parallel) == len(serial)
    pd.testing.assert_frame_equal(
        parallel.drop(columns=TIMES), serial.drop(columns=TIMES), check_exact=False, rtol=1e-12
    )
    hosts = {pd.read_json(p, typ="series")["host"] for p in (out / "runs").glob("*.json")}
    assert len(hosts) == 1  # every run went through the local cluster of this machine


def test_failing_runs_are_recorded_and_the_others_finish(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a tiny piece limit makes the tree DP give up while it runs (a bad option such as a
    # negative population is refused before any run: see test_bad_inputs)
    text = sweep_text(
        factors="[2.8]",
        seeds="[0]",
        extra="[options.tree-dp]\nmax_pieces = 1\n",
    )
    scenario = write_sweep(tmp_path, text)
    out = tmp_path / "out"
    code = main(["compare", str(scenario), "--out", str(out), "--workers", "1", "--no-report"])
    assert code == 1
    assert "failed" in capsys.readouterr().out
    frame = pd.read_csv(out / "results.csv")
    assert len(frame) == 2 * len(tree_algorithms())
    errors = frame[frame["status"] == "error"]
    assert set(errors["algorithm"]) == {"tree-dp"}
    assert errors["message"].str.len().min() > 0
    fine = frame[~frame["algorithm"].isin(["tree-dp"])]
    assert set(fine["status"]) <= {"optimal", "heuristic", "bound_only"}
    assert fine.loc[fine["algorithm"] == "milp", "verified"].all()
    # a failed run is finished: it is not run again unless asked
    code = main(["compare", str(scenario), "--out", str(out), "--workers", "1", "--no-report"])
    assert code == 1
    code = main(["compare", str(scenario), "--out", str(out), "--workers", "1", "--retry-failed"])
    assert code == 1 and len(pd.read_csv(out / "results.csv")) == 2 * len(tree_algorithms())


def test_existing_dask_cluster(tmp_path: Path, tiny_sweep: tuple[Path, Path, pd.DataFrame]) -> None:
    """``scheduler=ADDRESS`` sends the runs to a cluster that was already running."""
    from distributed import LocalCluster

    _, _, serial = tiny_sweep
    scenario = write_sweep(tmp_path, sweep_text(factors="[2.8]"))
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        frame = run_sweep(
            scenario, tmp_path / "out", scheduler=cluster.scheduler_address, report=False
        )
    same = serial[serial["demand_factor"] == 2.8].reset_index(drop=True)
    assert len(frame) == len(same) > 0
    pd.testing.assert_frame_equal(
        frame.drop(columns=TIMES), same.drop(columns=TIMES), check_exact=False, rtol=1e-12
    )
