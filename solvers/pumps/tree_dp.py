"""An exact tree algorithm: dynamic programming over the boost received from above.

On a tree the boost reaching a subtree is all the subtree needs to know about the rest of the
placement. For every relevant node ``v`` (a deficient node at or below it) let :math:`F_v(b)`
be the least cost of the pumps on ``e_v`` and below it, given the boost ``b`` at ``v``'s parent,
and :math:`G_v(b)` the least cost below ``v`` given the boost ``b`` at ``v`` itself:

.. math::

    G_v(b) &= \\iota[b \\ge d_v] + \\iota[b \\le P_{\\max} - p_v] + \\sum_{c} F_c(b), \\\\
    F_v(b) &= \\min\\Big(G_v(b),\\; \\min_k \\big(c_{v,k} + G_v(b + H_{v,k})\\big)\\Big),

(:math:`\\iota` is 0 when its condition holds, :math:`+\\infty` otherwise; the sum runs over
the relevant children; a pipe without flow has no pump option; :math:`c_{v,k}` is
:attr:`~wdnopt.models.pumps.problem.PumpProblem.node_costs`, the same for every ``v`` unless
``k`` is a curve pump, whose energy is at the flow of ``e_v``). The optimum is
:math:`\\sum_{c} F_c(0)` over the relevant children of the roots.

Every :math:`F_v` and :math:`G_v` is piecewise constant in ``b`` on :math:`[0, \\infty)`, so it
is held exactly as breakpoints and values (:class:`Step`); sums, shifts and minima of such
functions are again such functions. The number of pieces is bounded by the number of distinct
costs a subtree can take below its largest deficiency, which stays small on the instances of
the design note; ``max_pieces`` stops the run (status ``error``) if it does not. The placement
is read back top-down, choosing at every node the option that attains :math:`F_v(b)`.

**How it runs.** On the boost grid (:mod:`.boost_grid`: boosts in whole units of
:math:`2^{-30}` m, so shifts and sums are exact integers) every node of one depth is handled at
once, deepest first: all the step functions of a depth are one sorted array of keys
``node << 41 | boost``, and evaluating them is one search (:func:`_solve_on_grid`); a tree of
10⁵ nodes takes a fraction of a second. The tables of every :math:`F_v` are kept as the
answer's certificate (:mod:`.dp_certificate`), which proves its optimum without the DP. A
problem beyond the grid is solved node by node on :class:`Step` functions in metres
(:func:`solve_tree_dp_steps`, also the reference of the tests).

Registered as ``tree-dp`` (exact). It shares no code with the MILP beyond the tree data, so
the two check each other.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.pumps.boost_grid import MASK, X_BITS, BoostGrid, boost_grid, keys
from wdnopt.solvers.pumps.dp_certificate import DpCertificate
from wdnopt.solvers.pumps.registry import Algorithm, Count, register
from wdnopt.solvers.pumps.result import PlacementResult, make_result
from wdnopt.solvers.status import Status

log = logging.getLogger(__name__)

EVAL_EPS = 1e-9
"""Boosts are evaluated this far (m) inside a piece, so that ``(x − H) + H`` lands on ``x``."""


@dataclass(frozen=True)
class Step:
    """A piecewise constant function on :math:`[0, \\infty)`: ``val[i]`` on
    ``[x[i], x[i+1])``, ``x[0] = 0``, the last piece unbounded; values may be +inf."""

    x: np.ndarray
    val: np.ndarray

    def __call__(self, b: np.ndarray | float) -> np.ndarray:
        idx = np.searchsorted(self.x, b, side="right") - 1
        return self.val[np.maximum(idx, 0)]

    def __len__(self) -> int:
        return len(self.x)

    @staticmethod
    def constant(value: float = 0.0) -> Step:
        return Step(np.zeros(1), np.array([value], dtype=float))

    def compress(self) -> Step:
        """Merge neighbouring pieces of equal value."""
        keep = np.ones(len(self.x), dtype=bool)
        keep[1:] = self.val[1:] != self.val[:-1]
        return Step(self.x[keep], self.val[keep])

    def __add__(self, other: Step) -> Step:
        x = np.union1d(self.x, other.x)
        return Step(x, self(x) + other(x)).compress()

    def minimum(self, other: Step) -> Step:
        x = np.union1d(self.x, other.x)
        return Step(x, np.minimum(self(x), other(x))).compress()

    def shift(self, h: float, cost: float = 0.0) -> Step:
        """``b ↦ cost + self(b + h)`` on ``b ≥ 0``."""
        y = self.x - h
        keep = y > 0
        x = np.concatenate([[0.0], y[keep]])
        val = np.concatenate([self(np.array([h])), self.val[keep]]) + cost
        return Step(x, val).compress()


def window(low: float, high: float) -> Step:
    """0 on ``[low, high]`` (up to a 1e-9 m tolerance above ``high``), +inf elsewhere."""
    if high < max(low, 0.0):
        return Step.constant(np.inf)
    xs, vals = [0.0], [np.inf if low > 0 else 0.0]
    if low > 0:
        xs.append(low)
        vals.append(0.0)
    if np.isfinite(high):
        xs.append(high + EVAL_EPS)
        vals.append(np.inf)
    return Step(np.array(xs), np.array(vals))


@dataclass(frozen=True)
class TreeDpOptions:
    """Options of the exact tree dynamic programme (keys of ``[options.tree-dp]``)."""

    max_pieces: Count = 200_000
    """Stop (status ``error``) when one subtree's cost function has more pieces than this."""


@dataclass(frozen=True)
class DpSolution:
    """Optimum of the dynamic programme (``cost`` is +inf when infeasible)."""

    cost: float
    placement: dict[int, int]
    max_pieces: int
    """Largest number of pieces of any :math:`F_v` (a measure of the work done)."""
    certificate: DpCertificate | None = None
    """Every :math:`F_v` on the boost grid, for :func:`~.dp_certificate.check_certificate`."""


class TooManyPieces(RuntimeError):
    pass


def solve_tree_dp_steps(problem: PumpProblem, *, max_pieces: int = 200_000) -> DpSolution:
    """The optimal placement by dynamic programming over the boost from above, one node at a
    time on :class:`Step` functions in metres (the reference; no certificate)."""
    tree = problem.tree
    n = tree.n
    parent = np.asarray(tree.parent)
    order = tree.preorder
    relevant = tree.subtree_has_deficit.copy()
    d = tree.deficiency
    headroom = tree.headroom
    head = problem.head_gain
    cost = np.asarray(problem.node_costs, dtype=float)  # c[v, k]
    sizes = np.argsort(problem.size_costs, kind="stable")
    can_pump = (parent >= 0) & (np.asarray(tree.flow) > 0)

    # every node's ceiling, moved onto its nearest relevant ancestor (or root)
    anchor = np.arange(n)
    for v in order:
        p = parent[v]
        if p >= 0 and not relevant[v]:
            anchor[v] = anchor[p]
    ceiling = np.full(n, np.inf)
    np.minimum.at(ceiling, anchor, headroom)

    below: list[Step | None] = [None] * n  # Σ F_c over relevant children, then G_v
    g: list[Step | None] = [None] * n
    f_root = 0.0
    pieces = 0
    for v in order[::-1]:
        p = parent[v]
        if p >= 0 and not relevant[v]:
            continue
        lo = float(d[v]) if tree.deficient[v] else 0.0
        gv = window(lo, float(ceiling[v]))
        if below[v] is not None:
            gv = gv + below[v]
        below[v] = None
        if p < 0:
            f_root += float(gv(0.0)[()])
            continue
        g[v] = gv
        fv = gv
        if can_pump[v]:
            for k in sizes:
                fv = fv.minimum(gv.shift(float(head[v, k]), float(cost[v, k])))
        pieces = max(pieces, len(fv))
        if len(fv) > max_pieces:
            raise TooManyPieces(f"{len(fv)} pieces at node {tree.node_names[v]}")
        below[p] = fv if below[p] is None else below[p] + fv
    if not np.isfinite(f_root):
        return DpSolution(cost=np.inf, placement={}, max_pieces=pieces)

    # read the placement back, top-down
    boost = np.zeros(n)
    placement: dict[int, int] = {}
    for v in order:
        p = parent[v]
        if p < 0 or not relevant[v]:
            continue
        b = boost[p]
        gv = g[v]
        assert gv is not None
        best, choice = float(gv(b + EVAL_EPS)[()]), -1
        if can_pump[v]:
            for k in sizes:
                value = float(cost[v, k]) + float(gv(b + head[v, k] + EVAL_EPS)[()])
                if value < best and (
                    not np.isfinite(best) or value < best - 1e-9 * max(1.0, abs(best))
                ):
                    best, choice = value, int(k)
        if choice >= 0:
            placement[int(v)] = choice
            boost[v] = b + head[v, choice]
        else:
            boost[v] = b
    return DpSolution(cost=f_root, placement=placement, max_pieces=pieces)


def solve_tree_dp(problem: PumpProblem, *, max_pieces: int = 200_000) -> DpSolution:
    """The optimal placement by dynamic programming over the boost from above.

    On the boost grid (:mod:`.boost_grid`) all nodes of one depth are processed at once
    (:func:`_solve_on_grid`), with the tables of every :math:`F_v` kept as the certificate; a
    problem the grid does not hold is solved by :func:`solve_tree_dp_steps`.
    """
    grid = boost_grid(problem)
    if grid is None:
        log.info("%s: boosts beyond the grid, node-by-node DP", problem.tree.name)
        return solve_tree_dp_steps(problem, max_pieces=max_pieces)
    return _solve_on_grid(problem, grid, max_pieces)


def _ranges(start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """``concat(arange(s, s + c))`` over the pairs of ``start`` and ``count``."""
    total = int(count.sum())
    first = np.repeat(start - np.cumsum(count) + count, count)
    return first + np.arange(total)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of arrays made of sorted runs: a stable sort merges the runs in about
    linear time."""
    out = np.sort(values, kind="stable")
    if out.size:
        keep = np.empty(out.size, dtype=bool)
        keep[0] = True
        np.not_equal(out[1:], out[:-1], out=keep[1:])
        out = out[keep]
    return out


def _compress(key: np.ndarray, val: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop every breakpoint whose value equals the one before it in the same node."""
    keep = np.ones(key.size, dtype=bool)
    keep[1:] = ((key[1:] >> X_BITS) != (key[:-1] >> X_BITS)) | (val[1:] != val[:-1])
    return key[keep], val[keep]


def _at(key: np.ndarray, val: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Values of the step functions stored as sorted ``key``/``val`` at the query keys (each
    node's first breakpoint is at boost 0, so the search never leaves the node)."""
    return val[np.searchsorted(key, query, side="right") - 1]


def _solve_on_grid(problem: PumpProblem, grid: BoostGrid, max_pieces: int) -> DpSolution:
    """The recursion of the module notes on the boost grid, one depth at a time.

    A batch of step functions is a sorted array of keys ``node << X_BITS | boost`` (the first
    at boost 0 for every node) with a value per key. At depth ``L`` (deepest first), for the
    relevant nodes ``v`` there: the breakpoints of :math:`G_v` are its window's and its
    children's; :math:`G_v` is evaluated there (window + the sum of the children's
    :math:`F_c`); the breakpoints of :math:`F_v` are those of :math:`G_v` and, for each size,
    those moved down by :math:`h_{v,k}` (above 0), where :math:`F_v` is the least of
    :math:`G_v(b)` and :math:`c_k + G_v(b + h_{v,k})`. All are exact integer searches.
    """
    tree = problem.tree
    cost = np.asarray(problem.node_costs, dtype=float)  # c[v, k]
    parent = grid.parent
    sizes = np.argsort(problem.size_costs, kind="stable")
    in_dp = [lv[grid.relevant[lv] | (parent[lv] < 0)] for lv in tree.levels]
    f_key = np.empty(0, dtype=np.int64)
    f_val = np.empty(0)
    g_tables: list[tuple[np.ndarray, np.ndarray]] = [(f_key, f_val)] * len(in_dp)
    cert_key: list[np.ndarray] = []
    cert_val: list[np.ndarray] = []
    f_root = 0.0
    pieces = 0
    for depth in range(len(in_dp) - 1, -1, -1):
        nodes = np.sort(in_dp[depth])
        low, high = grid.low[nodes], grid.high[nodes]
        parts = [keys(nodes, np.zeros(nodes.size, dtype=np.int64))]
        parts.append(keys(nodes[low > 0], low[low > 0]))
        edge = (high + 1 > 0) & (high + 1 <= MASK)
        parts.append(keys(nodes[edge], high[edge] + 1))
        kids = f_key >> X_BITS
        parts.append(keys(parent[kids], f_key & MASK))
        g_key = _sorted_unique(np.concatenate(parts))
        g_node, g_x = g_key >> X_BITS, g_key & MASK
        g_val = np.where((g_x >= grid.low[g_node]) & (g_x <= grid.high[g_node]), 0.0, np.inf)
        if f_key.size:
            child = _sorted_unique(kids)
            start = np.searchsorted(g_key, parent[child] << X_BITS)
            count = np.searchsorted(g_key, (parent[child] + 1) << X_BITS) - start
            where = _ranges(start, count)
            query = keys(np.repeat(child, count), g_x[where])
            below = _at(f_key, f_val, query)
            g_val = g_val + np.bincount(where, weights=below, minlength=g_key.size)
        g_key, g_val = _compress(g_key, g_val)
        g_tables[depth] = (g_key, g_val)
        g_node, g_x = g_key >> X_BITS, g_key & MASK
        rooted = parent[g_node] < 0
        if rooted.any():  # a root's own G at boost 0: the first breakpoint of each root
            first = np.ones(g_key.size, dtype=bool)
            first[1:] = g_node[1:] != g_node[:-1]
            f_root += float(g_val[rooted & first].sum())
        sel = ~rooted
        if not sel.any():
            f_key, f_val = np.empty(0, dtype=np.int64), np.empty(0)
            continue
        pn, px = g_node[sel], g_x[sel]
        moved = px[:, None] - grid.head[pn]
        valid = grid.option[pn] & (moved > 0)
        owner = np.broadcast_to(pn[:, None], moved.shape)[valid]
        cand = _sorted_unique(np.concatenate([g_key[sel], keys(owner, moved[valid])]))
        cn, cx = cand >> X_BITS, cand & MASK
        value = _at(g_key, g_val, cand)
        opts = grid.option[cn]
        for k in sizes:
            m = opts[:, k]
            if m.any():
                shifted = cost[cn[m], k] + _at(
                    g_key, g_val, keys(cn[m], cx[m] + grid.head[cn[m], k])
                )
                value[m] = np.minimum(value[m], shifted)
        f_key, f_val = _compress(cand, value)
        owners = f_key >> X_BITS
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        counts = np.diff(np.r_[starts, owners.size])
        most = int(counts.max(initial=0))
        pieces = max(pieces, most)
        if most > max_pieces:
            worst = int(owners[starts[int(np.argmax(counts))]])
            raise TooManyPieces(f"{most} pieces at node {tree.node_names[worst]}")
        cert_key.append(f_key)
        cert_val.append(f_val)
    all_keys = np.concatenate(cert_key) if cert_key else np.empty(0, dtype=np.int64)
    by_key = np.argsort(all_keys, kind="stable")
    all_vals = np.concatenate(cert_val) if cert_val else np.empty(0)
    certificate = DpCertificate(key=all_keys[by_key], value=all_vals[by_key])
    if not np.isfinite(f_root):
        return DpSolution(cost=np.inf, placement={}, max_pieces=pieces, certificate=certificate)
    placement = _read_back(grid, in_dp, g_tables, cost, sizes)
    return DpSolution(cost=f_root, placement=placement, max_pieces=pieces, certificate=certificate)


def _read_back(
    grid: BoostGrid,
    in_dp: list[np.ndarray],
    g_tables: list[tuple[np.ndarray, np.ndarray]],
    cost: np.ndarray,
    sizes: np.ndarray,
) -> dict[int, int]:
    """The placement, top-down: at every node the option attaining :math:`F_v(b)` (no pump
    unless a size is cheaper by more than a relative 1e-9; among sizes, the cheapest first)."""
    parent = grid.parent
    boost = np.zeros(len(parent), dtype=np.int64)
    placement: dict[int, int] = {}
    for depth in range(1, len(in_dp)):
        nodes = in_dp[depth]
        if nodes.size == 0:
            continue
        g_key, g_val = g_tables[depth]
        b = boost[parent[nodes]]
        best = _at(g_key, g_val, keys(nodes, b))
        choice = np.full(nodes.size, -1)
        for k in sizes:
            m = grid.option[nodes, k]
            value = np.full(nodes.size, np.inf)
            value[m] = cost[nodes[m], k] + _at(
                g_key, g_val, keys(nodes[m], b[m] + grid.head[nodes[m], k])
            )
            finite = np.isfinite(best)
            margin = 1e-9 * np.maximum(1.0, np.abs(np.where(finite, best, 0.0)))
            better = (value < best) & (~finite | (value < best - margin))
            best = np.where(better, value, best)
            choice = np.where(better, k, choice)
        pumped = choice >= 0
        add = np.zeros(nodes.size, dtype=np.int64)
        add[pumped] = grid.head[nodes[pumped], choice[pumped]]
        boost[nodes] = b + add
        placement.update(zip(nodes[pumped].tolist(), choice[pumped].tolist(), strict=True))
    return placement


def run_tree_dp(problem: PumpProblem, options: TreeDpOptions | None = None) -> PlacementResult:
    """Registry entry: the exact optimum, or ``infeasible`` / ``error``."""
    options = options or TreeDpOptions()
    start = time.perf_counter()
    try:
        sol = solve_tree_dp(problem, max_pieces=options.max_pieces)
    except TooManyPieces as exc:
        return make_result(
            problem,
            "tree-dp",
            Status.ERROR,
            None,
            runtime_s=time.perf_counter() - start,
            message=f"cost functions grew too large ({exc}); raise max_pieces",
        )
    runtime = time.perf_counter() - start
    if not np.isfinite(sol.cost):
        return make_result(
            problem,
            "tree-dp",
            Status.INFEASIBLE,
            None,
            runtime_s=runtime,
            message="no placement lifts every deficient node within the limits",
        )
    return make_result(
        problem,
        "tree-dp",
        Status.OPTIMAL,
        sol.placement,
        bound=sol.cost,
        runtime_s=runtime,
        message="proved optimal by dynamic programming over the boost",
        extras={
            "dp_cost": sol.cost,
            "max_pieces": sol.max_pieces,
            **({"dp_certificate": sol.certificate} if sol.certificate is not None else {}),
        },
    )


ALGORITHM = register(
    Algorithm(
        name="tree-dp",
        run=run_tree_dp,
        options=TreeDpOptions,
        summary="exact dynamic programme over the boost received from above (trees only)",
        exact=True,
    )
)
