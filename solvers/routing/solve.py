"""Solving routing scenarios: build, solve with HiGHS, read back into a frozen result.

:func:`solve_routing` is the Python entry point::

    from wdnopt.models.scenario import load_scenario
    from wdnopt.solvers.routing.solve import solve_routing

    scenario = load_scenario("scenarios/routing/two_sources_three_plants_six_zones.toml")
    result = solve_routing(scenario)
    print(result.status, result.objective)
    print(result.plants)

When the demands cannot all be met, the result has status ``infeasible`` and says which zones
fall short and by how much: an elastic model first minimises the total shortage
:math:`\\sum_{z,t} s_{z,t}`, then, with the shortage held at that minimum, the cost.

A model with on/off or expansion decisions is a MILP; the values of its capacities are the
duals of the LP with the binaries fixed at their optimum. Seasons are solved one per call
(:func:`solve_seasons` solves each in turn, as independent problems).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pyomo.environ as pyo

from wdnopt.models.routing.builder import (
    build_routing_model,
    define_cost_objective,
    define_shortage_cap,
)
from wdnopt.models.routing.certificate import RoutingCertificate, RoutingDecisions, certify
from wdnopt.models.routing.costs import CostBreakdown
from wdnopt.models.routing.handle import RoutingModel
from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.routing.schema import RoutingScenario
from wdnopt.models.schema import SolverOptions
from wdnopt.solvers.highs import (
    CompiledConfig,
    CompiledHighs,
    Sensitivity,
    SolveReport,
    make_highs,
    solve_with_highs,
)
from wdnopt.solvers.routing.display import result_html, result_repr
from wdnopt.solvers.routing.frames import Table
from wdnopt.solvers.routing.tables import (
    BINDING_TOL,
    denoise,
    fix_binaries,
    read_decisions,
    read_flows,
    tables,
)
from wdnopt.solvers.status import Status

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BINDING_TOL", "RoutingResult", "read_result", "solve_routing", "solve_seasons"]

log = logging.getLogger(__name__)

HIGHS_OPTIONS: dict[str, object] = {
    "solver": "simplex",
    "simplex_strategy": 1,
    "simplex_dual_edge_weight_strategy": 0,
    "presolve": "off",
}
"""HiGHS settings of routing LPs (not MILPs, which keep HiGHS's defaults): dual simplex with
Dantzig pricing, no presolve. Chosen by ``benchmarks/bench_schedule.py``, the fastest of the
exact settings it tries: on the 24-period schedule (252,000 flows) HiGHS's own time falls from
5.8-7.1 s (its default, dual steepest edge) to 2.4-3.7 s, with fewer iterations (56,854
against 79,376), and on a one-period network of 210,000 arcs from 19.4 s to 3.8 s; with
storage and ramping coupling the periods it is even (43-47 s either way)."""


COMPILED_FROM = 20_000
"""Flow variables (arcs × periods) from which a routing model is handed to HiGHS compiled
(:class:`CompiledHighs`) rather than through Pyomo's persistent interface. Compiling needs
scipy, whose first import costs about half a second; the persistent interface costs about
23 µs per variable against 6 µs compiled (``benchmarks/bench_schedule.py``), so below some
30,000 variables the persistent one is the faster, and the worked examples start without
scipy."""


def make_solver(kw: dict[str, Any], *, milp: bool, size: int = 0, persistent: bool = False) -> Any:
    """A HiGHS solver for a routing model of ``size`` flow variables, with
    :data:`HIGHS_OPTIONS` for an LP.

    From :data:`COMPILED_FROM` variables the model is handed over compiled
    (:class:`CompiledHighs`: one call, a third of the persistent interface's time on large
    schedules), else through Pyomo's persistent interface, which ``persistent=True`` asks for
    whatever the size (a re-solve after changes to the model needs it)."""
    compiled = not persistent and size >= COMPILED_FROM
    solver = CompiledHighs(CompiledConfig(**kw)) if compiled else make_highs(**kw)
    if not milp:
        solver.config.solver_options.update(HIGHS_OPTIONS)  # type: ignore[attr-defined]
    return solver


OPTIONAL_TABLES = (
    "periods",
    "throughput",
    "storage",
    "running",
    "expansion",
    "arc_periods",
    "plant_periods",
    "storage_levels",
)
"""Tables a result has only with the feature that makes them (a schedule, storage, on/off
decisions, expansion options)."""
LONG_TABLES = ("arc_periods", "plant_periods", "storage_levels")
"""The hourly schedule as long tables keyed by period and ids (also written as Parquet)."""


MAIN_TABLES = ("flows", "sources", "plants", "zones", "binding")
"""Tables every result has."""


@dataclass(frozen=True)
class RoutingResult:
    """The answer to a routing scenario. Tables are pandas DataFrames; money in $/day.

    Volumes over the day: with a schedule, ``flow``, ``supplied``, ``throughput`` and
    ``demand`` in the main tables are totals over the day (ML, i.e. ML/day); the per-period
    tables (``periods``, ``throughput``, ``storage``, ``running``) are in ML per period.

    The tables are kept as columns (:attr:`data`) and made DataFrames when first read
    (``result.plants``), so that a result that is only printed never imports pandas.

    The tables (DataFrames):

    - ``flows``: one row per arc: from, to, flow, capacity, cost_per_ml, cost (+ raw).
    - ``sources``: source, capacity, supplied, value_per_ml (value of one more ML/day of
      capacity; + fixed).
    - ``plants``: plant, capacity, throughput, utilisation, treatment_cost, value_per_ml
      (+ hours_running with on/off decisions).
    - ``zones``: zone, demand, supplied, shortfall, marginal_cost (cost of one more ML/day of
      demand; + capacity, surplus, surplus_cost where zones may take more than their demand).
    - ``binding``: capacities at their limit: kind (source, plant, arc, storage, ramp, zone),
      id, capacity, used (peak rate), periods (how many bind), value_per_ml (sorted by value).
      When the demands cannot be met, ``value_per_ml`` is the shortfall removed by one more
      ML/day of the capacity (``extras["value_unit"] == "shortfall"``), else the $/day saved.
    - ``periods``: with a schedule, one row per period (hours, price factor, demand, treated,
      costs).
    - ``throughput``: with a schedule, ML treated by each plant (columns) in each period (rows).
    - ``storage``: with storage, level at the end of each period, ML, one column per node.
    - ``running``: with on/off decisions and a schedule, 1 where a plant runs, per period.
    - ``expansion``: with expansion options: option, kind, id, capacity, cost_per_day, chosen.
    - ``arc_periods``: with a schedule: period, start_h, from, to, flow, energy_kwh, power_kw,
      pumping_cost, treatment_cost, one row per arc and period.
    - ``plant_periods``: with a schedule: period, start_h, plant, throughput, one row per plant
      and period.
    - ``storage_levels``: with storage: period, time_h, storage, level; the start level as
      period 0.

    A table the result does not have is an empty DataFrame."""

    status: Status
    objective: float | None
    """Total cost, $/day (None when demands cannot all be met)."""
    bound: float | None
    runtime_s: float
    """Solve time (HiGHS), seconds."""
    build_s: float
    """Model build time, seconds."""
    data: Mapping[str, Table]
    """Every table the result has, by name, as columns (see the class's documentation)."""
    certificate: RoutingCertificate | None
    """The answer checked on its own, with its costs (None when there is no answer: no
    solution, or demands that cannot all be met)."""
    message: str = ""
    name: str = ""
    extras: dict[str, Any] = field(default_factory=dict)
    period_flow: np.ndarray | None = None
    """Flow on every arc in every period, ML, shape (periods, arcs)."""
    decisions: RoutingDecisions | None = None
    """On/off, expansion and storage decisions (what the certificate checks beside flows)."""
    untreated: float = 0.0
    """Untreated water carried on ``raw`` arcs (raw supply, bypass), ML over the day."""

    @property
    def costs(self) -> CostBreakdown | None:
        """The certificate's cost breakdown ($ by period and element), None without one."""
        return self.certificate.costs if self.certificate is not None else None

    @property
    def pumping_cost(self) -> float | None:
        """Pumping cost, $/day."""
        return self.costs.pumping_total if self.costs is not None else None

    @property
    def treatment_cost(self) -> float | None:
        """Treatment at the plants plus quality premiums, $/day."""
        return self.costs.treatment_total if self.costs is not None else None

    @property
    def fixed_cost(self) -> float | None:
        """Fixed running cost of the plants, $/day."""
        return self.costs.fixed_total if self.costs is not None else None

    @property
    def expansion_cost(self) -> float | None:
        """Annualised cost of what is built or upgraded, $/day."""
        return self.costs.expansion if self.costs is not None else None

    @property
    def surplus_cost(self) -> float | None:
        """Price of the water zones receive beyond their demand, $/day."""
        return self.costs.surplus_total if self.costs is not None else None

    @property
    def demand_charge(self) -> float | None:
        """Demand charge on the day's peak pumping power, $/day."""
        return self.costs.demand_charge if self.costs is not None else None

    @property
    def peak_kw(self) -> float | None:
        """The day's peak pumping power, kW (None when no arc's energy is known)."""
        return self.costs.peak_kw if self.costs is not None else None

    def table(self, name: str) -> Table:
        """One table as columns (empty when the result does not have it), without pandas."""
        if name not in MAIN_TABLES and name not in OPTIONAL_TABLES:
            raise KeyError(f"no table {name!r}: one of {MAIN_TABLES + OPTIONAL_TABLES}")
        found = self.data.get(name)
        if found is None:
            found = _EMPTY.setdefault(name, Table())
        return found

    def has(self, name: str) -> bool:
        """Whether the result has the table ``name`` with at least one row."""
        return not self.table(name).empty

    flows = property(lambda self: self.table("flows").frame(), doc="Flow on each arc.")
    sources = property(lambda self: self.table("sources").frame(), doc="Supply per source.")
    plants = property(lambda self: self.table("plants").frame(), doc="Treatment per plant.")
    zones = property(lambda self: self.table("zones").frame(), doc="Supply per zone.")
    binding = property(lambda self: self.table("binding").frame(), doc="Binding capacities.")
    periods = property(lambda self: self.table("periods").frame(), doc="The day by period.")
    throughput = property(lambda self: self.table("throughput").frame(), doc="Plant × period.")
    storage = property(lambda self: self.table("storage").frame(), doc="Levels by period.")
    running = property(lambda self: self.table("running").frame(), doc="On/off by period.")
    expansion = property(lambda self: self.table("expansion").frame(), doc="Expansion options.")
    arc_periods = property(
        lambda self: self.table("arc_periods").frame(), doc="Arc × period, long."
    )
    plant_periods = property(
        lambda self: self.table("plant_periods").frame(), doc="Plant × period, long."
    )
    storage_levels = property(
        lambda self: self.table("storage_levels").frame(), doc="Storage × period, long."
    )

    def __repr__(self) -> str:
        return result_repr(self)

    def _repr_html_(self) -> str:
        """A notebook's view: status, cost and shortfall, then the plants' table."""
        return result_html(self)

    def plot(self) -> Any:
        """The day's figure (a :class:`matplotlib.figure.Figure`, as ``wdnopt solve --plot``
        draws it): throughput per plant, storage and cost by period. Only a scenario with a
        ``[schedule]`` has a day to draw (else :class:`ValueError`)."""
        from wdnopt.solvers.routing.plot import day_figure  # matplotlib: only to draw

        return day_figure(self)

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return max(0.0, self.objective - self.bound) / max(abs(self.objective), 1e-9)

    @property
    def total_shortfall(self) -> float:
        return float(self.table("zones").column("shortfall").sum())

    def cost_parts(self) -> dict[str, float]:
        """The cost of the day by part as reports show it, $/day
        (:meth:`CostBreakdown.shown`); empty without a certificate."""
        return self.costs.shown() if self.costs is not None else {}

    def to_dict(self) -> dict[str, Any]:
        """The JSON view of ``wdnopt solve --json`` and of the solve service: the name under
        ``scenario`` (as in every command's JSON and in summary.json), scalars, the cost by
        part (:meth:`cost_parts`; ``pumping`` and ``treatment`` None without an answer) and
        the tables as lists of records."""
        out = {
            "scenario": self.name,
            "status": str(self.status),
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "runtime_s": self.runtime_s,
            "build_s": self.build_s,
            "cost": self.cost_parts() or {"pumping": None, "treatment": None},
            "total_shortfall": self.total_shortfall,
            "message": self.message,
            "plants": self.table("plants").records(),
            "zones": self.table("zones").records(),
            "sources": self.table("sources").records(),
            "binding": self.table("binding").records(),
            "flows": [row for row in self.table("flows").records() if row["flow"] > 0],
        }
        out["peak_kw"] = self.peak_kw
        out["untreated"] = self.untreated
        for name in OPTIONAL_TABLES:
            if self.has(name):
                out[name] = self.table(name).records()
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by the file names ``--out`` writes them under."""
        names = [*MAIN_TABLES, *(n for n in OPTIONAL_TABLES if self.has(n))]
        return {name: self.table(name).frame() for name in names}


_EMPTY: dict[str, Table] = {}
"""The empty table standing for each optional table a result does not have."""


def _network(
    problem: RoutingScenario | RoutingNetwork, season: str | None
) -> tuple[RoutingNetwork, SolverOptions | None]:
    if isinstance(problem, RoutingScenario):
        return RoutingNetwork.from_scenario(problem, season=season), problem.solver
    return problem, None


def _kw(options: SolverOptions) -> dict[str, Any]:
    return {
        "time_limit": options.time_limit,
        "threads": options.threads,
        "rel_gap": options.rel_gap,
    }


def solve_routing(
    problem: RoutingScenario | RoutingNetwork,
    *,
    options: SolverOptions | None = None,
    season: str | None = None,
) -> RoutingResult:
    """Solve a routing scenario (or a network built in code) to optimality with HiGHS.

    ``season`` picks the source capacities of one of the scenario's seasons (default: the
    scenario's ``season``, else the base capacities)."""
    net, scenario_options = _network(problem, season)
    kw = _kw(options or scenario_options or SolverOptions())
    t0 = time.perf_counter()
    h = build_routing_model(net)
    build_s = time.perf_counter() - t0
    log.info(
        "built routing model: %d arcs × %d periods in %.3f s", net.n_arcs, net.n_periods, build_s
    )
    milp = net.has_binaries
    size = net.n_arcs * net.n_periods
    report, sens = solve_with_highs(
        h.model, solver=make_solver(kw, milp=milp, size=size), duals=not milp
    )
    return read_result(h, report, sens, build_s, kw)


def read_result(
    h: RoutingModel,
    report: SolveReport,
    sens: Sensitivity | None,
    build_s: float,
    kw: dict[str, Any],
) -> RoutingResult:
    """The result of a solved model: the diagnosis when infeasible, else flows, decisions,
    values of capacities (for a MILP from the LP with its binaries fixed) and tables."""
    net = h.net
    if report.status is Status.INFEASIBLE:
        return _diagnose(net, report, build_s, kw)
    if not report.status.has_solution:
        return _empty(
            net, report, build_s, f"HiGHS stopped without a solution ({report.termination})"
        )
    flow = read_flows(h)
    decisions = read_decisions(h)
    if net.has_binaries:
        sens = _fixed_duals(h.model, kw, net.n_arcs * net.n_periods)
    return _result(net, report, build_s, flow, decisions, certify(net, flow, decisions), sens, h)


def solve_seasons(
    scenario: RoutingScenario, *, options: SolverOptions | None = None
) -> dict[str, RoutingResult]:
    """Solve every season of ``scenario`` in turn (independent problems), by season name."""
    return {s.id: solve_routing(scenario, options=options, season=s.id) for s in scenario.seasons}


def _fixed_duals(model: pyo.ConcreteModel, kw: dict[str, Any], size: int) -> Sensitivity | None:
    """Duals of the LP with the binaries fixed at their values (the model is changed)."""
    fix_binaries(model)
    solver = make_solver(kw, milp=False, size=size)
    report, sens = solve_with_highs(model, solver=solver, duals=True)
    if sens is None:
        log.warning("LP with the binaries fixed ended %s: no capacity values", report.status)
    return sens


def _diagnose(
    net: RoutingNetwork, first: SolveReport, build_s: float, kw: dict[str, Any]
) -> RoutingResult:
    """Elastic re-solve: least total shortage, then least cost at that shortage."""
    t0 = time.perf_counter()
    h = build_routing_model(net, elastic=True)
    model = h.model
    milp = net.has_binaries
    size = net.n_arcs * net.n_periods
    phase1, sens1 = solve_with_highs(
        model, solver=make_solver(kw, milp=milp, size=size), duals=not milp
    )
    if phase1.status is not Status.OPTIMAL:
        return _empty(net, first, build_s, "infeasible, and the shortage diagnosis failed")
    least = phase1.objective or 0.0
    model.total_shortage.deactivate()
    define_shortage_cap(h, least)
    define_cost_objective(h)
    phase2, _ = solve_with_highs(model, solver=make_solver(kw, milp=milp, size=size))
    flow = read_flows(h)
    decisions = read_decisions(h)
    if milp:
        # value of capacity against the shortage: the phase-1 LP with phase 2's binaries fixed
        fix_binaries(model)
        model.cost.deactivate()
        model.shortage_cap.deactivate()
        model.total_shortage.activate()
        solver = make_solver(kw, milp=False, size=size)
        _, sens1 = solve_with_highs(model, solver=solver, duals=True)
        model.total_shortage.deactivate()
        model.cost.activate()
    n_z, n_s = net.n_zones, net.n_sources
    # what HiGHS leaves within its feasibility tolerance is noise, never an amount short
    raw_shortage = h.values(h.shortage, net.n_periods * n_z).reshape(-1, n_z)
    shortage = denoise(raw_shortage, net)
    short_by_zone = denoise(raw_shortage.sum(axis=0), net)
    left = denoise(h.values(h.untaken, net.n_periods * n_s).reshape(-1, n_s).sum(axis=0), net)
    report = SolveReport(
        status=Status.INFEASIBLE,
        objective=None,
        bound=None,
        runtime_s=first.runtime_s + phase1.runtime_s + phase2.runtime_s,
        termination=first.termination,
    )
    short = [(net.zone_ids[z], short_by_zone[z]) for z in np.flatnonzero(short_by_zone > 0)]
    unit = "ML" if net.n_periods > 1 else "ML/day"
    parts = []
    if short:
        total = float(short_by_zone.sum())
        parts.append(
            f"demand cannot be met: {_amount(total, net)} {unit} short in total; "
            + ", ".join(f"{z} short by {_amount(s, net)}" for z, s in short)
        )
    missed = _end_deficits(h, net)
    stuck = [(net.source_ids[s], left[s]) for s in np.flatnonzero(left > 0)]
    if stuck:
        parts.append(
            f"fixed supply cannot all be taken: {_amount(left.sum(), net)} {unit} has nowhere to "
            "go (no capacity or demand left downstream, and no raw bypass arc); "
            + ", ".join(f"{s} left with {_amount(x, net)}" for s, x in stuck)
        )
    if missed:
        parts.append(
            "storage cannot end at its end level (not enough water reaches it over the day): "
            + ", ".join(
                f"{name} ends {_amount(d, net)} ML below its {end:g} ML" for name, d, end in missed
            )
        )
    msg = "; ".join(parts) or "infeasible"
    cert = certify(net, flow, decisions)
    elapsed = build_s + time.perf_counter() - t0
    result = _result(net, report, elapsed, flow, decisions, cert, sens1, h)
    served = cert.cost
    return replace(
        result,
        message=msg,
        extras={
            "value_unit": "shortfall",
            "served_cost": served,
            "shortage": shortage,
            "untaken": left,
        },
    )


def _end_deficits(h: RoutingModel, net: RoutingNetwork) -> list[tuple[str, float, float]]:
    """(node, ML missed, end level) of every storage the elastic answer leaves below its end
    level (beyond solver noise)."""
    if net.storage is None:
        return []
    out = []
    for v, var in h.levels.deficit.items():
        d = float(denoise(np.array(var.value or 0.0), net))
        if d > 0:
            out.append((net.node_ids[v], d, float(net.storage.end[v])))
    return out


def _amount(value: float, net: RoutingNetwork) -> str:
    """An amount of water (ML) as a message prints it: to the solver's resolution, at most six
    significant digits."""
    return f"{float(denoise(np.array(value), net)):.6g}"


CERTIFICATE_TOL = 1e-6
"""Relative tolerance of the certificate of a solved routing model: violations against the
day's total demand (at least 1 ML), the recomputed cost against the objective (at least 1 $)."""


def certificate_fails(
    net: RoutingNetwork, cert: RoutingCertificate, objective: float | None
) -> str | None:
    """Why the answer HiGHS returned does not hold when checked on its own (every constraint
    family recomputed from the flows, the cost recomputed by the one cost function), or None
    when it holds to :data:`CERTIFICATE_TOL`."""
    scale = max(1.0, float(np.sum(net.demand)))
    if not cert.ok(CERTIFICATE_TOL * scale):
        return f"the answer breaks a constraint by {cert.worst():.3g} (ML or ML/day)"
    if objective is not None:
        gap = abs(cert.cost - objective)
        if gap > CERTIFICATE_TOL * max(1.0, abs(objective)):
            return f"its cost recomputed is {cert.cost:.10g} $/day, not {objective:.10g}"
    return None


def _empty(net: RoutingNetwork, report: SolveReport, build_s: float, msg: str) -> RoutingResult:
    zeros = np.zeros((net.n_periods, net.n_arcs))
    none = RoutingDecisions()
    res = _result(net, report, build_s, zeros, none, certify(net, zeros, none), None, None)
    return replace(res, message=msg, certificate=None)


def _result(
    net: RoutingNetwork,
    report: SolveReport,
    build_s: float,
    flow: np.ndarray,
    decisions: RoutingDecisions,
    cert: RoutingCertificate,
    sens: Sensitivity | None,
    h: RoutingModel | None,
) -> RoutingResult:
    """The result of ``flow`` and ``decisions``, checked by ``cert`` (whose costs fill the
    tables); the result keeps the certificate, and so its costs, only when HiGHS returned an
    answer."""
    has = report.status.has_solution
    status, message = report.status, ""
    if has:
        failed = certificate_fails(net, cert, report.objective)
        if failed:  # HiGHS's word alone is not enough for "optimal"
            status, message = Status.ERROR, f"HiGHS reported {report.status}, but {failed}"
            log.error("%s: %s", net.name, message)
    return RoutingResult(
        status=status,
        message=message,
        objective=report.objective if has else None,
        bound=report.bound if has else None,
        runtime_s=report.runtime_s,
        build_s=build_s,
        data=tables(net, flow, decisions, cert.costs, sens, h),
        certificate=cert if has else None,
        name=net.name,
        period_flow=flow,
        decisions=decisions,
        untreated=float(flow[:, net.raw].sum()) if net.n_arcs else 0.0,
    )
