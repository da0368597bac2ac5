"""Random tree instances without hydraulics, for property tests and benchmarks.

Pressures are drawn so that about ``deficient_share`` of the nodes fall below ``P_min`` and
deficits deepen with distance from the root (as on a real tree at high demand); flows are the
subtree sums of random node demands, so ``q_v`` is exactly what a demand-driven tree carries.
"""

from __future__ import annotations

import numpy as np

from wdnopt.models.pumps.costs import Catalogue, PumpSize
from wdnopt.models.pumps.tree import P_MIN_DEFAULT, TreeInstance


def random_tree_instance(
    n: int,
    seed: int,
    *,
    deficient_share: float = 0.4,
    max_deficit: float = 30.0,
    branching: float = 0.3,
    p_max: float | None = None,
) -> TreeInstance:
    """A random tree of ``n`` nodes (node 0 the root) with flows and pressures.

    ``branching`` in (0, 1]: 0 gives a path, 1 attaches every node to a uniformly random
    earlier node (bushy trees).
    """
    if n < 2:
        raise ValueError("a tree instance needs at least 2 nodes")
    rng = np.random.default_rng(seed)
    parent = np.full(n, -1, dtype=np.int64)
    for v in range(1, n):
        parent[v] = rng.integers(0, v) if rng.random() < branching else v - 1
    demand = rng.uniform(0.0005, 0.005, size=n)  # m³/s
    demand[0] = 0.0
    flow = demand.copy()
    depth = np.zeros(n)
    for v in range(1, n):
        depth[v] = depth[parent[v]] + 1
    for v in range(n - 1, 0, -1):  # children have larger indices than parents
        flow[parent[v]] += flow[v]
    flow[0] = 0.0
    # pressure falls with depth; the deepest share of nodes is deficient
    rank = depth / max(depth.max(), 1) + rng.uniform(0, 0.15, size=n)
    cut = np.quantile(rank[1:], 1 - deficient_share) if deficient_share > 0 else np.inf
    pressure = np.where(
        rank >= cut,
        P_MIN_DEFAULT - max_deficit * (rank - cut) / max(rank.max() - cut, 1e-9) - 0.01,
        P_MIN_DEFAULT + 1 + 20 * (cut - np.minimum(rank, cut)),
    )
    checked = np.ones(n, dtype=bool)
    checked[0] = False
    return TreeInstance(
        name=f"random-{n}-{seed}",
        node_names=tuple(f"n{v}" for v in range(n)),
        parent=parent,
        pipe_names=(None, *(f"p{v}" for v in range(1, n))),
        flow=flow,
        pressure=pressure,
        checked=checked,
        p_max=p_max,
        meta={"generator": "random_tree_instance", "seed": seed},
    )


def random_catalogue(n_sizes: int, seed: int) -> Catalogue:
    """Sizes with power rising geometrically and capex per kW falling (economies of scale)."""
    rng = np.random.default_rng(seed)
    power = np.sort(rng.uniform(1, 4, size=n_sizes)).cumsum() * 2.5
    capex = 3000 * power**0.7 * rng.uniform(0.9, 1.1, size=n_sizes)
    eff = rng.uniform(0.6, 0.8, size=n_sizes)
    return Catalogue(
        tuple(
            PumpSize(f"K{i + 1}", float(w), float(c), float(e))
            for i, (w, c, e) in enumerate(zip(power, capex, eff, strict=True))
        )
    )
