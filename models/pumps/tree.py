"""The tree instance every pump placement algorithm takes, and the one placement checker.

Nodes are numbered ``0 … n−1``. Roots (fixed-head sources) have ``parent = −1``; every other
node ``v`` has one parent ``a(v)`` and one incoming pipe ``e_v`` carrying flow ``q_v`` (m³/s,
≥ 0 in the direction parent → child). ``pressure[v]`` is the EPANET pressure ``p_v`` (m) at the
instance's demand factor without any new pump. A forest (several roots) is allowed.

A size-``k`` pump on ``e_v`` adds the head

.. math:: H_{v,k} = \\frac{\\eta_k W_k}{\\rho g \\, q_v}

and, on a tree, the pressure at ``u`` with pumps is ``p_u + B_u`` where ``B_u`` is the sum of
the heads of the pumps on the path root → ``u``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from wdnopt.models.pumps.costs import RHO_G, Catalogue, Placement

P_MIN_DEFAULT = 21.3 * 0.70307
"""21.3 psi in metres of water (the paper's UK minimum service pressure), ≈ 14.976 m."""


@dataclass(frozen=True, eq=False)
class TreeInstance:
    """A tree (or forest) at one demand factor: structure, flows, pressures, limits."""

    name: str
    node_names: tuple[str, ...]
    """EPANET id of each node."""
    parent: np.ndarray
    """Parent index of each node, −1 for a root."""
    pipe_names: tuple[str | None, ...]
    """EPANET id of each node's incoming pipe ``e_v`` (None for a root)."""
    flow: np.ndarray
    """``q_v``: flow in ``e_v`` towards ``v``, m³/s (0 for a root)."""
    pressure: np.ndarray
    """``p_v``: pressure at ``v`` without new pumps, m."""
    checked: np.ndarray
    """True where the pressure limits apply (junctions; not roots, tanks or pump suctions)."""
    p_min: float = P_MIN_DEFAULT
    """Minimum service pressure, m."""
    p_max: float | None = None
    """Optional pressure ceiling, m."""
    demand_factor: float = 1.0
    """Factor applied to every junction demand to get these flows and pressures."""
    meta: dict = field(default_factory=dict)
    """Free-form provenance (network file, hour, ...)."""

    def __post_init__(self) -> None:
        n = len(self.node_names)
        for name in ("parent", "flow", "pressure", "checked"):
            arr = getattr(self, name)
            if len(arr) != n:
                raise ValueError(f"{name} has {len(arr)} entries for {n} nodes")
        if len(self.pipe_names) != n:
            raise ValueError(f"pipe_names has {len(self.pipe_names)} entries for {n} nodes")
        _ = self.preorder  # validates acyclicity

    @property
    def n(self) -> int:
        return len(self.node_names)

    @cached_property
    def levels(self) -> tuple[np.ndarray, ...]:
        """Nodes by depth: ``levels[0]`` the roots, ``levels[i]`` the children of
        ``levels[i−1]`` (each level in increasing index order of its parents' children)."""
        starts, kids = self.children_csr
        frontier = np.flatnonzero(np.asarray(self.parent) < 0)
        out = []
        seen = 0
        while frontier.size:
            out.append(frontier)
            seen += frontier.size
            if seen > self.n:
                break
            count = starts[frontier + 1] - starts[frontier]
            first = np.repeat(starts[frontier] - np.cumsum(count) + count, count)
            frontier = kids[first + np.arange(int(count.sum()))]
        if seen != self.n:
            raise ValueError("parent array is not a forest (a cycle, or a node without a root)")
        return tuple(out)

    @cached_property
    def depth(self) -> np.ndarray:
        """Edges on the path root → ``v``."""
        depth = np.empty(self.n, dtype=np.int64)
        for i, nodes in enumerate(self.levels):
            depth[nodes] = i
        return depth

    @cached_property
    def preorder(self) -> np.ndarray:
        """Node indices in depth-first pre-order (roots in index order, children in index
        order): every parent before its children, every subtree a contiguous block.

        Built level by level: the size of every subtree bottom-up, then the position of each
        child as its parent's position + 1 + the sizes of its earlier siblings."""
        parent = np.asarray(self.parent, dtype=np.int64)
        levels = self.levels
        size = np.ones(self.n, dtype=np.int64)
        for nodes in levels[:0:-1]:
            np.add.at(size, parent[nodes], size[nodes])
        starts, kids = self.children_csr
        # offset of each child among its siblings: exclusive running sum of sizes in CSR order
        run = np.cumsum(size[kids]) - size[kids]
        group = np.repeat(np.arange(self.n), np.diff(starts))
        offset = np.empty(self.n, dtype=np.int64)
        offset[kids] = run - run[starts[group]] if kids.size else run
        pos = np.empty(self.n, dtype=np.int64)
        roots = levels[0]
        pos[roots] = np.cumsum(size[roots]) - size[roots]
        for nodes in levels[1:]:
            pos[nodes] = pos[parent[nodes]] + 1 + offset[nodes]
        order = np.empty(self.n, dtype=np.int64)
        order[pos] = np.arange(self.n)
        return order

    @cached_property
    def children_csr(self) -> tuple[np.ndarray, np.ndarray]:
        """Children of node ``v``: ``kids[starts[v]:starts[v+1]]``."""
        parent = np.asarray(self.parent)
        nonroot = np.flatnonzero(parent >= 0)
        order = nonroot[np.argsort(parent[nonroot], kind="stable")]
        counts = np.bincount(parent[nonroot], minlength=self.n)
        starts = np.concatenate([[0], np.cumsum(counts)])
        return starts, order

    def children(self, v: int) -> np.ndarray:
        starts, kids = self.children_csr
        return kids[starts[v] : starts[v + 1]]

    @cached_property
    def deficiency(self) -> np.ndarray:
        """``d_v = P_min − p_v`` where checked, else −inf (never deficient)."""
        return np.where(self.checked, self.p_min - self.pressure, -np.inf)

    @cached_property
    def deficient(self) -> np.ndarray:
        """True where ``d_v > 0``."""
        return self.deficiency > 0

    @cached_property
    def headroom(self) -> np.ndarray:
        """``P_max − p_v`` where checked and a ceiling is set, else +inf."""
        if self.p_max is None:
            return np.full(self.n, np.inf)
        return np.where(self.checked, self.p_max - self.pressure, np.inf)

    @cached_property
    def subtree_has_deficit(self) -> np.ndarray:
        """True where ``v`` or a node below it is deficient."""
        flag = self.deficient.copy()
        parent = np.asarray(self.parent)
        for nodes in self.levels[:0:-1]:
            flag[parent[nodes[flag[nodes]]]] = True
        return flag

    @cached_property
    def candidates(self) -> np.ndarray:
        """Nodes whose incoming pipe can usefully hold a pump: not a root, ``q_v > 0``,
        and a deficient node at or below ``v``."""
        return np.flatnonzero((self.parent >= 0) & (self.flow > 0) & self.subtree_has_deficit)

    def head_gain(self, catalogue: Catalogue) -> np.ndarray:
        """``H[v, k] = η_k W_k / (ρ g q_v)`` in m; 0 where ``q_v = 0``, ``v`` is a root, or
        ``H[v, k]`` is above the size's maximum head (the pump cannot run there: no model
        uses it, and :func:`check_placement` refuses it). For a curve pump ``H[v, k] = h_k(q_v)``
        (:mod:`~wdnopt.models.pumps.curves`), 0 at or beyond its zero-head flow ``Q_max``."""
        q = np.asarray(self.flow, dtype=float)
        ok = (q > 0) & (self.parent >= 0)
        inv = np.zeros_like(q)
        inv[ok] = 1.0 / (RHO_G * q[ok])
        gain = inv[:, None] * catalogue.hydraulic_kw[None, :]
        gain = np.where(gain <= catalogue.max_head_m[None, :], gain, 0.0)
        curved = np.flatnonzero(catalogue.is_curve)
        if curved.size:  # a curve pump adds h_k(q_v), 0 where it cannot run
            gain[:, curved] = np.where(ok[:, None], catalogue.head_at(q)[:, curved], 0.0)
        return gain

    def boost(self, placement: Placement, catalogue: Catalogue) -> np.ndarray:
        """``B_v``: total head added on the path root → ``v`` by the placement, m."""
        added = np.zeros(self.n)
        if placement:
            gains = self.head_gain(catalogue)
            for v, k in placement.items():
                added[v] += gains[v, k]
        return self.path_sum(added)

    def path_sum(self, added: np.ndarray) -> np.ndarray:
        """``Σ added[u]`` over the path root → ``v``, for every ``v`` (level by level)."""
        total = np.asarray(added, dtype=float).copy()
        parent = np.asarray(self.parent)
        for nodes in self.levels[1:]:
            total[nodes] += total[parent[nodes]]
        return total


@dataclass(frozen=True)
class PlacementCheck:
    """What the linear tree model says about a placement (the one checker)."""

    pressure: np.ndarray
    """``p_v + B_v`` at every node, m."""
    below_min: np.ndarray
    """Checked nodes still below ``P_min`` (indices)."""
    above_max: np.ndarray
    """Checked nodes above ``P_max`` (indices; empty when no ceiling)."""
    invalid_pipes: np.ndarray
    """Placement nodes that cannot hold their pump (roots, zero flow, unknown size, a head
    above the size's maximum head)."""
    min_margin: float
    """Smallest ``p_v + B_v − P_min`` over checked nodes, m."""
    mean_slack: float
    """Mean of ``(p_v + B_v − P_min)/P_min`` over the nodes deficient before placement."""

    @property
    def feasible(self) -> bool:
        return not (len(self.below_min) or len(self.above_max) or len(self.invalid_pipes))


def check_placement(
    tree: TreeInstance, placement: Placement, catalogue: Catalogue, *, tol: float = 1e-6
) -> PlacementCheck:
    """Check a placement against ``P_min`` (and ``P_max``) with the linear tree model."""
    gains = tree.head_gain(catalogue) if placement else None
    bad = [
        v
        for v, k in placement.items()
        if not (0 <= v < tree.n)
        or tree.parent[v] < 0
        or tree.flow[v] <= 0
        or not (0 <= k < len(catalogue))
        or gains[v, k] <= 0  # type: ignore[index]
    ]
    ok = {v: k for v, k in placement.items() if v not in set(bad)}
    pressure = np.asarray(tree.pressure, dtype=float) + tree.boost(ok, catalogue)
    margins = assess_pressures(tree, pressure, tol=tol)
    return PlacementCheck(
        pressure=pressure,
        below_min=margins.below_min,
        above_max=margins.above_max,
        invalid_pipes=np.array(sorted(bad), dtype=int),
        min_margin=margins.min_margin,
        mean_slack=margins.mean_slack,
    )


@dataclass(frozen=True)
class PressureAssessment:
    """What a vector of pressures (by tree node) says against ``P_min`` and ``P_max``."""

    below_min: np.ndarray
    """Checked nodes below ``P_min − tol``."""
    above_max: np.ndarray
    """Checked nodes above ``P_max + tol`` (empty without a ceiling)."""
    min_margin: float
    """Smallest ``P − P_min`` over checked nodes, m."""
    mean_slack: float
    """Mean ``(P − P_min)/P_min`` over the nodes deficient before any new pump (Fig. 6c/d)."""


def assess_pressures(tree: TreeInstance, pressure: np.ndarray, *, tol: float) -> PressureAssessment:
    """The one reading of pressures against the limits, shared by the linear checker and the
    EPANET verification."""
    checked = np.asarray(tree.checked, dtype=bool)
    below = np.flatnonzero(checked & (pressure < tree.p_min - tol))
    if tree.p_max is not None:
        above = np.flatnonzero(checked & (pressure > tree.p_max + tol))
    else:
        above = np.array([], dtype=int)
    margins = pressure[checked] - tree.p_min
    was = np.asarray(tree.deficient, dtype=bool)
    slack = (pressure[was] - tree.p_min) / tree.p_min
    return PressureAssessment(
        below_min=below,
        above_max=above,
        min_margin=float(margins.min()) if margins.size else float("inf"),
        mean_slack=float(slack.mean()) if slack.size else 0.0,
    )
