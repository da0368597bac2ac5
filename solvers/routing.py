"""Solving routing scenarios: build, solve with HiGHS, read back into a frozen result.

:func:`solve_routing` is the Python entry point::

    from wdnopt.models.scenario import load_scenario
    from wdnopt.solvers.routing import solve_routing

    scenario = load_scenario("scenarios/routing/two_sources_three_plants_six_zones.toml")
    result = solve_routing(scenario)
    print(result.status, result.objective)
    print(result.plants)

When the demands cannot all be met, the result has status ``infeasible`` and says which zones
fall short and by how much: an elastic model first minimises the total shortage
:math:`\\sum_z s_z`, then, with the shortage held at that minimum, the cost.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from wdnopt.models.routing.builder import build_routing_model, define_cost_objective
from wdnopt.models.routing.certificate import RoutingCertificate, certify, node_sums
from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.routing.schema import RoutingScenario
from wdnopt.models.schema import SolverOptions
from wdnopt.solvers.highs import Sensitivity, SolveReport, Status, solve_with_highs

log = logging.getLogger(__name__)

BINDING_TOL = 1e-7
"""A capacity is binding when its slack is below this (ML/day) and its value is positive."""


@dataclass(frozen=True)
class RoutingResult:
    """The answer to a routing scenario. Tables are pandas DataFrames; money in $/day."""

    status: Status
    objective: float | None
    """Total cost, $/day (None when demands cannot all be met)."""
    bound: float | None
    runtime_s: float
    """Solve time (HiGHS), seconds."""
    build_s: float
    """Model build time, seconds."""
    pumping_cost: float | None
    treatment_cost: float | None
    flows: pd.DataFrame
    """One row per arc: from, to, flow, capacity, cost_per_ml, cost."""
    sources: pd.DataFrame
    """source, capacity, supplied, value_per_ml (value of one more ML/day of capacity)."""
    plants: pd.DataFrame
    """plant, capacity, throughput, utilisation, treatment_cost, value_per_ml."""
    zones: pd.DataFrame
    """zone, demand, supplied, shortfall, marginal_cost (cost of one more ML/day of demand)."""
    binding: pd.DataFrame
    """Capacities at their limit: kind, id, capacity, used, value_per_ml (sorted by value).

    When the demands cannot be met, ``value_per_ml`` is the shortfall removed by one more ML/day
    of the capacity (``extras["value_unit"] == "shortfall"``), else the $/day saved."""
    certificate: RoutingCertificate | None
    message: str = ""
    name: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return max(0.0, self.objective - self.bound) / max(abs(self.objective), 1e-9)

    @property
    def total_shortfall(self) -> float:
        return float(self.zones["shortfall"].sum())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view: scalars and tables as lists of records."""
        return {
            "name": self.name,
            "status": str(self.status),
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "runtime_s": self.runtime_s,
            "build_s": self.build_s,
            "cost": {"pumping": self.pumping_cost, "treatment": self.treatment_cost},
            "total_shortfall": self.total_shortfall,
            "message": self.message,
            "plants": self.plants.to_dict(orient="records"),
            "zones": self.zones.to_dict(orient="records"),
            "sources": self.sources.to_dict(orient="records"),
            "binding": self.binding.to_dict(orient="records"),
            "flows": self.flows[self.flows["flow"] > 0].to_dict(orient="records"),
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by the file names ``--out`` writes them under."""
        return {
            "flows": self.flows,
            "sources": self.sources,
            "plants": self.plants,
            "zones": self.zones,
            "binding": self.binding,
        }


def solve_routing(
    problem: RoutingScenario | RoutingNetwork,
    *,
    options: SolverOptions | None = None,
) -> RoutingResult:
    """Solve a routing scenario (or a network built in code) to optimality with HiGHS."""
    if isinstance(problem, RoutingScenario):
        net = RoutingNetwork.from_scenario(problem)
        options = options or problem.solver
    else:
        net = problem
    options = options or SolverOptions()
    kw = {"time_limit": options.time_limit, "threads": options.threads}
    t0 = time.perf_counter()
    model = build_routing_model(net)
    build_s = time.perf_counter() - t0
    log.info("built routing model: %d arcs in %.3f s", net.n_arcs, build_s)
    report, sens = solve_with_highs(model, duals=True, **kw)
    if report.status is Status.INFEASIBLE:
        return _diagnose(net, report, build_s, kw)
    if not report.status.has_solution:
        return _empty(
            net, report, build_s, f"HiGHS stopped without a solution ({report.termination})"
        )
    flow = _flows(model)
    return _result(net, report, build_s, flow, sens, model)


def _flows(model: pyo.ConcreteModel) -> np.ndarray:
    return np.array([x.value or 0.0 for x in model._xs], dtype=float)


def _diagnose(
    net: RoutingNetwork, first: SolveReport, build_s: float, kw: dict[str, Any]
) -> RoutingResult:
    """Elastic re-solve: least total shortage, then least cost at that shortage."""
    t0 = time.perf_counter()
    model = build_routing_model(net, elastic=True)
    phase1, sens1 = solve_with_highs(model, duals=True, **kw)
    if phase1.status is not Status.OPTIMAL:
        return _empty(net, first, build_s, "infeasible, and the shortage diagnosis failed")
    least = phase1.objective or 0.0
    model.total_shortage.deactivate()
    model.shortage_cap = pyo.Constraint(
        expr=pyo.quicksum(model.shortage.values()) <= least * (1 + 1e-9) + 1e-9
    )
    define_cost_objective(model, net)
    phase2, _ = solve_with_highs(model, **kw)
    flow = _flows(model)
    shortage = np.array([model.shortage[z].value or 0.0 for z in range(net.n_zones)])
    report = SolveReport(
        status=Status.INFEASIBLE,
        objective=None,
        bound=None,
        runtime_s=first.runtime_s + phase1.runtime_s + phase2.runtime_s,
        termination=first.termination,
    )
    short = [(net.zone_ids[z], shortage[z]) for z in np.flatnonzero(shortage > 1e-9)]
    msg = f"demand cannot be met: {least:.6g} ML/day short in total; " + ", ".join(
        f"{z} short by {s:.6g}" for z, s in short
    )
    result = _result(net, report, build_s + time.perf_counter() - t0, flow, sens1, model)
    return replace(result, message=msg, extras={"value_unit": "shortfall"})


def _empty(net: RoutingNetwork, report: SolveReport, build_s: float, msg: str) -> RoutingResult:
    zeros = np.zeros(net.n_arcs)
    res = _result(net, report, build_s, zeros, None, None)
    return replace(res, message=msg, certificate=None)


def _value_of(sens: Sensitivity | None, con: Any, index: int) -> float:
    """Value of one more unit of the right-hand side of a ≤ row: −dual (≥ 0 when minimising)."""
    if sens is None or index not in con:
        return 0.0
    return max(0.0, -float(sens.duals.get(con[index], 0.0)))


def _result(
    net: RoutingNetwork,
    report: SolveReport,
    build_s: float,
    flow: np.ndarray,
    sens: Sensitivity | None,
    model: pyo.ConcreteModel | None,
) -> RoutingResult:
    inflow, outflow = node_sums(net, flow)
    p0, z0 = net.plant_offset, net.zone_offset
    ids = net.node_ids
    cert = certify(net, flow)
    has = report.status.has_solution

    def rows(con_name: str, n: int) -> list[float]:
        con = getattr(model, con_name, None) if model is not None else None
        return [_value_of(sens, con, i) if con is not None else 0.0 for i in range(n)]

    flows = pd.DataFrame(
        {
            "from": [ids[i] for i in net.tail],
            "to": [ids[j] for j in net.head],
            "flow": flow,
            "capacity": net.arc_capacity,
            "cost_per_ml": net.arc_cost,
            "cost": net.arc_cost * flow,
        }
    )
    sources = pd.DataFrame(
        {
            "source": net.source_ids,
            "capacity": net.source_capacity,
            "supplied": outflow[:p0],
            "value_per_ml": rows("source_capacity", net.n_sources),
        }
    )
    plant_in = inflow[p0:z0]
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(net.plant_capacity > 0, plant_in / net.plant_capacity, 0.0)
    plants = pd.DataFrame(
        {
            "plant": net.plant_ids,
            "capacity": net.plant_capacity,
            "throughput": plant_in,
            "utilisation": util,
            "treatment_cost": net.treatment_cost,
            "value_per_ml": rows("plant_capacity", net.n_plants),
        }
    )
    marginal = [0.0] * net.n_zones
    if sens is not None and model is not None:
        marginal = [float(sens.duals.get(model.demand[z], 0.0)) for z in range(net.n_zones)]
    supplied = inflow[z0:]
    zones = pd.DataFrame(
        {
            "zone": net.zone_ids,
            "demand": net.demand,
            "supplied": supplied,
            "shortfall": np.maximum(net.demand - supplied, 0.0),
            "marginal_cost": marginal,
        }
    )
    arc_value = np.zeros(net.n_arcs)
    if sens is not None and model is not None:
        capped = np.flatnonzero(np.isfinite(net.arc_capacity))
        for a in capped.tolist():
            arc_value[a] = max(0.0, -float(sens.reduced_costs.get(model._xs[a], 0.0)))
    binding = _binding(net, sources, plants, flows, arc_value)
    return RoutingResult(
        status=report.status,
        objective=report.objective if has else None,
        bound=report.bound if has else None,
        runtime_s=report.runtime_s,
        build_s=build_s,
        pumping_cost=cert.pumping_cost if has else None,
        treatment_cost=cert.treatment_cost if has else None,
        flows=flows,
        sources=sources,
        plants=plants,
        zones=zones,
        binding=binding,
        certificate=cert if has else None,
        name=net.name,
    )


def _binding(
    net: RoutingNetwork,
    sources: pd.DataFrame,
    plants: pd.DataFrame,
    flows: pd.DataFrame,
    arc_value: np.ndarray,
) -> pd.DataFrame:
    """Capacities used to their limit, with the value of one more ML/day of each."""
    parts = []
    s_tight = sources["capacity"] - sources["supplied"] <= BINDING_TOL
    parts.append(
        pd.DataFrame(
            {
                "kind": "source",
                "id": sources.loc[s_tight, "source"],
                "capacity": sources.loc[s_tight, "capacity"],
                "used": sources.loc[s_tight, "supplied"],
                "value_per_ml": sources.loc[s_tight, "value_per_ml"],
            }
        )
    )
    p_tight = plants["capacity"] - plants["throughput"] <= BINDING_TOL
    parts.append(
        pd.DataFrame(
            {
                "kind": "plant",
                "id": plants.loc[p_tight, "plant"],
                "capacity": plants.loc[p_tight, "capacity"],
                "used": plants.loc[p_tight, "throughput"],
                "value_per_ml": plants.loc[p_tight, "value_per_ml"],
            }
        )
    )
    a_tight = np.isfinite(net.arc_capacity) & (net.arc_capacity - flows["flow"] <= BINDING_TOL)
    parts.append(
        pd.DataFrame(
            {
                "kind": "arc",
                "id": flows.loc[a_tight, "from"] + " → " + flows.loc[a_tight, "to"],
                "capacity": flows.loc[a_tight, "capacity"],
                "used": flows.loc[a_tight, "flow"],
                "value_per_ml": arc_value[a_tight.to_numpy()],
            }
        )
    )
    table = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else pd.DataFrame(columns=["kind", "id", "capacity", "used", "value_per_ml"])
    )
    return table.sort_values("value_per_ml", ascending=False, kind="stable").reset_index(drop=True)
