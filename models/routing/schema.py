"""The routing scenario: sources, treatment plants, demand zones and the arcs between them.

Units: flows, capacities and demands in ML/day (megalitres per day); costs in $/ML (money per
megalitre moved or treated), so the objective is in $/day. Any currency works if used throughout.

Every field beyond the plain network is optional; a scenario that leaves them out is the plain
LP. With a ``[schedule]`` the day is cut into periods: capacities stay rates (ML/day), flows
become volumes (ML per period), storage levels are volumes (ML), and the objective is the cost of
the whole day ($/day). Fixed costs (running a plant, building or upgrading) are $/day.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from wdnopt.models.errors import FieldError
from wdnopt.models.schema import NonNegative, Positive, SchemaModel, SolverOptions

NodeId = str
Efficiency = Annotated[float, Field(gt=0, le=1)]
"""A pump efficiency, in (0, 1]."""


class Source(SchemaModel):
    """A reservoir, well or catchment that supplies raw water: up to its ``capacity``, or
    exactly its fixed ``supply`` (one of the two)."""

    id: NodeId = Field(min_length=1)
    """Unique name of the source."""
    capacity: NonNegative | None = None
    """Most water it can supply, ML/day (the base season; see ``seasons``)."""
    supply: NonNegative | None = None
    """Water it sends that must all be taken, ML/day (a sewage catchment, a spring that
    cannot be shut); ``seasons`` override it like a capacity."""

    @property
    def limit(self) -> float:
        """Capacity, or the fixed supply, ML/day."""
        return float(self.supply if self.supply is not None else self.capacity or 0.0)


class StorageFields(SchemaModel):
    """A service reservoir or tank at a node (only useful with a ``[schedule]``)."""

    storage: NonNegative | None = None
    """Capacity of the storage at this node, ML (none: no storage)."""
    storage_start: NonNegative = 0.0
    """Level at the start of the day, ML."""
    storage_end: NonNegative | None = None
    """Least level at the end of the day, ML (none: the start level)."""


class Plant(StorageFields):
    """A treatment plant: what flows in is treated and flows out (no losses).

    With ``storage`` the plant has a clear-water tank after treatment: what it treats in a
    period is its inflow; what leaves is the inflow plus what the tank releases.
    """

    id: NodeId = Field(min_length=1)
    """Unique name of the plant."""
    capacity: NonNegative
    """Most water it can treat, ML/day."""
    treatment_cost: NonNegative = 0.0
    """Cost of treating one ML, $/ML."""
    min_throughput: NonNegative = 0.0
    """Least throughput while running, ML/day: the plant is off (0) or runs between this and
    its capacity (an on/off decision per period, which makes the model a MILP)."""
    fixed_cost: NonNegative = 0.0
    """Cost of running the plant, $/day (charged pro rata per period it runs; makes a MILP)."""
    qualities: list[str] | None = None
    """Quality classes the plant can deliver (none: every class)."""
    premium: dict[str, NonNegative] = Field(default_factory=dict)
    """Treatment premium by quality class: extra $/ML for water delivered to a zone needing
    that class."""
    ramp: NonNegative | None = None
    """Largest change of throughput between consecutive periods, ML/day (none: no limit)."""
    build_cost: NonNegative | None = None
    """A candidate plant: annualised cost of building it, $/day (none: the plant exists)."""
    upgrade_capacity: NonNegative | None = None
    """Capacity an optional upgrade adds, ML/day (chosen by the model)."""
    upgrade_cost: NonNegative = 0.0
    """Annualised cost of that upgrade, $/day."""


class Zone(StorageFields):
    """A demand zone (neighbourhood, industrial area, field, ...)."""

    id: NodeId = Field(min_length=1)
    """Unique name of the zone."""
    demand: NonNegative
    """Water the zone must receive, ML/day."""
    surplus_cost: NonNegative | None = None
    """Price of water received beyond the demand, $/ML (none: the zone receives exactly its
    demand; 0 allows a free surplus, e.g. an outfall taking whatever comes)."""
    capacity: NonNegative | None = None
    """Most water a zone with a ``surplus_cost`` accepts, ML/day (an outfall's consented
    flow, a field's intake); none: no limit. At least the zone's demand in every period of its
    profile."""
    quality: str | None = None
    """Quality class the zone needs (none: any plant's water); such a zone is fed by arcs
    from plants only."""
    pressure_head: NonNegative = 0.0
    """Head the water must have on arrival, m; adds to the lift of every arc into the zone
    (only arcs with a ``lift`` are priced by energy)."""
    profile: str | list[NonNegative] | None = None
    """Demand profile over the schedule's periods: the name of a ``schedule.profiles`` entry or
    the list itself (none: ``schedule.default_profile``, else flat)."""


class StorageNode(SchemaModel):
    """A service reservoir or tank as a node of its own (holds water between periods)."""

    id: NodeId = Field(min_length=1)
    """Unique name of the storage."""
    capacity: NonNegative
    """Most water it holds, ML."""
    start: NonNegative = 0.0
    """Level at the start of the day, ML."""
    end: NonNegative | None = None
    """Least level at the end of the day, ML (none: the start level)."""


class Junction(SchemaModel):
    """A transfer or booster node: what comes in goes out."""

    id: NodeId = Field(min_length=1)
    """Unique name of the junction."""


class Arc(SchemaModel):
    """A pipe or channel between two nodes (never into a source)."""

    from_: NodeId = Field(alias="from", min_length=1)
    """Id of the node the water leaves."""
    to: NodeId = Field(min_length=1)
    """Id of the node the water reaches."""
    raw: bool = False
    """May carry untreated water into a zone: raw supply (irrigation from a river) or an
    untreated bypass (a storm overflow), priced by ``cost``. Without it, water from a source
    reaches a zone only through a plant."""
    cost: NonNegative = 0.0
    """Pumping cost of moving one ML along the arc, $/ML."""
    capacity: NonNegative | None = None
    """Most water the arc carries, ML/day (none: unlimited)."""
    lift: NonNegative | None = None
    """Static lift plus friction losses, m. When given, the arc's pumping cost is priced from
    energy: ``cost + 2.7241 · H / η · energy_price`` $/ML with ``H = lift`` plus the zone's
    ``pressure_head`` (for arcs into a zone)."""
    energy: NonNegative | None = None
    """Pumping energy of the arc, kWh/ML, when known without a lift; priced like a lift:
    ``cost + energy · energy_price`` $/ML, and counted in the peak power."""
    efficiency: Efficiency | None = None
    """Wire-to-water pump efficiency of the arc's lift (none: the scenario's
    ``pump_efficiency``); only on an arc with a ``lift`` (an ``energy`` is already the energy
    paid for)."""
    build_cost: NonNegative | None = None
    """A candidate arc: annualised cost of building it, $/day (none: the arc exists)."""
    upgrade_capacity: NonNegative | None = None
    """Capacity an optional upgrade (a pumping station, a parallel main) adds, ML/day."""
    upgrade_cost: NonNegative = 0.0
    """Annualised cost of that upgrade, $/day."""


class Season(SchemaModel):
    """Source capacities of one season."""

    id: str = Field(min_length=1)
    """Name of the season."""
    source_capacity: dict[str, NonNegative]
    """Capacity of each named source in this season, ML/day; the others keep ``capacity``."""


class Schedule(SchemaModel):
    """The day as periods: demand profiles, a time-of-use tariff, storage and ramping.

    Flows are volumes per period (ML); capacities stay rates (ML/day) and allow
    ``rate · hours / 24`` ML in a period. Pumping costs scale with the tariff: an arc's $/ML in
    period t is its cost times ``energy_price[t] / energy_price`` (the scenario's reference
    price); treatment costs do not.
    """

    periods: int = Field(default=24, ge=1, le=10_000)
    """Number of periods in the day."""
    period_hours: Positive | None = None
    """Length of a period, hours (none: 24 / periods)."""
    energy_price: list[NonNegative] | None = None
    """Energy price in each period, $/kWh (none: the reference price all day)."""
    profiles: dict[str, list[NonNegative]] = Field(default_factory=dict)
    """Named demand profiles, one value per period."""
    profile_kind: Literal["multiplier", "absolute"] = "multiplier"
    """``multiplier``: a period's demand is ``demand · value · hours / 24`` ML;
    ``absolute``: the value is the zone's demand in that period, ML."""
    default_profile: str | None = None
    """Profile of the zones that name none (none: flat, ``demand · hours / 24`` per period)."""

    @property
    def hours(self) -> float:
        return self.period_hours if self.period_hours is not None else 24.0 / self.periods

    @model_validator(mode="after")
    def _check_lengths(self) -> Schedule:
        if self.energy_price is not None and len(self.energy_price) != self.periods:
            raise FieldError(
                "schedule.energy_price",
                f"one price per period ({self.periods} values)",
                f"{len(self.energy_price)} values",
            )
        for name, values in self.profiles.items():
            if len(values) != self.periods:
                raise FieldError(
                    f"schedule.profiles.{name}",
                    f"one value per period ({self.periods} values)",
                    f"{len(values)} values",
                )
        if self.default_profile is not None and self.default_profile not in self.profiles:
            raise FieldError(
                "schedule.default_profile",
                f"the name of a profile in schedule.profiles ({', '.join(self.profiles)})",
                repr(self.default_profile),
            )
        return self


NODE_TABLES = ("sources", "plants", "zones", "storages", "junctions")


class RoutingScenario(SchemaModel):
    """Route water from sources through treatment plants to zones at least cost.

    Tables (``sources``, ``plants``, ``zones``, ``arcs``) are TOML arrays of tables or paths of
    CSV files (relative to the scenario file) with the same columns.
    """

    kind: Literal["routing"] = "routing"
    """Scenario kind; ``routing`` for this schema."""
    name: str = ""
    """Short name shown in reports."""
    description: str = ""
    """What the scenario represents."""
    sources: list[Source] = Field(min_length=1)
    """The sources (ML/day)."""
    plants: list[Plant] = Field(min_length=1)
    """The treatment plants (ML/day, $/ML)."""
    zones: list[Zone] = Field(min_length=1)
    """The demand zones (ML/day)."""
    storages: list[StorageNode] = Field(default_factory=list)
    """Service reservoirs and tanks as nodes (ML)."""
    junctions: list[Junction] = Field(default_factory=list)
    """Transfer and booster nodes."""
    arcs: list[Arc] = Field(min_length=1)
    """The arcs between nodes ($/ML, ML/day)."""
    energy_price: NonNegative | None = None
    """Reference energy price, $/kWh: the price at which arc ``cost`` values are quoted and at
    which ``lift`` arcs are priced (needed with ``lift`` or a tariff; above 0 with a tariff,
    which scales pumping costs by ``schedule.energy_price[t] / energy_price``)."""
    demand_charge: NonNegative | None = None
    """Price of the day's peak pumping power, $/kW per day (a demand charge beside the
    time-of-use tariff). Power counts arcs with a ``lift`` or an ``energy``:
    ``P_t = Σ e_a x_a,t / h_t`` kW."""
    pump_efficiency: Efficiency = 0.75
    """Pump efficiency of ``lift`` arcs that give none."""
    seasons: list[Season] = Field(default_factory=list)
    """Seasonal source capacities; one solve per season (see ``season``)."""
    season: str | None = None
    """The season to solve (none: the base capacities; ``wdnopt solve`` then solves every
    season in turn when there are seasons)."""
    schedule: Schedule | None = None
    """Periods of the day (none: one period of 24 h, the daily LP)."""
    solver: SolverOptions = SolverOptions()
    """HiGHS settings."""

    @model_validator(mode="after")
    def _check_network(self) -> RoutingScenario:
        """Ids are unique; every arc joins known nodes, none enters a source; raw water
        reaches a zone only through a plant or on a ``raw`` arc."""
        role: dict[str, str] = {}
        for table in NODE_TABLES:
            for i, node in enumerate(getattr(self, table)):
                if node.id in role:
                    raise FieldError(
                        f"{table}[{i}].id", "an id not used by another node", repr(node.id)
                    )
                role[node.id] = table[:-1]
        for i, src in enumerate(self.sources):
            if (src.capacity is None) == (src.supply is None):
                raise FieldError(
                    f"sources[{i}]",
                    "either capacity (ML/day it can give) or supply (ML/day that must be "
                    "taken), not both",
                    "both" if src.capacity is not None else "neither",
                )
        seen: set[tuple[str, str]] = set()
        for i, arc in enumerate(self.arcs):
            for end, node in (("from", arc.from_), ("to", arc.to)):
                if node not in role:
                    raise FieldError(
                        f"arcs[{i}].{end}",
                        "the id of a source, plant, zone, storage or junction",
                        repr(node),
                    )
            if role[arc.to] == "source":
                raise FieldError(
                    f"arcs[{i}].to", "a node that is not a source (sources only send)", arc.to
                )
            if arc.from_ == arc.to:
                raise FieldError(f"arcs[{i}]", "an arc between two different nodes", arc.to)
            if (arc.from_, arc.to) in seen:
                raise FieldError(
                    f"arcs[{i}]", "one arc per pair of nodes", f"{arc.from_} → {arc.to} again"
                )
            seen.add((arc.from_, arc.to))
        self._check_raw(role)
        self._check_options()
        return self

    def _check_raw(self, role: dict[str, str]) -> None:
        """Untreated water (from a source, through any node but a plant) enters a zone only on
        an arc with ``raw = true``."""
        out: dict[str, list[int]] = {}
        for i, arc in enumerate(self.arcs):
            out.setdefault(arc.from_, []).append(i)
        origin = {s.id: s.id for s in self.sources}
        todo = [s.id for s in self.sources]
        while todo:
            u = todo.pop()
            for i in out.get(u, []):
                arc = self.arcs[i]
                v = arc.to
                if role[v] == "zone" and not arc.raw:
                    via = "" if origin[u] == u else f" (from source {origin[u]!r})"
                    raise FieldError(
                        f"arcs[{i}]",
                        "water from a source reaches a zone only through a plant, or on an "
                        "arc with raw = true (priced untreated supply or bypass)",
                        f"{u} → {v} would carry untreated water{via}",
                    )
                if role[v] != "plant" and v not in origin:
                    origin[v] = origin[u]
                    todo.append(v)
        for i, arc in enumerate(self.arcs):
            if arc.raw and arc.from_ not in origin:
                raise FieldError(
                    f"arcs[{i}].raw",
                    "raw = true only on an arc that can carry untreated water (from a source, "
                    "or from a node a source reaches without a plant)",
                    f"{arc.from_} → {arc.to} carries treated water only",
                )

    def _check_options(self) -> None:
        """The optional features refer to known names and fit within their limits."""
        for i, p in enumerate(self.plants):
            if p.min_throughput > p.capacity + (p.upgrade_capacity or 0.0):
                raise FieldError(
                    f"plants[{i}].min_throughput",
                    f"at most the plant's capacity ({p.capacity:g} ML/day)",
                    f"{p.min_throughput:g}",
                )
        for table in ("plants", "zones"):
            for i, node in enumerate(getattr(self, table)):
                _check_storage(f"{table}[{i}]", node)
        listed = {q for p in self.plants for q in (p.qualities or [])}
        every = any(p.qualities is None for p in self.plants)
        offered = None if every else listed
        needed = {z.quality for z in self.zones if z.quality is not None}
        for i, z in enumerate(self.zones):
            if z.quality is not None and offered is not None and z.quality not in offered:
                raise FieldError(
                    f"zones[{i}].quality",
                    "a quality class some plant offers"
                    + (f" ({', '.join(sorted(offered))})" if offered else ""),
                    repr(z.quality),
                )
        # a class is known when a zone needs it or a plant lists it (a plant listing none
        # offers every class, which names none)
        known = needed | listed
        for i, p in enumerate(self.plants):
            for q in p.premium:
                if q not in known:
                    raise FieldError(
                        f"plants[{i}].premium.{q}",
                        "a quality class a zone needs or a plant offers"
                        + (f" ({', '.join(sorted(known))})" if known else ""),
                        repr(q),
                    )
        plants = {p.id for p in self.plants}
        graded = {z.id for z in self.zones if z.quality is not None}
        for i, a in enumerate(self.arcs):
            if a.to in graded and a.from_ not in plants:
                raise FieldError(
                    f"arcs[{i}]",
                    f"an arc from a plant: zone {a.to!r} needs a quality class, which is "
                    "traced on plant → zone arcs only",
                    f"{a.from_} → {a.to}",
                )
        for i, z in enumerate(self.zones):
            if z.capacity is not None and z.surplus_cost is None:
                raise FieldError(
                    f"zones[{i}].capacity",
                    f"zones[{i}].surplus_cost as well (a zone without it receives exactly its "
                    "demand, so a capacity has no meaning)",
                )
            if z.capacity is not None and z.capacity < z.demand:
                raise FieldError(
                    f"zones[{i}].capacity",
                    f"at least the zone's demand ({z.demand:g} ML/day)",
                    f"{z.capacity:g}",
                )
        for i, st in enumerate(self.storages):
            for name, value in (("start", st.start), ("end", st.end)):
                if value is not None and value > st.capacity:
                    raise FieldError(
                        f"storages[{i}].{name}",
                        f"at most the storage capacity ({st.capacity:g} ML)",
                        f"{value:g}",
                    )
        for i, a in enumerate(self.arcs):
            if a.energy is not None and a.lift is not None:
                raise FieldError(
                    f"arcs[{i}].energy", "either energy (kWh/ML) or lift (m), not both", "both"
                )
            if a.efficiency is not None and a.lift is None:
                raise FieldError(
                    f"arcs[{i}].efficiency",
                    "an efficiency only on an arc with a lift (an arc's energy in kWh/ML is "
                    "the energy paid for, the pump's efficiency already in it)"
                    if a.energy is not None
                    else "an efficiency only on an arc with a lift (it prices the lift's energy)",
                    f"{a.efficiency:g} on {a.from_} → {a.to}, which has "
                    + ("an energy" if a.energy is not None else "no lift"),
                )
            if a.upgrade_capacity is not None and a.capacity is None:
                raise FieldError(
                    f"arcs[{i}].upgrade_capacity",
                    "an arc with a finite capacity to upgrade (set arcs.capacity)",
                    f"{a.from_} → {a.to} has no capacity",
                )
        if self.demand_charge and all(a.lift is None and a.energy is None for a in self.arcs):
            raise FieldError(
                "demand_charge",
                "arcs whose pumping power is known (a lift or an energy in kWh/ML)",
                "no arc has either",
            )
        if self.energy_price is None:
            lifted = next(
                (i for i, a in enumerate(self.arcs) if a.lift is not None or a.energy is not None),
                None,
            )
            if lifted is not None:
                raise FieldError(
                    "energy_price",
                    f"a reference energy price in $/kWh (arcs[{lifted}] is priced from its "
                    "lift or energy)",
                )
            if self.schedule is not None and self.schedule.energy_price is not None:
                raise FieldError(
                    "energy_price",
                    "a reference energy price in $/kWh, the price the arc costs are quoted at "
                    "(schedule.energy_price scales them)",
                )
        elif self.energy_price == 0 and self.schedule and self.schedule.energy_price is not None:
            # period t scales every pumping cost by energy_price[t] / energy_price
            raise FieldError(
                "energy_price",
                "a reference energy price > 0 $/kWh with schedule.energy_price: arc costs and "
                "lift energies are quoted at it and period t scales them by "
                "energy_price[t] / energy_price (with no arc cost, any price > 0 gives the same "
                "answer)",
                "0",
            )
        source_ids = {s.id for s in self.sources}
        season_ids: set[str] = set()
        for i, season in enumerate(self.seasons):
            if season.id in season_ids:
                raise FieldError(f"seasons[{i}].id", "a season name not used before", season.id)
            season_ids.add(season.id)
            for sid in season.source_capacity:
                if sid not in source_ids:
                    raise FieldError(
                        f"seasons[{i}].source_capacity.{sid}", "the id of a source", repr(sid)
                    )
        if self.season is not None and self.season not in season_ids:
            raise FieldError(
                "season",
                "the name of a season in seasons"
                + (f" ({', '.join(sorted(season_ids))})" if season_ids else " (none defined)"),
                repr(self.season),
            )
        self._check_profiles()

    def _check_profiles(self) -> None:
        schedule = self.schedule
        for i, z in enumerate(self.zones):
            if z.profile is None:
                continue
            if schedule is None:
                raise FieldError(
                    f"zones[{i}].profile", "a [schedule] section (profiles need periods)"
                )
            if isinstance(z.profile, str):
                if z.profile not in schedule.profiles:
                    raise FieldError(
                        f"zones[{i}].profile",
                        "the name of a profile in schedule.profiles"
                        + (f" ({', '.join(schedule.profiles)})" if schedule.profiles else ""),
                        repr(z.profile),
                    )
            elif len(z.profile) != schedule.periods:
                raise FieldError(
                    f"zones[{i}].profile",
                    f"one value per period ({schedule.periods} values)",
                    f"{len(z.profile)} values",
                )
        if schedule is not None:
            for i, z in enumerate(self.zones):
                _check_zone_capacity(i, z, schedule)


def _check_zone_capacity(i: int, zone: Zone, schedule: Schedule) -> None:
    """A zone's capacity :math:`U_z` (ML/day) holds its demand in every period:
    :math:`D_{z,t} \\le \\lambda_t U_z` with :math:`\\lambda_t = h_t / 24` and
    :math:`D_{z,t}` the demand of period :math:`t` (ML) its profile gives."""
    if zone.capacity is None:
        return
    profile = zone.profile if zone.profile is not None else schedule.default_profile
    name = profile if isinstance(profile, str) else None
    if isinstance(profile, str):
        profile = schedule.profiles[profile]
    if profile is None:
        return
    days = schedule.hours / 24.0
    for t, value in enumerate(profile):
        if schedule.profile_kind == "multiplier":
            rate, asked = zone.demand * value, f"{zone.demand:g} × {value:g}"
        else:
            rate, asked = value / days, f"{value:g} ML in {schedule.hours:g} h"
        if rate > zone.capacity * (1 + 1e-12):
            source = f"profile {name!r}" if name else "its profile"
            raise FieldError(
                f"zones[{i}].capacity",
                f"at least the zone's demand in every period: period {t + 1} of {source} asks "
                f"{asked} = {rate:g} ML/day ({rate * days:g} ML in the period)",
                f"{zone.capacity:g} ML/day for zone {zone.id!r}",
            )


def _check_storage(where: str, node: StorageFields) -> None:
    if node.storage is None:
        for name in ("storage_end",):
            if getattr(node, name) is not None:
                raise FieldError(f"{where}.{name}", f"{where}.storage (a storage capacity)")
        if node.storage_start > 0:
            raise FieldError(f"{where}.storage_start", f"{where}.storage (a storage capacity)")
        return
    if node.storage_start > node.storage:
        raise FieldError(
            f"{where}.storage_start",
            f"at most the storage capacity ({node.storage:g} ML)",
            f"{node.storage_start:g}",
        )
    if node.storage_end is not None and node.storage_end > node.storage:
        raise FieldError(
            f"{where}.storage_end",
            f"at most the storage capacity ({node.storage:g} ML)",
            f"{node.storage_end:g}",
        )
