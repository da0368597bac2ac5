"""The routing sweep on the harness: demand multipliers × outages × tariffs of one scenario.

:func:`plan_routing_sweep` expands a ``routing_sweep`` scenario
(:class:`~wdnopt.models.routing.sweep.RoutingSweepScenario`) into runs and checks them against
the base network (outage names, tariff lengths) before any run starts; :func:`run_routing_sweep`
runs them where the pump sweeps run theirs (:func:`~wdnopt.solvers.harness.dispatch.run_job`:
this process, a local Dask cluster, or an existing one), and writes in its output folder:

- ``runs/<run id>.json``, one per finished run, written atomically as it finishes; the run id is
  a hash of the base network (its content), the variation and the solver settings, so a sweep
  run again skips what is done and an interrupted one resumes;
- ``results.csv`` and ``results.parquet``: one row per run, :data:`COLUMNS`;
- ``plants.csv``: each plant's throughput and utilisation in each run;
- ``summary.json``, the figures and the report (:mod:`wdnopt.solvers.routing.sweep_outputs`).

**How a run is solved.** Each process keeps a
:class:`~wdnopt.solvers.routing.whatif.RoutingWhatIf` of the base network (built once, re-solved
warm): a run resets it to the base, applies its demand multiplier, outage and tariff, and
re-solves. Networks with expansion options are rebuilt per run instead (an outage also removes
the element's upgrade, which the what-if model does not): :func:`vary` gives the network of a
run, the route the tests compare the what-if answers with.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wdnopt.models.errors import InputError
from wdnopt.models.routing.costs import COST_PARTS, CostBreakdown
from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.routing.schema import RoutingScenario
from wdnopt.models.routing.sweep import (
    EACH,
    RoutingSweepScenario,
    outage_label,
    parse_outage,
)
from wdnopt.models.scenario import load_scenario, load_scenario_of
from wdnopt.models.schema import SolverOptions
from wdnopt.solvers.harness.records import error_record, run_record
from wdnopt.solvers.harness.workers import RUN_LOCK, Cache
from wdnopt.solvers.io import DEFAULT_DPI, write_csv_atomic
from wdnopt.solvers.status import Status

logger = logging.getLogger(__name__)

RECORD_VERSION = 1
"""Version of a routing run's record; part of the run id."""


OTHER_PARTS = tuple(k for k in COST_PARTS if k not in ("pumping", "treatment", "demand_charge"))
"""The parts of the cost (:data:`~wdnopt.models.routing.costs.COST_PARTS`) a sweep adds up as
``other_cost``: running, expansion, surplus and any part added later."""


def _sum_of(costs: CostBreakdown, keys: tuple[str, ...]) -> float:
    """The sum of the parts ``keys`` of ``costs``, $/day."""
    parts = costs.parts()
    return float(sum(parts[k] for k in keys))


COST_COLUMNS: dict[str, Callable[[CostBreakdown], float]] = {
    "pumping_cost": lambda c: c.pumping_total,
    "treatment_cost": lambda c: c.treatment_total,
    "demand_charge": lambda c: c.demand_charge,
    "other_cost": lambda c: _sum_of(c, OTHER_PARTS),
}
"""The cost columns of the results table and how each is read from the certificate's cost
breakdown ($/day): they add up to the objective (``other``: :data:`OTHER_PARTS`); bottom to
top of the report's stacked bar
(:data:`~wdnopt.solvers.routing.sweep_outputs.COST_PARTS`)."""

COLUMNS = [
    "sweep",
    "demand_multiplier",
    "outage",
    "tariff",
    "status",
    "objective",
    "bound",
    "gap",
    *COST_COLUMNS,
    "served_cost",
    "peak_kw",
    "shortfall_ml",
    "short_zones",
    "runtime_s",
    "message",
    "run_id",
]
"""The results table: labels, then the answer of the run (money $/day, volumes ML/day)."""

PLANT_COLUMNS = ["run_id", "plant", "capacity", "throughput", "utilisation"]


@dataclass(frozen=True, eq=False)
class RoutingRunSpec:
    """One run of a routing sweep, picklable (it travels to a Dask worker)."""

    run_id: str
    sweep: str
    demand_multiplier: float
    outage: tuple[str, str] | None
    """(kind, id) of the element out of service; None for none."""
    outage_index: int | None
    tariff: str
    tariff_factor: float | None
    """Every pumping cost times this (None: not this kind of tariff)."""
    price_factor: tuple[float, ...] | None
    """The period price factors of the tariff (None: not this kind of tariff)."""
    net: RoutingNetwork
    net_key: str
    """Digest of the base network (the what-if model of a process is kept by it)."""
    solver: SolverOptions
    log_levels: dict[str, int] = field(default_factory=dict)
    algorithm: str = "routing"
    """The run's timing class for the dispatcher (every routing run is alike)."""

    @property
    def outage_label(self) -> str:
        return outage_label(self.outage)


@dataclass(frozen=True, eq=False)
class RoutingSweepPlan:
    """A checked routing sweep: its scenario, base network and every run, in table order."""

    scenario: RoutingSweepScenario
    file: str | None
    net: RoutingNetwork
    runs: tuple[RoutingRunSpec, ...]

    @property
    def name(self) -> str:
        return self.scenario.name or (Path(self.file).stem if self.file else "routing sweep")


def load_routing_sweep(
    source: RoutingSweepScenario | str | Path,
) -> tuple[RoutingSweepScenario, str | None]:
    """A routing sweep scenario and its file, from a path or a scenario object."""
    return load_scenario_of(source, RoutingSweepScenario)


def _base(scenario: RoutingSweepScenario, where: str) -> tuple[RoutingScenario, RoutingNetwork]:
    if not scenario.base.is_file():
        raise InputError.single(
            "the path of a routing scenario file (relative to this file)",
            field="base",
            got=f"{scenario.base}: no such file",
            file=where,
        )
    base = load_scenario(scenario.base)  # its own errors name its own file
    if not isinstance(base, RoutingScenario):
        raise InputError.single(
            'a routing scenario (kind = "routing")',
            field="base",
            got=f"kind {getattr(base, 'kind', None)!r} in {scenario.base}",
            file=where,
        )
    season = scenario.season if scenario.season is not None else base.season
    names = [s.id for s in base.seasons]
    if season is not None and season not in names:
        raise InputError.single(
            f"a season of the base scenario ({', '.join(names) or 'none defined'})",
            field="season",
            got=repr(season),
            file=where,
        )
    return base, RoutingNetwork.from_scenario(base, season=season)


def element_names(net: RoutingNetwork, kind: str) -> list[str]:
    """The ids of a network's sources, plants or arcs (``"FROM → TO"``), in index order."""
    if kind == "source":
        return list(net.source_ids)
    if kind == "plant":
        return list(net.plant_ids)
    ids = net.node_ids
    return [f"{ids[i]} → {ids[j]}" for i, j in zip(net.tail, net.head, strict=True)]


def _outages(
    scenario: RoutingSweepScenario, net: RoutingNetwork, where: str
) -> list[tuple[tuple[str, str] | None, int | None]]:
    """Every outage of the sweep, expanded and checked: ((kind, id) or None, index)."""
    out: list[tuple[tuple[str, str] | None, int | None]] = []
    for i, text in enumerate(scenario.outages):
        word = text.strip()
        if word in EACH:
            kind = EACH[word]
            out += [((kind, n), k) for k, n in enumerate(element_names(net, kind))]
            continue
        outage = parse_outage(text)
        if outage is None:
            out.append((None, None))
            continue
        names = element_names(net, outage[0])
        if outage[1] not in names:
            shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
            raise InputError.single(
                f"a {outage[0]} of the base network ({shown})",
                field=f"outages[{i}]",
                got=repr(text),
                file=where,
            )
        out.append((outage, names.index(outage[1])))
    seen: set[Any] = set()
    unique = []
    for item in out:
        if item[0] not in seen:
            seen.add(item[0])
            unique.append(item)
    return unique


def _tariffs(
    scenario: RoutingSweepScenario, base: RoutingScenario, net: RoutingNetwork, where: str
) -> list[tuple[str, float | None, tuple[float, ...] | None]]:
    out: list[tuple[str, float | None, tuple[float, ...] | None]] = [("base", None, None)]
    for i, tariff in enumerate(scenario.tariffs):
        if tariff.factor is not None:
            out.append((tariff.id, float(tariff.factor), None))
            continue
        prices = tariff.energy_price or []
        if base.schedule is None:
            raise InputError.single(
                "a base scenario with a [schedule] (energy_price is per period); use factor",
                field=f"tariffs[{i}].energy_price",
                file=where,
            )
        if len(prices) != net.n_periods:
            raise InputError.single(
                f"one price per period of the base schedule ({net.n_periods} values)",
                field=f"tariffs[{i}].energy_price",
                got=f"{len(prices)} values",
                file=where,
            )
        if not base.energy_price:
            raise InputError.single(
                "a base scenario with a reference energy_price > 0 (arc costs are quoted at it)",
                field=f"tariffs[{i}].energy_price",
                file=where,
            )
        out.append((tariff.id, None, tuple(p / base.energy_price for p in prices)))
    return out


def plan_routing_sweep(
    scenario: RoutingSweepScenario, *, file: str | None = None
) -> RoutingSweepPlan:
    """Expand and check a routing sweep; raises :class:`InputError` before anything runs."""
    where = file or "<scenario>"
    base, net = _base(scenario, where)
    solver = scenario.solver or base.solver or SolverOptions()
    if solver.threads is None:  # runs go in parallel
        solver = solver.model_copy(update={"threads": 1})
    net_key = hashlib.sha256((base.model_dump_json() + f"|{net.season}").encode()).hexdigest()[:20]
    levels = {name: logging.getLogger(name).getEffectiveLevel() for name in ("wdnopt",)}
    name = scenario.name or (Path(file).stem if file else "routing sweep")
    runs = []
    for outage, index in _outages(scenario, net, where):
        for tariff, factor, prices in _tariffs(scenario, base, net, where):
            for multiplier in scenario.demand_multipliers:
                key = {
                    "version": RECORD_VERSION,
                    "net": net_key,
                    "demand_multiplier": float(multiplier),
                    "outage": outage_label(outage),
                    "tariff": [factor, prices],
                    "solver": solver.model_dump(),
                }
                run_id = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]
                runs.append(
                    RoutingRunSpec(
                        run_id=run_id,
                        sweep=name,
                        demand_multiplier=float(multiplier),
                        outage=outage,
                        outage_index=index,
                        tariff=tariff,
                        tariff_factor=factor,
                        price_factor=prices,
                        net=net,
                        net_key=net_key,
                        solver=solver,
                        log_levels=levels,
                    )
                )
    logger.info("routing sweep %s: %d run(s)", name, len(runs))
    return RoutingSweepPlan(scenario, file, net, tuple(runs))


# ------------------------------------------------------------------------------ one run


def vary(net: RoutingNetwork, spec: RoutingRunSpec) -> RoutingNetwork:
    """The network of a run, rebuilt: demands times the multiplier, the outage's element at
    zero capacity (and without its upgrade), the tariff's prices."""
    # Pyomo and HiGHS: only when a run is solved
    from wdnopt.solvers.routing.resilience import without

    m = spec.demand_multiplier
    changes: dict[str, Any] = {"demand": net.demand * m}
    if net.schedule is not None:
        schedule = replace(net.schedule, demand=net.schedule.demand * m)
        if spec.price_factor is not None:
            schedule = replace(schedule, price_factor=np.asarray(spec.price_factor, dtype=float))
        changes["schedule"] = schedule
    if spec.tariff_factor is not None:
        changes["arc_cost"] = net.arc_cost * spec.tariff_factor
    out = replace(net, **changes)
    if spec.outage is not None:
        assert spec.outage_index is not None
        out = without(out, spec.outage[0], spec.outage_index)
    return out


_WHAT_IFS = Cache(2)
"""The what-if model of each base network (and solver settings), per process."""


def _what_if_key(spec: RoutingRunSpec) -> str:
    return spec.net_key + spec.solver.model_dump_json()


def _what_if(spec: RoutingRunSpec) -> Any:
    from wdnopt.solvers.routing.whatif import RoutingWhatIf  # Pyomo and HiGHS: only to solve

    return _WHAT_IFS.get(_what_if_key(spec), lambda: RoutingWhatIf(spec.net, options=spec.solver))


def solve_run(spec: RoutingRunSpec) -> Any:
    """The :class:`~wdnopt.solvers.routing.solve.RoutingResult` of one run (may raise)."""
    net = spec.net
    if net.expansion is not None:
        from wdnopt.solvers.routing.solve import solve_routing  # Pyomo and HiGHS: only to solve

        return solve_routing(vary(net, spec), options=spec.solver)
    what_if = _what_if(spec)
    try:
        what_if.reset()
        demand = net.period_demand if net.schedule is not None else net.demand
        changes: dict[str, Any] = {"demand": demand * spec.demand_multiplier}
        if spec.tariff_factor is not None:
            changes["arc_cost"] = net.arc_cost * spec.tariff_factor
        if spec.price_factor is not None:
            changes["price_factor"] = np.asarray(spec.price_factor, dtype=float)
        what_if.update(**changes)
        if spec.outage is not None:
            what_if.outage(spec.outage[0], spec.outage_index)
        return what_if.solve()
    except BaseException:
        _WHAT_IFS.drop(_what_if_key(spec))  # its state is unknown: the next run rebuilds it
        raise


def execute_routing_run(spec: RoutingRunSpec) -> dict[str, Any]:
    """Solve one run; its record (labels, the answer, each plant's throughput). Never raises;
    runs of one process take turns."""
    with RUN_LOCK:  # one run at a time per process, whatever its kind
        for name, level in spec.log_levels.items():
            logging.getLogger(name).setLevel(level)
        started = time.perf_counter()
        plants: list[dict[str, Any]] = []
        try:
            r = solve_run(spec)
            short = r.zones[r.zones["shortfall"] > 1e-9]
            solved = r.status.has_solution
            result: dict[str, Any] = {
                "status": str(r.status),
                "objective": r.objective,
                "bound": r.bound,
                "gap": r.gap,
                **cost_columns(r.costs if solved else None),
                "served_cost": r.extras.get("served_cost") if not solved else r.objective,
                "peak_kw": r.peak_kw,
                "shortfall_ml": r.total_shortfall if r.total_shortfall > 1e-9 else 0.0,
                "short_zones": len(short),
                "runtime_s": time.perf_counter() - started,
                "message": r.message,
            }
            if not r.plants.empty:
                plants = [
                    {k: row.get(k) for k in PLANT_COLUMNS[1:]}
                    for row in r.plants.to_dict(orient="records")
                ]
        except Exception as exc:  # a failing run is recorded, never stops the sweep
            logger.info("run %s failed: %s", spec.run_id, exc)
            result = {
                "status": str(Status.ERROR),
                "message": f"{type(exc).__name__}: {exc}",
                "runtime_s": time.perf_counter() - started,
            }
    labels = {
        "sweep": spec.sweep,
        "demand_multiplier": spec.demand_multiplier,
        "outage": spec.outage_label,
        "tariff": spec.tariff,
    }
    return run_record(spec.run_id, labels, result, plants=plants)


def cost_columns(costs: CostBreakdown | None) -> dict[str, float | None]:
    """The cost columns of a run (:data:`COST_COLUMNS`), read from its certificate's
    breakdown; None for a run without a plan."""
    return {name: None if costs is None else read(costs) for name, read in COST_COLUMNS.items()}


# ------------------------------------------------------------------------------- tables


def results_table(plan: RoutingSweepPlan, records: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per run of the plan that has a record, in plan order (:data:`COLUMNS`)."""
    rows = []
    for spec in plan.runs:
        record = records.get(spec.run_id)
        if record is None:
            continue
        result = record.get("result", {})
        row = {c: result.get(c) for c in COLUMNS}
        row.update(
            sweep=spec.sweep,
            demand_multiplier=spec.demand_multiplier,
            outage=spec.outage_label,
            tariff=spec.tariff,
            run_id=spec.run_id,
            message=result.get("message") or "",
        )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for c in COLUMNS:
        if c in ("sweep", "outage", "tariff", "status", "message", "run_id"):
            frame[c] = frame[c].astype("string")
        elif c == "short_zones":
            frame[c] = pd.to_numeric(frame[c]).astype("Int64")
        else:
            frame[c] = pd.to_numeric(frame[c]).astype(float)
    return frame


def plants_table(plan: RoutingSweepPlan, records: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Each plant's capacity, throughput (ML/day) and utilisation in each recorded run."""
    rows = [
        {"run_id": spec.run_id, **p}
        for spec in plan.runs
        for p in records.get(spec.run_id, {}).get("plants", [])
    ]
    return pd.DataFrame(rows, columns=PLANT_COLUMNS)


# ----------------------------------------------------------------------------- the sweep


def run_routing_sweep(
    scenario: RoutingSweepScenario | str | Path,
    out_dir: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Any = None,
    retry_failed: bool = False,
    report: bool = True,
    wait: bool = False,
    dashboard: str | None = None,
    figure_format: str = "png",
    dpi: int = DEFAULT_DPI,
) -> pd.DataFrame:
    """Run a routing sweep (a scenario object or file) into ``out_dir``; returns the results
    table. The options are those of :func:`~wdnopt.solvers.pumps.sweep.job.run_sweep`."""
    from wdnopt.solvers.harness.dispatch import sweep_into  # only when the sweep runs

    def plan() -> Any:
        sweep, file = load_routing_sweep(scenario)
        return routing_job(plan_routing_sweep(sweep, file=file))

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


def routing_job(plan: RoutingSweepPlan) -> Any:
    """The :class:`~wdnopt.solvers.harness.dispatch.SweepJob` of a routing sweep: its runs,
    :func:`execute_routing_run`, its table, and what follows the runs (``plants.csv``,
    ``summary.json``, figures and report)."""
    # only when the sweep runs
    from wdnopt.solvers.harness.dispatch import SweepJob
    from wdnopt.solvers.harness.outputs import run_info, write_sweep_summary  # as above

    def finish(
        out: Path, frame: pd.DataFrame, records: dict[str, dict[str, Any]], how: dict[str, Any]
    ) -> None:
        plants = plants_table(plan, records)
        write_csv_atomic(plants, out / "plants.csv")
        write_sweep_summary(
            out,
            name=plan.name,
            kind="routing_sweep",
            frame=frame,
            runs=len(plan.runs),
            wall_s=how["wall_s"],
        )
        if how["report"]:
            # matplotlib: only when the report is written
            from wdnopt.solvers.routing.sweep_outputs import write_routing_sweep_outputs

            info = run_info(
                name=plan.name,
                file=plan.file,
                description=plan.scenario.description,
                settings=plan.scenario,
                runs=len(plan.runs),
                how=how,
                base=str(plan.scenario.base),
            )
            write_routing_sweep_outputs(
                frame, plants, out, info, figure_format=how["figure_format"], dpi=how["dpi"]
            )

    return SweepJob(
        runs=plan.runs,
        execute=execute_routing_run,
        table=lambda records: results_table(plan, records),
        finish=finish,
        error_record=error_record,
    )
