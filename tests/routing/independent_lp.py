"""An independent formulation of a routing scenario, read from its data as written.

It shares nothing with ``wdnopt.models.routing`` but the validated scenario object: node
order, energies, tariffs, demands per period, quality rules and storage balances are derived
here again from the field documentation of the schema, and the LP is handed to
``scipy.optimize.linprog`` as matrices. Plants with a minimum throughput or a fixed running
cost are solved by enumerating their on/off patterns (one LP each), so no MILP solver is
involved.

Notation: periods :math:`t` of :math:`h_t` hours, :math:`\\lambda_t = h_t / 24`; flows
:math:`x_{a,t}` (ML); levels :math:`L_{v,t}` at the end of period :math:`t`; surplus
:math:`e_{z,t}`; the peak power :math:`\\hat P` (kW).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

from wdnopt.models.routing.schema import RoutingScenario

KWH_PER_ML_PER_M = 1000.0 * 1000.0 * 9.80665 / 3.6e6
"""Energy to lift one ML by one metre at 100 % efficiency, kWh (ρ g V / 3.6e6)."""


@dataclass
class _Rows:
    """Sparse rows of ``A x (<= or ==) b`` built one by one."""

    n: int
    ub: list[tuple[dict[int, float], float]] = field(default_factory=list)
    eq: list[tuple[dict[int, float], float]] = field(default_factory=list)

    def matrix(self, rows: list[tuple[dict[int, float], float]]) -> tuple[np.ndarray, np.ndarray]:
        a = np.zeros((len(rows), self.n))
        b = np.zeros(len(rows))
        for i, (coefs, rhs) in enumerate(rows):
            for j, c in coefs.items():
                a[i, j] += c
            b[i] = rhs
        return a, b


def _demand(sc: RoutingScenario, n_t: int, lam: np.ndarray) -> np.ndarray:
    """Demand of each zone in each period, ML, shape (periods, zones)."""
    out = np.zeros((n_t, len(sc.zones)))
    spec = sc.schedule
    for z, zone in enumerate(sc.zones):
        profile = zone.profile
        if profile is None and spec is not None:
            profile = spec.default_profile
        if isinstance(profile, str):
            assert spec is not None
            profile = spec.profiles[profile]
        if profile is None:
            out[:, z] = zone.demand * lam
        elif spec is not None and spec.profile_kind == "absolute":
            out[:, z] = profile
        else:
            out[:, z] = zone.demand * np.asarray(profile, dtype=float) * lam
    return out


def independent_cost(sc: RoutingScenario) -> float | None:
    """Least cost of the day, $/day, or None when no plan meets every constraint."""
    committed = [
        p for p, plant in enumerate(sc.plants) if plant.min_throughput > 0 or plant.fixed_cost > 0
    ]
    options = [("arc_build", a) for a, x in enumerate(sc.arcs) if x.build_cost is not None]
    options += [("arc_upgrade", a) for a, x in enumerate(sc.arcs) if x.upgrade_capacity is not None]
    options += [("plant_build", p) for p, x in enumerate(sc.plants) if x.build_cost is not None]
    options += [
        ("plant_upgrade", p) for p, x in enumerate(sc.plants) if x.upgrade_capacity is not None
    ]
    n_t = sc.schedule.periods if sc.schedule is not None else 1
    best: float | None = None
    for chosen in itertools.product((0, 1), repeat=len(options)):
        taken = {o for o, b in zip(options, chosen, strict=True) if b}
        for bits in itertools.product((0, 1), repeat=len(committed) * n_t):
            on = np.ones((n_t, len(sc.plants)))
            for k, b in enumerate(bits):
                t, i = divmod(k, len(committed))
                on[t, committed[i]] = b
            cost = _solve_with(sc, on, taken)
            if cost is not None and (best is None or cost < best):
                best = cost
    return best


def _solve_with(sc: RoutingScenario, on: np.ndarray, taken: set[tuple[str, int]]) -> float | None:
    """The LP with each plant's on/off pattern ``on`` (periods, plants) and the expansion
    options ``taken`` fixed."""
    ids = [n.id for t in ("sources", "plants", "zones", "storages", "junctions")
           for n in getattr(sc, t)]  # fmt: skip
    kind = {}
    for table in ("sources", "plants", "zones", "storages", "junctions"):
        for n in getattr(sc, table):
            kind[n.id] = table[:-1]
    plant = {p.id: p for p in sc.plants}
    zone = {z.id: z for z in sc.zones}
    spec = sc.schedule
    n_t = spec.periods if spec is not None else 1
    hours = np.full(n_t, (spec.period_hours or 24.0 / n_t) if spec is not None else 24.0)
    lam = hours / 24.0
    demand = _demand(sc, n_t, lam)
    n_a = len(sc.arcs)

    # storage at nodes: capacity, start, least end
    tanks: dict[str, tuple[float, float, float]] = {}
    for n in [*sc.plants, *sc.zones]:
        if n.storage is not None:
            end = n.storage_start if n.storage_end is None else n.storage_end
            tanks[n.id] = (n.storage, n.storage_start, end)
    for s in sc.storages:
        tanks[s.id] = (s.capacity, s.start, s.start if s.end is None else s.end)
    tank_ids = list(tanks)
    surplus_zones = [z.id for z in sc.zones if z.surplus_cost is not None]

    # variable layout: flows, levels, surplus, peak
    def x(a: int, t: int) -> int:
        return t * n_a + a

    lv0 = n_t * n_a

    def lev(v: str, t: int) -> int:
        return lv0 + t * len(tank_ids) + tank_ids.index(v)

    e0 = lv0 + n_t * len(tank_ids)

    def sur(z: str, t: int) -> int:
        return e0 + t * len(surplus_zones) + surplus_zones.index(z)

    peak = e0 + n_t * len(surplus_zones)
    n = peak + 1
    c = np.zeros(n)
    bounds: list[tuple[float, float | None]] = [(0.0, None)] * n
    rows = _Rows(n)

    # energy of each arc, kWh/ML
    energy = np.full(n_a, np.nan)
    for a, arc in enumerate(sc.arcs):
        if arc.energy is not None:
            energy[a] = arc.energy
        elif arc.lift is not None:
            head = arc.lift + (zone[arc.to].pressure_head if arc.to in zone else 0.0)
            eff = arc.efficiency if arc.efficiency is not None else sc.pump_efficiency
            energy[a] = KWH_PER_ML_PER_M * head / eff
    ref = sc.energy_price
    tariff = (
        np.asarray(spec.energy_price, dtype=float)
        if spec is not None and spec.energy_price is not None
        else np.full(n_t, ref if ref is not None else 0.0)
    )
    # $/ML of an arc in period t: its quoted cost scaled by the tariff, plus its energy at the
    # period's price
    for a, arc in enumerate(sc.arcs):
        for t in range(n_t):
            factor = 1.0 if ref is None or spec is None or spec.energy_price is None else None
            if factor is None:
                factor = tariff[t] / ref if ref else 1.0
            unit = arc.cost * factor
            if not np.isnan(energy[a]):
                unit += energy[a] * tariff[t]
            if kind[arc.to] == "plant":
                unit += plant[arc.to].treatment_cost
            if kind[arc.from_] == "plant" and arc.to in zone and zone[arc.to].quality:
                unit += plant[arc.from_].premium.get(zone[arc.to].quality, 0.0)
            c[x(a, t)] = unit

    # flow bounds: capacity, quality
    arc_cap = [arc.capacity for arc in sc.arcs]
    for a, arc in enumerate(sc.arcs):
        if ("arc_upgrade", a) in taken:
            arc_cap[a] = (arc.capacity or 0.0) + (arc.upgrade_capacity or 0.0)
    plant_cap = [pl.capacity for pl in sc.plants]
    for p, pl in enumerate(sc.plants):
        if ("plant_upgrade", p) in taken:
            plant_cap[p] += pl.upgrade_capacity or 0.0
        if pl.build_cost is not None and ("plant_build", p) not in taken:
            plant_cap[p] = 0.0
    expansion = sum(
        (sc.arcs[i].build_cost if k == "arc_build" else 0.0)
        + (sc.arcs[i].upgrade_cost if k == "arc_upgrade" else 0.0)
        + (sc.plants[i].build_cost if k == "plant_build" else 0.0)
        + (sc.plants[i].upgrade_cost if k == "plant_upgrade" else 0.0)
        for k, i in taken
    )
    for a, arc in enumerate(sc.arcs):
        closed = arc.build_cost is not None and ("arc_build", a) not in taken
        if arc.to in zone and zone[arc.to].quality is not None:
            q = zone[arc.to].quality
            closed = (
                closed
                or kind[arc.from_] != "plant"
                or (plant[arc.from_].qualities is not None and q not in plant[arc.from_].qualities)
            )
        for t in range(n_t):
            hi = None if arc_cap[a] is None else arc_cap[a] * lam[t]
            bounds[x(a, t)] = (0.0, 0.0 if closed else hi)

    for v, (cap, _start, end) in tanks.items():
        for t in range(n_t):
            bounds[lev(v, t)] = (end if t == n_t - 1 else 0.0, cap)
            if end > cap:
                return None

    for zid in surplus_zones:
        zi = [z.id for z in sc.zones].index(zid)
        for t in range(n_t):
            cap = zone[zid].capacity
            room = None if cap is None else cap * lam[t] - demand[t, zi]
            if room is not None and room < 0:
                return None
            bounds[sur(zid, t)] = (0.0, room)
            c[sur(zid, t)] = zone[zid].surplus_cost

    # node balances: in − out + (L_{t−1} − L_t) = required
    def net_flow(v: str, t: int) -> tuple[dict[int, float], float]:
        coefs: dict[int, float] = {}
        for a, arc in enumerate(sc.arcs):
            if arc.to == v:
                coefs[x(a, t)] = coefs.get(x(a, t), 0.0) + 1.0
            if arc.from_ == v:
                coefs[x(a, t)] = coefs.get(x(a, t), 0.0) - 1.0
        const = 0.0
        if v in tanks:
            coefs[lev(v, t)] = coefs.get(lev(v, t), 0.0) - 1.0
            if t == 0:
                const = tanks[v][1]
            else:
                coefs[lev(v, t - 1)] = coefs.get(lev(v, t - 1), 0.0) + 1.0
        return coefs, const

    capacity = {s.id: s.limit for s in sc.sources}
    if sc.season is not None:
        capacity.update(next(s for s in sc.seasons if s.id == sc.season).source_capacity)
    for t in range(n_t):
        for s in sc.sources:
            out = {x(a, t): 1.0 for a, arc in enumerate(sc.arcs) if arc.from_ == s.id}
            if s.supply is not None:
                rows.eq.append((out, capacity[s.id] * lam[t]))
            else:
                rows.ub.append((out, capacity[s.id] * lam[t]))
        for p, pl in enumerate(sc.plants):
            inflow = {x(a, t): 1.0 for a, arc in enumerate(sc.arcs) if arc.to == pl.id}
            rows.ub.append((inflow, plant_cap[p] * lam[t] * on[t, p]))
            if pl.min_throughput > 0 and on[t, p]:
                rows.ub.append(({k: -v for k, v in inflow.items()}, -pl.min_throughput * lam[t]))
            coefs, const = net_flow(pl.id, t)
            rows.eq.append((coefs, -const))
            if pl.ramp is not None and t > 0:
                prev = {x(a, t - 1): 1.0 for a, arc in enumerate(sc.arcs) if arc.to == pl.id}
                step = {k: v / lam[t] for k, v in inflow.items()}
                for k, v in prev.items():
                    step[k] = step.get(k, 0.0) - v / lam[t - 1]
                rows.ub.append((step, pl.ramp))
                rows.ub.append(({k: -v for k, v in step.items()}, pl.ramp))
        for zi, z in enumerate(sc.zones):
            coefs, const = net_flow(z.id, t)
            if z.id in surplus_zones:
                coefs[sur(z.id, t)] = -1.0
            rows.eq.append((coefs, demand[t, zi] - const))
        for v in [s.id for s in sc.storages] + [j.id for j in sc.junctions]:
            coefs, const = net_flow(v, t)
            rows.eq.append((coefs, -const))
        if sc.demand_charge:
            power = {x(a, t): energy[a] / hours[t] for a in range(n_a) if not np.isnan(energy[a])}
            power[peak] = -1.0
            rows.ub.append((power, 0.0))
    c[peak] = sc.demand_charge or 0.0
    fixed = sum(
        lam[t] * pl.fixed_cost * on[t, p] for t in range(n_t) for p, pl in enumerate(sc.plants)
    )
    a_ub, b_ub = rows.matrix(rows.ub)
    a_eq, b_eq = rows.matrix(rows.eq)
    res = linprog(
        c,
        A_ub=a_ub if len(b_ub) else None,
        b_ub=b_ub if len(b_ub) else None,
        A_eq=a_eq if len(b_eq) else None,
        b_eq=b_eq if len(b_eq) else None,
        bounds=bounds,
        method="highs",
    )
    if res.status == 2:
        return None
    assert res.status == 0, (res.status, res.message, ids)
    return float(res.fun) + float(fixed) + float(expansion)
