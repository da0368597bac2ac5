"""Random routing instances of any size, for benchmarks and differential tests.

Every source reaches every plant; each zone is reached from ``plants_per_zone`` random plants.
Capacities leave head-room over the total demand so the instance is feasible.
"""

from __future__ import annotations

import numpy as np

from wdnopt.models.routing.network import RoutingNetwork


def random_routing_network(
    n_sources: int,
    n_plants: int,
    n_zones: int,
    plants_per_zone: int,
    seed: int,
    *,
    integer: bool = False,
) -> RoutingNetwork:
    """A feasible instance with ``n_sources·n_plants + n_zones·plants_per_zone`` arcs."""
    rng = np.random.default_rng(seed)
    k = min(plants_per_zone, n_plants)
    demand = rng.uniform(1, 10, n_zones)
    total = demand.sum()
    source_cap = rng.uniform(1.0, 2.0, n_sources) * 1.5 * total / n_sources
    plant_cap = rng.uniform(1.0, 2.0, n_plants) * 1.5 * total / n_plants
    sp_tail = np.repeat(np.arange(n_sources), n_plants)
    sp_head = n_sources + np.tile(np.arange(n_plants), n_sources)
    # k distinct plants per zone: a random offset and stride keep them distinct without sorting
    start = rng.integers(0, n_plants, n_zones)
    stride = 1 + rng.integers(0, max(1, n_plants // max(k, 1)), n_zones)
    picks = (start[:, None] + stride[:, None] * np.arange(k)[None, :]) % n_plants
    picks = np.sort(picks, axis=1)
    dup = np.zeros_like(picks, dtype=bool)
    dup[:, 1:] = picks[:, 1:] == picks[:, :-1]
    pz_tail = n_sources + picks[~dup]
    pz_head = n_sources + n_plants + np.repeat(np.arange(n_zones), k)[~dup.ravel()]
    tail = np.concatenate([sp_tail, pz_tail])
    head = np.concatenate([sp_head, pz_head])
    cost = rng.uniform(0.5, 10.0, len(tail))
    treat = rng.uniform(5.0, 15.0, n_plants)
    if integer:
        demand, source_cap, plant_cap = np.round(demand), np.round(source_cap), np.round(plant_cap)
        cost, treat = np.round(cost), np.round(treat)
    return RoutingNetwork(
        source_ids=tuple(f"S{i}" for i in range(n_sources)),
        plant_ids=tuple(f"P{i}" for i in range(n_plants)),
        zone_ids=tuple(f"Z{i}" for i in range(n_zones)),
        source_capacity=source_cap,
        plant_capacity=plant_cap,
        treatment_cost=treat,
        demand=demand,
        tail=tail.astype(np.int64),
        head=head.astype(np.int64),
        arc_cost=cost,
        arc_capacity=np.full(len(tail), np.inf),
        name=f"random routing {n_sources}x{n_plants}x{n_zones} ({len(tail)} arcs, seed {seed})",
    )
