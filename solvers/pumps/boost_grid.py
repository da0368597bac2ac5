"""The tree placement problem on a grid of boosts: whole units of :math:`2^{-30}` m.

The tree dynamic programme (:mod:`.tree_dp`) and its certificate check (:mod:`.dp_certificate`)
both work on this one statement of the problem, in integers, so that sums and shifts of boosts
are exact and the check compares numbers exactly.

With :math:`S = 2^{30}` units per metre, a slack :math:`\\sigma` (units) and
:math:`[\\cdot]` rounding to the nearest integer:

.. math::

    \\ell_v = \\max(0, [S d_v] - \\sigma) \\;(d_v > 0), \\qquad
    u_v = [S C_v] + \\sigma, \\qquad
    h_{v,k} = [S H_{v,k}],

where :math:`d_v` is the deficiency, :math:`C_v` the ceiling of node ``v`` (its own
:math:`P_{\\max} - p_v` and those of the nodes without a deficient node below them whose nearest
such ancestor is ``v``: a boost there is at least the boost at ``v``) and :math:`H_{v,k}` the
head of size ``k`` on ``e_v``. A boost :math:`b` (units) at ``v`` is feasible when
:math:`\\ell_v \\le b \\le u_v`.

**Why the slack.** Rounding moves each head by at most half a unit, so a path with ``m`` pumps
moves the boost by at most ``m/2`` units. With :math:`\\sigma \\ge` the depth of the tree + 1,
every plan that meets the limits exactly meets the grid's (the grid problem is a relaxation:
its optimum is a lower bound), and every plan that meets the grid's misses the exact limits by
at most :math:`2\\sigma/S` m (:data:`MIN_SLACK` gives about 2.4e-7 m on trees up to 127 deep),
well inside the checker's 1e-6 m.

The grid holds boosts below :math:`2^{41}` units (2,048 m); a problem with a deficiency or a
ceiling beyond half of that, or with more than :data:`NODE_LIMIT` nodes, has no grid (None).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wdnopt.models.pumps.problem import PumpProblem

FRAC_BITS = 30
"""Units per metre: :math:`2^{30}` (one unit ≈ 9.3e-10 m)."""

SCALE = float(1 << FRAC_BITS)

X_BITS = 41
"""Boosts are below :math:`2^{41}` units; a key ``node << X_BITS | boost`` orders (node, boost)."""

X_END = 1 << X_BITS
MASK = X_END - 1

NODE_LIMIT = 1 << (63 - X_BITS)
"""Most nodes a grid holds (keys stay below :math:`2^{63}`)."""

LIMIT_M = (X_END >> 1) / SCALE
"""Largest deficiency or finite ceiling (m) the grid takes."""

MIN_SLACK = 128
"""Least slack σ, units."""

NO_CEILING = X_END
"""``u_v`` of a node without a ceiling (beyond every boost of the grid)."""


@dataclass(frozen=True, eq=False)
class BoostGrid:
    """The problem on the grid (see the module notes); arrays are by tree node."""

    parent: np.ndarray
    depth: np.ndarray
    relevant: np.ndarray
    """A deficient node at or below the node."""
    low: np.ndarray
    """:math:`\\ell_v` (0 where no lower limit)."""
    high: np.ndarray
    """:math:`u_v` (``NO_CEILING`` without a ceiling, −1 when no boost is feasible)."""
    head: np.ndarray
    """:math:`h_{v,k}`, shape (n, sizes)."""
    option: np.ndarray
    """True where size ``k`` can go on ``e_v`` (a flow, a head above 0)."""
    slack: int


def boost_grid(problem: PumpProblem) -> BoostGrid | None:
    """The problem on the grid, or None when it does not fit (see the module notes)."""
    tree = problem.tree
    n = tree.n
    if n >= NODE_LIMIT:
        return None
    parent = np.asarray(tree.parent, dtype=np.int64)
    depth = np.asarray(tree.depth, dtype=np.int64)
    relevant = np.asarray(tree.subtree_has_deficit, dtype=bool)
    deficient = np.asarray(tree.deficient, dtype=bool)
    d = np.where(deficient, tree.deficiency, 0.0)
    # every ceiling moved to the nearest ancestor-or-self that is relevant or a root
    anchor = np.arange(n)
    for v in tree.levels[1:]:
        moved = v[~relevant[v]]
        anchor[moved] = anchor[parent[moved]]
    ceiling = np.full(n, np.inf)
    np.minimum.at(ceiling, anchor, np.asarray(tree.headroom, dtype=float))
    finite = np.isfinite(ceiling)
    if d.max(initial=0.0) > LIMIT_M or (finite & (ceiling > LIMIT_M)).any():
        return None
    slack = max(MIN_SLACK, int(depth.max(initial=0)) + 1)
    low = np.where(deficient, np.maximum(np.rint(d * SCALE).astype(np.int64) - slack, 0), 0)
    high = np.full(n, NO_CEILING, dtype=np.int64)
    c = np.rint(np.maximum(ceiling[finite], -1.0) * SCALE).astype(np.int64) + slack
    high[finite] = np.where(c >= 0, c, -1)
    gains = np.asarray(problem.head_gain, dtype=float)
    head = np.rint(np.minimum(gains, LIMIT_M * 4) * SCALE).astype(np.int64)
    can_pump = (parent >= 0) & (np.asarray(tree.flow, dtype=float) > 0)
    option = can_pump[:, None] & (gains > 0)
    return BoostGrid(
        parent=parent,
        depth=depth,
        relevant=relevant,
        low=low.astype(np.int64),
        high=high,
        head=head,
        option=option,
        slack=slack,
    )


def keys(node: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``node << X_BITS | x`` with ``x ≥ 0`` clipped to the grid (values past it are the
    last)."""
    return (np.asarray(node, dtype=np.int64) << X_BITS) | np.minimum(x, MASK)
