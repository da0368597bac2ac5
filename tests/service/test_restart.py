"""A server killed mid-job (SIGKILL) and started again on the same SQLite file: every finished
report is still served, and the job that was running is marked interrupted."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from .conftest import EXAMPLE, start_server, stop_server, wait_for

TOML = {"Content-Type": "application/toml"}
SLOW = (
    'kind = "pump_placement"\ndemand_factors = [2.0]\n'
    "[network]\ngenerator = { nodes = 150, seed = 4 }\n"
    "[options.ga]\npopulation = 1000\ngenerations = 10000\n"
)


def test_killed_server_restarts_with_its_reports(tmp_path: Path, optimum: float) -> None:
    db = tmp_path / "jobs.sqlite"
    first = start_server(db, tmp_path / "first.log", workers=1)
    try:
        with first.client("alice") as c:
            done_id = c.post("/solve", content=EXAMPLE.read_text(), headers=TOML).json()["id"]
            wait_for(c, done_id, ("done",))
            before = c.get(f"/reports/{done_id}").json()
            slow_id = c.post(
                "/solve", content=SLOW, headers=TOML, params={"algorithm": "ga", "time_limit": 30}
            ).json()["id"]
            running = wait_for(c, slow_id, ("running",))
            for _ in range(600):  # past building the network: at most 30 s
                if running["progress"]["stage"].startswith("demand factor"):
                    break
                time.sleep(0.05)
                running = wait_for(c, slow_id, ("running",))
            assert running["progress"] == {"done": 0, "total": 1, "stage": "demand factor 2"}
        os.kill(first.process.pid, signal.SIGKILL)
        assert first.process.wait(timeout=10) == -signal.SIGKILL
    finally:
        first.kill_group()  # the orphaned Dask processes of the killed server
    second = start_server(db, tmp_path / "second.log", workers=1)
    try:
        with second.client("alice") as c:
            after = c.get(f"/reports/{done_id}").json()
            job = c.get(f"/jobs/{slow_id}").json()
            listed = {r["id"] for r in c.get("/reports").json()["reports"]}
            report = c.get(f"/reports/{slow_id}")
        assert after == before
        assert after["report"]["objective"] == pytest.approx(optimum, abs=1e-6)
        assert job["status"] == "interrupted" and job["finished_at"] is not None
        assert job["error"] == ["the server stopped before the job ended"]
        assert listed == {done_id}
        assert report.status_code == 409 and report.json()["detail"][0]["got"].startswith(
            "interrupted"
        )
    finally:
        stop_server(second)
