"""A pump comparison sweep on the harness: its runs, how each executes, its tables and outputs.

:func:`run_sweep` plans a ``pump_comparison`` scenario (:func:`plan_sweep`, every input checked
before any run) and runs it with the harness's :func:`~wdnopt.solvers.harness.dispatch.sweep_into`
(in this process, on a local Dask cluster, or on an existing one).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from wdnopt.models.pumps.comparison import PumpComparisonScenario
from wdnopt.solvers.harness.dispatch import SweepJob, SweepProgress, sweep_into
from wdnopt.solvers.harness.outputs import run_info, write_sweep_summary
from wdnopt.solvers.harness.records import error_record
from wdnopt.solvers.io import DEFAULT_DPI, write_csv_atomic
from wdnopt.solvers.pumps.sweep.outputs import write_outputs
from wdnopt.solvers.pumps.sweep.plan import RunSpec, SweepPlan, load_sweep, plan_sweep
from wdnopt.solvers.pumps.sweep.run import execute_run
from wdnopt.solvers.pumps.sweep.table import gap_table, results_table
from wdnopt.solvers.status import Status


def run_sweep(
    scenario: PumpComparisonScenario | str | Path,
    out_dir: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[SweepProgress], None] | None = None,
    retry_failed: bool = False,
    report: bool = True,
    wait: bool = False,
    dashboard: str | None = None,
    figure_format: str = "png",
    dpi: int = DEFAULT_DPI,
    time_limit: float | None = None,
) -> pd.DataFrame:
    """Run a sweep (a scenario object or file) into ``out_dir``; returns the results table.

    ``time_limit`` (``wdnopt compare --time-limit``): wall-clock seconds of each run, for every
    algorithm with a limit, above ``[options.NAME]`` and ``[solver]`` (it is part of the runs'
    options, so of their ids).

    Runs already recorded in ``out_dir/runs`` are skipped (with ``retry_failed``, those that
    ended in ``error`` are run again). Where the runs execute:

    - ``workers=None`` (default): in this process, moving the remaining runs to a local
      cluster of one worker process per core once the runs timed so far predict more than
      :data:`PARALLEL_AFTER_S` seconds of work left (never, on one core);
    - ``workers=1``: in this process; ``workers=N``: a local cluster of N worker processes;
    - ``scheduler``: the address of a Dask scheduler to use instead. Its workers may run
      several threads: runs in one process take turns (:func:`execute_run`).

    ``dashboard``: the address of the local cluster's dashboard (e.g. ``":8787"``; none by
    default; it makes the runs start on the cluster at once). ``progress`` is called after every
    run; an exception it raises stops the sweep (the runs finished so far stay recorded,
    ``results.csv`` is written). The output folder is held for the sweep
    (:func:`folder_lock`): a second sweep into it raises :class:`InputError`, or with ``wait``
    waits for the first. With ``report``, the figures (``figure_format``: png, svg or pdf, at
    ``dpi``) and the report are written too (:func:`write_outputs`).
    """

    def plan() -> SweepJob:
        sweep, file = load_sweep(scenario)
        return _pump_job(plan_sweep(sweep, file=file, time_limit=time_limit))

    return sweep_into(
        out_dir,
        plan,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        retry_failed=retry_failed,
        report=report,
        wait=wait,
        dashboard=dashboard,
        figure_format=figure_format,
        dpi=dpi,
    )


def _pump_job(plan: SweepPlan) -> SweepJob:
    def finish(
        out: Path, frame: pd.DataFrame, records: dict[str, dict[str, Any]], how: dict[str, Any]
    ) -> None:
        gaps = gap_table(frame)
        write_csv_atomic(gaps, out / "gaps.csv")
        write_sweep_summary(
            out,
            name=plan.name,
            kind="pump_comparison",
            frame=frame,
            runs=len(plan.runs),
            wall_s=how["wall_s"],
            timings={"verify_s": float(frame["verify_s"].sum(skipna=True))},
            optimal=int((frame["status"] == str(Status.OPTIMAL)).sum()),
            gaps=gaps.to_dict(orient="records"),
        )
        if how["report"]:
            info = run_info(
                name=plan.name,
                file=plan.file,
                description=plan.scenario.description,
                settings=plan.scenario,
                runs=len(plan.runs),
                how=how,
                algorithms=list(plan.algorithms),
            )
            write_outputs(
                plan, frame, out, info, figure_format=how["figure_format"], dpi=how["dpi"]
            )

    return SweepJob(
        runs=plan.runs,
        execute=execute_run,
        table=lambda records: results_table(plan, records),
        finish=finish,
        error_record=error_record,
        order=_ordered,
    )


def _ordered(specs: list[RunSpec]) -> list[RunSpec]:
    """Longest runs first (exact and GA runs, large factors), so the last ones are short."""
    slow = {"milp": 0, "ga": 1, "tree-dp": 2}
    return sorted(specs, key=lambda s: (slow.get(s.algorithm, 3), -s.demand_factor))
