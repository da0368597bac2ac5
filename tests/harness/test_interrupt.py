"""A Ctrl-C during a run in this process stops the sweep, even when a library inside the run
caught the KeyboardInterrupt and made it an error of the run (Pyomo's configuration checks
do); the run's record is dropped so that the run is done again on resume."""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from typing import Any

import pytest

from wdnopt.solvers.harness import dispatch


@dataclass(frozen=True)
class Spec:
    run_id: str = "r1"
    algorithm: str = "a"
    log_levels: dict[str, int] | None = None


def job_of(execute: Any) -> dispatch.SweepJob:
    return dispatch.SweepJob(
        runs=(), execute=execute, table=lambda records: None, finish=lambda *a: None,
        error_record=lambda spec, exc: {},
    )  # fmt: skip


def swallowing(spec: Spec) -> dict[str, Any]:
    """A run whose library turns the interrupt into an error, as Pyomo's config does."""
    try:
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException as exc:
        return {"run_id": spec.run_id, "result": {"status": "error", "message": repr(exc)}}
    return {"run_id": spec.run_id, "result": {"status": "optimal"}}


def test_an_interrupt_a_run_swallowed_still_stops_the_sweep() -> None:
    with pytest.raises(KeyboardInterrupt):
        dispatch._run_here(job_of(swallowing), Spec())
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_run_without_an_interrupt_gives_its_record() -> None:
    record = dispatch._run_here(job_of(lambda spec: {"run_id": spec.run_id}), Spec())
    assert record == {"run_id": "r1"}
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_ignored_interrupt_stays_ignored() -> None:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        record = dispatch._run_here(job_of(swallowing), Spec())
        assert record["result"]["status"] == "optimal"  # the signal never reached the run
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
