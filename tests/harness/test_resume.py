"""Stopping a sweep and starting it again ends with exactly one row per run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from wdnopt.solvers.cli.main import main
from wdnopt.solvers.harness import SweepProgress
from wdnopt.solvers.pumps.sweep import run_sweep

from .conftest import sweep_text, tree_algorithms, write_sweep

STOP_AFTER = 5


class Stop(KeyboardInterrupt):
    pass


def test_interrupted_sweep_resumes(
    tmp_path: Path, tiny_sweep: tuple[Path, Path, pd.DataFrame]
) -> None:
    _, _, reference = tiny_sweep
    scenario = write_sweep(tmp_path)
    out = tmp_path / "out"

    def stop(state: SweepProgress) -> None:
        if state.done + state.failed >= STOP_AFTER:
            raise Stop

    with pytest.raises(Stop):
        run_sweep(scenario, out, workers=1, progress=stop)
    files = sorted((out / "runs").glob("*.json"))
    assert len(files) == STOP_AFTER
    before = {p.name: p.read_bytes() for p in files}

    seen: list[SweepProgress] = []
    frame = run_sweep(scenario, out, workers=1, progress=seen.append)
    assert seen[0].skipped == STOP_AFTER and seen[0].left == len(reference) - STOP_AFTER
    assert seen[-1].left == 0 and seen[-1].done == len(reference) - STOP_AFTER
    assert len(frame) == len(reference) and frame["run_id"].is_unique
    assert set(frame["run_id"]) == set(reference["run_id"])
    for name, data in before.items():  # finished runs were skipped, not redone
        assert (out / "runs" / name).read_bytes() == data
    same = ["run_id", "status", "cost", "bound", "gap", "verified"]
    pd.testing.assert_frame_equal(frame[same], reference[same])

    # a third call has nothing left to run
    seen.clear()
    again = run_sweep(scenario, out, workers=1, progress=seen.append, report=False)
    assert seen[-1].skipped == len(reference) and seen[-1].done == 0
    assert len(again) == len(reference)


def test_killed_process_resumes(tmp_path: Path) -> None:
    """A sweep killed with SIGKILL mid-way, then run again, has one row per run."""
    text = sweep_text(factors="[2.4, 2.8]", seeds="[0, 1, 2, 3, 4, 5]")
    text = text.replace("generations = 40", "generations = 150")
    scenario = write_sweep(tmp_path, text)
    out = tmp_path / "out"
    runs = out / "runs"
    command = [sys.executable, "-m", "wdnopt.solvers.cli.main", "compare", str(scenario)]
    proc = subprocess.Popen(
        [*command, "--out", str(out), "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if runs.is_dir() and len(list(runs.glob("*.json"))) >= 3:
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    finished = list(runs.glob("*.json"))
    assert proc.returncode == -signal.SIGKILL
    assert len(finished) >= 3, "the sweep was killed before it started"
    for path in finished:  # every run file is whole: written atomically
        json.loads(path.read_text(encoding="utf-8"))
    assert main(["compare", str(scenario), "--out", str(out), "--workers", "1", "--no-report"]) == 0
    frame = pd.read_csv(out / "results.csv")
    # 2 factors × 2 objectives × (every algorithm but the GA + 6 GA seeds)
    assert len(frame) == 2 * 2 * (len(tree_algorithms()) - 1 + 6) > len(finished)
    assert frame["run_id"].is_unique
    assert len(list(runs.glob("*.json"))) == len(frame)
    assert not list(runs.glob(".*.tmp"))  # no temporary file left behind by the new run
