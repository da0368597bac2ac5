"""The comparison harness: run a sweep of pump placement runs and tabulate them.

A ``pump_comparison`` scenario (:class:`~wdnopt.models.pumps.comparison.PumpComparisonScenario`)
is expanded into runs, one per network × demand factor × objective × algorithm (× seed, for the
algorithms that take one). :func:`plan_sweep` checks everything a run needs (algorithm names
and options, networks, catalogue) before any run starts; :func:`run_sweep` executes the runs
and writes, in its output folder:

- ``runs/<run id>.json``: one file per finished run, written atomically as it finishes. The run
  id is a hash of everything that determines the run's answer (network file contents,
  catalogue contents, pressures, costs, factor, objective, algorithm, options, seed), so running
  the same sweep again skips the runs already done, and changing a setting re-runs only the
  runs it affects. A run that fails is recorded with status ``error`` and its message.
- ``results.csv`` (rewritten atomically as runs finish) and ``results.parquet``: one row per
  run of the sweep, :data:`RESULT_COLUMNS`.
- ``gaps.csv``: per algorithm and objective, the mean and worst gap and the share of runs within
  1 % of the reference (:func:`gap_table`); then the figures and the report
  (:mod:`wdnopt.solvers.figures`, :mod:`wdnopt.solvers.report`).

**Gaps.** In each group (network, factor, objective) the reference is the least cost proved
optimal by an exact algorithm of the registry (``milp``, ``tree-dp``); when no exact run proved
its optimum, it is the best valid lower bound of the group (the MILP's best bound, MIN-OPEX's
bound), and ``reference_kind`` says ``bound``. ``gap = (cost − reference) / reference``, a
fraction (0 when both are 0). Runs that return a bound only (MIN-OPEX) have no cost and no gap;
their bound is in ``bound`` and the paper's IV-B figure in ``paper_bound``.

**Where runs execute.** By default in this process, until the runs timed so far predict more
than :data:`PARALLEL_AFTER_S` seconds of work left; then the remaining runs go to a Dask
``LocalCluster`` of one worker process per core (one thread each; the MILP runs with one HiGHS
thread). Starting a cluster and importing the solvers in every worker costs seconds, so short
sweeps stay in one process and are never slower than ``workers=1``. ``workers=1`` runs in this
process, ``workers=N`` on a cluster of N processes from the start; ``scheduler=ADDRESS`` sends
the runs to an existing Dask cluster, whose workers must have ``wdnopt`` installed and see the
scenario's files at the same paths. Workers may run several threads: the runs of one process
take turns (EPANET and Pyomo's output streams are not thread-safe), processes run in parallel.

**The output folder** is held by one sweep at a time (:func:`folder_lock`); Ctrl-C stops a
sweep with its finished runs recorded, and the cluster's worker processes are closed quietly.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import hashlib
import io
import json
import logging
import math
import os
import platform
import signal
import socket
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.catalogue import load_catalogue
from wdnopt.models.pumps.comparison import PumpComparisonScenario
from wdnopt.models.pumps.instance import build_problems, load_network
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.schema import PumpPlacementScenario
from wdnopt.models.scenario import load_scenario
from wdnopt.solvers.highs import Status
from wdnopt.solvers.io import DEFAULT_DPI, write_atomic, write_csv_atomic, write_json_atomic
from wdnopt.solvers.pumps import registry

logger = logging.getLogger(__name__)

RECORD_VERSION = 2
"""Version of the run files' layout (part of every run id)."""

GROUP = ["network", "demand_factor", "objective"]
"""The columns that identify one problem: the runs of a group solve the same instance."""

RESULT_COLUMNS = [
    "scenario",
    "network",
    "demand_factor",
    "objective",
    "algorithm",
    "seed",
    "status",
    "cost",
    "capex",
    "opex",
    "tco",
    "bound",
    "paper_bound",
    "reference",
    "reference_kind",
    "gap",
    "runtime_s",
    "verify_s",
    "n_pumps",
    "total_kw",
    "verified",
    "start_cost",
    "start_holds",
    "min_margin_m",
    "mean_slack",
    "max_model_error_m",
    "deficient_nodes",
    "message",
    "run_id",
]
"""Columns of ``results.csv``: ``cost`` is the run's objective (money), ``bound`` a proved lower
bound (MILP, exact algorithms, MIN-OPEX), ``paper_bound`` the paper's IV-B figure (MIN-OPEX rows;
not a valid bound in general), ``gap`` a fraction, times in s, ``total_kw`` rated kW,
``verified`` whether the plan holds on the network as given (EPANET with its pumps inserted),
``start_cost``/``start_holds`` the algorithm's own plan before the repair on the network and
whether it held, ``max_model_error_m`` how far the algorithm's model was from that simulation,
``min_margin_m`` the smallest EPANET pressure above ``P_min`` (m), ``mean_slack`` the mean
``(P − P_min)/P_min`` at the nodes deficient before placement."""

TABLE_EVERY_S = 2.0
"""While a sweep runs, ``results.csv`` is rewritten at most this often (s); it is rewritten
from the run files at the end in any case."""

WITHIN = 0.01
"""The gap table's threshold: the share of runs within 1 % of the reference."""


# --- the plan --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RunSpec:
    """Everything one run needs, picklable (it travels to a Dask worker)."""

    run_id: str
    scenario: str
    network: str
    demand_factor: float
    objective: str
    algorithm: str
    seed: int | None
    options: dict[str, Any]
    """Keyword arguments of the algorithm's options dataclass."""
    problem: PumpPlacementScenario
    """The network and the shared settings, as a ``pump_placement`` scenario."""
    verify: bool
    log_levels: dict[str, int] = field(default_factory=dict)
    """Logger levels to set where the run executes (mirrors the caller's, for workers)."""


@dataclass(frozen=True, eq=False)
class SweepPlan:
    """A checked sweep: its scenario and every run, in table order."""

    scenario: PumpComparisonScenario
    file: str | None
    """The scenario file (None for a scenario built in code)."""
    runs: tuple[RunSpec, ...]
    algorithms: tuple[str, ...]
    """The algorithms of the sweep, in registry order (the reference included)."""
    exact: tuple[str, ...]
    """The exact algorithms of the registry (the references of the gaps)."""

    @property
    def name(self) -> str:
        return self.scenario.name or (Path(self.file).stem if self.file else "sweep")


def load_sweep(
    source: PumpComparisonScenario | str | Path,
) -> tuple[PumpComparisonScenario, str | None]:
    """A comparison scenario and its file, from a path or a scenario object."""
    if isinstance(source, PumpComparisonScenario):
        return source, None
    scenario = load_scenario(source)
    if not isinstance(scenario, PumpComparisonScenario):
        raise InputError.single(
            'a sweep scenario (kind = "pump_comparison")',
            field="kind",
            got=repr(getattr(scenario, "kind", None)),
            file=source,
        )
    return scenario, str(source)


def plan_sweep(scenario: PumpComparisonScenario, *, file: str | None = None) -> SweepPlan:
    """Expand and check a sweep; raises :class:`InputError` before anything runs."""
    where = file or "<scenario>"
    known = registry.names()
    exact = tuple(n for n in known if registry.get(n).exact)
    wanted = list(scenario.algorithms) if scenario.algorithms is not None else list(known)
    for i, name in enumerate(wanted):
        if name not in known:
            raise InputError.single(
                f"a registered algorithm, one of {known}",
                field=f"algorithms[{i}]",
                got=repr(name),
                file=where,
            )
    if scenario.reference not in exact:
        raise InputError.single(
            f"an exact algorithm, one of {list(exact)}",
            field="reference",
            got=repr(scenario.reference),
            file=where,
        )
    if scenario.reference not in wanted:
        wanted.append(scenario.reference)
    for name in scenario.options:
        if name not in known:
            raise InputError.single(
                f"options of a registered algorithm, one of {known}",
                field=f"options.{name}",
                got="unknown algorithm",
                file=where,
            )
    algorithms = tuple(n for n in known if n in wanted)
    for name in scenario.options:  # options of algorithms not run are checked all the same
        if name not in algorithms:
            _base_options(scenario, name, where)
    options = {n: _base_options(scenario, n, where) for n in algorithms}

    load_catalogue(scenario.catalogue)  # raises InputError naming the file and row
    digests = {"catalogue": _digest_file(scenario.catalogue)}
    for i, source in enumerate(scenario.networks):
        load_network(scenario.placement_scenario(i, scenario.objectives[0]))  # bad files: here
        if source.file is not None:
            digests[source.key] = _digest_file(source.file)

    levels = {name: logging.getLogger(name).getEffectiveLevel() for name in ("wntr", "wdnopt")}
    runs = []
    for i, source in enumerate(scenario.networks):
        for objective in scenario.objectives:
            problem = scenario.placement_scenario(i, objective)
            for factor in scenario.demand_factors:
                for name in algorithms:
                    seeds: list[int | None] = (
                        list(scenario.seeds) if "seed" in _option_names(name) else [None]
                    )
                    for seed in seeds:
                        values = dict(options[name])
                        if seed is not None:
                            values["seed"] = seed
                        run_id = _run_id(
                            scenario, source.key, digests, factor, objective, name, values
                        )
                        runs.append(
                            RunSpec(
                                run_id=run_id,
                                scenario=scenario.name,
                                network=source.key,
                                demand_factor=float(factor),
                                objective=objective,
                                algorithm=name,
                                seed=seed,
                                options=values,
                                problem=problem,
                                verify=scenario.verify,
                                log_levels=levels,
                            )
                        )
    logger.info("sweep %s: %d run(s) over %s", scenario.name, len(runs), list(algorithms))
    return SweepPlan(scenario, file, tuple(runs), algorithms, exact)


def _option_names(name: str) -> set[str]:
    return {f.name for f in dataclasses.fields(registry.get(name).options)}


def _base_options(scenario: PumpComparisonScenario, name: str, where: str) -> dict[str, Any]:
    """``[options.NAME]``, then ``[solver]`` for the options of the same name; one thread."""
    allowed = _option_names(name)
    values = dict(scenario.options.get(name, {}))
    for key in sorted(values):
        if key not in allowed:
            raise InputError.single(
                f"options of {name}: one of {sorted(allowed)}",
                field=f"options.{name}.{key}",
                got="unknown option",
                file=where,
            )
    if "seed" in values:
        raise InputError.single(
            "no seed here: the sweep's seeds = [...] gives every seed",
            field=f"options.{name}.seed",
            file=where,
        )
    for key in ("time_limit", "rel_gap", "threads"):
        given = getattr(scenario.solver, key, None)
        if given is not None and key in allowed and key not in values:
            values[key] = given
    if "threads" in allowed and "threads" not in values:
        values["threads"] = 1
    try:
        registry.get(name).make_options(values, where=where, table="options")
    except (TypeError, ValueError) as exc:
        raise InputError.single(
            f"valid options of {name} ({exc})", field=f"options.{name}", file=where
        ) from None
    return values


def _digest_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _run_id(
    scenario: PumpComparisonScenario,
    network: str,
    digests: dict[str, str],
    factor: float,
    objective: str,
    algorithm: str,
    options: dict[str, Any],
) -> str:
    """A stable hash of everything that determines the run's answer."""
    source = next(n for n in scenario.networks if n.key == network)
    spec = {
        "version": RECORD_VERSION,
        "network": {
            "file": digests.get(network),
            "shipped": source.shipped,
            "generator": source.generator.model_dump() if source.generator else None,
        },
        "mode": [scenario.mode, scenario.checked, scenario.repair],
        "hour": scenario.hour,
        "p_min": scenario.pressure_min,
        "p_max": scenario.p_max,
        "catalogue": digests["catalogue"],
        "costs": scenario.costs.model_dump(),
        "demand_factor": float(factor),
        "objective": objective,
        "algorithm": algorithm,
        "options": options,
        "verify": scenario.verify,
    }
    text = json.dumps(spec, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


# --- one run ---------------------------------------------------------------------------------


class _Cache:
    """A few recent values by key (networks and instances, per process)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]
        value = make()
        self.items[key] = value
        while len(self.items) > self.size:
            self.items.popitem(last=False)
        return value


_NETWORKS = _Cache(4)
_PROBLEMS = _Cache(32)


def _problem(spec: RunSpec) -> PumpProblem:
    """The problem of a run (the one problem factory; built once per process and kept)."""
    settings = spec.problem
    net_key = settings.model_dump_json(include={"network"})
    wn = _NETWORKS.get(net_key, lambda: load_network(settings))

    def make() -> PumpProblem:
        (problem,) = build_problems(
            settings,
            wn=wn,
            factors=[spec.demand_factor],
            objective=spec.objective,  # type: ignore[arg-type]
        )
        return problem

    key = (
        settings.model_dump_json(exclude={"name", "algorithms"}),
        spec.demand_factor,
        spec.objective,
    )
    return _PROBLEMS.get(key, make)


_RUN_LOCK = threading.Lock()
"""Held by every run: one run at a time per process, whatever the threads of its worker.

EPANET's helpers and Pyomo's solver output streams are not thread-safe (a worker running two
MILP runs in two threads can deadlock in Pyomo's ``TeeStream``), and the problem caches are
shared by the process, so runs in threads of one process wait for each other; processes run
in parallel."""


def execute_run(spec: RunSpec) -> dict[str, Any]:
    """Run one algorithm on one problem, verify its placement in EPANET; never raises.

    Returns the run's record: ``spec`` (labels) and ``result`` (the figures of the table).
    Safe on workers with several threads: runs of one process take turns (:data:`_RUN_LOCK`).
    """
    with _RUN_LOCK:
        return _execute_run(spec)


def _execute_run(spec: RunSpec) -> dict[str, Any]:
    from wdnopt.solvers.pumps.exact import cross_check
    from wdnopt.solvers.pumps.network_mode import repair_result
    from wdnopt.solvers.pumps.verify import verify_pumps

    for name, level in spec.log_levels.items():
        logging.getLogger(name).setLevel(level)
    started = time.perf_counter()
    result: dict[str, Any] = {"status": str(Status.ERROR)}
    try:
        problem = _problem(spec)
        algorithm = registry.get(spec.algorithm)
        options = algorithm.make_options(spec.options)
        answer = cross_check(
            problem,
            algorithm.run(problem, options),
            time_limit=getattr(options, "time_limit", None),
        )
        if spec.problem.repairs and spec.algorithm != "network-dp":
            answer = repair_result(problem, answer)
        tree = problem.tree
        result = {
            "status": str(answer.status),
            "message": answer.message,
            "bound": answer.bound,
            "runtime_s": answer.runtime_s,
            "deficient_nodes": int(np.count_nonzero(tree.deficient)),
        }
        if problem.network is not None and problem.network.looped:
            # bounds of the tree model are not bounds of the looped network's problem
            result["bound"] = None
        bounds = answer.extras.get("bounds")
        if bounds and result["bound"] is not None:
            result["paper_bound"] = _paper_bound(bounds, spec.objective)
        if answer.status.has_solution:
            cost = answer.cost
            result.update(
                cost=answer.objective,
                capex=cost.capex,
                opex=cost.opex,
                tco=cost.tco,
                n_pumps=cost.n_pumps,
                total_kw=cost.total_kw,
                placement={
                    f"{p.pipe}@{p.upstream}": problem.catalogue.sizes[p.size].name
                    for p in answer.pumps
                },
                start_cost=answer.extras.get("start_cost"),
                start_holds=answer.extras.get("start_holds"),
            )
            if spec.verify and problem.network is not None:
                t0 = time.perf_counter()
                check = verify_pumps(
                    problem.network.wn,
                    tree,
                    answer.pumps,
                    problem.catalogue,
                    predicted=answer.predicted,
                )
                error = answer.extras.get("model_error_m", check.max_model_error)
                result.update(
                    verified=bool(check.verified),
                    min_margin_m=check.min_margin,
                    mean_slack=check.mean_slack,
                    max_model_error_m=error,
                    verify_s=time.perf_counter() - t0,
                )
    except Exception as exc:  # a failing run is recorded, never stops the sweep
        logger.info("run %s (%s) failed: %s", spec.run_id, spec.algorithm, exc)
        result = {
            "status": str(Status.ERROR),
            "message": f"{type(exc).__name__}: {exc}",
            "runtime_s": time.perf_counter() - started,
        }
    return {
        "run_id": spec.run_id,
        "spec": {
            "scenario": spec.scenario,
            "network": spec.network,
            "demand_factor": spec.demand_factor,
            "objective": spec.objective,
            "algorithm": spec.algorithm,
            "seed": spec.seed,
            "options": spec.options,
        },
        "result": _finite(result),
        "host": socket.gethostname(),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _paper_bound(bounds: dict[str, float], objective: str) -> float:
    """The paper's IV-B figure for ``objective`` from MIN-OPEX's bounds."""
    key = {"opex": "opex_ratio", "capex": "paper_capex", "tco": "paper_tco"}[objective]
    return float(bounds[key])


def _finite(values: dict[str, Any]) -> dict[str, Any]:
    """JSON has no NaN or infinity: such numbers become None."""
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in values.items()
    }


def _error_record(spec: RunSpec, exc: BaseException) -> dict[str, Any]:
    """The record of a run whose worker failed outside :func:`execute_run` (e.g. it died)."""
    return {
        "run_id": spec.run_id,
        "spec": {"algorithm": spec.algorithm},
        "result": {"status": str(Status.ERROR), "message": f"{type(exc).__name__}: {exc}"},
        "host": None,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# --- the table -------------------------------------------------------------------------------


def results_table(plan: SweepPlan, records: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per run of the plan that has a record, in plan order, with gaps."""
    rows = []
    for spec in plan.runs:
        record = records.get(spec.run_id)
        if record is None:
            continue
        result = record.get("result", {})
        row = {
            "scenario": plan.name,
            "network": spec.network,
            "demand_factor": spec.demand_factor,
            "objective": spec.objective,
            "algorithm": spec.algorithm,
            "seed": spec.seed,
            "run_id": spec.run_id,
        }
        for column in RESULT_COLUMNS:
            if column not in row and column in result:
                row[column] = result[column]
        rows.append(row)
    frame = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    frame = _typed(frame)
    return add_gaps(frame, plan.exact)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in ("seed", "n_pumps", "deficient_nodes"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    for column in ("verified", "start_holds"):
        frame[column] = pd.array(frame[column].tolist(), dtype="boolean")
    text = ("scenario", "network", "objective", "algorithm", "status", "reference_kind")
    for column in (*text, "message", "run_id"):
        frame[column] = frame[column].astype("string")
    special = {*text, "message", "run_id", "seed", "n_pumps", "deficient_nodes", "verified",
               "start_holds"}  # fmt: skip
    for column in RESULT_COLUMNS:
        if column not in special:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def add_gaps(frame: pd.DataFrame, exact: Iterable[str]) -> pd.DataFrame:
    """Fill ``reference``, ``reference_kind`` and ``gap`` (see the module docstring)."""
    frame = frame.copy()
    exact = set(exact)
    reference = pd.Series(np.nan, index=frame.index)
    kind = pd.Series(pd.NA, index=frame.index, dtype="string")
    for _, group in frame.groupby(GROUP, sort=False):
        proved = group[
            group["algorithm"].isin(exact)
            & (group["status"] == str(Status.OPTIMAL))
            & group["cost"].notna()
        ]
        if len(proved):
            value, label = float(proved["cost"].min()), "optimum"
        elif group["bound"].notna().any():
            value, label = float(group["bound"].max()), "bound"
        else:
            continue
        reference[group.index] = value
        kind[group.index] = label
    frame["reference"] = reference
    frame["reference_kind"] = kind
    cost = frame["cost"]
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = (cost - reference) / reference
    tiny = 1e-9 * np.maximum(1.0, cost.abs())
    zero_ref = reference == 0
    gap = gap.where(~zero_ref, np.where(cost.abs() <= tiny, 0.0, np.inf))
    frame["gap"] = gap.where(cost.notna() & reference.notna())
    return frame


def gap_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per algorithm and objective: runs, solved, mean and worst gap, share within 1 %.

    Algorithms that give a bound only (MIN-OPEX) are not listed. Only runs with a cost and a
    reference count towards the gaps, and groups whose reference is 0 (no pump needed) are
    left out, so that trivial instances do not flatter anyone.
    ``vs`` says whether the references were all proved optima or include bounds.
    """
    rows = []
    for (algorithm, objective), group in frame.groupby(["algorithm", "objective"], sort=False):
        if (group["status"] == str(Status.BOUND_ONLY)).all():
            continue  # a lower bound, not a placement: it has no gap
        has = group[group["gap"].notna() & (group["reference"] > 0)]
        gaps = has["gap"].astype(float)
        kinds = set(has["reference_kind"].dropna())
        rows.append(
            {
                "algorithm": algorithm,
                "objective": objective,
                "runs": len(group),
                "solved": int(group["cost"].notna().sum()),
                "errors": int((group["status"] == str(Status.ERROR)).sum()),
                "compared": len(has),
                "mean_gap": float(gaps.mean()) if len(gaps) else np.nan,
                "worst_gap": float(gaps.max()) if len(gaps) else np.nan,
                "within_1pct": float((gaps <= WITHIN).mean()) if len(gaps) else np.nan,
                "vs": "optimum" if kinds == {"optimum"} else ("bound" if kinds else ""),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "algorithm",
            "objective",
            "runs",
            "solved",
            "errors",
            "compared",
            "mean_gap",
            "worst_gap",
            "within_1pct",
            "vs",
        ],
    )


# --- running ---------------------------------------------------------------------------------

PARALLEL_AFTER_S = 30.0
"""By default a sweep runs in this process, and moves its remaining runs to a local cluster
only once the runs timed so far predict more than this much work left (s): starting the
cluster, importing the solvers in every worker and building each problem again there costs
seconds, and on small machines parallel runs also slow each other down, so short sweeps are
faster in one process."""

LOCK_FILE = ".wdnopt-compare.lock"
"""The lock file of an output folder in use (see :func:`folder_lock`)."""


@dataclass(frozen=True)
class SweepProgress:
    """Where a sweep stands, passed to the ``progress`` callback after every run."""

    total: int
    """Runs in the sweep."""
    skipped: int
    """Runs finished by an earlier call (read from ``runs/``)."""
    done: int
    """Runs finished by this call without error."""
    failed: int
    """Runs finished by this call with status ``error``."""
    last: dict[str, Any] | None = None
    """The record of the run that just finished (None for the first call)."""
    dashboard: str | None = None
    """The link of the Dask dashboard, when one was asked for and is up."""

    @property
    def left(self) -> int:
        return self.total - self.skipped - self.done - self.failed

    @property
    def finished(self) -> int:
        """Runs with a run file: from before and from this call."""
        return self.skipped + self.done + self.failed


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def check_out_dir(out_dir: str | Path) -> Path:
    """``out_dir`` as a Path if it is, or can be made, a writable folder; else InputError."""
    out = Path(out_dir)
    existing = out
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        got = "a file" if existing == out else f"{existing} is a file"
        raise InputError.single("a folder for the results", got=got, file=out)
    if existing.exists() and not os.access(existing, os.W_OK | os.X_OK):
        got = "not writable" if existing == out else f"{existing} is not writable"
        raise InputError.single("a writable folder for the results", got=got, file=out)
    return out


def _holder(fd: int) -> str:
    """Who holds (or held) a lock file, in words, from its contents ('' when empty)."""
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace")
        info = json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return ""
    if not isinstance(info, dict) or not info:
        return ""
    return (
        f"`wdnopt compare` (pid {info.get('pid')} on {info.get('host')}, "
        f"started {info.get('started')})"
    )


@contextlib.contextmanager
def folder_lock(out_dir: str | Path, *, wait: bool = False, poll_s: float = 0.5) -> Iterator[Path]:
    """Hold the output folder for one sweep; yields the lock file.

    The lock is ``fcntl.flock`` on ``out_dir/.wdnopt-compare.lock``, which holds the pid, host
    and start time of the sweep. The system drops it when its process ends, however it ends,
    so a lock file left by a killed sweep is taken over (with a warning). A folder in use
    raises :class:`InputError` naming the other sweep, unless ``wait``: then this waits.
    The lock file is removed when released.
    """
    out = Path(out_dir)
    path = out / LOCK_FILE
    told = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _holder(fd) or "another `wdnopt compare`"
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                logger.warning("%s: no lock on this file system (%s); not locked", out, exc)
                yield path
                return
            if not wait:
                raise InputError.single(
                    "an output folder no other sweep is writing to; wait for that one to "
                    "finish, or pass --wait to start when it has",
                    got=f"in use by {holder}",
                    file=out,
                ) from None
            if not told:
                logger.warning("%s is in use by %s: waiting for it to finish", out, holder)
                told = True
            time.sleep(poll_s)
            continue
        try:  # the file may have been removed by the sweep that just released it
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        previous = _holder(fd)
        if previous:
            logger.warning(
                "%s: taking over the lock of %s, which ended without releasing it", out, previous
            )
        stamp = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(stamp).encode(), 0)
        yield path
    finally:
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                os.unlink(path)
        os.close(fd)


def read_records(out_dir: Path, plan: SweepPlan) -> dict[str, dict[str, Any]]:
    """The run files of the plan's runs already in ``out_dir/runs`` (unreadable ones skipped)."""
    records = {}
    folder = Path(out_dir) / "runs"
    for spec in plan.runs:
        path = folder / f"{spec.run_id}.json"
        if not path.is_file():
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("%s unreadable (%s): the run is done again", path, exc)
            continue
        if record.get("run_id") == spec.run_id:
            records[spec.run_id] = record
    return records


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
) -> pd.DataFrame:
    """Run a sweep (a scenario object or file) into ``out_dir``; returns the results table.

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
    started = time.perf_counter()
    if workers is not None and workers < 1:
        raise InputError.single("a number of workers ≥ 1", field="--workers", got=repr(workers))
    if dashboard is not None and workers == 1 and scheduler is None:
        raise InputError.single(
            "worker processes for a dashboard (--workers 2 or more, or the default)",
            field="--dashboard",
            got="--workers 1",
        )
    out = check_out_dir(out_dir)
    sweep, file = load_sweep(scenario)
    plan = plan_sweep(sweep, file=file)
    try:
        (out / "runs").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError.single(f"a writable folder ({exc.strerror})", file=out) from None
    with folder_lock(out, wait=wait):
        return _run_locked(
            plan,
            out,
            started=started,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            retry_failed=retry_failed,
            report=report,
            dashboard=dashboard,
            figure_format=figure_format,
            dpi=dpi,
        )


def _run_locked(
    plan: SweepPlan,
    out: Path,
    *,
    started: float,
    workers: int | None,
    scheduler: str | None,
    progress: Callable[[SweepProgress], None] | None,
    retry_failed: bool,
    report: bool,
    dashboard: str | None,
    figure_format: str = "png",
    dpi: int = DEFAULT_DPI,
) -> pd.DataFrame:
    for stale in (out / "runs").glob(".*.tmp"):  # left by a writer that was killed
        stale.unlink(missing_ok=True)
    records = read_records(out, plan)
    if retry_failed:
        records = {
            k: r for k, r in records.items() if r["result"].get("status") != str(Status.ERROR)
        }
    pending = [spec for spec in plan.runs if spec.run_id not in records]
    skipped = len(records)
    logger.info("%d run(s): %d done before, %d to run", len(plan.runs), skipped, len(pending))
    counts = {"done": 0, "failed": 0}
    last_table = [time.monotonic()]
    link: list[str | None] = [None]

    def report_progress(last: dict[str, Any] | None) -> None:
        if progress is not None:
            progress(
                SweepProgress(
                    len(plan.runs), skipped, counts["done"], counts["failed"], last, link[0]
                )
            )

    def on_start(dashboard_link: str | None) -> None:
        if dashboard_link:
            link[0] = dashboard_link
            report_progress(None)

    def on_record(spec: RunSpec, record: dict[str, Any]) -> None:
        write_json_atomic(record, out / "runs" / f"{spec.run_id}.json")
        records[spec.run_id] = record
        failed = record["result"].get("status") == str(Status.ERROR)
        counts["failed" if failed else "done"] += 1
        if time.monotonic() - last_table[0] >= TABLE_EVERY_S:  # the run files are the record
            write_csv_atomic(results_table(plan, records), out / "results.csv")
            last_table[0] = time.monotonic()
        report_progress(record)

    write_csv_atomic(results_table(plan, records), out / "results.csv")
    report_progress(None)
    used: int | None = workers or 1
    if pending:
        ordered = _ordered(pending)
        try:
            if scheduler is not None:
                used = None
                _run_dask(ordered, on_record, 0, scheduler, dashboard, on_start)
            elif workers is None and dashboard is None:
                used = _run_adaptive(ordered, on_record, default_workers(), on_start)
            elif (workers or default_workers()) == 1:
                used = 1
                for spec in ordered:
                    on_record(spec, _run_here(spec))
            else:
                used = workers or default_workers()
                _run_dask(ordered, on_record, used, None, dashboard, on_start)
        except BaseException:  # stopped (Ctrl-C, a progress callback): keep the table right
            with contextlib.suppress(Exception):
                write_csv_atomic(results_table(plan, records), out / "results.csv")
            raise
    frame = results_table(plan, records)
    write_csv_atomic(frame, out / "results.csv")
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    write_atomic(out / "results.parquet", buffer.getvalue())
    gaps = gap_table(frame)
    write_csv_atomic(gaps, out / "gaps.csv")
    if report:
        info = run_info(
            plan,
            workers=used,
            scheduler=scheduler,
            wall_s=time.perf_counter() - started,
            ran=len(pending),
        )
        write_outputs(plan, frame, out, info, figure_format=figure_format, dpi=dpi)
    return frame


def _ordered(specs: list[RunSpec]) -> list[RunSpec]:
    """Longest runs first (exact and GA runs, large factors), so the last ones are short."""
    slow = {"milp": 0, "ga": 1, "tree-dp": 2}
    return sorted(specs, key=lambda s: (slow.get(s.algorithm, 3), -s.demand_factor))


def _run_here(spec: RunSpec) -> dict[str, Any]:
    """One run in this process (whose loggers stay as they are)."""
    return execute_run(dataclasses.replace(spec, log_levels={}))


def _work_left(specs: list[RunSpec], times: dict[str, list[float]]) -> float:
    """The seconds ``specs`` should take in one process, from the runs timed so far.

    An algorithm not timed yet counts as the fastest one timed: runs go slowest first, so this
    errs towards staying in this process."""
    means = {name: sum(t) / len(t) for name, t in times.items() if t}
    if not means:
        return 0.0
    fallback = min(means.values())
    return sum(means.get(spec.algorithm, fallback) for spec in specs)


def _run_adaptive(
    specs: list[RunSpec],
    on_record: Callable[[RunSpec, dict[str, Any]], None],
    n_workers: int,
    on_start: Callable[[str | None], None],
) -> int:
    """Run here until the work left is worth a local cluster (:data:`PARALLEL_AFTER_S`).

    Returns the number of worker processes used in the end (1: all ran here)."""
    times: dict[str, list[float]] = {}
    for i, spec in enumerate(specs):
        rest = specs[i:]
        if n_workers > 1 and _work_left(rest, times) > PARALLEL_AFTER_S:
            logger.info(
                "%d run(s) left, about %.0f s of work: starting %d worker processes",
                len(rest),
                _work_left(rest, times),
                n_workers,
            )
            _run_dask(rest, on_record, n_workers, None, None, on_start)
            return n_workers
        t0 = time.perf_counter()
        record = _run_here(spec)
        times.setdefault(spec.algorithm, []).append(time.perf_counter() - t0)
        on_record(spec, record)
    return 1


@contextlib.contextmanager
def _quiet_shutdown() -> Iterator[None]:
    """No log lines, warnings or second Ctrl-C while a cluster and its client close."""
    names = ("distributed", "tornado", "asyncio")
    levels = {name: logging.getLogger(name).level for name in names}
    main = threading.current_thread() is threading.main_thread()
    handler = signal.getsignal(signal.SIGINT) if main else None
    try:
        for name in names:
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
        if main:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        if main and handler is not None:
            signal.signal(signal.SIGINT, handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ctrl-C ignored in here, and in the processes started in here, which inherit it.

    The worker processes of a local cluster are in the terminal's process group: without this
    Ctrl-C reaches each of them and every one prints its traceback; this process alone handles
    it and closes them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)


def _run_dask(
    specs: list[RunSpec],
    on_record: Callable[[RunSpec, dict[str, Any]], None],
    n_workers: int,
    scheduler: str | None,
    dashboard: str | None = None,
    on_start: Callable[[str | None], None] | None = None,
) -> None:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    client = None
    try:
        if scheduler is not None:
            client = Client(scheduler, timeout="30s")
        else:
            with _sigint_ignored():
                cluster = LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=dashboard,
                    silence_logs=logging.ERROR,
                )
                client = Client(cluster)
    except OSError as exc:
        with _quiet_shutdown():
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()
        raise InputError.single(
            f"a reachable Dask scheduler ({exc})", field="--scheduler", got=repr(scheduler)
        ) from None
    except BaseException:
        with _quiet_shutdown():
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()
        raise
    futures: dict[Any, RunSpec] = {}
    try:
        logger.info("Dask: %s", client)
        if scheduler is not None:
            threads = {w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()}
            if max(threads, default=1) > 1:
                logger.info("workers with %s threads: runs in one process take turns", threads)
        if on_start is not None:
            on_start(client.dashboard_link if dashboard is not None else None)
        for rank, spec in enumerate(specs):
            future = client.submit(
                execute_run, spec, key=f"wdnopt-run-{spec.run_id}", priority=len(specs) - rank
            )
            futures[future] = spec
        for future in as_completed(list(futures)):
            spec = futures[future]
            try:
                record = future.result()
            except Exception as exc:  # the worker died or the task could not run
                record = _error_record(spec, exc)
            future.release()
            on_record(spec, record)
    finally:
        with _quiet_shutdown():
            unfinished = [f for f in futures if not f.done()]
            if unfinished:  # stopped early: drop what is still queued
                with contextlib.suppress(Exception):
                    client.cancel(unfinished)
            with contextlib.suppress(Exception):
                client.close()
            if cluster is not None:
                with contextlib.suppress(Exception):
                    cluster.close(timeout=10)


# --- outputs ---------------------------------------------------------------------------------


def run_info(
    plan: SweepPlan,
    *,
    workers: int | None,
    scheduler: str | None,
    wall_s: float,
    ran: int,
) -> dict[str, Any]:
    """The settings a report states: scenario, versions, date, machine, workers, wall time."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for package in (
        "wdnopt",
        "wntr",
        "highspy",
        "pyomo",
        "numpy",
        "scipy",
        "pandas",
        "dask",
        "distributed",
    ):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "scenario": plan.name,
        "file": plan.file,
        "description": plan.scenario.description.strip(),
        "date": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "machine": f"{socket.gethostname()} ({platform.platform()}, {os.cpu_count()} cores)",
        "python": platform.python_version(),
        "versions": versions,
        "workers": workers,
        "scheduler": scheduler,
        "runs": len(plan.runs),
        "ran": ran,
        "wall_s": wall_s,
        "algorithms": list(plan.algorithms),
        "settings": json.loads(plan.scenario.model_dump_json()),
    }


def write_outputs(
    plan: SweepPlan,
    frame: pd.DataFrame,
    out: Path,
    info: dict[str, Any],
    *,
    figure_format: str = "png",
    dpi: int = DEFAULT_DPI,
) -> dict[str, Path]:
    """Figures (PNG, SVG or PDF) and the report (Markdown, and HTML with the figures embedded)
    of a finished sweep."""
    from wdnopt.solvers import figures, report

    curves = pressure_curves(plan)
    if len(curves):
        write_csv_atomic(curves, out / "pressure_curve.csv")
    paths, images = figures.write_sweep_figures(
        frame, curves, out, p_min=plan.scenario.pressure_min, fmt=figure_format, dpi=dpi
    )
    paths.update(report.write_report(frame, gap_table(frame), paths, out, info, images))
    return paths


def pressure_curves(plan: SweepPlan) -> pd.DataFrame:
    """Share of demand junctions below ``P_min`` against the factor, for every network."""
    from wdnopt.models.pumps.hydraulics import pressure_curve

    scenario = plan.scenario
    factors = scenario.pressure_curve_factors
    if factors is None:
        top = max(scenario.demand_factors)
        factors = [round(f, 10) for f in np.arange(1.0, top + 1e-9, 0.05)] or [top]
        factors = sorted(set(factors) | set(scenario.demand_factors))
    frames = []
    for i, source in enumerate(scenario.networks):
        try:
            wn = load_network(scenario.placement_scenario(i, scenario.objectives[0]))
            curve = pressure_curve(wn, factors, scenario.pressure_min, scenario.hour)
        except (InputError, RuntimeError) as exc:  # a figure is not worth stopping the report
            logger.warning("pressure curve of %s skipped: %s", source.key, exc)
            continue
        curve.insert(0, "network", source.key)
        frames.append(curve)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
