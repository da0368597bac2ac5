"""The default parallelism never starts workers that would only slow the sweep down."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wdnopt.solvers import cores as cores_module
from wdnopt.solvers.harness import dispatch
from wdnopt.solvers.pumps.sweep import run_sweep


@pytest.mark.parametrize(
    ("cores", "load", "expected"),
    [(2, 1.0, 2), (2, 0.2, 2), (2, 1.6, 1), (2, 7.0, 1), (8, 3.0, 6), (1, 0.0, 1)],
)
def test_free_workers_are_the_cores_not_loaded_by_others(
    monkeypatch: pytest.MonkeyPatch, cores: int, load: float, expected: int
) -> None:
    """Cores less the load beyond this process's own (1), rounded, at least 1."""
    monkeypatch.setattr(cores_module, "default_workers", lambda: cores)
    monkeypatch.setattr(cores_module.os, "getloadavg", lambda: (load, load, load))
    assert cores_module.free_workers() == expected


def test_a_busy_machine_keeps_the_runs_in_this_process(
    monkeypatch: pytest.MonkeyPatch, tiny_sweep: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    scenario, _, frame = tiny_sweep

    def no_cluster(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cluster was started on a busy machine")

    monkeypatch.setattr(dispatch, "PARALLEL_AFTER_S", 0.0)  # any work would be worth it...
    monkeypatch.setattr(dispatch, "default_workers", lambda: 2)
    monkeypatch.setattr(dispatch, "free_workers", lambda: 1)  # ...but no core is free
    monkeypatch.setattr(dispatch, "_run_dask", no_cluster)
    again = run_sweep(scenario, tmp_path / "out", report=False)
    assert again["run_id"].tolist() == frame["run_id"].tolist()
    assert (again["status"] == frame["status"]).all()
