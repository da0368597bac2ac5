"""The routing network as arrays: what the builder, the checker and the direct path share.

Node kinds: ``source`` (raw water: a capacity, or a fixed supply that must be taken),
``plant`` (treatment: what flows in is treated and flows out), ``zone`` (demand, received
exactly unless the zone prices a surplus), ``storage`` (a service reservoir or tank: capacity,
start and end levels) and ``junction`` (a transfer or booster node: conservation only). Nodes
are numbered sources first, then plants, zones, storages and junctions, so a three-tier
network (sources, plants, zones) is the special case with no storage and no junction. Arcs may
join any two nodes (none enters a source). They are given by tail and head indices; adjacency
(the arcs into and out of each node) is precomputed once in CSR form so that no constraint is
built by scanning all arcs.

The optional features (quality classes, plant commitment, expansion, a schedule of periods,
storage) are ``None`` when unused, so a network built in code from arrays alone is the plain
daily LP.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from wdnopt.models.routing import convert
from wdnopt.models.routing.commitment import Commitment
from wdnopt.models.routing.expansion import Expansion
from wdnopt.models.routing.quality import Quality, arc_quality
from wdnopt.models.routing.schedule import Schedule, Storage
from wdnopt.models.routing.schema import RoutingScenario


@dataclass(frozen=True, eq=False)
class RoutingNetwork:
    """Sources, plants, zones, storages, junctions and arcs of one routing instance (ML/day,
    $/ML)."""

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
    quality: Quality | None = None
    """Quality classes (none: any plant may serve any zone it reaches)."""
    commitment: Commitment | None = None
    """Minimum throughput and fixed running cost of plants (none: no on/off decisions)."""
    expansion: Expansion | None = None
    """Candidate arcs and plants, capacity upgrades (none: the network is fixed)."""
    schedule: Schedule | None = None
    """Periods of the day (none: one period of 24 h)."""
    storage: Storage | None = None
    """Storage at zones and plants (none: no storage)."""
    arc_energy: np.ndarray | None = None
    """Pumping energy of each arc, kWh/ML, from its lift or given (nan: cost given in $/ML
    only)."""
    season: str | None = None
    """The season whose source capacities these are (none: the base capacities)."""
    storage_ids: tuple[str, ...] = ()
    """Storage nodes (service reservoirs, tanks); their capacity and levels are in
    ``storage``."""
    junction_ids: tuple[str, ...] = ()
    """Junctions (transfer or booster nodes: what comes in goes out)."""
    source_supply: np.ndarray | None = None
    """Fixed supply of each source that must be taken, ML/day (nan: up to its capacity);
    none: every source is limited by its capacity only."""
    surplus_cost: np.ndarray | None = None
    """Price of a surplus at each zone, $/ML (nan: the zone receives exactly its demand);
    none: every zone is exact."""
    zone_capacity: np.ndarray | None = None
    """Most water each zone accepts, ML/day (inf: no limit; only zones with a surplus price
    receive more than their demand); none: no limit anywhere."""
    demand_charge: float = 0.0
    """Price of the day's peak pumping power, $/kW per day (0: none)."""
    arc_raw: np.ndarray | None = None
    """Arcs allowed to carry untreated water into a zone (a priced bypass, raw supply for
    irrigation); none: no such arc."""

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
    def n_storages(self) -> int:
        return len(self.storage_ids)

    @property
    def n_junctions(self) -> int:
        return len(self.junction_ids)

    @property
    def n_nodes(self) -> int:
        return self.junction_offset + self.n_junctions

    @property
    def n_arcs(self) -> int:
        return len(self.tail)

    @property
    def node_ids(self) -> tuple[str, ...]:
        return (
            self.source_ids + self.plant_ids + self.zone_ids + self.storage_ids + self.junction_ids
        )

    def node_kind(self, v: int) -> str:
        """``source``, ``plant``, ``zone``, ``storage`` or ``junction``."""
        for kind, end in (
            ("source", self.plant_offset),
            ("plant", self.zone_offset),
            ("zone", self.storage_offset),
            ("storage", self.junction_offset),
        ):
            if v < end:
                return kind
        return "junction"

    @property
    def zones(self) -> slice:
        """The zones' columns in a per-node array."""
        return slice(self.zone_offset, self.storage_offset)

    @property
    def plant_offset(self) -> int:
        return self.n_sources

    @property
    def zone_offset(self) -> int:
        return self.n_sources + self.n_plants

    @property
    def storage_offset(self) -> int:
        return self.zone_offset + self.n_zones

    @property
    def junction_offset(self) -> int:
        return self.storage_offset + self.n_storages

    @cached_property
    def fixed_supply(self) -> np.ndarray:
        """Sources whose supply must be taken (bool, shape (sources,))."""
        if self.source_supply is None:
            return np.zeros(self.n_sources, dtype=bool)
        return ~np.isnan(self.source_supply)

    @cached_property
    def surplus_allowed(self) -> np.ndarray:
        """Zones that may receive more than their demand (bool, shape (zones,))."""
        if self.surplus_cost is None:
            return np.zeros(self.n_zones, dtype=bool)
        return ~np.isnan(self.surplus_cost)

    def surplus_room(self) -> np.ndarray:
        """Most surplus each zone may take in each period, :math:`\\lambda_t U_z - D_{z,t}`
        ML (inf without a limit), shape (periods, zones)."""
        if self.zone_capacity is None:
            return np.full((self.n_periods, self.n_zones), np.inf)
        cap = self.period_days[:, None] * self.zone_capacity[None, :]
        with np.errstate(invalid="ignore"):
            return np.where(np.isfinite(cap), cap - self.period_demand, np.inf)

    @cached_property
    def raw(self) -> np.ndarray:
        """Arcs allowed to carry untreated water into a zone (bool, shape (arcs,))."""
        if self.arc_raw is None:
            return np.zeros(self.n_arcs, dtype=bool)
        return np.asarray(self.arc_raw, dtype=bool)

    @cached_property
    def out_arcs(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR of the arcs leaving each node: ``arcs[start[v]:start[v+1]]``."""
        return _csr(self.tail, self.n_nodes)

    @cached_property
    def adjacency(self) -> tuple[list[list[int]], list[list[int]]]:
        """The arcs into and out of each node as Python lists (for builders that index
        variables one node at a time)."""
        in_start, in_arcs = self.in_arcs
        out_start, out_arcs = self.out_arcs
        ins, outs = in_arcs.tolist(), out_arcs.tolist()
        i0, o0 = in_start.tolist(), out_start.tolist()
        return (
            [ins[i0[v] : i0[v + 1]] for v in range(self.n_nodes)],
            [outs[o0[v] : o0[v + 1]] for v in range(self.n_nodes)],
        )

    @cached_property
    def in_arcs(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR of the arcs reaching each node: ``arcs[start[v]:start[v+1]]``."""
        return _csr(self.head, self.n_nodes)

    @cached_property
    def arc_treatment(self) -> np.ndarray:
        """Treatment cost carried by each arc, $/ML: the treatment cost of the plant it enters,
        plus the quality premium of the plant it leaves for the zone it enters."""
        cost = self.arc_premium.copy()
        into_plant = (self.head >= self.plant_offset) & (self.head < self.zone_offset)
        cost[into_plant] += self.treatment_cost[self.head[into_plant] - self.plant_offset]
        return cost

    @cached_property
    def unit_cost(self) -> np.ndarray:
        """Cost of one ML on each arc including treatment at the plant it enters, $/ML (at
        the reference energy price)."""
        return self.arc_cost.astype(float) + self.arc_treatment

    def period_unit_cost(self, t: int) -> np.ndarray:
        """Cost of one ML on each arc in period ``t``: :math:`c_a f_t` + treatment, $/ML."""
        if self.schedule is None:
            return self.unit_cost
        return self.arc_cost * float(self.schedule.price_factor[t]) + self.arc_treatment

    @cached_property
    def _arc_quality(self) -> tuple[np.ndarray, np.ndarray]:
        return arc_quality(
            self.quality, self.tail, self.head, self.plant_offset, self.zone_offset, self.n_zones
        )

    @property
    def arc_closed(self) -> np.ndarray:
        """Arcs that may carry no water (the plant cannot deliver the zone's quality class)."""
        return self._arc_quality[0]

    @property
    def arc_premium(self) -> np.ndarray:
        """Quality premium charged on each arc, $/ML."""
        return self._arc_quality[1]

    @property
    def n_periods(self) -> int:
        return 1 if self.schedule is None else len(self.schedule.hours)

    @cached_property
    def period_days(self) -> np.ndarray:
        """Length of each period in days, :math:`\\lambda_t` (``[1.0]`` without a schedule)."""
        if self.schedule is None:
            return np.ones(1)
        return np.asarray(self.schedule.hours, dtype=float) / 24.0

    @property
    def period_demand(self) -> np.ndarray:
        """Demand of each zone in each period, ML, shape (periods, zones)."""
        if self.schedule is None:
            return self.demand[None, :]
        return self.schedule.demand

    @property
    def price_factor(self) -> np.ndarray:
        """Pumping cost multiplier of each period."""
        if self.schedule is None:
            return np.ones(1)
        return self.schedule.price_factor

    @cached_property
    def plant_capacity_max(self) -> np.ndarray:
        """Plant capacity with its upgrade taken, ML/day."""
        if self.expansion is None:
            return self.plant_capacity
        return self.plant_capacity + self.expansion.extra_capacity(self.n_plants, "plant")

    @property
    def has_binaries(self) -> bool:
        """Whether the model is a MILP (on/off decisions or expansion choices)."""
        on = self.commitment is not None and bool(self.commitment.committed.any())
        ex = self.expansion
        choices = ex is not None and any(
            len(i)
            for i in (
                ex.candidate_arcs,
                ex.candidate_plants,
                ex.upgradable_arcs,
                ex.upgradable_plants,
            )
        )
        return on or choices

    @classmethod
    def from_scenario(
        cls, scenario: RoutingScenario, *, season: str | None = None
    ) -> RoutingNetwork:
        """The network of a validated scenario, with the source capacities of ``season``
        (default: the scenario's ``season``; none: the base capacities)."""
        ids = [s.id for s in scenario.sources] + [p.id for p in scenario.plants]
        ids += [z.id for z in scenario.zones] + [s.id for s in scenario.storages]
        ids += [j.id for j in scenario.junctions]
        index = {node: i for i, node in enumerate(ids)}
        arcs = scenario.arcs
        tail = np.array([index[a.from_] for a in arcs], dtype=np.int64)
        head = np.array([index[a.to] for a in arcs], dtype=np.int64)
        season = season if season is not None else scenario.season
        energy = convert.arc_energy(scenario, index)
        arc_cost = np.array([a.cost for a in arcs], dtype=float)
        if energy is not None:
            arc_cost = arc_cost + np.nan_to_num(energy, nan=0.0) * (scenario.energy_price or 0.0)
        name = scenario.name + (f" ({season})" if season else "")
        capacity = convert.source_capacity(scenario, season)
        return cls(
            source_ids=tuple(s.id for s in scenario.sources),
            plant_ids=tuple(p.id for p in scenario.plants),
            zone_ids=tuple(z.id for z in scenario.zones),
            source_capacity=capacity,
            plant_capacity=np.array([p.capacity for p in scenario.plants], dtype=float),
            treatment_cost=np.array([p.treatment_cost for p in scenario.plants], dtype=float),
            demand=np.array([z.demand for z in scenario.zones], dtype=float),
            tail=tail,
            head=head,
            arc_cost=arc_cost,
            arc_capacity=np.array(
                [np.inf if a.capacity is None else a.capacity for a in arcs], dtype=float
            ),
            name=name,
            quality=convert.quality(scenario),
            commitment=convert.commitment(scenario),
            expansion=convert.expansion(scenario),
            schedule=convert.schedule(scenario),
            storage=convert.storage(scenario),
            arc_energy=energy,
            season=season,
            storage_ids=tuple(s.id for s in scenario.storages),
            junction_ids=tuple(j.id for j in scenario.junctions),
            source_supply=convert.source_supply(scenario, capacity),
            surplus_cost=convert.surplus_cost(scenario),
            demand_charge=float(scenario.demand_charge or 0.0),
            zone_capacity=convert.zone_capacity(scenario),
            arc_raw=None
            if not any(a.raw for a in arcs)
            else np.array([a.raw for a in arcs], dtype=bool),
        )


def _csr(key: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(key, kind="stable")
    counts = np.bincount(key, minlength=n)
    start = np.concatenate([[0], np.cumsum(counts)])
    return start, order
