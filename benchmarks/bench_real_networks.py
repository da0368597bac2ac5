"""Booster-pump placement on real looped networks: do the plans hold on the network as given?

For each network and demand factor (factors at which the unpumped network has junctions below
``P_min``), every algorithm places pumps in ``network`` mode: ``network-dp`` repairs its plan on
the network by itself (EPANET in the loop); ``tree-dp``, ``approx-pump``, ``tree-pump``, ``ga``
and ``milp`` solve their model and their plan is then repaired by
:func:`~wdnopt.solvers.pumps.network_mode.repair_result`. ``min-opex`` (a bound, no plan) is
left out. Every final plan is then checked by an independent EPANET run: the ``.inp`` is read
again, the pumps are inserted by :func:`~wdnopt.solvers.pumps.verify.with_pumps` and wntr's
``EpanetSimulator`` solves it (:func:`~wdnopt.models.pumps.hydraulics.simulate`). A plan
*holds* when no checked junction is below ``P_min`` (5 mm tolerance) and every inserted pump
runs forward within its maximum head.

One row per (network, factor, algorithm): junctions, deficient junctions before and after,
holds, TCO (money), pumps, runtime (algorithm and repair), runtime over one plain EPANET steady
state of the same network measured in the same run, and for the repaired heuristics the cost of
their own plan before the repair and whether that plan held as it was. Rows without a plan
carry the algorithm's message (a network may not be solvable with the default catalogue).
A summary per algorithm follows: plans that hold, and the mean cost ratio to ``network-dp``
where both hold. Runs are spread over ``--workers`` processes (default 2); runtimes are wall
times inside each run, so they include the contention of the other worker.

Networks are read from the installed packages, never copied: wntr ships Net3, Net6, ky4 and
ky10; epyt ships the ASCE TF-WDST set (ky1..ky15, Balerma, KL, ...) and L-TOWN. The default set
(92 to 2,347 junctions) takes ~6 minutes on 2 cores, ``--quick`` (Net3, ky10, ky4) ~2 minutes.
Net6 (3,323 junctions) is known but not run by default: no plan held there and its runs take
~6 minutes on their own (``--networks Net6``). Figures are printed, not asserted.

    .venv/bin/python benchmarks/bench_real_networks.py
    .venv/bin/python benchmarks/bench_real_networks.py --quick
    .venv/bin/python benchmarks/bench_real_networks.py --networks Net6,ky12 --time-limit 60
    .venv/bin/python benchmarks/bench_real_networks.py --networks ky2 --factors 2.5 --algorithms ga

``--scale``: the default placement from ~2,000 to ~20,000 junctions, each figure also as a
ratio to one plain EPANET steady state of the same network in the same process. The networks:
exnet-3 (1,891 junctions, factor 0.8), ky12 (2,347, factor 3.0) and BWSN_Network_2 (12,523,
factor 2.0) from epyt's
``asce-tf-wdst``, and looped networks of 2,000, 5,000, 10,000 and 20,000 junctions made by
:func:`~wdnopt.models.pumps.generator.generate_looped` (seed = size, 15 % loop pipes) at 1.1 ×
the onset factor it gives, written to a temporary folder. Each network runs in a fresh
process, as ``wdnopt solve`` runs it: :func:`placement_request` with ``--time-limit``
(default 60 s), :func:`solve_placement` (``network-dp`` and its repair) and
:func:`check_placement`; then the independent check above. A row gives junctions, pipes,
deficient junctions, status, holds, pumps, TCO, the wall times of building the problem, of the
placement, of the solve's check and of the independent check (each ``×ss``), and the peak
resident memory of the process once the problem is built and at the end. A process whose
resident memory passes ``--max-memory`` (default 14 GB: the machine is shared) is stopped; its
row says at which stage. Measured on 2 shared cores with 23 GB (~5 minutes), with the repair
rounds' linear model solved in blocks and its cover MILP built from its columns only::

    network        junct  pipes    f def status     holds pumps     TCO  ss s place s  ×ss     MB
    exnet-3         1891   2465  0.8  47 unknown    -         -       -  0.09     1.8   21    398
    ky12            2347   2426  3.0 601 heuristic  yes      24 2,843,548 0.10   8.2   82    614
    BWSN_Network_2 12523  14822  2.0  68 unknown    -         -       -  0.56    60.0  107   2305
    looped-2000     2000   2300 2.14  11 heuristic  yes       5  85,555  0.09     0.6    7    408
    looped-5000     5000   5750 2.13  28 heuristic  yes      13 222,444  0.21     8.2   38    979
    looped-10000   10000  11500 2.11  25 heuristic  yes      13 222,444  0.45    50.2  111   3009
    looped-20000   20000  23000 2.11  76 time_limit yes      42 718,666  0.92    60.3   65   4868

(``f``: demand factor; ``def``: deficient junctions unpumped; ``ss s``: the steady state;
``×ss``: the placement over it; ``MB``: peak resident memory.) Building the problem takes 1–2
steady states at every size, the solve's check of a plan 0.2 × one and the independent check,
which reads the ``.inp`` again, 3–7 × one; the placement is what grows. exnet-3 has no plan:
the lowest pressure of its demand junctions is 5.3 m at every factor from 0.3 to 0.8 (below
``P_min`` whatever the demand): junction 1107 sits 2 m from reservoir 3002, whose head is 5.3 m
above it, and a pump on that outlet (pipe 3244) drives water round the network back into the
same reservoir through pipe 3231 and the check-valve pipe 4177 (with BP150: 5.6 m³/s through
the pump at 2.2 m of head, 1107 at 7.2 m); no pump within the catalogue's maximum heads lifts
1107 (the row's message). ky12's plan needs pumps swapped for
larger sizes in the last rounds (measured again with that added; before it, and with the
repair's fault rule apart from the check's, no plan). BWSN_Network_2 ends at its limit in the
repair rounds with no plan that holds (status ``unknown``, the message names the stage). The
placement's memory grows with checked junctions × candidate pipes (the sensitivities of the
linear model): 0.4 GB at 2,000 junctions, 3.0 GB at 10,000, 4.9 GB at 20,000 (before: 1.1,
13.4 and over 14 GB, stopped). The 10,000-junction placement varies between 26 and 50 s with
the load of the machine; at 20,000 the run ends at its 60 s with the plan it has, which holds.

    .venv/bin/python benchmarks/bench_real_networks.py --scale
    .venv/bin/python benchmarks/bench_real_networks.py --scale --networks looped-5000,exnet-3
"""

from __future__ import annotations

import argparse
import functools
import logging
import math
import multiprocessing
import resource
import statistics
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field
from importlib.resources import files
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

SHIPPED = ("Net1", "Net3", "Net6", "ky4", "ky10")
"""Networks read from the wntr package by name."""

NETWORKS: dict[str, tuple[float, ...]] = {
    "Net3": (2.5, 3.0),
    "ky10": (1.5, 2.0),
    "ky4": (3.0, 4.0),
    "ky2": (2.5, 3.0),
    "ky8": (3.0, 4.0),
    "ky12": (2.0, 2.5),
    "Balerma": (1.1, 1.2),
    "L-TOWN": (4.0, 4.5),
    "Net6": (1.0, 3.0),
    "ky1": (1.5, 2.5),
    "ky5": (2.0, 2.5),
    "ky9": (2.0, 2.5),
    "ky11": (1.5, 2.0),
    "ky13": (1.5, 2.5),
    "ky15": (1.0, 1.5),
    "KL": (1.5, 2.0),
}
"""Every network this script knows, with two demand factors at which it has deficient junctions
(unpumped, at the peak-demand hour, ``P_min`` = 21.3 psi)."""

DEFAULT = ("Net3", "Balerma", "L-TOWN", "ky10", "ky4", "ky2", "ky8", "ky12")
QUICK = ("Net3", "ky10", "ky4")

ALGORITHMS = ("network-dp", "tree-dp", "approx-pump", "tree-pump", "ga", "milp")
SELF_REPAIRING = frozenset({"network-dp"})

TOL = 5e-3
"""Metres below ``P_min`` that still count as meeting it (the checker's tolerance)."""

SCALE_SHIPPED: dict[str, float] = {"exnet-3": 0.8, "ky12": 3.0, "BWSN_Network_2": 2.0}
"""Shipped networks of ``--scale`` (epyt's ``asce-tf-wdst``), each with a factor at which it
is deficient (exnet-3: 47 of 1,603 demand junctions, ky12: 601 of 2,246, BWSN_Network_2: 68
of 10,551)."""

SCALE_GENERATED = (2_000, 5_000, 10_000, 20_000)
"""Junctions of the generated looped networks of ``--scale`` (``looped-N``, seed ``N``)."""

SCALE_MARGIN = 1.1
"""A generated network runs at this multiple of its onset factor (to 0.01)."""


def network_source(name: str) -> dict[str, str]:
    """The ``network`` table of a scenario for ``name`` (shipped name or installed file)."""
    if name in SHIPPED:
        return {"shipped": name}
    networks = files("epyt").joinpath("networks")
    path = networks.joinpath(f"{name}.inp")
    if not path.is_file():
        path = networks.joinpath("asce-tf-wdst", f"{name}.inp")
    if not path.is_file():
        raise SystemExit(f"unknown network {name!r}: not shipped with wntr or epyt")
    return {"file": str(path)}


def quiet() -> None:
    """Silence wntr's, pyomo's and Python's warnings (in every process)."""
    warnings.filterwarnings("ignore")
    logging.basicConfig(level=logging.ERROR)
    for name in ("wntr", "pyomo", "wdnopt"):
        logging.getLogger(name).setLevel(logging.ERROR)


@functools.lru_cache(maxsize=4)
def problem_of(name: str, factor: float) -> Any:
    """The network-mode problem of ``name`` at ``factor`` (one factor per build)."""
    from wdnopt.models.pumps.instance import build_problems
    from wdnopt.models.pumps.schema import PumpPlacementScenario

    scenario = PumpPlacementScenario(network=network_source(name), demand_factors=[factor])
    (problem,) = build_problems(scenario)
    return problem


def independent_check(
    source: dict[str, str], problem: Any, pumps: tuple = (), tol: float = TOL
) -> tuple[int, list[str], float]:
    """Deficient checked junctions (more than ``tol`` below ``P_min``), pump faults and solve
    time of an independent EPANET run of the network (the ``network`` table ``source``) read
    again from its file, with ``pumps`` inserted."""
    from wdnopt.models.pumps.hydraulics import FLOW_ROUNDOFF, read_network, simulate
    from wdnopt.solvers.pumps.verify import with_pumps

    net = problem.network
    wn = read_network(source.get("file") or source["shipped"])
    pumped, names = with_pumps(wn, pumps, problem.catalogue) if pumps else (wn, {})
    started = time.perf_counter()
    state = simulate(pumped, net.factor, net.hour)
    seconds = time.perf_counter() - started
    low = [n for n in net.checked if not float(state.pressure[n]) >= net.p_min - tol]
    faults = []
    max_head = problem.catalogue.max_head_m
    for pump, pump_name in names.items():
        link = pumped.get_link(pump_name)
        flow = float(state.flow[pump_name])
        head = float(state.head[link.end_node_name]) - float(state.head[link.start_node_name])
        if not flow > FLOW_ROUNDOFF:
            faults.append(f"{pump_name} on {pump.pipe} has no forward flow")
        elif head > max_head[pump.size] + TOL:
            faults.append(f"{pump_name} on {pump.pipe} adds {head:.1f} m, above its maximum")
    return len(low), faults, seconds


@dataclass
class Case:
    """One network at one factor: what the unpumped network looks like."""

    network: str
    factor: float
    junctions: int = 0
    checked: int = 0
    deficient: int = 0
    """Deficient checked junctions in the problem's own steady state."""
    deficient_check: int = 0
    """... and in the independent EPANET run, without tolerance (they should agree)."""
    steady_s: float = float("nan")
    """Median time of one plain EPANET steady state (wntr's EpanetSimulator), s."""
    error: str = ""


@dataclass
class Row:
    network: str
    factor: float
    algorithm: str
    holds: bool = False
    deficient_after: int | None = None
    cost: float | None = None
    pumps: int | None = None
    runtime_s: float = float("nan")
    start_cost: float | None = None
    start_holds: bool | None = None
    message: str = ""
    extras: dict[str, Any] = field(default_factory=dict)


def survey(name: str, factor: float, repeat: int) -> Case:
    """The unpumped network at ``factor``: sizes, deficient junctions, steady-state time."""
    quiet()
    case = Case(name, factor)
    try:
        problem = problem_of(name, factor)
        case.junctions = problem.network.wn.num_junctions
        case.checked = len(problem.network.checked)
        case.deficient = len(problem.network.deficient())
        times = []
        for _ in range(repeat):
            low, _, seconds = independent_check(network_source(name), problem, tol=0.0)
            times.append(seconds)
        case.deficient_check = low
        case.steady_s = statistics.median(times)
    except Exception as exc:  # a network that does not load: its rows say why
        case.error = f"{type(exc).__name__}: {exc}"
    return case


def run_one(name: str, factor: float, algorithm: str, options: dict, repair_limit: float) -> Row:
    """One algorithm on one case, repaired (unless it repairs itself) and checked again."""
    quiet()
    from wdnopt.solvers.pumps import registry
    from wdnopt.solvers.pumps.network_mode import repair_result
    from wdnopt.solvers.pumps.repair import RepairOptions

    row = Row(name, factor, algorithm)
    started = time.perf_counter()
    try:
        problem = problem_of(name, factor)
        alg = registry.get(algorithm)
        result = alg.run(problem, alg.make_options(options))
        if algorithm not in SELF_REPAIRING:
            row.start_cost = result.objective
            result = repair_result(problem, result, RepairOptions(time_limit=repair_limit))
            if "start_holds" in result.extras:
                row.start_holds = bool(result.extras["start_holds"])
        row.runtime_s = result.runtime_s
        row.message = result.message
        row.extras = {k: v for k, v in result.extras.items() if isinstance(v, int | float)}
        if result.has_plan:
            row.cost = result.objective
            row.pumps = result.cost.n_pumps
            low, faults, _ = independent_check(network_source(name), problem, result.pumps)
            row.deficient_after = low
            row.holds = low == 0 and not faults
            if faults:
                row.message = f"{len(faults)} pump fault(s): {faults[0]}; {row.message}"
    except Exception as exc:  # the row reports it, the others still run
        row.runtime_s = time.perf_counter() - started
        row.message = f"error {type(exc).__name__}: {exc}"
    return row


def code_version() -> str:
    """The commit the package is at, and whether its files differ from it."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = git(root, "rev-parse", "--short", "HEAD").strip()
        changed = git(root, "status", "--porcelain", "--untracked-files=no").strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} with uncommitted changes" if changed else head


def git(root: Path, *command: str) -> str:
    out = subprocess.run(["git", "-C", str(root), *command], capture_output=True, text=True)
    out.check_returncode()
    return out.stdout


def fmt_money(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def fmt_bool(x: bool | None) -> str:
    return "-" if x is None else ("yes" if x else "no")


HEADER = (
    f"{'network':<8} {'junct':>5} {'factor':>6} {'algorithm':<11} {'def0':>4} {'def1':>4} "
    f"{'holds':<5} {'cost (TCO)':>12} {'pumps':>5} {'runtime s':>9} {'rt/ss':>7} "
    f"{'raw cost':>12} {'raw held':<8} note"
)


def table_row(case: Case, row: Row, width: int) -> str:
    after = "-" if row.deficient_after is None else str(row.deficient_after)
    ratio = row.runtime_s / case.steady_s if case.steady_s > 0 else float("nan")
    note = "" if row.holds and not row.message.startswith("error") else row.message
    if len(note) > width:
        note = note[: width - 1] + "…"
    return (
        f"{row.network:<8} {case.junctions:>5} {row.factor:>6g} {row.algorithm:<11} "
        f"{case.deficient:>4} {after:>4} {fmt_bool(row.holds):<5} {fmt_money(row.cost):>12} "
        f"{'-' if row.pumps is None else row.pumps:>5} {row.runtime_s:>9.1f} {ratio:>7.0f} "
        f"{fmt_money(row.start_cost):>12} {fmt_bool(row.start_holds):<8} {note}"
    )


def summary(rows: list[Row], algorithms: list[str]) -> list[str]:
    """Per algorithm: plans that hold, mean cost ratio to network-dp where both hold."""
    ref = {(r.network, r.factor): r for r in rows if r.algorithm == "network-dp"}
    lines = [
        f"{'algorithm':<11} {'hold/rows':>9} {'raw held':>8} {'cost / network-dp':>18} "
        f"{'(rows)':>6} {'runtime s':>9}"
    ]
    for name in algorithms:
        mine = [r for r in rows if r.algorithm == name]
        if not mine:
            continue
        held = sum(r.holds for r in mine)
        raw = [r.start_holds for r in mine if r.start_holds is not None]
        raw_text = f"{sum(raw)}/{len(raw)}" if raw else "-"
        ratios = []
        for r in mine:
            other = ref.get((r.network, r.factor))
            if r.holds and other is not None and other.holds and other.cost and r.cost is not None:
                ratios.append(r.cost / other.cost)
        ratio = f"{statistics.mean(ratios):.3f}" if ratios else "-"
        total = sum(r.runtime_s for r in mine)
        lines.append(
            f"{name:<11} {f'{held}/{len(mine)}':>9} {raw_text:>8} {ratio:>18} "
            f"{len(ratios):>6} {total:>9.1f}"
        )
    return lines


@dataclass
class ScaleRow:
    """One network of ``--scale``: its size, the default placement and its check, timed."""

    network: str
    factor: float = float("nan")
    junctions: int = 0
    pipes: int = 0
    deficient: int = 0
    status: str = "-"
    holds: bool | None = None
    """The verdict of the independent EPANET check."""
    verified: bool | None = None
    """The verdict of the solve's own check (:func:`check_placement`)."""
    pumps: int | None = None
    cost: float | None = None
    generate_s: float = float("nan")
    build_s: float = float("nan")
    steady_s: float = float("nan")
    place_s: float = float("nan")
    check_s: float = float("nan")
    independent_s: float = float("nan")
    build_mb: float = float("nan")
    """Peak resident memory of the process once the problem is built, MB."""
    peak_mb: float = float("nan")
    """... and at the end (placement and checks), MB."""
    message: str = ""


def scale_names() -> list[str]:
    """The networks of ``--scale``: the shipped ones, then the generated ones by size."""
    return [*SCALE_SHIPPED, *(f"looped-{n}" for n in SCALE_GENERATED)]


def scale_source(name: str, folder: str) -> tuple[dict[str, str], float, float]:
    """The ``network`` table of a ``--scale`` network, its factor and the seconds it took to
    generate (NaN for a shipped one); ``looped-N`` is written into ``folder``."""
    if name in SCALE_SHIPPED:
        return network_source(name), SCALE_SHIPPED[name], float("nan")
    from wdnopt.models.pumps.generator import write_looped

    nodes = int(name.removeprefix("looped-"))
    started = time.perf_counter()
    path, looped = write_looped(nodes, nodes, Path(folder) / f"{name}.inp")
    seconds = time.perf_counter() - started
    return {"file": str(path)}, round(looped.onset * SCALE_MARGIN, 2), seconds


def steady_seconds(source: dict[str, str], problem: Any, repeat: int) -> float:
    """Median wall time of one plain EPANET steady state (wntr's ``EpanetSimulator``) of the
    network read from ``source``, at the problem's factor and hour."""
    from wdnopt.models.pumps.hydraulics import read_network, simulate

    wn = read_network(source.get("file") or source["shipped"])
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        simulate(wn, problem.network.factor, problem.network.hour)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def scale_one(
    name: str,
    folder: str,
    time_limit: float,
    repeat: int,
    stage: Callable[[str, ScaleRow], None] = lambda _stage, _row: None,
) -> ScaleRow:
    """One ``--scale`` network: build the problem, time the reference steady state, place
    pumps as ``wdnopt solve`` does (:func:`placement_request`, then :func:`solve_placement`
    and :func:`check_placement`, which :func:`run_placement` runs in turn), check the plan
    independently; the peak resident memory of the process. ``stage`` hears of each stage as
    it starts, with the row so far."""
    from wdnopt.models.pumps.collector import frozen_gc
    from wdnopt.models.pumps.instance import build_problems
    from wdnopt.models.pumps.schema import PumpPlacementScenario
    from wdnopt.solvers.pumps.placement import as_checked, check_placement, solve_placement
    from wdnopt.solvers.pumps.request import placement_request

    row = ScaleRow(name)
    try:
        stage("generation" if name not in SCALE_SHIPPED else "reading", row)
        source, row.factor, row.generate_s = scale_source(name, folder)
        scenario = PumpPlacementScenario(network=source, demand_factors=[row.factor])
        request = placement_request(scenario, None, time_limit, where=name)
        stage("building the problem", row)
        started = time.perf_counter()
        (problem,) = build_problems(scenario)
        row.build_s = time.perf_counter() - started
        row.build_mb = peak_mb()
        with frozen_gc():  # as wdnopt solve: the network and problem live to the end
            row.junctions = problem.network.wn.num_junctions
            row.pipes = problem.network.wn.num_pipes
            row.deficient = len(problem.network.deficient())
            stage("the reference steady state", row)
            row.steady_s = steady_seconds(source, problem, repeat)
            stage("the placement", row)
            started = time.perf_counter()
            result = solve_placement(problem, request)
            row.place_s = time.perf_counter() - started
            stage("the check", row)
            started = time.perf_counter()
            check = check_placement(problem, result)
            row.check_s = time.perf_counter() - started
            result = as_checked(result, check)  # as wdnopt solve reports it
            row.status, row.message = str(result.status), result.message
            if result.has_plan:
                row.pumps, row.cost = len(result.pumps), result.objective
                row.verified = check is not None and check.verified
                stage("the independent check", row)
                started = time.perf_counter()
                low, faults, _ = independent_check(source, problem, result.pumps)
                row.independent_s = time.perf_counter() - started
                row.holds = low == 0 and not faults
                if faults:
                    row.message = f"{len(faults)} pump fault(s): {faults[0]}; {row.message}"
    except Exception as exc:  # the row reports it, the other networks still run
        row.message = f"error {type(exc).__name__}: {exc}"
    row.peak_mb = peak_mb()
    return row


def scale_child(conn: Connection, name: str, folder: str, time_limit: float, repeat: int) -> None:
    """:func:`scale_one` in a process of its own: each stage, then the row, sent on ``conn``."""
    quiet()
    row = scale_one(name, folder, time_limit, repeat, lambda *at: conn.send(at))
    conn.send(("done", row))
    conn.close()


def scale_watched(
    name: str, folder: str, time_limit: float, repeat: int, max_mb: float
) -> ScaleRow:
    """:func:`scale_child` in a fresh process, stopped when its resident memory passes
    ``max_mb`` (the machine is shared: the kernel's out-of-memory killer may pick any
    process); such a row says at which stage, after how long and at how much memory."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    process = context.Process(
        target=scale_child, args=(theirs, name, folder, time_limit, repeat), daemon=True
    )
    started = time.perf_counter()
    process.start()
    theirs.close()
    stage, row, seen = "start-up", ScaleRow(name), 0.0
    while True:
        if ours.poll(0.2):
            try:
                stage, row = ours.recv()
            except EOFError:  # the process ended without its row
                break
            if stage == "done":
                break
        seen = max(seen, resident_mb(process.pid))
        if seen > max_mb:
            process.kill()
            row.message = (
                f"stopped during {stage} after {time.perf_counter() - started:.0f} s: "
                f"{seen / 1024:.1f} GB resident, above --max-memory {max_mb / 1024:g} GB"
            )
            break
        if not process.is_alive() and not ours.poll():
            break
    process.join()
    ours.close()
    if stage != "done":
        row.status, row.peak_mb = "stopped", seen
        row.message = row.message or (
            f"the process ended during {stage} (exit code {process.exitcode}), "
            f"{seen / 1024:.1f} GB resident when last seen"
        )
    return row


def resident_mb(pid: int | None) -> float:
    """Resident memory of process ``pid`` now, MB (0 when it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    kb = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")), 0)
    return float(kb) / 1024


def peak_mb() -> float:
    """Peak resident memory of this process so far, MB (Linux gives ``ru_maxrss`` in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


SCALE_HEADER = (
    f"{'network':<14} {'junct':>6} {'pipes':>6} {'factor':>6} {'def':>4} {'status':<10} "
    f"{'holds':<5} {'pumps':>5} {'TCO':>12} {'ss s':>6} {'build s':>7} {'×ss':>5} "
    f"{'place s':>7} {'×ss':>5} {'check s':>7} {'×ss':>4} {'indep s':>7} {'×ss':>4} "
    f"{'MB build':>8} {'MB peak':>7}"
)


def scale_table_row(row: ScaleRow) -> str:
    def ratio(seconds: float) -> float:
        return seconds / row.steady_s if row.steady_s > 0 else float("nan")

    return (
        f"{row.network:<14} {row.junctions:>6} {row.pipes:>6} {row.factor:>6g} "
        f"{row.deficient:>4} {row.status:<10} {fmt_bool(row.holds):<5} "
        f"{'-' if row.pumps is None else row.pumps:>5} {fmt_money(row.cost):>12} "
        f"{row.steady_s:>6.2f} {row.build_s:>7.1f} {ratio(row.build_s):>5.0f} "
        f"{row.place_s:>7.1f} {ratio(row.place_s):>5.0f} {row.check_s:>7.2f} "
        f"{ratio(row.check_s):>4.1f} {row.independent_s:>7.2f} "
        f"{ratio(row.independent_s):>4.1f} {row.build_mb:>8.0f} {row.peak_mb:>7.0f}"
    )


def run_scale(names: list[str], time_limit: float, repeat: int, max_gb: float) -> None:
    """``--scale``: one network after the other, each in a fresh process (its own peak
    memory, stopped above ``max_gb``), and the table."""
    print(
        f"pump placement at scale: the default placement (network-dp, repaired on the network) "
        f"as wdnopt solve runs it, --time-limit {time_limit:g} s, steady state median of "
        f"{repeat}, --max-memory {max_gb:g} GB; code {code_version()}",
        flush=True,
    )
    wall = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="wdnopt-scale-") as folder:
        for name in names:
            row = scale_watched(name, folder, time_limit, repeat, max_gb * 1024)
            rows.append(row)
            made = "" if math.isnan(row.generate_s) else f", generated in {row.generate_s:.1f} s"
            print(f"  {name}: {row.status} in {row.place_s:.1f} s{made}", flush=True)
    print()
    print(SCALE_HEADER)
    print("-" * len(SCALE_HEADER))
    for row in rows:
        print(scale_table_row(row))
    print(
        "\ndef: checked junctions below P_min unpumped; holds: the independent EPANET check "
        "(.inp read again, pumps inserted); ss s: one plain EPANET steady state of the network "
        "(EpanetSimulator); build: reading the network and building the problem; place: the "
        "placement (network-dp and its repair); check: the solve's EPANET check of the plan; "
        "indep: the independent check; ×ss: each over ss s; MB build / MB peak: the peak "
        "resident memory of the process that ran the network once the problem was built and "
        "at the end (its imports alone: ~240 MB)"
    )
    for row in rows:
        if row.holds is not True or row.verified is False or row.message:
            solve_check = "" if row.verified is None else f" (solve's check: {row.verified})"
            print(f"  {row.network}@{row.factor:g} {row.status}{solve_check}: {row.message}")
    print(f"\ntotal wall time {time.perf_counter() - wall:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    parser.add_argument(
        "--networks",
        help=f"comma list of networks (default {','.join(DEFAULT)}; "
        f"known: {','.join(NETWORKS)}; any other epyt network by name, with --factors)",
    )
    parser.add_argument("--factors", help="comma list of demand factors for every network")
    parser.add_argument("--algorithms", default=",".join(ALGORITHMS), help="comma list")
    parser.add_argument(
        "--time-limit",
        type=float,
        help="MILP limit, s (default 30); with --scale, the placement's (default 60)",
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="the default placement on 1,900 to 20,000 junctions (shipped and generated; "
        f"--networks from {','.join(scale_names())} or any looped-N)",
    )
    parser.add_argument(
        "--repair-limit",
        type=float,
        default=300.0,
        help="wall-clock s of each repair and of network-dp (default 300)",
    )
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument(
        "--max-memory",
        type=float,
        default=14.0,
        help="--scale: stop a network's process above this resident memory, GB (default 14)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="steady states timed per network")
    parser.add_argument("--width", type=int, default=60, help="characters of the note column")
    args = parser.parse_args()
    quiet()
    if args.scale:
        names = args.networks.split(",") if args.networks else scale_names()
        run_scale(names, args.time_limit or 60.0, args.repeat, args.max_memory)
        return
    if args.time_limit is None:
        args.time_limit = 30.0

    names = args.networks.split(",") if args.networks else list(QUICK if args.quick else DEFAULT)
    factors = [float(x) for x in args.factors.split(",")] if args.factors else None
    algorithms = args.algorithms.split(",")
    ga = {"population": 30, "generations": 40} if args.quick else {}
    options: dict[str, dict] = {
        "network-dp": {"time_limit": args.repair_limit},
        "ga": ga,
        "milp": {"time_limit": args.time_limit, "threads": 1},
    }
    cases: list[tuple[str, float]] = []
    for name in names:
        network_source(name)  # fails early on an unknown name
        if factors is None and name not in NETWORKS:
            raise SystemExit(f"{name}: give --factors (no default factors for it)")
        cases.extend((name, f) for f in (factors or NETWORKS[name]))

    print(
        f"pump placement on real networks, network mode, default catalogue, objective TCO; "
        f"MILP limit {args.time_limit:g} s, repair limit {args.repair_limit:g} s, GA "
        f"{ga or 'defaults'}, {args.workers} worker(s); code {code_version()}"
    )
    wall = time.perf_counter()
    # the unpumped networks first, in this process: deficient junctions and the reference time
    print("\nreference measured in the same run: one plain EPANET steady state (EpanetSimulator,")
    print(f"median of {args.repeat}), and the unpumped network at each factor")
    print(
        f"{'network':<8} {'junct':>5} {'checked':>7} {'factor':>6} {'deficient':>9} "
        f"{'(check)':>7} {'steady s':>8}"
    )
    info: dict[tuple[str, float], Case] = {}
    for name, f in cases:
        case = survey(name, f, args.repeat)
        info[(name, f)] = case
        if case.error:
            print(f"{name:<8} {'':>5} {'':>7} {f:>6g}  {case.error}")
            continue
        print(
            f"{name:<8} {case.junctions:>5} {case.checked:>7} {f:>6g} {case.deficient:>9} "
            f"{case.deficient_check:>7} {case.steady_s:>8.3f}",
            flush=True,
        )
    problem_of.cache_clear()

    jobs = [(n, f, a) for n, f in cases if not info[(n, f)].error for a in algorithms]
    # the long runs first (large networks, repairs), so that the two workers end together
    order = sorted(jobs, key=lambda j: (-info[j[:2]].junctions * (1 + info[j[:2]].deficient), j[2]))
    print(f"\n{len(jobs)} runs on {args.workers} worker(s) ...", flush=True)
    rows: dict[tuple[str, float, str], Row] = {}
    if args.workers <= 1:
        for n, f, a in order:
            rows[(n, f, a)] = run_one(n, f, a, options.get(a, {}), args.repair_limit)
            progress(rows[(n, f, a)], len(rows), len(jobs))
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(args.workers, mp_context=context) as pool:
            futures: dict[Future, tuple[str, float, str]] = {
                pool.submit(run_one, n, f, a, options.get(a, {}), args.repair_limit): (n, f, a)
                for n, f, a in order
            }
            pending = set(futures)
            while pending:
                done, pending = wait_for(pending, return_when="FIRST_COMPLETED")
                for future in done:
                    n, f, a = futures[future]
                    try:
                        rows[(n, f, a)] = future.result()
                    except Exception as exc:  # the worker process died
                        rows[(n, f, a)] = Row(n, f, a, message=f"error {type(exc).__name__}: {exc}")
                    progress(rows[(n, f, a)], len(rows), len(jobs))

    print()
    print(HEADER)
    print("-" * len(HEADER))
    for name, f in cases:
        case = info[(name, f)]
        if case.error:
            print(f"{name:<8} {'':>5} {f:>6g} {'(all)':<11} {case.error}")
            continue
        for a in algorithms:
            print(table_row(case, rows[(name, f, a)], args.width))
        if case.deficient != case.deficient_check:
            print(
                f"  note: {name} at {f:g}: {case.deficient} deficient in the problem, "
                f"{case.deficient_check} in the independent run"
            )
    print(
        "\ndef0/def1: checked junctions below P_min before (unpumped) and after (independent "
        "EPANET run of the final plan); rt/ss: runtime / one plain steady state of the network; "
        "raw cost / raw held: the algorithm's own plan before the repair"
    )
    failed = [rows[(n, f, a)] for n, f in cases if not info[(n, f)].error for a in algorithms]
    failed = [r for r in failed if not r.holds]
    if failed:
        print("\nplans that do not hold, in full:")
        for r in failed:
            print(f"  {r.network}@{r.factor:g} {r.algorithm}: {r.message}")
    print()
    for line in summary(list(rows.values()), algorithms):
        print(line)
    print(f"\ntotal wall time {time.perf_counter() - wall:.0f} s")


def progress(row: Row, done: int, total: int) -> None:
    if row.message.startswith("error"):
        what = "error"
    else:
        what = "holds" if row.holds else ("fails" if row.cost is not None else "no plan")
    print(
        f"  [{done:>3}/{total}] {row.network}@{row.factor:g} {row.algorithm:<11} "
        f"{row.runtime_s:7.1f} s  {what}",
        flush=True,
    )


if __name__ == "__main__":
    main()
