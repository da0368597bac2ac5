"""Resilience (N−1): the cost and the unmet demand when each element is out of service.

Each source, plant and arc in turn gets zero capacity (and loses any upgrade option) and the
network is solved again: through one :class:`~wdnopt.solvers.routing.whatif.RoutingWhatIf`
(built once, re-solved warm) when the network has no expansion options, else rebuilt per
element (an outage also removes the element's upgrade). When the demands can still be met the
row has the new optimum; when they cannot, the elastic diagnosis of
:func:`~wdnopt.solvers.routing.solve.solve_routing` gives the least unmet demand and the cost of the
water that is still delivered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.schema import SolverOptions
from wdnopt.solvers.routing.solve import RoutingResult, solve_routing
from wdnopt.solvers.routing.whatif import RoutingWhatIf
from wdnopt.solvers.status import Status

log = logging.getLogger(__name__)

COLUMNS = ["kind", "id", "status", "cost", "extra_cost", "unmet", "short_zones"]


@dataclass(frozen=True)
class ResilienceReport:
    """The base case and one row per element out of service."""

    base: RoutingResult
    table: pd.DataFrame
    """kind, id, status (optimal / short / failed), cost ($/day of the water delivered),
    extra_cost (over the base), unmet (ML/day), short_zones ("Z1 3.0, Z4 1.5")."""


_OUTAGE_FIELDS = {
    "source": ("source_capacity", None),
    "plant": ("plant_capacity", "plant_upgrade_capacity"),
    "arc": ("arc_capacity", "arc_upgrade_capacity"),
}
"""Element kind → its capacity field on the network and its upgrade field on the expansion."""


def without(net: RoutingNetwork, kind: str, index: int) -> RoutingNetwork:
    """``net`` with one source, plant or arc out of service (zero capacity or fixed supply, no
    upgrade)."""
    if kind not in _OUTAGE_FIELDS:
        raise ValueError(f"unknown element kind {kind!r}")
    capacity_field, upgrade_field = _OUTAGE_FIELDS[kind]
    cap = getattr(net, capacity_field).copy()
    cap[index] = 0.0
    ex = net.expansion
    if upgrade_field is not None and ex is not None:
        up = getattr(ex, upgrade_field).copy()
        up[index] = np.nan
        ex = replace(ex, **{upgrade_field: up})
    changes: dict = {capacity_field: cap, "expansion": ex}
    if kind == "source" and net.source_supply is not None:
        supply = net.source_supply.copy()
        supply[index] = np.where(np.isnan(supply[index]), np.nan, 0.0)
        changes["source_supply"] = supply
    return replace(net, **changes)


def _cost(result: RoutingResult) -> float | None:
    if result.objective is not None:
        return result.objective
    return result.extras.get("served_cost")


def n_minus_one(
    net: RoutingNetwork,
    *,
    options: SolverOptions | None = None,
    kinds: tuple[str, ...] = ("source", "plant", "arc"),
    progress: Callable[[int, int, str], None] | None = None,
) -> ResilienceReport:
    """Solve ``net`` once as is and once per element of ``kinds`` out of service;
    ``progress(done, total, case)`` is called after each case."""
    what_if = RoutingWhatIf(net, options=options) if net.expansion is None else None
    base = what_if.solve() if what_if is not None else solve_routing(net, options=options)
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
    for done, (kind, index, name) in enumerate(elements, start=1):
        if what_if is not None:
            what_if.outage(kind, index)
            result = what_if.solve()
            what_if.reset()
        else:
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
        if progress is not None:
            progress(done, len(elements), f"{kind} {name}")
        log.info("N-1 %s %s: %s, cost %s", kind, name, status, cost)
    return ResilienceReport(base=base, table=pd.DataFrame(rows, columns=COLUMNS))
