"""``wdnopt compare SCENARIO --out DIR``: run a sweep, with a progress bar.

A thin layer over :func:`wdnopt.solvers.pumps.sweep.run_sweep` (a ``pump_comparison`` scenario)
and :func:`wdnopt.solvers.routing.sweep.run_routing_sweep` (a ``routing_sweep`` scenario): it shows
the progress (runs done, failed and left), then the gap table (pumps) or the cost of each
outage against demand (routing) and where the results, figures and report were written.
Exit code 0 when every run finished, 1 when some run ended in error (the others are kept),
2 for a bad sweep (refused before any run starts).
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import time
from contextlib import nullcontext
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

from wdnopt.extras import installed, require
from wdnopt.models.errors import InputError
from wdnopt.solvers.cli.console import report_console
from wdnopt.solvers.cli.figure_options import add_figure_options, refuse_unused_figure_options
from wdnopt.solvers.cores import default_workers
from wdnopt.solvers.harness.workers import PARALLEL_AFTER_S
from wdnopt.solvers.io import DEFAULT_DPI, check_output_path, print_json
from wdnopt.solvers.numbers import MAX_TIME_LIMIT, time_limit

logger = logging.getLogger(__name__)


def _workers(text: str) -> int:
    """``--workers``: a whole number ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number ≥ 1 expected, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"a whole number ≥ 1 expected, got {value}")
    return value


def _address(text: str) -> str:
    """``--dashboard``: ``[HOST]:PORT`` with a port from 0 to 65535 (0: any free port)."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(
            f"an address [HOST]:PORT with a port from 0 to 65535 expected, got {text!r}"
        )
    return f"{host}:{number}"


def register(sub: Any) -> None:
    cores = default_workers()
    p = sub.add_parser(
        "compare",
        description=(
            "Run every algorithm of a pump_comparison scenario over its networks, demand "
            "factors, objectives and seeds; write results.csv (one row per run; also as "
            ".parquet with pyarrow), gaps.csv, PNG figures and report.md/.html in DIR. Or "
            "solve a routing_sweep scenario's base routing scenario under each demand "
            "multiplier, outage and tariff (results.csv, plants.csv, figures, report). Runs "
            "already in DIR/runs are skipped, so an interrupted sweep (Ctrl-C) resumes where it "
            "stopped when run again. One sweep at a time writes into DIR: a second one is "
            "refused (or waits, with --wait)."
        ),
        epilog=(
            "Where the runs execute: by default in this process, moving the remaining runs to "
            f"one worker process per core ({cores} here) once the runs timed so far predict "
            f"more than {PARALLEL_AFTER_S:.0f} s of work left; starting the workers "
            "costs seconds, so short sweeps are never slower than with --workers 1. "
            "--workers N uses N worker processes from the start. Worker processes and "
            "clusters need the dask extra (pip install 'wdnopt[dask]'); without it every run "
            "stays in this process. With --scheduler, the "
            "cluster's workers may run several threads each: the runs of one process take "
            "turns (EPANET and the solvers' output are not thread-safe), processes run in "
            "parallel."
        ),
    )
    p.add_argument(
        "scenario",
        type=Path,
        help='sweep scenario (.toml, kind = "pump_comparison" or "routing_sweep")',
    )
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    p.add_argument(
        "--workers",
        type=_workers,
        metavar="N",
        help="worker processes: 1 runs every run in this process, N ≥ 2 starts N local "
        f"workers (default: this process, then one worker per core, {cores} here, when the "
        "sweep is long enough; see below)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="send the runs to an existing Dask cluster (e.g. tcp://host:8786) instead; its "
        "workers may have several threads (runs in one process take turns)",
    )
    p.add_argument(
        "--dashboard",
        nargs="?",
        const=":8787",
        type=_address,
        metavar="ADDRESS",
        help="serve the local cluster's Dask dashboard at ADDRESS ([HOST]:PORT, default :8787; "
        "the runs then start on the cluster at once); none without this option",
    )
    p.add_argument(
        "--wait",
        action="store_true",
        help="if another sweep is writing into DIR, wait for it to finish instead of refusing",
    )
    p.add_argument(
        "--retry-failed", action="store_true", help="run again the runs that ended in error"
    )
    p.add_argument(
        "--time-limit",
        type=time_limit,
        metavar="S",
        help="pump comparison: wall-clock seconds of each run (the algorithm, its cross-check "
        "and the repair share it), for every algorithm that takes a limit; beats [options.NAME] "
        "time_limit and [solver] time_limit (a routing sweep takes its [solver] time_limit); "
        f"a finite number in (0, {MAX_TIME_LIMIT:g}]",
    )
    p.add_argument("--no-report", action="store_true", help="tables only: no figures, no report")
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object on stdout at the end (runs, failures, gap table, files) "
        "instead of the tables; the progress still goes to stderr",
    )
    add_figure_options(p, plot=False)  # the report's figures: no --plot option
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # lazy, here and below: `wdnopt --help` and `compare --help` load no sweep code
    from wdnopt.models.scenario import load_scenario
    from wdnopt.solvers import harness
    from wdnopt.solvers.pumps.sweep import gap_table, run_sweep  # lazy: start-up
    from wdnopt.solvers.routing.sweep import run_routing_sweep  # lazy: start-up

    if args.workers is not None and args.workers < 1:
        raise InputError.single("a number ≥ 1", field="--workers", got=repr(args.workers))
    refuse_unused_figure_options(args, draws=not args.no_report, why="no --no-report")
    check_output_path(args.out, option="--out", folder=True)
    harness.check_out_dir(args.out)
    kind = load_scenario(args.scenario).kind
    if kind not in ("pump_comparison", "routing_sweep"):
        raise InputError.single(
            'a sweep scenario (kind = "pump_comparison" or "routing_sweep"); solve a single '
            "scenario with `wdnopt solve`",
            field="kind",
            got=repr(kind),
            file=args.scenario,
        )
    routing = kind == "routing_sweep"
    limit = getattr(args, "time_limit", None)
    if routing and limit is not None:
        raise InputError.single(
            "no --time-limit for a routing sweep: its scenario's [solver] time_limit applies "
            "to each solve",
            field="--time-limit",
            file=args.scenario,
        )
    run_any = run_routing_sweep if routing else functools.partial(run_sweep, time_limit=limit)
    dask = [
        option
        for option, given in (
            ("--workers", (args.workers or 1) > 1),
            ("--scheduler", args.scheduler is not None),
            ("--dashboard", args.dashboard is not None),
        )
        if given
    ]
    if dask:
        require("dask", f"wdnopt compare {dask[0]}")
    if getattr(args, "verbose", 0) == 0 and installed("dask"):
        import distributed  # noqa: F401  (its import sets its loggers' levels: set them after)

        logging.getLogger("distributed").setLevel(logging.ERROR)  # cluster start and stop
        # a Ctrl-C that lands in the Dask client's event loop is logged there as an error with
        # a traceback; the interrupt itself is reported below in one line
        # (distributed's logging config gives "tornado.application" a level of its own, ERROR)
        for name in ("tornado", "tornado.application"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    console = report_console(stderr=True)
    finished = [0]
    try:
        with (
            _PlainProgress(console) if not console.is_terminal else nullcontext() as plain,
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=False,
                disable=plain is not None,
            ) as bar,
        ):
            task: list[TaskID] = []
            shown: list[str] = []

            def show(state: harness.SweepProgress) -> None:
                finished[0] = state.finished
                if state.dashboard and not shown:
                    shown.append(state.dashboard)
                    bar.console.print(f"dashboard: {state.dashboard}")
                counts = f"done {state.done}, failed {state.failed}, left {state.left}"
                if state.skipped:
                    counts += f" ({state.skipped} from before)"
                if plain is not None:
                    plain.show(state.finished, state.total, counts)
                    return
                if not task:
                    task.append(
                        bar.add_task(
                            "runs", total=state.total, completed=state.skipped, counts=counts
                        )
                    )
                bar.update(task[0], completed=state.finished, counts=counts)

            frame = run_any(
                args.scenario,
                args.out,
                workers=args.workers,
                scheduler=args.scheduler,
                progress=show,
                retry_failed=args.retry_failed,
                report=not args.no_report,
                wait=args.wait,
                dashboard=args.dashboard,
                figure_format=args.format or "png",
                dpi=args.dpi or DEFAULT_DPI,
            )
    except KeyboardInterrupt:
        console.print(
            f"interrupted: {finished[0]} runs done, results in {args.out}; "
            "run the same command again to resume",
            soft_wrap=True,
        )
        return 130
    errors = frame[frame["status"] == "error"]
    if args.json:
        payload = {
            "command": "compare",
            "kind": kind,
            "scenario": _summary(args.out).get("scenario"),
            "file": str(args.scenario),
            "out": str(args.out),
            "runs": len(frame),
            "failed": len(errors),
            "results": str(args.out / "results.csv"),
            "summary": str(args.out / "summary.json"),
            "report": None if args.no_report else str(args.out / "report.html"),
        }
        if routing:
            counts = frame["status"].value_counts()
            payload["by_status"] = {str(k): int(v) for k, v in counts.items()}
            payload["plants"] = str(args.out / "plants.csv")
        else:
            payload["gaps"] = gap_table(frame).to_dict(orient="records")
        print_json("compare", payload)
        return 1 if len(errors) else 0
    out = report_console()
    if routing:
        print_routing(frame, out)
    else:
        print_gaps(gap_table(frame), out)
    out.print(f"\n{len(frame)} runs; results in {args.out / 'results.csv'}")
    if not args.no_report:
        out.print(f"report: {args.out / 'report.md'} and {args.out / 'report.html'}")
    if len(errors):
        out.print(f"[red]{len(errors)} run(s) failed[/]; e.g. {errors['message'].iloc[0]}")
        return 1
    return 0


def _summary(out: Path) -> dict[str, Any]:
    """The sweep's summary.json (its ``scenario`` is the JSON's, as in every command)."""
    try:
        return json.loads((out / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


PLAIN_EVERY_S = 30.0
"""Not on a terminal (a log file, CI), the progress is one plain line at most this often (s),
and one at the end, instead of a bar."""


class _PlainProgress:
    """The sweep's progress as plain lines on ``console``, for output that is not a terminal."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.started = time.monotonic()
        self.last = self.started
        self.line = ""

    def show(self, finished: int, total: int, counts: str) -> None:
        self.line = f"runs {finished}/{total}: {counts}"
        now = time.monotonic()
        if now - self.last >= PLAIN_EVERY_S:
            self.last = now
            self._print()

    def _print(self) -> None:
        elapsed = time.monotonic() - self.started
        self.console.print(f"{self.line} ({elapsed:.0f} s)", soft_wrap=True)

    def __enter__(self) -> _PlainProgress:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is None and self.line:
            self._print()


def print_gaps(gaps: Any, console: Console) -> None:
    from wdnopt.solvers.harness.document import percent  # lazy: pandas (start-up)

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


def print_routing(frame: Any, console: Console) -> None:
    """The cost of the day ($/day) by outage (rows) and demand multiplier (columns), one table
    per tariff; a run whose demands cannot all be met shows its shortfall instead."""
    for tariff, rows in frame.groupby("tariff", sort=False):
        multipliers = list(dict.fromkeys(rows["demand_multiplier"].tolist()))
        table = Table(
            title=f"Cost of the day, $/day (tariff {tariff}; short: ML/day not met)",
            title_justify="left",
        )
        table.add_column("outage", justify="left")
        for m in multipliers:
            table.add_column(f"demand ×{m:g}", justify="right")
        for outage, group in rows.groupby("outage", sort=False):
            cells = []
            by = {r.demand_multiplier: r for r in group.itertuples()}
            for m in multipliers:
                r = by.get(m)
                if r is None:
                    cells.append("")
                elif r.status == "optimal":
                    cells.append(f"{r.objective:,.2f}")
                elif r.status == "infeasible":
                    cells.append(f"[red]short {r.shortfall_ml:,.3g}[/]")
                elif r.status == "time_limit" and r.objective == r.objective:
                    cells.append(f"{r.objective:,.2f} (gap {r.gap:.1%})")
                else:
                    cells.append(str(r.status))
            table.add_row(str(outage), *cells)
        console.print(table)


def refuse_solve(scenario: Any, args: argparse.Namespace) -> int:
    """``wdnopt solve`` on a sweep: say which command runs it."""
    raise InputError.single(
        "a routing or pump_placement scenario for `wdnopt solve`; run a pump_comparison or "
        "routing_sweep sweep with `wdnopt compare SCENARIO --out DIR`",
        field="kind",
        got=repr(scenario.kind),
        file=args.scenario,
    )
