"""``wdnopt serve --scheduler ADDRESS``: jobs go to an existing Dask cluster, not a local one."""

from __future__ import annotations

from pathlib import Path

import pytest
from distributed import LocalCluster

from .conftest import EXAMPLE, start_server, stop_server, wait_for


def test_jobs_run_on_an_existing_scheduler(tmp_path: Path, optimum: float) -> None:
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=":0"
    ) as cluster:
        server = start_server(
            tmp_path / "jobs.sqlite",
            tmp_path / "server.log",
            "--scheduler",
            cluster.scheduler_address,
        )
        try:
            with server.client("alice") as c:
                assert c.get("/health").json()["workers"] == 1  # the cluster's one worker
                r = c.post(
                    "/solve",
                    content=EXAMPLE.read_text(),
                    headers={"Content-Type": "application/toml"},
                )
                job_id = r.json()["id"]
                wait_for(c, job_id, ("done",))
                report = c.get(f"/reports/{job_id}").json()["report"]
            tasks = cluster.scheduler.task_prefixes  # the job ran on this cluster's scheduler
            assert "wdnopt-job" in tasks
        finally:
            stop_server(server)
    assert report["objective"] == pytest.approx(optimum, abs=1e-6)
