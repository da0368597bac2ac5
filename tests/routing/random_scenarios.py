"""Random general-topology routing scenarios, as the data a user would write.

Every node kind (sources with a capacity or a fixed supply, plants with a clear-water tank,
zones with storage, a surplus price or a quality class, service reservoirs, junctions) and
every option of the schema that keeps the problem small enough to enumerate (quality classes
and premiums, lifts and energies, a tariff and a demand charge, profiles, ramping, seasons,
minimum throughput and fixed running costs) appear with some probability. Arcs join random
pairs of nodes; ``raw`` is set where the schema needs it and arcs it refuses are left out.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from wdnopt.models.routing.schema import RoutingScenario


def _untreated_reach(arcs: list[dict[str, Any]], sources: list[str], plants: set[str]) -> set:
    """Nodes a source reaches without passing a plant (the sources included)."""
    seen = set(sources)
    todo = list(sources)
    while todo:
        u = todo.pop()
        for arc in arcs:
            if arc["from"] == u and arc["to"] not in plants and arc["to"] not in seen:
                seen.add(arc["to"])
                todo.append(arc["to"])
    return seen


def random_scenario(seed: int) -> RoutingScenario:
    """A valid routing scenario drawn from ``seed`` (most are feasible, a few are not)."""
    rng = np.random.default_rng(seed)

    def chance(p: float) -> bool:
        return bool(rng.random() < p)

    def num(lo: float, hi: float) -> float:
        return float(rng.integers(lo, hi + 1))

    n_s, n_p, n_z = (int(rng.integers(1, k + 1)) for k in (2, 3, 3))
    n_r, n_j = int(rng.integers(0, 3)), int(rng.integers(0, 3))
    n_t = int(rng.choice([1, 2, 3, 4])) if chance(0.8) else 0
    peaky = [float(rng.choice([0.5, 1.0, 2.0])) for _ in range(n_t)]
    periods = max(n_t, 1)
    sources = []
    for i in range(n_s):
        if chance(0.15):
            sources.append({"id": f"S{i}", "supply": num(0, 8)})
        else:
            sources.append({"id": f"S{i}", "capacity": num(20, 80)})
    classes = ["hospital", "industry"]
    plants = []
    bits = [5]  # binaries to enumerate: committed plants × periods, expansion options
    for i in range(n_p):
        p: dict[str, Any] = {"id": f"P{i}", "capacity": num(20, 60)}
        p["treatment_cost"] = num(0, 9)
        if chance(0.3):
            p["qualities"] = [q for q in classes if chance(0.6)]
        if chance(0.3):
            p["premium"] = {q: num(0, 5) for q in classes if chance(0.6)}
        if n_t > 1 and chance(0.3):
            p["ramp"] = num(0, 30)
        if n_t and chance(0.25):
            p["storage"] = num(0, 20)
            p["storage_start"] = num(0, p["storage"])
            if chance(0.3):
                p["storage_end"] = num(0, p["storage"])
        if periods <= bits[0] and chance(0.3):
            bits[0] -= periods
            if chance(0.7):
                p["min_throughput"] = num(1, p["capacity"])
            if chance(0.5):
                p["fixed_cost"] = num(1, 40)
        if bits[0] and chance(0.15):
            bits[0] -= 1
            p["build_cost"] = num(0, 60)
        elif bits[0] and chance(0.15):
            bits[0] -= 1
            p["upgrade_capacity"] = num(5, 20)
            p["upgrade_cost"] = num(0, 30)
        plants.append(p)
    zones = []
    for i in range(n_z):
        z: dict[str, Any] = {"id": f"Z{i}", "demand": num(0, 15)}
        if chance(0.3):
            z["surplus_cost"] = num(0, 6)
            if chance(0.5):
                z["capacity"] = z["demand"] + num(0, 10)
        if chance(0.25):
            z["quality"] = str(rng.choice(classes))
        if chance(0.3):
            z["pressure_head"] = num(0, 30)
        if n_t and chance(0.4):
            z["profile"] = [float(rng.choice([0.5, 1.0, 1.5])) for _ in range(n_t)]
        elif n_t and chance(0.3):
            z["profile"] = "peaky"
        if n_t and chance(0.2):
            z["storage"] = num(0, 10)
            z["storage_start"] = num(0, z["storage"])
        zones.append(z)
    storages = []
    for i in range(n_r):
        r: dict[str, Any] = {"id": f"R{i}", "capacity": num(0, 20)}
        r["start"] = num(0, r["capacity"])
        if chance(0.3):
            r["end"] = num(0, r["capacity"])
        storages.append(r)
    junctions = [{"id": f"J{i}"} for i in range(n_j)]

    # offered classes must cover the needed ones (else the schema refuses the scenario)
    needed = {z["quality"] for z in zones if "quality" in z}
    offered: set[str] = set()
    for p in plants:
        offered |= set(p.get("qualities", classes))
    for z in zones:
        if z.get("quality") not in (None, *offered):
            del z["quality"]
    needed = {z["quality"] for z in zones if "quality" in z}
    known = needed | {q for p in plants for q in p.get("qualities", [])}
    for p in plants:
        if "premium" in p:
            p["premium"] = {q: v for q, v in p["premium"].items() if q in known}

    ids = [x["id"] for x in [*sources, *plants, *zones, *storages, *junctions]]
    src = [s["id"] for s in sources]
    plant_ids = {p["id"] for p in plants}
    graded = {z["id"] for z in zones if "quality" in z}
    arcs: list[dict[str, Any]] = []
    # a backbone so that most scenarios are feasible: every source to a plant, every plant
    # to every zone
    for s in src:
        for p in sorted(plant_ids):
            if chance(0.6) or p == "P0":
                arcs.append({"from": s, "to": p})
    for p in sorted(plant_ids):
        for z in zones:
            if chance(0.85):
                arcs.append({"from": p, "to": z["id"]})
    for u in ids:
        for v in ids:
            if u == v or v in src or chance(0.8):
                continue
            if v in graded and u not in plant_ids:
                continue
            if any(a["from"] == u and a["to"] == v for a in arcs):
                continue
            arcs.append({"from": u, "to": v})
    zone_ids = {z["id"] for z in zones}
    for a in arcs:
        a["cost"] = num(0, 9)
        if chance(0.3):
            a["capacity"] = num(5, 40)
        if chance(0.25):
            a["lift"] = num(0, 60)
            if chance(0.5):
                a["efficiency"] = float(rng.choice([0.6, 0.75, 0.9]))
        elif chance(0.15):
            a["energy"] = num(0, 200)
        if bits[0] and chance(0.1):
            bits[0] -= 1
            a["build_cost"] = num(0, 50)
        elif bits[0] and "capacity" in a and chance(0.1):
            bits[0] -= 1
            a["upgrade_capacity"] = num(5, 30)
            a["upgrade_cost"] = num(0, 30)
    # raw where untreated water enters a zone (fixed point: a raw arc may let it go further)
    while True:
        reach = _untreated_reach(arcs, src, plant_ids)
        changed = False
        for a in arcs:
            if a["from"] in reach and a["to"] in zone_ids and not a.get("raw"):
                a["raw"] = True
                changed = True
        if not changed:
            break
    data: dict[str, Any] = {
        "kind": "routing",
        "name": f"random {seed}",
        "sources": sources,
        "plants": plants,
        "zones": zones,
        "storages": storages,
        "junctions": junctions,
        "arcs": arcs,
    }
    lifted = any("lift" in a or "energy" in a for a in arcs)
    if lifted or chance(0.5):
        data["energy_price"] = float(rng.choice([0.1, 0.15, 0.2]))
    if lifted and chance(0.4):
        data["demand_charge"] = float(rng.choice([0.5, 2.0]))
    if chance(0.3):
        data["pump_efficiency"] = 0.8
    if n_t:
        schedule: dict[str, Any] = {"periods": n_t, "profiles": {"peaky": peaky}}
        if chance(0.3):
            schedule["period_hours"] = float(rng.choice([1.0, 4.0, 6.0]))
        if chance(0.3):
            schedule["default_profile"] = "peaky"
        if chance(0.2):
            # absolute profiles: ML per period, the list given as is
            schedule["profile_kind"] = "absolute"
            for z in zones:
                if isinstance(z.get("profile"), list):
                    z["profile"] = [num(0, 6) for _ in range(n_t)]
        if "energy_price" in data and chance(0.6):
            schedule["energy_price"] = [float(rng.choice([0.05, 0.1, 0.3])) for _ in range(n_t)]
        data["schedule"] = schedule
    if n_t:
        # a zone's capacity holds its demand in every period (else the schema refuses it)
        for z in zones:
            profile = z.get("profile", data["schedule"].get("default_profile"))
            if "capacity" not in z or profile is None:
                continue
            values = peaky if profile == "peaky" else profile
            if data["schedule"].get("profile_kind") == "absolute":
                hours = data["schedule"].get("period_hours", 24.0 / n_t)
                peak = max(values) * 24.0 / hours
            else:
                peak = z["demand"] * max(values)
            z["capacity"] = max(z["capacity"], float(np.ceil(peak)))
    if chance(0.2):
        data["seasons"] = [
            {"id": "dry", "source_capacity": {s["id"]: num(0, 30) for s in sources[:1]}}
        ]
        data["season"] = "dry"
    return RoutingScenario.model_validate(data)
