"""Synthetic tree networks sized for their base demand with head-room (the paper's Fig. 1 shape).

A tree of ``n`` junctions fed by one reservoir ``R`` (node 0), from a seed:

- **Shape.** Junction ``v`` (1 … n) hangs from ``v − 1`` with probability ``p_line`` (mains
  grow as lines) and otherwise from a uniformly random earlier node (branches).
- **Pipes.** Length ``L_v ~ U(50, 300)`` m, Hazen–Williams ``C = 130``.
- **Ground.** ``z_v = z_{a(v)} + N(0, (0.02 L_v)^2)``, clipped to [0, 60] m, from 20 m.
- **Demand.** ``d_v ~ U(0.05, 0.4)`` L/s, and 0 for 15 % of the junctions (connections).
  ``q_v = Σ_{u ∈ subtree(v)} d_u`` is the base flow of pipe ``e_v``.
- **Reservoir head** ``H_R = max_v z_v + P_min + 30`` m.
- **Sizing for head-room.** Pipes are sized for the design demand ``F_d · d`` (``F_d = 1.9``):
  in pre-order, with ``H_{a}`` the design head at the parent,
  ``N_v = max_{u ∈ subtree(v)} (z_u + P_min)`` the highest head needed below and ``ℓ_v`` the
  longest path length from ``a(v)`` into the subtree of ``v``, pipe ``e_v`` gets the smallest
  diameter ``D`` of :data:`DIAMETERS` with

  .. math:: h(D, F_d q_v, L_v) = 10.667\\, C^{-1.852} D^{-4.871} L_v (F_d q_v)^{1.852}
            \\le L_v \\frac{H_{a} - N_v}{\\ell_v},

  and ``H_v = H_a − h``. By induction every node keeps ``H_v ≥ N_v`` (pressure ≥ ``P_min``) at
  ``F_d``; the discrete sizes leave some slack, which the pipes below use. At demand factor
  ``f`` the head loss of each pipe scales as ``f^{1.852}``, so node ``v`` fails from
  ``F_v = ((H_R − z_v − P_min)/Λ_v)^{1/1.852}`` (``Λ_v``: base head loss root → ``v``) on.
  The rule is conservative, so ``F_d`` is corrected until the first failure
  ``min_v F_v`` lies just above 1.9; the nodes whose path used its budget fully fail soon
  after it, the rest later.

The shipped trees (:data:`SHIPPED_TREES`) are regenerated with
``python -m wdnopt.models.pumps.generator data/networks``.

**Looped networks** (:func:`generate_looped`): the tree of the same seed plus
``round(extra · n)`` pipes (default 15 %, so 1.15 pipes per junction, as in real distribution
networks) that close loops between nearby junctions:

- **Candidates.** Each junction with its ``k = 16`` nearest junctions (planar coordinates of
  the tree) whose tree path has 3 to 10 pipes (loops of 4 to 11 pipes, local as in a city's
  blocks); from these, a seeded draw without replacement picks the loop pipes.
- **Loop pipes.** Length ``max(|x_u − x_v|, 50)`` m, ``C = 130``, diameter the smaller of the
  diameters of the tree pipes into ``u`` and ``v`` (a cross-connection of the local mains).
- **Onset.** With one reservoir, Hazen–Williams pipes only and every demand scaled by ``f``,
  the flows at ``f`` are ``f`` times those at 1 (mass balance and the loop equations scale
  alike), so the head loss root → ``v`` is ``Λ_v f^{1.852}`` exactly, loops included. One
  EPANET steady state gives ``Λ_v``, and a demand junction fails from
  ``F_v = ((H_R − z_v − P_min)/Λ_v)^{1/1.852}``: the network is deficient at any factor above
  ``min_v F_v`` (:attr:`LoopedNetwork.onset`). Loops move it away from the tree's (~1.9),
  either way: a loop pipe relieves some junctions and lowers the head on the way to others.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import wntr
from scipy.spatial import cKDTree

from wdnopt.models.pumps.collector import paused_gc
from wdnopt.models.pumps.hydraulics import demand_junctions, simulate
from wdnopt.models.pumps.tree import P_MIN_DEFAULT

logger = logging.getLogger(__name__)

DIAMETERS = np.array(
    [0.05, 0.063, 0.075, 0.09, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
     0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.4, 2.8, 3.2]
)  # fmt: skip
"""Pipe diameters to choose from, m."""

HW_C = 130.0
"""Hazen–Williams roughness of every pipe."""

DESIGN_FACTOR = 1.9
"""Demand factor the pipes are sized for."""

SHIPPED_TREES: tuple[tuple[str, int, int], ...] = (
    ("tree_100", 100, 100),
    ("tree_1747", 1747, 1747),
    ("tree_10000", 10000, 10000),
)
"""(file stem, junctions, seed) of the trees shipped in ``data/networks``."""


def hazen_williams_loss(diameter: np.ndarray | float, flow: float, length: float) -> np.ndarray:
    """Head loss (m) of a pipe: ``10.667 C^-1.852 D^-4.871 L q^1.852`` (EPANET's SI form)."""
    d = np.asarray(diameter, dtype=float)
    return 10.667 * HW_C**-1.852 * d**-4.871 * length * abs(flow) ** 1.852


def generate_tree(
    nodes: int,
    seed: int,
    *,
    design_factor: float = DESIGN_FACTOR,
    p_min: float = P_MIN_DEFAULT,
    p_line: float = 0.6,
) -> wntr.network.WaterNetworkModel:
    """A tree network of ``nodes`` junctions and one reservoir (see the module docstring)."""
    if nodes < 1:
        raise ValueError("a generated tree needs at least one junction")
    rng = np.random.default_rng(seed)
    n = nodes + 1
    parent_list = [-1] * n
    for v in range(1, n):  # one draw (or two) per junction, in this order: the seed's tree
        parent_list[v] = v - 1 if rng.random() < p_line else int(rng.integers(0, v))
    parent = np.array(parent_list, dtype=np.int64)
    levels = _levels(parent)
    length = np.concatenate([[0.0], rng.uniform(50, 300, size=nodes)])
    steps = rng.normal(0.0, 0.02 * length)
    z = np.full(n, 20.0)
    for nodes_at in levels[1:]:  # z_v = clip(z_a + step), parents first
        z[nodes_at] = np.minimum(np.maximum(z[parent[nodes_at]] + steps[nodes_at], 0.0), 60.0)
    demand = np.concatenate([[0.0], rng.uniform(0.05e-3, 0.4e-3, size=nodes)])
    demand[1:][rng.random(nodes) < 0.15] = 0.0
    angle = rng.uniform(-0.6, 0.6, size=n)

    # children before parents: flows, highest need, longest path below
    flow = demand.copy()
    need = z + p_min
    need[0] = -np.inf
    below = np.zeros(n)  # longest path length from v down into its subtree
    for nodes_at in levels[:0:-1]:
        _gather_up(parent, nodes_at, flow, need, below, length)
    head0 = z[1:].max() + p_min + 30.0
    diameter, onset = _size_pipes(
        parent, length, z, flow, need, below, head0, design_factor, p_min, levels
    )
    z[0] = head0
    # coordinates: each pipe heads off from its parent at a small random turn
    line = parent == np.arange(n) - 1
    turn = angle.copy()
    for v in np.flatnonzero(~line[1:]) + 1:  # a branch turns a quarter either way
        turn[v] = angle[v] + np.pi / 2 * (-1, 1)[rng.integers(0, 2)]
    xy = np.zeros((n, 2))
    heading = np.zeros(n)
    for nodes_at in levels[1:]:
        a = parent[nodes_at]
        heading[nodes_at] = heading[a] + turn[nodes_at]
        step = length[nodes_at, None] * np.column_stack(
            [np.cos(heading[nodes_at]), np.sin(heading[nodes_at])]
        )
        xy[nodes_at] = xy[a] + step

    wn = wntr.network.WaterNetworkModel()
    wn.name = f"tree_{nodes}"
    wn.options.hydraulic.inpfile_units = "LPS"
    wn.options.hydraulic.headloss = "H-W"
    wn.options.hydraulic.demand_model = "DD"
    wn.options.time.duration = 0
    wn.add_reservoir("R", base_head=float(head0), coordinates=tuple(xy[0]))
    names = ["R", *(f"J{v}" for v in range(1, n))]
    elevation = np.round(z, 3).tolist()
    x, y = np.round(xy[:, 0], 2).tolist(), np.round(xy[:, 1], 2).tolist()
    base = demand.tolist()
    pipe_length = np.round(length, 2).tolist()
    size = diameter.tolist()
    up = parent.tolist()
    with paused_gc():  # 200,000 objects that live as long as the network: no collections
        for v in range(1, n):
            wn.add_junction(
                names[v], base_demand=base[v], elevation=elevation[v], coordinates=(x[v], y[v])
            )
        for v in range(1, n):
            wn.add_pipe(
                f"P{v}",
                names[up[v]],
                names[v],
                length=pipe_length[v],
                diameter=size[v],
                roughness=HW_C,
            )
    logger.info(
        "generated tree of %d junctions (seed %d): total demand %.1f L/s, failures from %.3f",
        nodes,
        seed,
        flow[0] * 1000,
        onset,
    )
    return wn


def _levels(parent: np.ndarray) -> list[np.ndarray]:
    """Nodes by depth (node 0 the root; every parent has a smaller index than its children)."""
    depth = np.zeros(len(parent), dtype=np.int64)
    parent_list = parent.tolist()
    depth_list = depth.tolist()
    for v in range(1, len(parent)):
        depth_list[v] = depth_list[parent_list[v]] + 1
    depth = np.array(depth_list, dtype=np.int64)
    order = np.argsort(depth, kind="stable")
    cuts = np.searchsorted(depth[order], np.arange(depth.max() + 2))
    return [order[cuts[i] : cuts[i + 1]] for i in range(depth.max() + 1)]


def _gather_up(
    parent: np.ndarray,
    nodes: np.ndarray,
    flow: np.ndarray,
    need: np.ndarray,
    below: np.ndarray,
    length: np.ndarray,
) -> None:
    """Add one level's flows, highest needs and longest paths into their parents."""
    nodes = nodes[::-1]  # the larger index first, as a sweep from the last node adds them
    a = parent[nodes]
    np.add.at(flow, a, flow[nodes])
    np.maximum.at(need, a, need[nodes])
    np.maximum.at(below, a, below[nodes] + length[nodes])


def _design(
    parent: np.ndarray,
    length: np.ndarray,
    flow: np.ndarray,
    need: np.ndarray,
    below: np.ndarray,
    head0: float,
    factor: float,
    levels: list[np.ndarray],
) -> np.ndarray:
    """Diameters by the pre-order gradient-budget rule at design factor ``factor`` (all
    pipes of one depth at once)."""
    n = len(parent)
    head = np.zeros(n)
    head[0] = head0
    diameter = np.zeros(n)
    for nodes in levels[1:]:  # parents first
        a = parent[nodes]
        budget = length[nodes] * (head[a] - need[nodes]) / (length[nodes] + below[nodes])
        losses = hazen_williams_loss(
            DIAMETERS[None, :], factor * flow[nodes, None], length[nodes, None]
        )
        ok = losses <= budget[:, None]
        k = np.where(ok.any(axis=1), ok.argmax(axis=1), len(DIAMETERS) - 1)
        diameter[nodes] = DIAMETERS[k]
        head[nodes] = head[a] - losses[np.arange(nodes.size), k]
    return diameter


def onset_factor(
    parent: np.ndarray,
    length: np.ndarray,
    z: np.ndarray,
    flow: np.ndarray,
    diameter: np.ndarray,
    head0: float,
    p_min: float,
    levels: list[np.ndarray] | None = None,
) -> float:
    """First demand factor at which a junction falls below ``p_min``:
    ``min_v ((H_R − z_v − P_min) / Λ_v)^{1/1.852}`` with ``Λ_v`` the base head loss root → v."""
    pipe_loss = np.zeros(len(parent))
    pipe_loss[1:] = hazen_williams_loss(diameter[1:], flow[1:], length[1:])
    loss = np.zeros(len(parent))
    for nodes in _levels(parent)[1:] if levels is None else levels[1:]:
        loss[nodes] = loss[parent[nodes]] + pipe_loss[nodes]
    spare = head0 - z[1:] - p_min
    with np.errstate(divide="ignore"):
        crit = np.where(loss[1:] > 0, np.maximum(spare, 0) / loss[1:], np.inf) ** (1 / 1.852)
    return float(crit.min())


def _size_pipes(
    parent: np.ndarray,
    length: np.ndarray,
    z: np.ndarray,
    flow: np.ndarray,
    need: np.ndarray,
    below: np.ndarray,
    head0: float,
    target: float,
    p_min: float,
    levels: list[np.ndarray],
) -> tuple[np.ndarray, float]:
    """Size the pipes so that the first pressure failure comes just after ``target``.

    The budget rule is conservative (the farthest node and the highest one below a pipe need
    not be the same), so the design factor ``F_d`` is corrected, ``F_d ← F_d · target / F*``,
    until the onset ``F*`` (:func:`onset_factor`) lies in ``[target, target + 0.05]``; the
    design with the smallest onset not below ``target`` is kept.
    """
    factor = target
    best: tuple[np.ndarray, float] | None = None
    for _ in range(12):
        diameter = _design(parent, length, flow, need, below, head0, factor, levels)
        onset = onset_factor(parent, length, z, flow, diameter, head0, p_min, levels)
        if onset >= target and (best is None or onset < best[1]):
            best = (diameter, onset)
        if target <= onset <= target + 0.05:
            break
        factor *= (target + 0.02) / onset
    if best is None:
        best = (diameter, onset)
    logger.debug("design factor %.3f: onset of pressure failures at %.3f", factor, best[1])
    return best


def write_tree(nodes: int, seed: int, path: str | Path) -> Path:
    """Generate a tree and write it as an EPANET ``.inp`` file (LPS units)."""
    wn = generate_tree(nodes, seed)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wntr.network.write_inpfile(wn, str(path), units="LPS")
    return path


LOOP_SHARE = 0.15
"""Loop pipes of a generated looped network per junction."""

LOOP_NEIGHBOURS = 16
"""Nearest junctions each junction may be joined to by a loop pipe."""

LOOP_HOPS = 10
"""Longest tree path a loop pipe may close (pipes): loops stay local, as in a real network,
and EPANET's sparse factorisation stays sparse (closing paths of 20 pipes at random makes one
steady state of 20,000 junctions ten times slower, of 40, a hundred)."""


@dataclass(frozen=True, eq=False)
class LoopedNetwork:
    """A generated looped network and the demand factor its pressure failures start at."""

    wn: wntr.network.WaterNetworkModel
    onset: float
    """First demand factor at which a junction with demand falls below ``p_min`` (from one
    EPANET steady state, see the module docstring): deficient at every factor above it."""
    loops: int
    """Loop pipes added to the tree (``L1``, ``L2``, …)."""


def generate_looped(
    nodes: int,
    seed: int,
    *,
    extra: float = LOOP_SHARE,
    design_factor: float = DESIGN_FACTOR,
    p_min: float = P_MIN_DEFAULT,
    p_line: float = 0.6,
) -> LoopedNetwork:
    """A looped network of ``nodes`` junctions: :func:`generate_tree` of the same seed with
    ``round(extra · nodes)`` loop pipes between nearby junctions, and its onset factor (see
    the module docstring). Deterministic for a seed."""
    if not 0 < extra <= 1:
        raise ValueError("extra: a share of loop pipes per junction in (0, 1]")
    wn = generate_tree(nodes, seed, design_factor=design_factor, p_min=p_min, p_line=p_line)
    wn.name = f"looped_{nodes}"
    pairs = loop_candidates(wn)
    count = min(round(extra * nodes), len(pairs))
    if count < 1:
        raise ValueError(f"no loop to close in a tree of {nodes} junction(s)")
    rng = np.random.default_rng([seed, 1])  # a stream of its own: the tree stays the seed's
    chosen = np.sort(rng.choice(len(pairs), size=count, replace=False))
    add_loop_pipes(wn, pairs[chosen])
    onset = looped_onset(wn, p_min, design_factor)
    logger.info(
        "generated looped network of %d junctions, %d pipes (seed %d): failures from %.3f",
        nodes,
        wn.num_pipes,
        seed,
        onset,
    )
    return LoopedNetwork(wn=wn, onset=onset, loops=count)


def loop_candidates(wn: wntr.network.WaterNetworkModel) -> np.ndarray:
    """Pairs ``(u, v)`` (``u < v``, junction numbers of ``J1 … Jn``), sorted: each junction
    with its :data:`LOOP_NEIGHBOURS` nearest junctions, where the tree path between them has
    3 to :data:`LOOP_HOPS` pipes (a loop of 4 to ``LOOP_HOPS + 1`` pipes)."""
    n = wn.num_junctions
    parent = np.zeros(n + 1, dtype=np.int64)
    for v in range(1, n + 1):
        start = wn.get_link(f"P{v}").start_node_name
        parent[v] = 0 if start == "R" else int(start[1:])
    depth = np.zeros(n + 1, dtype=np.int64)
    for v in range(1, n + 1):  # parents have smaller numbers
        depth[v] = depth[parent[v]] + 1
    xy = np.array([wn.get_node(f"J{v}").coordinates for v in range(1, n + 1)])
    k = min(LOOP_NEIGHBOURS + 1, n)
    _, near = cKDTree(xy).query(xy, k=k)
    u = np.repeat(np.arange(1, n + 1), k - 1)
    v = near[:, 1:].ravel() + 1
    hops = tree_hops(parent, depth, u, v, LOOP_HOPS)
    keep = (hops >= 3) & (hops <= LOOP_HOPS)
    return np.unique(np.column_stack([np.minimum(u, v), np.maximum(u, v)])[keep], axis=0)


def tree_hops(
    parent: np.ndarray, depth: np.ndarray, u: np.ndarray, v: np.ndarray, limit: int
) -> np.ndarray:
    """Pipes on the tree path ``u → v`` for each pair, ``limit + 1`` where it is longer."""
    a, b = u.copy(), v.copy()
    hops = np.zeros(len(a), dtype=np.int64)
    for _ in range(limit + 1):  # the deeper end up one pipe, until they meet
        up_a = (a != b) & (depth[a] >= depth[b])
        up_b = (a != b) & ~up_a
        hops += up_a | up_b
        a = np.where(up_a, parent[a], a)
        b = np.where(up_b, parent[b], b)
    return np.where(a == b, np.minimum(hops, limit + 1), limit + 1)


def add_loop_pipes(wn: wntr.network.WaterNetworkModel, pairs: np.ndarray) -> None:
    """Join each pair ``(u, v)`` by pipe ``L1``, ``L2``, …: length the distance (at least
    50 m), diameter the smaller of those of the tree pipes ``P_u`` and ``P_v``."""
    with paused_gc():
        for i, (u, v) in enumerate(pairs.tolist(), start=1):
            a, b = wn.get_node(f"J{u}"), wn.get_node(f"J{v}")
            distance = float(np.hypot(*np.subtract(a.coordinates, b.coordinates)))
            wn.add_pipe(
                f"L{i}",
                a.name,
                b.name,
                length=round(max(distance, 50.0), 2),
                diameter=min(wn.get_link(f"P{u}").diameter, wn.get_link(f"P{v}").diameter),
                roughness=HW_C,
            )


def looped_onset(
    wn: wntr.network.WaterNetworkModel, p_min: float, factor: float = DESIGN_FACTOR
) -> float:
    """First demand factor at which a junction with demand falls below ``p_min``, from one
    EPANET steady state at ``factor``: ``min_v ((H_R − z_v − p_min)/Λ_v)^{1/1.852}`` with
    ``Λ_v = (H_R − H_v) / factor^{1.852}`` (exact for one reservoir and Hazen–Williams pipes)."""
    state = simulate(wn, factor)
    names = demand_junctions(wn)
    head_r = wn.get_node("R").base_head
    head = state.head[names].to_numpy(dtype=float)
    z = np.array([wn.get_node(n).elevation for n in names])
    loss = (head_r - head) / factor**1.852
    spare = np.maximum(head_r - z - p_min, 0.0)
    with np.errstate(divide="ignore"):
        crit = np.where(loss > 0, spare / loss, np.inf) ** (1 / 1.852)
    return float(crit.min())


def write_looped(
    nodes: int, seed: int, path: str | Path, *, extra: float = LOOP_SHARE
) -> tuple[Path, LoopedNetwork]:
    """Generate a looped network and write it as an EPANET ``.inp`` file (LPS units)."""
    looped = generate_looped(nodes, seed, extra=extra)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wntr.network.write_inpfile(looped.wn, str(path), units="LPS")
    return path, looped


def main(argv: list[str] | None = None) -> None:
    """Regenerate the shipped trees: ``python -m wdnopt.models.pumps.generator DIR``."""
    parser = argparse.ArgumentParser(description="write the generated tree networks")
    parser.add_argument("out", type=Path, help="folder for tree_*.inp (e.g. data/networks)")
    args = parser.parse_args(argv)
    for stem, nodes, seed in SHIPPED_TREES:
        write_tree(nodes, seed, args.out / f"{stem}.inp")


if __name__ == "__main__":  # pragma: no cover
    main()
