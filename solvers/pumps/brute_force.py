"""Exhaustive search over every placement of a tiny tree: an exact reference for tests.

Every assignment ``pipe → {no pump, size 1, …, size r}`` of the candidate pipes
(:attr:`TreeInstance.candidates`) is enumerated, ``(r + 1)^m`` of them, in blocks; boosts of a
whole block come from one range update per pump on pre-order positions and a cumulative sum.
The cheapest assignment that passes the linear tree model's ``P_min`` (and ``P_max``) test is
returned and then confirmed by the one checker. Pipes that are not candidates cannot help
(no deficient node below, or no flow), so the optimum over candidates is the optimum.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.tree import check_placement
from wdnopt.solvers.pumps.tree_ops import tree_layout

MAX_ASSIGNMENTS = 2_000_000


@dataclass(frozen=True)
class BruteForceOptimum:
    """The proven optimum (``cost`` is None when no placement is feasible)."""

    cost: float | None
    placement: dict[int, int]
    enumerated: int


def brute_force(problem: PumpProblem, *, block: int = 65_536) -> BruteForceOptimum:
    """The optimum of ``problem`` by enumeration; refuses more than 2 million assignments."""
    tree = problem.tree
    cand = np.asarray(tree.candidates, dtype=np.int64)
    m, r = len(cand), len(problem.catalogue)
    total = (r + 1) ** m
    if total > MAX_ASSIGNMENTS:
        raise ValueError(f"{total} assignments: too many for exhaustive search")
    layout = tree_layout(tree)
    n = tree.n
    gains = np.hstack([np.zeros((n, 1)), problem.head_gain])  # column 0: no pump
    costs = np.hstack([np.zeros((n, 1)), problem.node_costs])  # c[v, k]; column 0: no pump
    checked = np.asarray(tree.checked, dtype=bool)
    low = np.where(checked, tree.p_min - tree.pressure, -np.inf)[layout.order]
    high = (tree.headroom if tree.p_max is not None else np.full(n, np.inf))[layout.order]
    best_cost, best = np.inf, None
    combos = itertools.product(range(r + 1), repeat=m)
    done = 0
    while done < total:
        genes = np.array(list(itertools.islice(combos, block)), dtype=np.int64).reshape(-1, m)
        done += len(genes)
        heads = gains[cand[None, :], genes]
        diff = np.zeros((len(genes), n + 1))
        rows = np.repeat(np.arange(len(genes)), m)
        np.add.at(diff, (rows, np.tile(layout.pos[cand], len(genes))), heads.ravel())
        np.add.at(diff, (rows, np.tile(layout.end[cand], len(genes))), -heads.ravel())
        boost = np.cumsum(diff[:, :n], axis=1)
        ok = np.all(boost >= low - 1e-9, axis=1) & np.all(boost <= high + 1e-9, axis=1)
        if not ok.any():
            continue
        price = costs[cand[None, :], genes].sum(axis=1)
        price[~ok] = np.inf
        i = int(np.argmin(price))
        if price[i] < best_cost:
            best_cost, best = float(price[i]), genes[i]
    if best is None:
        return BruteForceOptimum(None, {}, total)
    placement = {int(cand[j]): int(k - 1) for j, k in enumerate(best) if k > 0}
    if not check_placement(tree, placement, problem.catalogue).feasible:
        raise AssertionError("enumeration and checker disagree on the optimum")
    cost = problem.price(placement).of(problem.objective)
    return BruteForceOptimum(cost, placement, total)
