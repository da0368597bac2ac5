"""From a validated scenario to the arrays of the optional features of a routing network.

Each function returns ``None`` when the scenario does not use its feature, so a plain scenario
gives a plain network.
"""

from __future__ import annotations

import numpy as np

from wdnopt.models.routing.commitment import Commitment
from wdnopt.models.routing.energy import kwh_per_ml
from wdnopt.models.routing.expansion import Expansion
from wdnopt.models.routing.quality import Quality
from wdnopt.models.routing.schedule import Schedule, Storage
from wdnopt.models.routing.schema import RoutingScenario

NAN = float("nan")


def source_capacity(scenario: RoutingScenario, season: str | None) -> np.ndarray:
    """Source capacities (or fixed supplies) of ``season`` (its overrides on top of
    ``capacity`` or ``supply``), ML/day."""
    cap = {s.id: s.limit for s in scenario.sources}
    if season is not None:
        chosen = next(x for x in scenario.seasons if x.id == season)
        cap.update(chosen.source_capacity)
    return np.array([cap[s.id] for s in scenario.sources], dtype=float)


def arc_energy(scenario: RoutingScenario, index: dict[str, int]) -> np.ndarray | None:
    """kWh/ML of every arc with an ``energy`` or a ``lift`` (head = lift + the zone's pressure
    head); nan for the others. None when no arc has either."""
    if all(a.lift is None and a.energy is None for a in scenario.arcs):
        return None
    head_at = {z.id: z.pressure_head for z in scenario.zones}
    out = np.full(len(scenario.arcs), np.nan)
    for i, a in enumerate(scenario.arcs):
        if a.energy is not None:
            out[i] = a.energy
            continue
        if a.lift is None:
            continue
        head = a.lift + head_at.get(a.to, 0.0)
        eff = a.efficiency if a.efficiency is not None else scenario.pump_efficiency
        out[i] = float(kwh_per_ml(head, eff))
    return out


def quality(scenario: RoutingScenario) -> Quality | None:
    needed = [z.quality for z in scenario.zones if z.quality is not None]
    premium = any(p.premium for p in scenario.plants)
    if not needed and not premium:
        return None
    classes: list[str] = []
    for q in needed + [q for p in scenario.plants for q in (p.qualities or [])]:
        if q not in classes:
            classes.append(q)
    for p in scenario.plants:
        classes += [q for q in p.premium if q not in classes]
    col = {q: i for i, q in enumerate(classes)}
    offers = np.ones((len(scenario.plants), len(classes)), dtype=bool)
    prem = np.zeros((len(scenario.plants), len(classes)))
    for i, p in enumerate(scenario.plants):
        if p.qualities is not None:
            offers[i] = False
            offers[i, [col[q] for q in p.qualities]] = True
        for q, extra in p.premium.items():
            prem[i, col[q]] = extra
    zone_class = np.array(
        [-1 if z.quality is None else col[z.quality] for z in scenario.zones], dtype=np.int64
    )
    return Quality(tuple(classes), zone_class, offers, prem)


def commitment(scenario: RoutingScenario) -> Commitment | None:
    mins = np.array([p.min_throughput for p in scenario.plants], dtype=float)
    fixed = np.array([p.fixed_cost for p in scenario.plants], dtype=float)
    if not (mins.any() or fixed.any()):
        return None
    return Commitment(mins, fixed)


def _opt(values: list[float | None]) -> np.ndarray:
    return np.array([NAN if v is None else v for v in values], dtype=float)


def expansion(scenario: RoutingScenario) -> Expansion | None:
    arcs, plants = scenario.arcs, scenario.plants
    if not any(
        x.build_cost is not None or x.upgrade_capacity is not None for x in [*arcs, *plants]
    ):
        return None
    return Expansion(
        arc_build_cost=_opt([a.build_cost for a in arcs]),
        arc_upgrade_capacity=_opt([a.upgrade_capacity for a in arcs]),
        arc_upgrade_cost=np.array([a.upgrade_cost for a in arcs], dtype=float),
        plant_build_cost=_opt([p.build_cost for p in plants]),
        plant_upgrade_capacity=_opt([p.upgrade_capacity for p in plants]),
        plant_upgrade_cost=np.array([p.upgrade_cost for p in plants], dtype=float),
    )


def schedule(scenario: RoutingScenario) -> Schedule | None:
    spec = scenario.schedule
    if spec is None:
        return None
    n_t = spec.periods
    hours = np.full(n_t, spec.hours)
    days = hours / 24.0
    demand = np.empty((n_t, len(scenario.zones)))
    for z, zone in enumerate(scenario.zones):
        profile = zone.profile if zone.profile is not None else spec.default_profile
        if isinstance(profile, str):
            profile = spec.profiles[profile]
        if profile is None:
            demand[:, z] = zone.demand * days
        elif spec.profile_kind == "multiplier":
            demand[:, z] = zone.demand * np.asarray(profile, dtype=float) * days
        else:
            demand[:, z] = np.asarray(profile, dtype=float)
    if spec.energy_price is None:
        factor = np.ones(n_t)
    else:
        ref = scenario.energy_price or 0.0
        price = np.asarray(spec.energy_price, dtype=float)
        factor = price / ref if ref > 0 else np.ones(n_t)
    ramp = np.array([np.inf if p.ramp is None else p.ramp for p in scenario.plants])
    return Schedule(hours=hours, demand=demand, price_factor=factor, ramp=ramp)


def source_supply(scenario: RoutingScenario, capacity: np.ndarray) -> np.ndarray | None:
    """Fixed supply of each source (its seasonal value in ``capacity``), nan where none."""
    fixed = np.array([s.supply is not None for s in scenario.sources])
    if not fixed.any():
        return None
    return np.where(fixed, capacity, np.nan)


def surplus_cost(scenario: RoutingScenario) -> np.ndarray | None:
    """Price of each zone's surplus, nan where the zone is exact; None when all are."""
    if all(z.surplus_cost is None for z in scenario.zones):
        return None
    return _opt([z.surplus_cost for z in scenario.zones])


def zone_capacity(scenario: RoutingScenario) -> np.ndarray | None:
    """Most water each zone accepts, ML/day (inf: no limit); None when no zone has a limit."""
    if all(z.capacity is None for z in scenario.zones):
        return None
    return np.array([np.inf if z.capacity is None else z.capacity for z in scenario.zones])


def storage(scenario: RoutingScenario) -> Storage | None:
    """Storage of every node in network order (sources, plants, zones, storages, junctions)."""
    tanks = [*scenario.plants, *scenario.zones]
    if all(n.storage is None for n in tanks) and not scenario.storages:
        return None
    n_s, n_j = len(scenario.sources), len(scenario.junctions)
    nothing = [None] * n_s
    cap = _opt(nothing + [n.storage for n in tanks] + [s.capacity for s in scenario.storages])
    start = [0.0] * n_s + [n.storage_start for n in tanks] + [s.start for s in scenario.storages]
    end = [0.0] * n_s + [n.storage_start if n.storage_end is None else n.storage_end for n in tanks]
    end += [s.start if s.end is None else s.end for s in scenario.storages]
    pad = np.full(n_j, np.nan)
    return Storage(
        capacity=np.concatenate([cap, pad]),
        start=np.concatenate([np.asarray(start, dtype=float), np.zeros(n_j)]),
        end=np.concatenate([np.asarray(end, dtype=float), np.zeros(n_j)]),
    )
