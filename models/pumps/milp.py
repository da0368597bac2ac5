"""The exact reference: booster pump placement with discrete sizes as a MILP.

The model of the design note, on the tree reduced to the nodes that matter:

.. math::

    \\min \\sum_{v \\in \\mathcal{C}} \\sum_k c_k \\, y_{v,k}
    \\quad \\text{s.t.} \\quad
    \\sum_k y_{v,k} \\le 1, \\qquad
    B_v = B_{a(v)} + \\sum_k H_{v,k} \\, y_{v,k}, \\qquad
    B_v \\ge d_v, \\qquad
    B_v \\le P_{\\max} - p_v ,

with :math:`B_r = 0` at the roots and :math:`y_{v,k} = 0` for every pipe outside the candidate
set :math:`\\mathcal{C}`.

:func:`reduce_tree` does the presolve (every reduction is exact: the optimum and the set of
optimal placements' costs are unchanged):

* **Relevant nodes.** Only nodes with a deficient node at or below them carry a ``B`` variable;
  any other node receives the boost of its nearest relevant ancestor, so its ceiling
  :math:`P_{\\max} - p_v` is moved onto that ancestor.
* **Implied deficiencies.** :math:`B_u \\ge d_u` is implied when a deficient ancestor ``w`` has
  :math:`d_w \\ge d_u` (boosts only grow down a path); such rows are dropped.
* **Chain order** (without a ceiling). If ``v``'s own requirement is absent or implied and
  exactly one child ``w`` has a deficient node below it, a pump on ``e_w`` adds at least the head
  of the same pump on ``e_v`` (:math:`q_w \\le q_v`) to every node that needs it, at the same
  cost. Moving pumps down such chains while the pipe below is free turns any optimum into one
  with :math:`\\sum_k y_{v,k} \\le \\sum_k y_{w,k}`: these rows cut symmetric solutions. With
  maximum heads a pair is kept only when every size usable on ``e_v`` is usable on ``e_w``.
  A curve pump also adds more head lower down (:math:`h_k` falls with the flow), but its energy
  :math:`\\rho g q h_k(q)/\\eta_k` need not fall: a pair is kept only when every size usable on
  ``e_v`` costs no more on ``e_w`` (always so for constant power).
* **Useless sizes** (with a ceiling). A size whose head exceeds the smallest head-room in the
  subtree of ``v`` can never sit on ``e_v``.

With ``tighten=True`` the boost is *capped*: :math:`z_v = \\min(B_v, D_v)` where :math:`D_v` is
the largest remaining requirement in the subtree of ``v``. On every integer point this is
exact, and its LP relaxation is much tighter, because a pump's head is counted only up to what
the subtree can use (coefficient tightening of the covering rows):

.. math::

    z_v \\le z_{a(v)} + \\sum_k \\min(H_{v,k}, D_v) \\, y_{v,k}, \\qquad
    0 \\le z_v \\le D_v, \\qquad z_v \\ge d_v .

When a ceiling is set, the exact ``B`` rows are kept beside the capped ones.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo

from wdnopt.models.pumps.problem import PumpProblem

log = logging.getLogger(__name__)

EPS = 1e-9
"""Tolerance for comparing deficiencies and heads, m."""


@dataclass(frozen=True, eq=False)
class ReducedTree:
    """The tree restricted to the nodes that matter, with the data of the MILP rows.

    All arrays are indexed by the original node index; ``nodes`` lists the relevant non-root
    nodes in pre-order (every parent before its children).
    """

    nodes: np.ndarray
    """Relevant non-root nodes (a deficient node at or below them), pre-order."""
    parent: np.ndarray
    """Parent of each node (−1 for a root); the parent of a relevant node is relevant."""
    candidates: np.ndarray
    """Nodes whose incoming pipe may hold a pump after presolve."""
    allowed: np.ndarray
    """``allowed[v, k]``: size ``k`` may sit on ``e_v``."""
    chain: np.ndarray
    """Pairs ``(v, w)``, shape (m, 2): a pump on ``e_v`` only if one on ``e_w``."""
    required: np.ndarray
    """Nodes whose row :math:`B_v \\ge d_v` is kept (not implied by an ancestor)."""
    deficiency: np.ndarray
    """``d_v`` (−inf where not checked)."""
    cap: np.ndarray
    """``D_v``: the largest deficiency at or below ``v`` (0 where none)."""
    ceiling: np.ndarray
    """Largest boost ``B_v`` allowed by ``P_max`` at ``v`` and at the irrelevant nodes hanging
    from it (+inf without a ceiling)."""
    subtree_ceiling: np.ndarray
    """Smallest ``ceiling`` in the subtree of ``v``."""
    head: np.ndarray
    """``H[v, k]``, m."""
    cost: np.ndarray
    """``c[v, k]`` under the problem's objective (n × K: every row ``c_k`` for constant-power
    sizes; a curve pump's energy at ``q_v``)."""

    @property
    def has_ceiling(self) -> bool:
        return bool(np.isfinite(self.ceiling[self.nodes]).any())


def reduce_tree(problem: PumpProblem, *, presolve: bool = True) -> ReducedTree:
    """The relevant nodes, candidates and kept rows of ``problem`` (see the module docstring).

    With ``presolve=False`` only the design note's own reduction is made (pipes without a
    deficient node below them, or without flow, hold no pump); every deficiency row is kept.
    """
    tree = problem.tree
    n = tree.n
    parent = np.asarray(tree.parent, dtype=np.int64)
    order = tree.preorder
    relevant = tree.subtree_has_deficit.copy()
    relevant[parent < 0] = True
    d = tree.deficiency
    deficient = tree.deficient

    # ceiling: move every irrelevant node's head-room onto its nearest relevant ancestor
    headroom = tree.headroom
    anchor = np.arange(n)
    for v in order:
        p = parent[v]
        if p >= 0 and not relevant[v]:
            anchor[v] = anchor[p]
    ceiling = np.full(n, np.inf)
    np.minimum.at(ceiling, anchor, headroom)

    # D_v and the smallest ceiling in each subtree (post-order accumulations)
    cap = np.where(deficient, d, 0.0)
    sub_ceiling = ceiling.copy()
    n_deficit_kids = np.zeros(n, dtype=np.int64)
    for v in order[::-1]:
        p = parent[v]
        if p >= 0:
            cap[p] = max(cap[p], cap[v])
            sub_ceiling[p] = min(sub_ceiling[p], sub_ceiling[v])
            if relevant[v]:
                n_deficit_kids[p] += 1

    # implied rows: d_u no larger than the largest deficiency of a strict ancestor
    above = np.zeros(n)  # max deficiency of strict ancestors (0 when none)
    for v in order:
        p = parent[v]
        if p >= 0:
            above[v] = max(above[p], d[p] if deficient[p] else 0.0)
    required = deficient & (d > above + EPS) if presolve else deficient.copy()

    head = problem.head_gain
    cost = np.asarray(problem.node_costs, dtype=float)
    cand = np.zeros(n, dtype=bool)
    cand[tree.candidates] = True
    allowed = cand[:, None] & (head > 0)  # a size above its maximum head there has no gain
    cand &= allowed.any(axis=1)
    chain = np.empty((0, 2), dtype=np.int64)
    if presolve:
        no_ceiling = not np.isfinite(sub_ceiling[relevant]).any()
        if no_ceiling:
            # own row absent or implied, one child carries all the deficit below
            upper = np.flatnonzero(cand & ~required & (n_deficit_kids == 1))
            starts, kids = tree.children_csr
            pairs = []
            for v in upper.tolist():
                below = kids[starts[v] : starts[v + 1]]
                w = int(below[relevant[below]][0])
                # w's pump dominates v's only if every size usable on v is usable on w
                # (and, for curve pumps, whose energy depends on the flow, costs no more there)
                usable = allowed[w] & (cost[w] <= cost[v])
                if cand[w] and np.all(usable | ~allowed[v]):
                    pairs.append((v, w))
            if pairs:
                chain = np.array(pairs, dtype=np.int64)
        else:
            allowed &= head <= sub_ceiling[:, None] + EPS
            cand &= allowed.any(axis=1)
    nodes = order[relevant[order] & (parent[order] >= 0)]
    log.debug(
        "reduced tree: %d relevant of %d nodes, %d candidate pipes, %d rows B >= d",
        len(nodes),
        n,
        int(cand.sum()),
        int(required.sum()),
    )
    return ReducedTree(
        nodes=nodes,
        parent=parent,
        candidates=np.flatnonzero(cand),
        allowed=allowed,
        chain=chain,
        required=np.flatnonzero(required),
        deficiency=d,
        cap=cap,
        ceiling=ceiling,
        subtree_ceiling=sub_ceiling,
        head=head,
        cost=cost,
    )


def build_placement_milp(
    problem: PumpProblem,
    *,
    presolve: bool = True,
    tighten: bool = True,
    reduced: ReducedTree | None = None,
    cost_floor: float | None = None,
    cost_ceiling: float | None = None,
) -> pyo.ConcreteModel:
    """The placement MILP of ``problem`` as a Pyomo model (build only, no solve).

    Components: ``y[v, k]`` (binary), ``B[v]`` (boost, m), rows ``one_pump``, ``boost``,
    ``need``, ``ceiling`` and, with ``tighten``, ``z[v]`` with rows ``capped``; the objective
    ``cost``. Read the answer back with :func:`placement_from_model`.

    ``cost_floor``: a lower bound on the optimum proved elsewhere (e.g. by the tree dynamic
    programme), added as the row ``floor``; the model's own proof then rests on it.
    ``cost_ceiling``: the cost of a known feasible plan; a size dearer than it alone can be in
    no optimal plan, so its columns are left out (a size priced at 1e15 to switch it off then
    never reaches HiGHS, whose tolerances it would break).
    """
    rt = reduced if reduced is not None else reduce_tree(problem, presolve=presolve)
    if cost_ceiling is not None and np.isfinite(cost_ceiling):
        affordable = rt.cost <= cost_ceiling * (1 + 1e-9) + 1e-9
        allowed = rt.allowed & affordable
        chain = rt.chain[allowed[rt.chain[:, 0]].any(axis=1)] if len(rt.chain) else rt.chain
        rt = dataclasses.replace(rt, allowed=allowed, chain=chain)
    m = pyo.ConcreteModel(name=f"pump_placement[{problem.tree.name}]")
    m.reduced = rt  # plain Python attribute: the data the rows were built from
    define_pump_choice(m, rt)
    define_one_pump(m, rt)
    define_chain_order(m, rt)
    define_boost(m, rt, exact=not tighten or rt.has_ceiling)
    define_capped_boost(m, rt, enabled=tighten)
    define_need(m, rt, capped=tighten)
    define_ceiling(m, rt)
    define_cost(m, rt)
    define_cost_floor(m, cost_floor)
    return m


def define_pump_choice(m: pyo.ConcreteModel, rt: ReducedTree) -> None:
    """Binaries :math:`y_{v,k} \\in \\{0, 1\\}` for the allowed (candidate pipe, size) pairs."""
    vs, ks = np.nonzero(rt.allowed)
    m.PUMPS = pyo.Set(initialize=list(zip(vs.tolist(), ks.tolist(), strict=True)), dimen=2)
    m.y = pyo.Var(m.PUMPS, domain=pyo.Binary)
    by_node: dict[int, list[int]] = {}
    for v, k in zip(vs.tolist(), ks.tolist(), strict=True):
        by_node.setdefault(v, []).append(k)
    m.sizes_of = by_node


def define_one_pump(m: pyo.ConcreteModel, rt: ReducedTree) -> None:
    """At most one pump per pipe: :math:`\\sum_k y_{v,k} \\le 1`."""
    multi = [v for v, ks in m.sizes_of.items() if len(ks) > 1]
    if not multi:
        return
    m.one_pump = pyo.Constraint(multi, rule=lambda m, v: sum(m.y[v, k] for k in m.sizes_of[v]) <= 1)


def define_chain_order(m: pyo.ConcreteModel, rt: ReducedTree) -> None:
    """Pumps sit at the bottom of a chain first: :math:`\\sum_k y_{v,k} \\le \\sum_k y_{w,k}`
    for every pair ``(v, w)`` of :attr:`ReducedTree.chain`."""
    if not len(rt.chain):
        return
    pairs = [(int(v), int(w)) for v, w in rt.chain]
    m.CHAIN = pyo.Set(initialize=pairs, dimen=2)
    m.chain_order = pyo.Constraint(
        m.CHAIN,
        rule=lambda m, v, w: (
            sum(m.y[v, k] for k in m.sizes_of.get(v, ()))
            <= sum(m.y[w, k] for k in m.sizes_of.get(w, ()))
        ),
    )


def _added(m: pyo.ConcreteModel, rt: ReducedTree, v: int, cap: float = np.inf) -> object:
    """:math:`\\sum_k \\min(H_{v,k}, cap) \\, y_{v,k}` (0 for a pipe without candidates)."""
    return sum(min(float(rt.head[v, k]), cap) * m.y[v, k] for k in m.sizes_of.get(v, ()))


def define_boost(m: pyo.ConcreteModel, rt: ReducedTree, *, exact: bool = True) -> None:
    """The boost reaching each relevant node, down the tree:

    .. math:: B_v = B_{a(v)} + \\sum_k H_{v,k} \\, y_{v,k}, \\qquad B_r = 0 .

    Skipped (``exact=False``) when the capped boost of :func:`define_capped_boost` carries the
    requirements alone (no ceiling).
    """
    if not exact:
        return
    nodes = rt.nodes.tolist()
    m.B = pyo.Var(nodes, domain=pyo.NonNegativeReals)

    def rule(m: pyo.ConcreteModel, v: int) -> object:
        p = int(rt.parent[v])
        upstream = m.B[p] if rt.parent[p] >= 0 else 0.0
        return m.B[v] == upstream + _added(m, rt, v)

    m.boost = pyo.Constraint(nodes, rule=rule)


def define_capped_boost(m: pyo.ConcreteModel, rt: ReducedTree, *, enabled: bool = True) -> None:
    """The capped boost :math:`z_v = \\min(B_v, D_v)` (exact on integer points, tighter LP):

    .. math::

        z_v \\le z_{a(v)} + \\sum_k \\min(H_{v,k}, D_v) \\, y_{v,k}, \\qquad
        0 \\le z_v \\le D_v, \\qquad z_r = 0 .

    Valid because :math:`D_v \\le D_{a(v)}` and
    :math:`\\min(b + h, D) \\le \\min(b, D) + \\min(h, D)`.
    """
    if not enabled:
        return
    nodes = rt.nodes.tolist()
    m.z = pyo.Var(nodes, domain=pyo.NonNegativeReals, bounds=lambda m, v: (0.0, float(rt.cap[v])))

    def rule(m: pyo.ConcreteModel, v: int) -> object:
        p = int(rt.parent[v])
        upstream = m.z[p] if rt.parent[p] >= 0 else 0.0
        return m.z[v] <= upstream + _added(m, rt, v, float(rt.cap[v]))

    m.capped = pyo.Constraint(nodes, rule=rule)


def define_need(m: pyo.ConcreteModel, rt: ReducedTree, *, capped: bool = True) -> None:
    """Every kept deficient node is lifted to :math:`P_{\\min}`: :math:`B_v \\ge d_v`
    (on :math:`z_v` when capped)."""
    rows = rt.required.tolist()
    if not rows:
        return
    var = m.z if capped else m.B
    m.need = pyo.Constraint(rows, rule=lambda m, v: var[v] >= float(rt.deficiency[v]))


def define_ceiling(m: pyo.ConcreteModel, rt: ReducedTree) -> None:
    """No node above :math:`P_{\\max}`: :math:`B_v \\le P_{\\max} - p_v` (moved onto the nearest
    relevant ancestor for the other nodes)."""
    rows = [v for v in rt.nodes.tolist() if np.isfinite(rt.ceiling[v])]
    if not rows:
        return
    m.ceiling = pyo.Constraint(rows, rule=lambda m, v: m.B[v] <= float(rt.ceiling[v]))


def define_cost(m: pyo.ConcreteModel, rt: ReducedTree) -> None:
    """The objective :math:`\\min \\sum_{v,k} c_k \\, y_{v,k}`."""
    m.cost = pyo.Objective(
        expr=sum(float(rt.cost[v, k]) * m.y[v, k] for v, k in m.PUMPS), sense=pyo.minimize
    )


def define_cost_floor(m: pyo.ConcreteModel, floor: float | None) -> None:
    """A known lower bound :math:`L` on the optimum: :math:`\\sum c_k y_{v,k} \\ge L` (relaxed by
    a relative 1e-9 so that a placement costing exactly ``L`` stays feasible)."""
    if floor is None or not np.isfinite(floor) or floor <= 0:
        return
    m.floor = pyo.Constraint(expr=m.cost.expr >= floor - 1e-9 * abs(floor))


def placement_from_model(m: pyo.ConcreteModel) -> dict[int, int]:
    """The placement held by the (solved, loaded) model: ``{v: k}`` where ``y[v, k] = 1``."""
    out: dict[int, int] = {}
    for (v, k), var in m.y.items():
        if var.value is not None and var.value > 0.5:
            out[int(v)] = int(k)
    return out


@dataclass(frozen=True)
class Infeasibility:
    """Nodes that make every placement infeasible, found before any solve."""

    unreachable: np.ndarray
    """Deficient nodes that no choice of catalogue pumps on their path can lift to ``P_min``:
    :math:`d_u > \\sum_{v \\in \\mathrm{path}(u)} \\max_k H_{v,k}` (sizes that break the ceiling
    left out)."""
    over_ceiling: np.ndarray
    """Nodes above ``P_max`` already, or whose ``P_min`` requirement exceeds their ceiling."""

    @property
    def infeasible(self) -> bool:
        return bool(len(self.unreachable) or len(self.over_ceiling))

    def message(self, node_names: tuple[str, ...], *, limit: int = 10) -> str:
        """The reasons in words, naming the nodes (at most ``limit`` of each kind)."""

        def names(idx: np.ndarray) -> str:
            shown = ", ".join(node_names[int(v)] for v in idx[:limit])
            more = f" and {len(idx) - limit} more" if len(idx) > limit else ""
            return shown + more

        parts = []
        if len(self.unreachable):
            parts.append(
                f"{len(self.unreachable)} node(s) cannot be lifted to P_min by any pumps of the "
                f"catalogue on their path: {names(self.unreachable)}"
            )
        if len(self.over_ceiling):
            parts.append(
                f"{len(self.over_ceiling)} node(s) conflict with the P_max ceiling (above it "
                f"already, or P_min above P_max): {names(self.over_ceiling)}"
            )
        return "; ".join(parts)


def check_reachable(problem: PumpProblem, reduced: ReducedTree | None = None) -> Infeasibility:
    """Necessary conditions for a feasible placement, node by node.

    The largest boost a node can receive is :math:`R_u = R_{a(u)} + \\max_k H_{u,k}` over the
    sizes allowed on ``e_u`` (:math:`R_r = 0`); a deficient node with :math:`d_u > R_u` can never
    be served. A node whose ceiling is below 0 (or below its own deficiency) can never be either.
    """
    rt = reduced if reduced is not None else reduce_tree(problem)
    tree = problem.tree
    n = tree.n
    best = np.where(rt.allowed, rt.head, 0.0).max(axis=1) if rt.head.size else np.zeros(n)
    reach = np.zeros(n)
    for v in tree.preorder:
        p = rt.parent[v]
        if p >= 0:
            reach[v] = reach[p] + best[v]
    deficient = tree.deficient
    unreachable = np.flatnonzero(deficient & (rt.deficiency > reach + 1e-6))
    headroom = tree.headroom
    over = np.flatnonzero((headroom < -1e-6) | (deficient & (rt.deficiency > headroom + 1e-6)))
    return Infeasibility(unreachable=unreachable, over_ceiling=over)
