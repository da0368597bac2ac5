"""The one checker of routing solutions: a certificate computed from the flows alone.

It needs no solver: given the network and the arc flows it recomputes every constraint and the
objective, so that any algorithm's answer (the Pyomo model, a direct HiGHS call, network simplex)
is judged the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wdnopt.models.routing.network import RoutingNetwork


@dataclass(frozen=True)
class RoutingCertificate:
    """Violations (ML/day, ≥ 0) of each family and the objective recomputed from the flows."""

    negative_flow: float
    arc_capacity: float
    source_capacity: float
    plant_capacity: float
    plant_balance: float
    """Largest |inflow − outflow| at a plant."""
    demand: float
    """Largest shortfall of a zone below its demand (0 in an elastic answer only if none)."""
    pumping_cost: float
    treatment_cost: float

    @property
    def cost(self) -> float:
        return self.pumping_cost + self.treatment_cost

    def worst(self) -> float:
        return max(
            self.negative_flow,
            self.arc_capacity,
            self.source_capacity,
            self.plant_capacity,
            self.plant_balance,
            self.demand,
        )

    def ok(self, tol: float = 1e-6) -> bool:
        """True when every violation is within ``tol`` (scaled by the largest demand)."""
        return self.worst() <= tol


def node_sums(net: RoutingNetwork, flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inflow and outflow of every node, ML/day."""
    inflow = np.bincount(net.head, weights=flow, minlength=net.n_nodes)
    outflow = np.bincount(net.tail, weights=flow, minlength=net.n_nodes)
    return inflow, outflow


def certify(net: RoutingNetwork, flow: np.ndarray) -> RoutingCertificate:
    """Check conservation, capacities and demands, and recompute the cost from ``flow``."""
    flow = np.asarray(flow, dtype=float)
    inflow, outflow = node_sums(net, flow)
    s, p0, z0 = net.n_sources, net.plant_offset, net.zone_offset
    plant_in = inflow[p0:z0]
    finite = np.isfinite(net.arc_capacity)

    def worst(x: np.ndarray) -> float:
        return float(max(0.0, x.max())) if x.size else 0.0

    return RoutingCertificate(
        negative_flow=worst(-flow),
        arc_capacity=worst(flow[finite] - net.arc_capacity[finite]),
        source_capacity=worst(outflow[:s] - net.source_capacity),
        plant_capacity=worst(plant_in - net.plant_capacity),
        plant_balance=float(np.abs(plant_in - outflow[p0:z0]).max()) if net.n_plants else 0.0,
        demand=worst(net.demand - inflow[z0:]),
        pumping_cost=float(net.arc_cost @ flow),
        treatment_cost=float(net.treatment_cost @ plant_in),
    )
