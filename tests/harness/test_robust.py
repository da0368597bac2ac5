"""Ctrl-C, a folder used by two sweeps, multi-threaded workers and bad options of `compare`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from wdnopt.models.errors import InputError
from wdnopt.solvers import harness
from wdnopt.solvers.cli.main import main
from wdnopt.solvers.harness import LOCK_FILE, folder_lock
from wdnopt.solvers.pumps import sweep
from wdnopt.solvers.pumps.sweep import run_sweep

from .conftest import sweep_text, write_sweep

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo" / "tree_100.toml"


def _compare(*args: str) -> subprocess.Popen[str]:
    """`wdnopt compare ...` in its own process group, as a terminal runs it."""
    return subprocess.Popen(
        [sys.executable, "-m", "wdnopt.solvers.cli.main", "compare", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=ROOT,
    )


def _wait_for(condition, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("workers", [["--workers", "2"], []])
def test_ctrl_c_prints_one_line_and_keeps_the_runs(tmp_path: Path, workers: list[str]) -> None:
    out = tmp_path / "out"
    proc = _compare(str(DEMO), "--out", str(out), "--no-report", *workers)
    try:
        _wait_for(lambda: len(list((out / "runs").glob("*.json"))) >= 2)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) <= 3, err
    assert "interrupted:" in lines[-1] and str(out) in err and "again to resume" in err
    files = list((out / "runs").glob("*.json"))
    assert files and all(json.loads(p.read_text())["run_id"] for p in files)
    assert len(pd.read_csv(out / "results.csv")) == len(files)
    assert not (out / LOCK_FILE).exists()
    # the same command again resumes: the runs done are not done again
    before = {p.name: p.stat().st_mtime_ns for p in files}
    again = _compare(str(DEMO), "--out", str(out), "--no-report", "--workers", "1")
    _wait_for(lambda: len(list((out / "runs").glob("*.json"))) > len(files) + 2)
    os.killpg(again.pid, signal.SIGINT)
    again.communicate(timeout=60)
    assert {p.name: (out / "runs" / p.name).stat().st_mtime_ns for p in files} == before


def test_second_sweep_into_a_folder_in_use_is_refused_or_waits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_sweep(tmp_path, sweep_text(factors="[2.4, 2.8]", seeds="[0]"))
    out = tmp_path / "out"
    first = _compare(str(scenario), "--out", str(out), "--no-report", "--workers", "1")
    try:
        _wait_for(lambda: (out / LOCK_FILE).exists() and (out / LOCK_FILE).stat().st_size > 0)
        code = main(["compare", str(scenario), "--out", str(out), "--workers", "1"])
        assert code == 2
        err = capsys.readouterr().err
        assert str(out) in err and f"pid {first.pid}" in err and "--wait" in err
        if first.poll() is None:  # still running: the waiting one starts after it
            code = main(["compare", str(scenario), "--out", str(out), "--workers", "1", "--wait"])
            assert first.poll() is not None  # it waited for the first to finish
            assert code == 0
    finally:
        first.communicate(timeout=120)
    assert first.returncode == 0
    frame = pd.read_csv(out / "results.csv")
    assert frame["run_id"].is_unique
    assert not (out / LOCK_FILE).exists()


def test_a_lock_left_by_a_dead_sweep_is_taken_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "out"
    out.mkdir()
    stamp = {"pid": dead.pid, "host": socket.gethostname(), "started": "earlier"}
    (out / LOCK_FILE).write_text(json.dumps(stamp))
    with folder_lock(out) as path:
        assert json.loads(path.read_text())["pid"] == os.getpid()
        with pytest.raises(InputError, match=f"pid {os.getpid()}"), folder_lock(out):
            pass
    assert f"pid {dead.pid}" in caplog.text and "taking over" in caplog.text
    assert not (out / LOCK_FILE).exists()


def test_the_lock_is_released_on_errors(tmp_path: Path) -> None:
    scenario = write_sweep(tmp_path, sweep_text(factors="[2.8]", seeds="[0]"))
    out = tmp_path / "out"

    def stop(state: harness.SweepProgress) -> None:
        if state.done:
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        run_sweep(scenario, out, workers=1, progress=stop)
    assert not (out / LOCK_FILE).exists()
    assert len(pd.read_csv(out / "results.csv")) == 1


def test_waiting_sweep_starts_when_the_folder_is_free(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    got: list[float] = []
    with folder_lock(out):
        waiter = threading.Thread(target=lambda: got.append(_timed_lock(out)), daemon=True)
        waiter.start()
        time.sleep(0.6)
        assert not got  # still waiting
    waiter.join(10)
    assert got


def _timed_lock(out: Path) -> float:
    t0 = time.monotonic()
    with folder_lock(out, wait=True, poll_s=0.05):
        return time.monotonic() - t0


@pytest.mark.parametrize("processes", [False, True])
def test_workers_with_two_threads(tmp_path: Path, processes: bool) -> None:
    """MILP and EPANET runs on a two-thread worker: the runs take turns, all succeed."""
    from distributed import LocalCluster

    scenario = write_sweep(
        tmp_path,
        sweep_text(
            factors="[2.4, 2.6, 2.8]", seeds="[0]", algorithms='algorithms = ["milp", "tree-dp"]'
        ),
    )
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=processes, dashboard_address=None
    ) as cluster:
        frame = run_sweep(
            scenario, tmp_path / "out", scheduler=cluster.scheduler_address, report=False
        )
    assert len(frame) == 3 * 2 * 2
    assert (frame["status"] != "error").all(), frame["message"].tolist()
    assert frame.loc[frame["algorithm"] == "milp", "verified"].all()


def test_short_sweeps_run_in_this_process(tmp_path: Path) -> None:
    scenario = write_sweep(tmp_path, sweep_text(factors="[2.8]", seeds="[0]"))
    frame = run_sweep(scenario, tmp_path / "out", report=False)  # default workers
    hosts = {json.loads(p.read_text())["host"] for p in (tmp_path / "out" / "runs").glob("*")}
    assert len(frame) > 0 and hosts == {socket.gethostname()}
    # the estimate that decides: the runs timed so far, slowest algorithm first
    spec = next(iter(sweep.plan_sweep(sweep.load_sweep(scenario)[0]).runs))
    assert harness._work_left([spec] * 10, {}) == 0.0
    assert harness._work_left([spec] * 10, {spec.algorithm: [2.0, 4.0]}) == 30.0


@pytest.mark.parametrize(
    "option, value",
    [("--workers", "0"), ("--workers", "-3"), ("--workers", "two"), ("--dashboard", ":99999")],
)
def test_bad_numbers_are_refused_by_the_parser(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["compare", str(DEMO), "--out", str(tmp_path / "out"), option, value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert option in err and value in err
    assert not (tmp_path / "out").exists()


def test_a_file_where_the_output_folder_should_be(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    for out in (blocker, blocker / "deeper"):
        assert main(["compare", str(DEMO), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert str(out) in err and "folder" in err


def test_no_dashboard_unless_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = write_sweep(tmp_path, sweep_text(factors="[2.8]", seeds="[0]"))
    code = main(["compare", str(scenario), "--out", str(tmp_path / "a"), "--workers", "2",
                 "--no-report"])  # fmt: skip
    assert code == 0
    captured = capsys.readouterr()
    assert "8787" not in captured.err + captured.out and "dashboard" not in captured.err
    assert main(["compare", str(scenario), "--out", str(tmp_path / "b"), "--workers", "1",
                 "--dashboard"]) == 2  # fmt: skip
