"""The Dask runner on its own (a real local cluster, in threads): a job's end is recorded
whatever it is: a report, input that only the solve finds wrong, an exception."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest

from wdnopt.solvers.service.joboptions import JobOptions
from wdnopt.solvers.service.jobs import Job, JobStore
from wdnopt.solvers.service.runner import DaskRunner

from .conftest import EXAMPLE, example_optimum


def _wait(store: JobStore, job_id: str, timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while (job := store.get(job_id)) is not None and job.active:
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    assert job is not None
    return job


def test_runner_records_every_kind_of_end(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs.sqlite")
    runner = DaskRunner(store, workers=1, processes=False)
    try:
        good = store.create(owner="a", kind="routing", name="", options={})
        runner.submit(good.id, tomllib.loads(EXAMPLE.read_text()), JobOptions())
        # a CSV table the worker cannot find: the scenario's own message, job failed
        missing = store.create(owner="a", kind="routing", name="", options={})
        data = {**tomllib.loads(EXAMPLE.read_text()), "zones": str(tmp_path / "none.csv")}
        runner.submit(missing.id, data, JobOptions())
        # a kind no solve exists for: the exception's text, job failed
        sweep = store.create(owner="a", kind="pump_comparison", name="", options={})
        runner.submit(sweep.id, {"kind": "pump_comparison", "networks": [{"shipped": "Net1"}],
                                 "demand_factors": [2.0]}, JobOptions())  # fmt: skip
        done = _wait(store, good.id)
        assert done.status == "done" and done.progress == {"done": 1, "total": 1, "stage": "done"}
        assert store.report(good.id)["objective"] == pytest.approx(example_optimum(), abs=1e-6)
        failed = _wait(store, missing.id)
        assert failed.status == "failed" and failed.error is not None
        assert f"a CSV file at {tmp_path / 'none.csv'}" in failed.error[0]
        broken = _wait(store, sweep.id)
        assert broken.status == "failed"
        assert broken.error == [
            "the solve failed: ValueError: the service does not solve 'pump_comparison' scenarios"
        ]
    finally:
        runner.close()
        store.close()
