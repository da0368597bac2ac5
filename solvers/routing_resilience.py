"""Resilience (N−1): the cost and the unmet demand when each element is out of service.

Each source, plant and arc in turn gets zero capacity (and loses any upgrade option) and the
network is solved again. When the demands can still be met the row has the new optimum; when
they cannot, the elastic diagnosis of :func:`~wdnopt.solvers.routing.solve_routing` gives the
least unmet demand and the cost of the water that is still delivered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.schema import SolverOptions
from wdnopt.solvers.highs import Status
from wdnopt.solvers.routing import RoutingResult, solve_routing

log = logging.getLogger(__name__)

COLUMNS = ["kind", "id", "status", "cost", "extra_cost", "unmet", "short_zones"]


@dataclass(frozen=True)
class ResilienceReport:
    """The base case and one row per element out of service."""

    base: RoutingResult
    table: pd.DataFrame
    """kind, id, status (optimal / short / failed), cost ($/day of the water delivered),
    extra_cost (over the base), unmet (ML/day), short_zones ("Z1 3.0, Z4 1.5")."""


def without(net: RoutingNetwork, kind: str, index: int) -> RoutingNetwork:
    """``net`` with one source, plant or arc out of service (zero capacity, no upgrade)."""
    ex = net.expansion
    if kind == "source":
        cap = net.source_capacity.copy()
        cap[index] = 0.0
        return replace(net, source_capacity=cap)
    if kind == "plant":
        cap = net.plant_capacity.copy()
        cap[index] = 0.0
        if ex is not None:
            up = ex.plant_upgrade_capacity.copy()
            up[index] = np.nan
            ex = replace(ex, plant_upgrade_capacity=up)
        return replace(net, plant_capacity=cap, expansion=ex)
    if kind == "arc":
        cap = net.arc_capacity.copy()
        cap[index] = 0.0
        if ex is not None:
            up = ex.arc_upgrade_capacity.copy()
            up[index] = np.nan
            ex = replace(ex, arc_upgrade_capacity=up)
        return replace(net, arc_capacity=cap, expansion=ex)
    raise ValueError(f"unknown element kind {kind!r}")


def _cost(result: RoutingResult) -> float | None:
    if result.objective is not None:
        return result.objective
    return result.extras.get("served_cost")


def n_minus_one(
    net: RoutingNetwork,
    *,
    options: SolverOptions | None = None,
    kinds: tuple[str, ...] = ("source", "plant", "arc"),
) -> ResilienceReport:
    """Solve ``net`` once as is and once per element of ``kinds`` out of service."""
    base = solve_routing(net, options=options)
    base_cost = _cost(base)
    ids = net.node_ids
    elements: list[tuple[str, int, str]] = []
    if "source" in kinds:
        elements += [("source", s, ids[s]) for s in range(net.n_sources)]
    if "plant" in kinds:
        elements += [("plant", p, ids[net.plant_offset + p]) for p in range(net.n_plants)]
    if "arc" in kinds:
        elements += [
            ("arc", a, f"{ids[net.tail[a]]} → {ids[net.head[a]]}") for a in range(net.n_arcs)
        ]
    rows = []
    for kind, index, name in elements:
        result = solve_routing(without(net, kind, index), options=options)
        cost = _cost(result)
        short = result.zones[result.zones["shortfall"] > 1e-9]
        if result.status is Status.OPTIMAL:
            status = "optimal"
        elif result.status is Status.INFEASIBLE and cost is not None:
            status = "short"
        else:
            status = "failed"
        rows.append(
            {
                "kind": kind,
                "id": name,
                "status": status,
                "cost": cost,
                "extra_cost": None if cost is None or base_cost is None else cost - base_cost,
                "unmet": result.total_shortfall,
                "short_zones": ", ".join(
                    f"{z} {s:.4g}" for z, s in zip(short["zone"], short["shortfall"], strict=True)
                ),
            }
        )
        log.info("N-1 %s %s: %s, cost %s", kind, name, status, cost)
    return ResilienceReport(base=base, table=pd.DataFrame(rows, columns=COLUMNS))
