"""A certificate that a tree placement is optimal, checked without solving anything.

The tree DP (:mod:`.tree_dp`) hands over its tables: for every node ``v`` of a set ``R`` of
non-root nodes, a step function :math:`F_v(b)` on the boost grid (:mod:`.boost_grid`; boosts
:math:`b \\ge 0` in whole units). :func:`check_certificate` proves that
:math:`L = \\sum_r \\tilde G_r(0)` over the roots ``r`` is a lower bound on the cost of every
plan, from these inequalities alone, where
:math:`\\tilde G_u(b) = \\omega_u(b) + \\sum_{c \\in R,\\ a(c) = u} F_c(b)` and
:math:`\\omega_u(b)` is 0 when :math:`\\ell_u \\le b \\le u_u` and :math:`+\\infty` otherwise:

.. math::

    F_v(b) \\le \\tilde G_v(b), \\qquad F_v(b) \\le c_{v,k} + \\tilde G_v(b + h_{v,k})
    \\qquad \\text{for every } v \\in R, \\text{ every size } k \\text{ that fits } e_v,
    \\text{ every } b \\ge 0.

**Why it proves a bound.** Let :math:`O_v(b)` be the least cost of pumps on ``e_v`` and below
it that meets the limits of the nodes of ``R`` below ``v`` (and the ceilings moved onto them),
given the boost ``b`` at ``v``'s parent. By induction from the leaves, :math:`F_v \\le O_v`:
the cheapest such plan either has no pump on ``e_v`` or one of size ``k``, and then costs at
least the right-hand side of the matching inequality. So every plan costs at least
:math:`L` on the constraints of ``R`` and the roots, a relaxation of the grid problem, itself
a relaxation of the exact one (:mod:`.boost_grid`). A plan that meets the limits and costs
:math:`L` is optimal.

**Checked exactly.** Both sides of each inequality are step functions whose breakpoints are
those of :math:`F_v` and those of :math:`\\tilde G_v` moved down by the shift (0 or
:math:`h_{v,k}`); between consecutive ones both are constant. Every breakpoint of either side
is checked, in integers, all nodes at once. The table must start at boost 0 for every node and
``R`` must hold the parent of each of its nodes unless that is a root, or the check fails.

It shares with the DP only the statement of the problem on the grid: not its recursion, its
minima or its read-back. A wrong table value or a wrong cost is caught (the tests perturb
both).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.pumps.boost_grid import MASK, X_BITS, boost_grid, keys


@dataclass(frozen=True, eq=False)
class DpCertificate:
    """Step functions :math:`F_v` on the grid: ``key = v << X_BITS | boost`` (sorted, the
    first at boost 0 for each ``v``) and the value from that boost on."""

    key: np.ndarray
    value: np.ndarray


@dataclass(frozen=True)
class CertificateCheck:
    """The verdict on a certificate."""

    holds: bool
    lower_bound: float
    """:math:`L` (−inf when the certificate does not hold)."""
    reason: str = ""
    """Why it does not hold."""


def _fail(reason: str) -> CertificateCheck:
    return CertificateCheck(False, -np.inf, reason)


def _at(key: np.ndarray, val: np.ndarray, query: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(key, query, side="right") - 1
    return val[np.maximum(idx, 0)]


def check_certificate(problem: PumpProblem, cert: DpCertificate) -> CertificateCheck:
    """Check the inequalities of the module notes; the lower bound :math:`L` when they hold."""
    grid = boost_grid(problem)
    if grid is None:
        return _fail("the problem does not fit the boost grid")
    key = np.asarray(cert.key, dtype=np.int64)
    val = np.asarray(cert.value, dtype=float)
    if key.shape != val.shape or np.isnan(val).any():
        return _fail("malformed tables")
    if key.size and not (np.diff(key) > 0).all():
        return _fail("table keys not strictly increasing")
    node, x = key >> X_BITS, key & MASK
    first = np.ones(key.size, dtype=bool)
    first[1:] = node[1:] != node[:-1]
    members = node[first]
    parent = grid.parent
    n = len(parent)
    if members.size and (members.min() < 0 or members.max() >= n):
        return _fail("a table of a node not in the tree")
    if (x[first] != 0).any():
        return _fail("a table that does not start at boost 0")
    if (parent[members] < 0).any():
        return _fail("a table for a root")
    in_r = np.zeros(n, dtype=bool)
    in_r[members] = True
    up = parent[members]
    if not (in_r[up] | (parent[up] < 0)).all():
        return _fail("a node whose parent has no table and is not a root")
    roots = np.flatnonzero(parent < 0)
    owners = np.concatenate([members, roots])  # nodes u with a G̃_u

    # breakpoints of every G̃_u: its window's and its children's tables
    low, high = grid.low, grid.high
    parts = [keys(owners, np.zeros(owners.size, dtype=np.int64))]
    lo = low[owners]
    parts.append(keys(owners[lo > 0], lo[lo > 0]))
    hi = high[owners] + 1
    edge = (hi > 0) & (hi <= MASK)
    parts.append(keys(owners[edge], hi[edge]))
    parts.append(keys(parent[node], x))
    g_key = np.sort(np.concatenate(parts), kind="stable")  # sorted runs: merged in ~linear time
    g_key = g_key[np.r_[True, g_key[1:] != g_key[:-1]]] if g_key.size else g_key
    g_node, g_x = g_key >> X_BITS, g_key & MASK

    order = np.argsort(up, kind="stable")
    kids, kid_parent = members[order], up[order]

    def g_tilde(u: np.ndarray, b: np.ndarray) -> np.ndarray:
        """:math:`\\tilde G_u(b)`: the window, plus each child's table (by search)."""
        on = np.minimum(b, MASK)  # beyond the grid every table keeps its last value
        out = np.where((on >= low[u]) & (on <= high[u]), 0.0, np.inf)
        start = np.searchsorted(kid_parent, u)
        count = np.searchsorted(kid_parent, u, side="right") - start
        if count.sum():
            row = np.repeat(np.arange(u.size), count)
            first_kid = np.repeat(start - np.cumsum(count) + count, count)
            child = kids[first_kid + np.arange(int(count.sum()))]
            out = out + np.bincount(
                row, weights=_at(key, val, keys(child, b[row])), minlength=u.size
            )
        return out

    cost = np.asarray(problem.node_costs, dtype=float)  # c[v, k]
    # the shift 0 (no pump) and each size that fits e_v
    shifts = [(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool), np.zeros(n))]
    shifts += [(grid.head[:, k], grid.option[:, k], cost[:, k]) for k in range(cost.shape[1])]
    own = np.isin(g_node, members)
    for head, fits, price in shifts:
        ok = fits[members]
        if not ok.any():
            continue
        allowed = np.zeros(n, dtype=bool)
        allowed[members[ok]] = True
        # check points: F_v's breakpoints and G̃_v's moved down by the shift
        mine = own & allowed[g_node]
        moved = np.maximum(g_x[mine] - head[g_node[mine]], 0)
        pts_node = np.concatenate([node[allowed[node]], g_node[mine]])
        pts_x = np.concatenate([x[allowed[node]], moved])
        lhs = _at(key, val, keys(pts_node, pts_x))
        rhs = price[pts_node] + g_tilde(pts_node, pts_x + head[pts_node])
        bad = lhs > rhs + 1e-9 * np.maximum(1.0, np.abs(np.where(np.isfinite(rhs), rhs, 0.0)))
        if bad.any():
            i = int(np.argmax(bad))
            what = "no pump" if not price.any() and not head.any() else "a pump"
            return _fail(
                f"F at node {int(pts_node[i])}, boost {pts_x[i]} units, is {lhs[i]:.10g}: above "
                f"{rhs[i]:.10g} with {what} on its pipe"
            )
    bound = float(g_tilde(roots, np.zeros(roots.size, dtype=np.int64)).sum())
    return CertificateCheck(True, bound)
