r"""GA (paper VII-B): a genetic algorithm over one gene per candidate pipe.

**Encoding.** One gene per candidate pipe :math:`e_v` (:attr:`TreeInstance.candidates`,
ordered by pre-order position so that a subtree's genes are contiguous): 0 = no pump,
:math:`k+1` = a size-:math:`k` pump.

**Fitness** (minimised), for an individual with boosts :math:`B` and pump costs :math:`c`:

.. math::

    f = \sum c_{k} + \lambda \Big( |\{v : B_v < d_v\}| + \sum_v \max(0, d_v - B_v)
        + |\{v : B_v > P_{max} - p_v\}| + \sum_v \max(0, B_v - P_{max} + p_v) \Big)

with shortfalls in metres and :math:`\lambda` = ``penalty`` × the dearest pump's cost, so a
node left below ``P_min`` costs more than any pump that would lift it. The whole population is
evaluated at once: a pump on :math:`e_v` adds its head to the pre-order block of
:math:`v`'s subtree, so the boosts of every individual are one weighted ``bincount`` of
``+H`` at the block starts and ``−H`` at the block ends, and one cumulative sum along the
pre-order (:math:`O(\text{pop} \cdot n)` per generation).

**Operators.** Initial population, two ways (option ``start``). ``top-down`` (the default, a
stronger start than the paper's): each individual walks the candidates top-down and, where the
boost from above leaves a deficiency :math:`r`, puts the smallest size whose head reaches
:math:`r \cdot u`, :math:`u \sim U(` ``1 − undershoot``, ``1 + overshoot`` :math:`)`, so
capacities are not far above the deficit (and a few individuals fall short, for diversity).
``paper`` (as the paper describes it): random genes, guided only so that the initial pumps are
not far above the deficit: a candidate that serves a deficient node (largest deficiency
:math:`d` among the nodes it is the nearest candidate above) gets, uniformly, no pump or one of
the sizes whose head is at most :math:`(1 + \text{overshoot})\, d` (the smallest size when
none is); the others get no pump.
Each generation: the ``elites`` fittest are copied; the others are bred by tournament
selection (size ``tournament``), one-point crossover with probability ``crossover`` (in
pre-order, so cuts keep subtrees together), and mutation with probability ``mutation`` per
offspring (one random gene, plus each other gene with probability 1/m, set to "no pump" with
probability 1/2, else to a uniformly drawn size). The paper's template: population 100,
500 generations, crossover 0.8, mutation 0.05, elitism.

**Answer.** The cheapest feasible individual seen in any generation; if none was, the fittest
is repaired top-down (a candidate still short gets the smallest size, or upgrade, that lifts
it) and, if that passes the one checker, returned with a message saying so; otherwise the run
reports that no feasible placement was found. Seeded: the same seed gives the same answer.

pymoo (0.6) is not used: its GA survival is a (μ+λ) truncation, not a generational scheme with
elitism as the paper describes, and categorical genes with per-offspring mutation need custom
operators anyway; the population-wide fitness above is the part that matters for speed and it
is ours either way.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.tree import check_placement
from wdnopt.solvers.pumps.registry import (
    Algorithm,
    Count,
    NonNegative,
    NonNegativeCount,
    Seconds,
    Seed,
    Share,
    register,
)
from wdnopt.solvers.pumps.result import PlacementResult, make_result
from wdnopt.solvers.pumps.tree_ops import TOL, tree_layout, unliftable_nodes, unliftable_result
from wdnopt.solvers.status import Status

log = logging.getLogger(__name__)

NAME = "ga"


@dataclass(frozen=True)
class GAOptions:
    """Options of the GA (defaults: the paper's VII-B settings)."""

    population: Annotated[int, Field(ge=2, le=1_000_000)] = 100
    generations: Count = 500
    crossover: Share = 0.8
    """Probability that a pair of parents is recombined."""
    mutation: Share = 0.05
    """Probability that an offspring is mutated."""
    tournament: Count = 2
    """Individuals per selection tournament."""
    elites: NonNegativeCount = 1
    """Fittest individuals copied unchanged into the next generation."""
    penalty: NonNegative = 10.0
    """``λ`` in units of the dearest pump's cost, per violated node and per metre short."""
    overshoot: NonNegative = 0.5
    """Initial sizes aim at up to ``(1 + overshoot)`` × the deficit."""
    undershoot: Share = 0.1
    """... and down to ``(1 − undershoot)`` × the deficit."""
    start: Literal["top-down", "paper"] = "top-down"
    """Initial population: ``top-down`` (sized to the deficits, top-down) or ``paper``
    (random, guided only so that pumps are not far above the deficit)."""
    seed: Seed = 0
    time_limit: Seconds | None = None
    """Wall-clock seconds for the whole run (none: all generations); a run stopped by it keeps
    its best plan and says at which generation it stopped."""


@dataclass(frozen=True, eq=False)
class _Encoding:
    cand: np.ndarray  # candidate nodes in pre-order
    heads: np.ndarray  # (m, r+1) head of each gene value, column 0 = 0
    costs: np.ndarray  # (m, r+1) cost of each gene value on each gene, 0 for "no pump"
    start: np.ndarray  # pre-order block start of each candidate
    stop: np.ndarray  # pre-order block end of each candidate
    low: np.ndarray  # d at the positions of deficient nodes
    low_pos: np.ndarray
    high: np.ndarray  # P_max − p at the positions of capped nodes
    high_pos: np.ndarray
    up: np.ndarray  # nearest candidate ancestor (gene index) of each candidate, −1 if none
    need: np.ndarray  # largest deficiency among the nodes whose nearest candidate is this one
    n: int


def _encode(problem: PumpProblem) -> _Encoding:
    tree = problem.tree
    layout = tree_layout(tree)
    cand = np.asarray(tree.candidates, dtype=np.int64)
    cand = cand[np.argsort(layout.pos[cand])]
    gains = problem.head_gain[cand]
    heads = np.hstack([np.zeros((len(cand), 1)), gains])
    costs = np.hstack([np.zeros((len(cand), 1)), np.asarray(problem.node_costs[cand], dtype=float)])
    deficient = np.flatnonzero(tree.deficient)
    capped = np.flatnonzero(np.asarray(tree.checked, dtype=bool) & np.isfinite(tree.headroom))
    gene_of = np.full(tree.n, -1, dtype=np.int64)
    gene_of[cand] = np.arange(len(cand))
    nearest = np.full(tree.n, -1, dtype=np.int64)  # nearest candidate at or above v
    for v in layout.order:
        p = tree.parent[v]
        nearest[v] = gene_of[v] if gene_of[v] >= 0 else (nearest[p] if p >= 0 else -1)
    parents = tree.parent[cand]
    up = np.where(parents >= 0, nearest[np.maximum(parents, 0)], -1)
    need = np.full(len(cand), -np.inf)
    served = np.flatnonzero(tree.deficient & (nearest >= 0))
    np.maximum.at(need, nearest[served], tree.deficiency[served])
    return _Encoding(
        cand=cand,
        heads=heads,
        costs=costs,
        start=layout.pos[cand],
        stop=layout.end[cand],
        low=tree.deficiency[deficient],
        low_pos=layout.pos[deficient],
        high=tree.headroom[capped],
        high_pos=layout.pos[capped],
        up=up,
        need=need,
        n=tree.n,
    )


def _boosts(enc: _Encoding, genes: np.ndarray) -> np.ndarray:
    """Boost at every pre-order position for every individual, ``(pop, n)``."""
    pop, m = genes.shape
    h = enc.heads[np.arange(m)[None, :], genes]
    width = enc.n + 1
    base = (np.arange(pop) * width)[:, None]
    idx = np.concatenate([(base + enc.start).ravel(), (base + enc.stop).ravel()])
    weights = np.concatenate([h.ravel(), -h.ravel()])
    diff = np.bincount(idx, weights=weights, minlength=pop * width).reshape(pop, width)
    return np.cumsum(diff[:, : enc.n], axis=1)


def _evaluate(enc: _Encoding, genes: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Fitness and feasibility of every individual."""
    boost = _boosts(enc, genes)
    short = np.maximum(enc.low - boost[:, enc.low_pos], 0.0)
    violation = np.count_nonzero(short > TOL, axis=1) + short.sum(axis=1)
    if len(enc.high_pos):
        over = np.maximum(boost[:, enc.high_pos] - enc.high, 0.0)
        violation = violation + np.count_nonzero(over > TOL, axis=1) + over.sum(axis=1)
    feasible = violation <= TOL
    cost = enc.costs[np.arange(genes.shape[1])[None, :], genes].sum(axis=1)
    return cost + lam * np.where(feasible, 0.0, violation), feasible


def _smallest_reaching(heads_row: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Gene value (1…r) of the smallest head ≥ target, else the largest head's."""
    order = np.argsort(heads_row[1:], kind="stable") + 1
    sorted_heads = heads_row[order]
    i = np.searchsorted(sorted_heads, target - TOL, side="left")
    return order[np.minimum(i, len(order) - 1)]


def _initial(
    problem: PumpProblem, enc: _Encoding, options: GAOptions, rng: np.random.Generator
) -> np.ndarray:
    """Guided individuals: top-down, size each deficit with a random factor near 1 (or the
    paper's random start, ``options.start == "paper"``)."""
    if options.start == "paper":
        return _initial_paper(enc, options, rng)
    pop, m = options.population, len(enc.cand)
    genes = np.zeros((pop, m), dtype=np.int64)
    received = np.zeros((pop, m))  # boost at each candidate, own pump included
    for j in range(m):
        above = received[:, enc.up[j]] if enc.up[j] >= 0 else np.zeros(pop)
        r = enc.need[j] - above
        want = r > TOL
        if want.any():
            factor = rng.uniform(1 - options.undershoot, 1 + options.overshoot, size=pop)
            k = _smallest_reaching(enc.heads[j], r * factor)
            genes[want, j] = k[want]
        received[:, j] = above + enc.heads[j, genes[:, j]]
    return genes


def _initial_paper(enc: _Encoding, options: GAOptions, rng: np.random.Generator) -> np.ndarray:
    """Random individuals: on a candidate serving a deficit ``d``, no pump or a size of head
    at most ``(1 + overshoot) d`` (the smallest size if none is), uniformly; else no pump."""
    pop, m = options.population, len(enc.cand)
    genes = np.zeros((pop, m), dtype=np.int64)
    for j in np.flatnonzero(enc.need > TOL):
        heads = enc.heads[j, 1:]
        usable = np.flatnonzero((heads > 0) & (heads <= (1 + options.overshoot) * enc.need[j]))
        if not len(usable):
            positive = np.flatnonzero(heads > 0)
            if not len(positive):
                continue
            usable = positive[[int(np.argmin(heads[positive]))]]
        choices = np.concatenate([[0], usable + 1])
        genes[:, j] = rng.choice(choices, size=pop)
    return genes


def _repair(problem: PumpProblem, enc: _Encoding, genes: np.ndarray) -> np.ndarray:
    """Top-down: a candidate still short gets the smallest size (or upgrade) that lifts it."""
    genes = genes.copy()
    deficiency = enc.need
    received = np.zeros(len(genes))
    for j in range(len(genes)):
        above = received[enc.up[j]] if enc.up[j] >= 0 else 0.0
        short = deficiency[j] - above - enc.heads[j, genes[j]]
        if short > TOL:
            target = np.array([deficiency[j] - above])
            genes[j] = max(genes[j], int(_smallest_reaching(enc.heads[j], target)[0]))
        received[j] = above + enc.heads[j, genes[j]]
    return genes


def _breed(
    enc: _Encoding,
    fit: np.ndarray,
    genes: np.ndarray,
    options: GAOptions,
    rng: np.random.Generator,
) -> np.ndarray:
    pop, m = genes.shape
    n_kids = pop - min(options.elites, pop)
    n_pairs = (n_kids + 1) // 2
    t = max(1, options.tournament)
    entrants = rng.integers(0, pop, size=(2 * n_pairs, t))
    winners = entrants[np.arange(2 * n_pairs), np.argmin(fit[entrants], axis=1)]
    a, b = genes[winners[0::2]], genes[winners[1::2]]
    if m > 1:
        cut = rng.integers(1, m, size=n_pairs)
        cross = rng.random(n_pairs) < options.crossover
        mask = (np.arange(m)[None, :] < cut[:, None]) | ~cross[:, None]
    else:
        mask = np.ones((n_pairs, m), dtype=bool)
    kids = np.vstack([np.where(mask, a, b), np.where(mask, b, a)])[:n_kids]
    mutate = rng.random(n_kids) < options.mutation
    if mutate.any() and m:
        r = enc.heads.shape[1] - 1
        rows = np.flatnonzero(mutate)
        hit = rng.random((len(rows), m)) < 1.0 / m
        hit[np.arange(len(rows)), rng.integers(0, m, size=len(rows))] = True
        values = np.where(rng.random(hit.shape) < 0.5, 0, rng.integers(1, r + 1, size=hit.shape))
        block = kids[rows]
        block[hit] = values[hit]
        kids[rows] = block
    return kids


def run_ga(problem: PumpProblem, options: GAOptions | None = None) -> PlacementResult:
    """The paper's GA; the cheapest feasible individual found (seeded, repeatable)."""
    options = options or GAOptions()
    started = time.perf_counter()
    unliftable = unliftable_nodes(problem)
    if len(unliftable):
        return unliftable_result(problem, NAME, unliftable, started)
    rng = np.random.default_rng(options.seed)
    enc = _encode(problem)
    m = len(enc.cand)
    if m == 0 or not problem.tree.deficient.any():
        return make_result(
            problem,
            NAME,
            Status.HEURISTIC,
            {},
            runtime_s=time.perf_counter() - started,
            message="no deficient node: no pump needed",
        )
    lam = options.penalty * float(enc.costs.max())
    r_max = len(problem.catalogue)
    genes = _initial(problem, enc, options, rng)
    best_genes: np.ndarray | None = None
    best_cost = np.inf
    found_at = -1
    fit, feasible = _evaluate(enc, genes, lam)
    deadline = started + options.time_limit if options.time_limit is not None else np.inf
    stopped_at = None
    for generation in range(options.generations + 1):
        if feasible.any():
            i = int(np.flatnonzero(feasible)[np.argmin(fit[feasible])])
            if fit[i] < best_cost:
                best_cost, best_genes, found_at = float(fit[i]), genes[i].copy(), generation
        if generation == options.generations:
            break
        if time.perf_counter() > deadline:
            stopped_at = generation
            break
        elite = np.argsort(fit, kind="stable")[: min(options.elites, len(fit))]
        kids = _breed(enc, fit, genes, options, rng)
        kids = np.minimum(kids, r_max)
        genes = np.vstack([genes[elite], kids])
        fit, feasible = _evaluate(enc, genes, lam)
    repaired = False
    if best_genes is None:
        best_genes = _repair(problem, enc, genes[int(np.argmin(fit))])
        repaired = True
    # a size above its maximum head on a pipe adds nothing there (its head is 0): no pump
    usable = enc.heads[np.arange(len(best_genes)), best_genes] > 0
    best_genes = np.where(usable, best_genes, 0)
    placement = {int(enc.cand[j]): int(g - 1) for j, g in enumerate(best_genes) if g > 0}
    check = check_placement(problem.tree, placement, problem.catalogue)
    runtime = time.perf_counter() - started
    extras = {
        "generations": options.generations if stopped_at is None else stopped_at,
        "found_at": found_at,
        "repaired": repaired,
        "stopped_by_time_limit": stopped_at is not None,
        "start": options.start,
    }
    if not check.feasible:
        return make_result(
            problem,
            NAME,
            Status.UNKNOWN,
            None,
            runtime_s=runtime,
            message=(
                "no feasible individual in any generation, and repairing the fittest left "
                f"{len(check.below_min)} node(s) below P_min, {len(check.above_max)} above P_max"
            ),
            extras=extras,
        )
    message = f"{len(placement)} pumps, {options.start} start" + (
        " (no feasible individual; the fittest, repaired)"
        if repaired
        else f" (best found in generation {found_at})"
    )
    if stopped_at is not None:
        message += (
            f"; stopped by the time limit after {stopped_at} of {options.generations} generations"
        )
    return make_result(
        problem,
        NAME,
        Status.HEURISTIC,
        placement,
        runtime_s=runtime,
        message=message,
        extras=extras,
    )


register(
    Algorithm(
        name=NAME,
        run=run_ga,
        options=GAOptions,
        summary="GA (paper VII-B): tournament, one-point crossover, mutation, elitism; seeded",
    )
)
