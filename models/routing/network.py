"""The routing network as arrays: what the builder, the checker and the direct path share.

Nodes are numbered sources first, then plants, then zones. Arcs are given by tail and head
indices; adjacency (the arcs into and out of each node) is precomputed once in CSR form so that
no constraint is built by scanning all arcs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from wdnopt.models.routing.schema import RoutingScenario


@dataclass(frozen=True, eq=False)
class RoutingNetwork:
    """Sources, plants, zones and arcs of one routing instance (ML/day, $/ML)."""

    source_ids: tuple[str, ...]
    plant_ids: tuple[str, ...]
    zone_ids: tuple[str, ...]
    source_capacity: np.ndarray
    plant_capacity: np.ndarray
    treatment_cost: np.ndarray
    """$/ML treated at each plant."""
    demand: np.ndarray
    tail: np.ndarray
    """Node index each arc leaves."""
    head: np.ndarray
    """Node index each arc reaches."""
    arc_cost: np.ndarray
    """Pumping cost of each arc, $/ML."""
    arc_capacity: np.ndarray
    """Capacity of each arc, ML/day (``inf`` when unlimited)."""
    name: str = ""

    @property
    def n_sources(self) -> int:
        return len(self.source_ids)

    @property
    def n_plants(self) -> int:
        return len(self.plant_ids)

    @property
    def n_zones(self) -> int:
        return len(self.zone_ids)

    @property
    def n_nodes(self) -> int:
        return self.n_sources + self.n_plants + self.n_zones

    @property
    def n_arcs(self) -> int:
        return len(self.tail)

    @property
    def node_ids(self) -> tuple[str, ...]:
        return self.source_ids + self.plant_ids + self.zone_ids

    @property
    def plant_offset(self) -> int:
        return self.n_sources

    @property
    def zone_offset(self) -> int:
        return self.n_sources + self.n_plants

    @cached_property
    def out_arcs(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR of the arcs leaving each node: ``arcs[start[v]:start[v+1]]``."""
        return _csr(self.tail, self.n_nodes)

    @cached_property
    def in_arcs(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR of the arcs reaching each node: ``arcs[start[v]:start[v+1]]``."""
        return _csr(self.head, self.n_nodes)

    @cached_property
    def unit_cost(self) -> np.ndarray:
        """Cost of one ML on each arc including treatment at the plant it enters, $/ML."""
        cost = self.arc_cost.astype(float).copy()
        into_plant = (self.head >= self.plant_offset) & (self.head < self.zone_offset)
        cost[into_plant] += self.treatment_cost[self.head[into_plant] - self.plant_offset]
        return cost

    @classmethod
    def from_scenario(cls, scenario: RoutingScenario) -> RoutingNetwork:
        ids = [s.id for s in scenario.sources] + [p.id for p in scenario.plants]
        ids += [z.id for z in scenario.zones]
        index = {node: i for i, node in enumerate(ids)}
        arcs = scenario.arcs
        return cls(
            source_ids=tuple(s.id for s in scenario.sources),
            plant_ids=tuple(p.id for p in scenario.plants),
            zone_ids=tuple(z.id for z in scenario.zones),
            source_capacity=np.array([s.capacity for s in scenario.sources], dtype=float),
            plant_capacity=np.array([p.capacity for p in scenario.plants], dtype=float),
            treatment_cost=np.array([p.treatment_cost for p in scenario.plants], dtype=float),
            demand=np.array([z.demand for z in scenario.zones], dtype=float),
            tail=np.array([index[a.from_] for a in arcs], dtype=np.int64),
            head=np.array([index[a.to] for a in arcs], dtype=np.int64),
            arc_cost=np.array([a.cost for a in arcs], dtype=float),
            arc_capacity=np.array(
                [np.inf if a.capacity is None else a.capacity for a in arcs], dtype=float
            ),
            name=scenario.name,
        )


def _csr(key: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(key, kind="stable")
    counts = np.bincount(key, minlength=n)
    start = np.concatenate([[0], np.cumsum(counts)])
    return start, order
