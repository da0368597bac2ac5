"""``wdnopt compare SCENARIO --out DIR``: run a comparison sweep, with a progress bar.

A thin layer over :func:`wdnopt.solvers.harness.run_sweep`: it shows the progress (runs done,
failed and left), then the gap table and where the results, figures and report were written.
Exit code 0 when every run finished, 1 when some run ended in error (the others are kept),
2 for a bad sweep (refused before any run starts).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from wdnopt.models.errors import InputError
from wdnopt.solvers import harness
from wdnopt.solvers.report import percent

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "compare",
        help="run a sweep of pump placement algorithms and write tables, figures and a report",
        description=(
            "Run every algorithm of a pump_comparison scenario over its networks, demand "
            "factors, objectives and seeds; write results.csv/.parquet (one row per run), "
            "gaps.csv, PNG figures and report.md/.html in DIR. Runs already in DIR/runs are "
            "skipped, so an interrupted sweep resumes where it stopped."
        ),
    )
    p.add_argument("scenario", type=Path, help='sweep scenario (.toml, kind = "pump_comparison")')
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help=f"local worker processes (default: one per core, {harness.default_workers()} here; "
        "1 runs in this process)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="send the runs to an existing Dask cluster (e.g. tcp://host:8786) instead",
    )
    p.add_argument(
        "--retry-failed", action="store_true", help="run again the runs that ended in error"
    )
    p.add_argument("--no-report", action="store_true", help="tables only: no figures, no report")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        raise InputError.single("a number ≥ 1", field="--workers", got=repr(args.workers))
    if getattr(args, "verbose", 0) == 0:
        import distributed  # noqa: F401  (its import sets its loggers' levels: set them after)

        logging.getLogger("distributed").setLevel(logging.ERROR)  # cluster start and stop
    console = Console(stderr=True, highlight=False)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as bar:
        task: list[TaskID] = []

        def show(state: harness.SweepProgress) -> None:
            counts = f"done {state.done}, failed {state.failed}, left {state.left}"
            if state.skipped:
                counts += f" ({state.skipped} from before)"
            if not task:
                task.append(
                    bar.add_task("runs", total=state.total, completed=state.skipped, counts=counts)
                )
            finished = state.skipped + state.done + state.failed
            bar.update(task[0], completed=finished, counts=counts)

        frame = harness.run_sweep(
            args.scenario,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=show,
            retry_failed=args.retry_failed,
            report=not args.no_report,
        )
    out = Console(highlight=False)
    print_gaps(harness.gap_table(frame), out)
    errors = frame[frame["status"] == "error"]
    out.print(f"\n{len(frame)} runs; results in {args.out / 'results.csv'}")
    if not args.no_report:
        out.print(f"report: {args.out / 'report.md'} and {args.out / 'report.html'}")
    if len(errors):
        out.print(f"[red]{len(errors)} run(s) failed[/]; e.g. {errors['message'].iloc[0]}")
        return 1
    return 0


def print_gaps(gaps: Any, console: Console) -> None:
    table = Table(title="Gap to the optimum", title_justify="left")
    for column in ("algorithm", "objective", "runs", "compared", "mean", "worst", "within 1 %"):
        table.add_column(
            column, justify="left" if column in ("algorithm", "objective") else "right"
        )
    for row in gaps.itertuples():
        table.add_row(
            str(row.algorithm),
            str(row.objective),
            str(row.runs),
            str(row.compared),
            percent(row.mean_gap),
            percent(row.worst_gap),
            percent(row.within_1pct, 0),
        )
    console.print(table)


def refuse_solve(scenario: Any, args: argparse.Namespace) -> int:
    """``wdnopt solve`` on a sweep: say which command runs it."""
    raise InputError.single(
        "a routing or pump_placement scenario for `wdnopt solve`; run a pump_comparison "
        "sweep with `wdnopt compare SCENARIO --out DIR`",
        field="kind",
        got=repr(scenario.kind),
        file=args.scenario,
    )
