"""Repair a plan on the network the user gave: EPANET in the loop, then prune.

Given a problem with its network (:attr:`PumpProblem.network`) and a starting plan ``P``
(possibly empty, e.g. from any algorithm of the registry):

1. **Simulate** the network with ``P`` (:class:`~wdnopt.solvers.pumps.verify.Verifier`). If
   the plan holds (every checked junction within its limits, every new pump forward and within
   its maximum head), go to 4.
2. **Drop faulty pumps**: a new pump without forward flow, or above its maximum head, is
   removed (step 3 may place another where it is needed); so is a curve pump at or beyond
   its curve's zero-head flow.
3. **Linearise and place**: build the tree model of the simulated state
   (:func:`~wdnopt.models.pumps.network.tree_model`: the flow tree of the state with the
   network's own pressures and flows; pipes that already hold a pump cannot take another) and
   solve it exactly with the tree DP (:mod:`~wdnopt.solvers.pumps.tree_dp`) for the remaining
   deficits; add its pumps to ``P``. If no pump in the model lifts a junction that is still
   deficient, stop. Go to 1, at most ``max_rounds`` times.
4. **Prune**: drop each pump, the most expensive first, when the plan still holds without it;
   then move each pump to the cheapest smaller size with which the plan still holds.

**Curve pumps** (sizes with a head curve ``h_k(q)``) take part as they are: the linear model
gives them their head where their curve meets the network and the slope ``h_k'(q)`` once
placed (:mod:`~wdnopt.models.pumps.linear_network`), the tree model ``h_k(q_v)``; their energy,
hence every cost the repair compares (the placement MILP's, pruning's order, the cheaper
sizes), is priced where the one cost function prices it
(:meth:`~wdnopt.models.pumps.problem.PumpProblem.pump_costs`).

**Guarantees.** A plan reported as holding was simulated in EPANET on the user's network with
exactly its pumps, and held there; pruning only keeps changes that were simulated and held, so
no pump of a returned plan can be removed alone. On a tree network step 3 is exact: the model
is the network, the first round places an optimal plan and pruning leaves it as it is.
**Not guaranteed**: optimality on a looped network (the tree model ignores how loops share a
pump's boost and change its flow; ``milp-network``-style bounds are needed to measure the gap),
nor finding a plan when one exists (the loop stops after ``max_rounds`` rounds or
``time_limit`` seconds, or when the model finds no pump that lifts a deficient junction).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import highspy
import numpy as np

from wdnopt.models.pumps.costs import RHO_G, Catalogue
from wdnopt.models.pumps.hydraulics import FLOW_ROUNDOFF, PumpedState
from wdnopt.models.pumps.linear_network import (
    CoverMilp,
    LinearNetwork,
    Stopped,
    cover_milp,
    greedy_cover,
    linearise,
)
from wdnopt.models.pumps.network import PlannedPump, planned_pumps, tree_model
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.tree import TreeInstance
from wdnopt.solvers.highs import quiet_highs, run_for
from wdnopt.solvers.pumps.network_loop import candidate_costs
from wdnopt.solvers.pumps.request import Deadline
from wdnopt.solvers.pumps.tree_dp import TooManyPieces, solve_tree_dp
from wdnopt.solvers.pumps.tree_ops import max_boost
from wdnopt.solvers.pumps.verify import DEFAULT_TOL, Verification, cached_verifier, pump_fault

logger = logging.getLogger(__name__)

LIFT_MARGIN = 0.02
"""Metres above ``P_min`` (and below ``P_max``) the linear model aims at, so that a plan on
the threshold is not lost to the simulation's round-off."""

ROUND_TIME_LIMIT = 5.0
"""Wall-clock seconds for HiGHS in one round of the linear model (its incumbent is used)."""

STALL_ROUNDS = 3
"""Rounds without progress after which the loop stops."""

STALL_GAIN = 0.02
"""Progress: the total shortfall at the checked junctions falls by this share."""

MAX_ROW_PASSES = 4
"""Solves per round at most, each with the rows the previous solution broke added."""

ROUND_GAP = 0.02
"""Relative gap HiGHS stops at in a round: the linear model is itself an approximation."""


@dataclass(frozen=True)
class RepairOptions:
    """Options of the repair (keys ``repair_*`` are not used: these are its own fields)."""

    max_rounds: int = 30
    """Rounds of simulate → linearise → place at most."""
    time_limit: float = 300.0
    """Wall-clock seconds for the whole repair, pruning included (pruning stops early)."""
    prune: bool = True
    """Drop and shrink pumps the network does not need."""


@dataclass(frozen=True)
class Repair:
    """What the repair did."""

    pumps: tuple[PlannedPump, ...]
    """The repaired plan."""
    holds: bool
    """Whether the repaired plan held in its last simulation."""
    start_holds: bool
    """Whether the starting plan held on the network."""
    start_model_error: float
    """Model error of the starting plan (its prediction against the simulation), m."""
    rounds: int
    """Rounds of simulate → linearise → place."""
    added: int
    removed: int
    resized: int
    simulations: int
    runtime_s: float
    message: str
    cut: str = ""
    """The stage the time limit cut short (``""``: none): ``"repair rounds"``,
    ``"pruning skipped"`` or ``"pruning cut short"``."""


def liftable_targets(problem: PumpProblem) -> tuple[TreeInstance, np.ndarray]:
    """The model with each deficit cut to what catalogue pumps can lift in it, and how many
    junctions were cut.

    A deficient junction that no pump of the model lifts to ``P_min`` (every pipe above it
    either holds a pump already, carries too little flow for any size within its maximum head,
    or too much for enough head) gets the target ``p_v + 0.9 · maxboost_v`` this round, so that
    the DP lifts what it can; the next simulation shows what is left. Returns the model and
    the cut junctions (indices).
    """
    tree = problem.tree
    reach = max_boost(problem)
    short = tree.deficient & (tree.deficiency > reach - 1e-6)
    if not short.any():
        return tree, np.flatnonzero(short)
    pressure = np.asarray(tree.pressure, dtype=float).copy()
    pressure[short] = tree.p_min - 0.9 * reach[short]
    return replace(tree, pressure=pressure), np.flatnonzero(short)


def upsized(
    model: TreeInstance,
    cut: np.ndarray,
    pumps: tuple[PlannedPump, ...],
    verdict: Verification,
    catalogue: Catalogue,
) -> dict[PlannedPump, PlannedPump]:
    """For each cut junction, the nearest pump above it in the model moved one size up.

    The next size is the one of least hydraulic power above the pump's own whose head at the
    pump's present flow stays within its maximum head; with curve pumps in the catalogue, the
    one of least head at that flow above the pump's own head there (sizes that do not run at
    that flow are not taken). A pump with no such size stays.
    """
    by_pipe = {p.pipe: p for p in pumps}
    power, max_head = catalogue.hydraulic_kw, catalogue.max_head_m
    out: dict[PlannedPump, PlannedPump] = {}
    for v in cut:
        u = int(v)
        while model.parent[u] >= 0 and model.pipe_names[u] not in by_pipe:
            u = int(model.parent[u])
        pump = by_pipe.get(str(model.pipe_names[u]))
        if pump is None or pump in out:
            continue
        q = verdict.pump_flow.get(verdict.pumps.get(pump, ""), 0.0)
        if not q > 0:
            continue
        if catalogue.has_curves:
            at_q = catalogue.head_at(np.array([q]))[0]  # 0 where a size does not run
            bigger = [k for k in np.argsort(at_q, kind="stable")
                      if at_q[k] > at_q[pump.size]]  # fmt: skip
        else:
            heads = power / (RHO_G * q)
            bigger = [k for k in np.argsort(power, kind="stable")
                      if power[k] > power[pump.size] and heads[k] <= max_head[k]]  # fmt: skip
        if bigger:
            out[pump] = PlannedPump(pump.pipe, pump.upstream, int(bigger[0]))
    return out


def fix_faulty(
    pumps: tuple[PlannedPump, ...], verdict: Verification, catalogue: Catalogue
) -> tuple[PlannedPump, ...]:
    """The plan with each faulty pump replaced: one above its maximum head by the most
    powerful smaller constant-power size that stays within its own maximum head at the pump's
    flow, one without forward flow (or with no such size) dropped; a curve pump without
    forward flow or at or beyond its curve's zero-head flow is dropped (the next round sees
    the flow there)."""
    power, max_head = catalogue.hydraulic_kw, catalogue.max_head_m
    is_curve = catalogue.is_curve
    out = []
    for pump in pumps:
        name = verdict.pumps.get(pump, "")
        q = verdict.pump_flow.get(name, 0.0)
        h = verdict.pump_head.get(name, 0.0)
        if pump_fault(name, pump, catalogue, q, h, DEFAULT_TOL) is None:  # the check's rules
            out.append(pump)
            continue
        if catalogue.sizes[pump.size].curve is not None:
            continue
        if q > FLOW_ROUNDOFF:
            fits = [k for k in range(len(catalogue)) if power[k] < power[pump.size]
                    and not is_curve[k] and power[k] / (RHO_G * q) <= max_head[k]]  # fmt: skip
            if fits:
                best = max(fits, key=lambda k: power[k])
                out.append(PlannedPump(pump.pipe, pump.upstream, int(best)))
    return tuple(sorted(out))


def solve_cover(
    cover: CoverMilp, start: list[tuple[int, int]], time_limit: float, *, name: str = ""
) -> list[tuple[int, int]]:
    """The (pipe, size) pairs of :func:`~wdnopt.models.pumps.linear_network.cover_milp`'s
    MILP solved by HiGHS within ``time_limit`` s (relative gap :data:`ROUND_GAP`), from
    ``start`` (the greedy cover: HiGHS keeps it when it finds nothing better in the time)."""
    h = quiet_highs(False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", ROUND_GAP)
    a, inf = cover.a, highspy.kHighsInf
    n = cover.n_cols
    h.passModel(
        n, a.shape[0], int(a.nnz), 1, 1, 0.0, cover.cost,
        np.zeros(n), np.where(cover.integer, 1.0, inf),
        np.where(np.isfinite(cover.row_lower), cover.row_lower, -inf),
        np.where(np.isfinite(cover.row_upper), cover.row_upper, inf),
        a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data.astype(float),
        cover.integer.astype(np.int32),
    )  # fmt: skip
    column = {(int(e), int(k)): i for i, (e, k) in enumerate(cover.pairs)}
    x = np.zeros(n)
    for pair in start:
        if pair in column:
            x[column[pair]] = 1.0
    n_y = len(cover.pairs)
    if n > n_y:  # the elastic σ of the lift rows (the first rows): what the start leaves short
        lift = a[: n - n_y, :n_y] @ x[:n_y]
        x[n_y:] = np.maximum(cover.row_lower[: n - n_y] - lift, 0.0)
    h.setSolution(_solution(x))
    run_for(h, time_limit, mip=True)
    info = h.getInfo()
    logger.info("%s: cover MILP %s in %.2f s (%d columns)", name, h.getModelStatus(),
                h.getRunTime(), n)  # fmt: skip
    if info.primal_solution_status != 2:
        return list(start)
    value = np.asarray(h.getSolution().col_value)[:n_y]
    return [(int(e), int(k)) for (e, k), v in zip(cover.pairs, value, strict=True) if v > 0.5]


def _solution(x: np.ndarray) -> highspy.HighsSolution:
    sol = highspy.HighsSolution()
    sol.col_value = list(map(float, x))
    sol.value_valid = True
    return sol


def linear_round(
    problem: PumpProblem,
    verdict: Verification,
    state: PumpedState,
    pumps: tuple[PlannedPump, ...],
    deadline: Deadline,
    forbidden: set[tuple[str, int]] | None = None,
) -> tuple[tuple[PlannedPump, ...], str]:
    """New pumps for the remaining deficits, from the linear model of the simulated state
    (:mod:`~wdnopt.models.pumps.linear_network`) solved exactly by HiGHS (never a size on a
    pipe in ``forbidden``: it ran out of its head range there before; once any has, the
    model's range test is the cautious one); and a note when there are none.

    A pipe that already holds a pump may take a larger size instead (:func:`upgrades`): a
    returned pump on such a pipe replaces the one there."""
    net = problem.network
    assert net is not None
    wn, catalogue = net.wn, problem.catalogue
    pumped = {
        p.pipe: (p.upstream, float(verdict.pump_head.get(verdict.pumps.get(p, ""), 0.0)))
        for p in pumps
    }
    curves = {p.pipe: catalogue.sizes[p.size].curve for p in pumps
              if catalogue.sizes[p.size].curve is not None}  # fmt: skip
    is_open = state.link_open
    candidates = [
        name
        for name in wn.pipe_name_list
        if abs(float(state.flow[name])) > FLOW_ROUNDOFF and (is_open is None or bool(is_open[name]))
    ]
    rows = sorted(net.checked)
    model = linearise(
        wn,
        state.head,
        state.flow,
        is_open,
        rows,
        candidates,
        catalogue,
        pumped=pumped,
        cautious=bool(forbidden),
        curves=curves,  # type: ignore[arg-type]
        stop=lambda: deadline.expired,
    )
    if forbidden:
        head = model.head.copy()
        for e, pipe in enumerate(model.pipes):
            for k in range(head.shape[1]):
                if (pipe, k) in forbidden:
                    head[e, k] = 0.0
        model = replace(model, head=head)
    p = state.pressure.reindex(rows).to_numpy(dtype=float)
    margin = LIFT_MARGIN
    need = np.where(p < net.p_min - DEFAULT_TOL, net.p_min + margin - p, 0.0)
    if not (need > 0).any():
        return (), "junctions above P_max that no new pump can bring down"
    floor = np.minimum(net.p_min + margin - p, 0.0)
    ceiling = (net.p_max - margin - p) if net.p_max is not None else np.full(len(rows), np.inf)
    penalty = 10.0 * max(float(np.max(problem.size_costs)), 1.0)
    # c[e, k], as every plan is priced (a curve pump's energy where it would sit)
    sites = [(pipe, up, 0) for pipe, up in zip(model.pipes, model.upstream, strict=True)]
    model, costs = upgrades(model, candidate_costs(problem, sites), pumps, pumped)
    floor_rows: dict[int, float] = {}
    ceiling_rows: dict[int, float] = {}
    new: tuple[PlannedPump, ...] = ()
    for passes in range(MAX_ROW_PASSES):
        if passes and deadline.expired:  # the last pass's plan stands; the next round checks
            break
        cover = cover_milp(model, need, floor_rows, ceiling_rows, costs, penalty)
        start = greedy_cover(cover, need)
        # past the deadline no HiGHS run (its presolve cannot be interrupted): the greedy cover
        chosen = start if deadline.expired else solve_cover(
            cover, start, min(ROUND_TIME_LIMIT, deadline.left()), name=net.name)  # fmt: skip
        new = tuple(PlannedPump(model.pipes[e], model.upstream[e], k) for e, k in chosen)
        # rows the solution breaks in the model: pulled below P_min, or pushed above P_max
        change = cover.change(chosen)
        low = np.flatnonzero((need <= 0) & (change < floor - 1e-9))
        high = np.flatnonzero(change > ceiling + 1e-9)
        fresh = [j for j in low if j not in floor_rows] + [j for j in high if j not in ceiling_rows]
        if not fresh:
            break
        floor_rows.update({int(j): float(floor[j]) for j in low})
        ceiling_rows.update({int(j): float(ceiling[j]) for j in high})
    if not new:
        short = ", ".join(f"{n} by {s:.2f} m" for n, s in verdict.failing(problem.tree, limit=5))
        return (), (
            "no pump on a pipe that can still take one lifts the junctions still short "
            f"within the pumps' maximum heads: {short}"
        )
    return new, ""


def upgrades(
    model: LinearNetwork,
    costs: np.ndarray,
    pumps: tuple[PlannedPump, ...],
    pumped: dict[str, tuple[str, float]],
) -> tuple[LinearNetwork, np.ndarray]:
    """The linear model's columns on pipes that already hold a pump, as swaps to a larger
    size: on such a pipe ``e`` with size ``k_0`` adding ``H_0`` m in the state, size ``k``
    adds :math:`H_{e,k} - H_0` more (its column's head) for :math:`c_{e,k} - c_{e,k_0}` more
    (its price), when both are positive; every other size of ``e`` is no column. ``costs``
    is ``c_k`` by size or ``c_{e,k}`` by pipe; the prices come back by pipe."""
    placed = {p.pipe: p for p in pumps}
    head = model.head.copy()
    price = np.asarray(costs, dtype=float)
    price = np.tile(price, (len(model.pipes), 1)) if price.ndim == 1 else price.copy()
    for e, pipe in enumerate(model.pipes):
        pump = placed.get(pipe)
        if pump is None:
            continue
        now = pumped[pipe][1]
        base = price[e, pump.size]
        more = head[e] - now
        ok = (model.upstream[e] == pump.upstream) & (more > 0) & (price[e] > base)
        head[e] = np.where(ok, more, 0.0)
        price[e] = np.where(ok, price[e] - base, price[e])
    return replace(model, head=head), price


def with_new(
    pumps: tuple[PlannedPump, ...], new: tuple[PlannedPump, ...]
) -> tuple[tuple[PlannedPump, ...], int]:
    """``pumps`` with ``new`` placed (a new pump on a pipe that holds one replaces it), and
    how many were replaced."""
    swapped = {p.pipe for p in new}
    kept = [p for p in pumps if p.pipe not in swapped]
    return tuple(sorted(kept + list(new))), len(pumps) - len(kept)


def _rounds_cut(deadline: Deadline) -> tuple[str, str]:
    """The stage the limit cut (the repair rounds) and the message that says so, with the
    seconds the rounds had of the run's limit."""
    cut = "repair rounds"
    return cut, f"the time limit ran out in the {cut} (they had {deadline.limit:.3g} s of the run)"


def repair_plan(
    problem: PumpProblem,
    start: tuple[PlannedPump, ...] = (),
    options: RepairOptions | None = None,
    *,
    predicted: np.ndarray | None = None,
    deadline: Deadline | None = None,
) -> Repair:
    """Repair ``start`` on ``problem.network`` (see the module notes), until ``deadline`` (a
    placement's: the repair takes what its earlier stages left) or, without one that has a
    limit, for ``options.time_limit`` seconds."""
    options = options or RepairOptions()
    net = problem.network
    if net is None:
        raise ValueError("repair needs the problem's network (PumpProblem.network)")
    if deadline is None or deadline.limit is None:
        deadline = Deadline(options.time_limit)
    started = time.perf_counter()
    verifier = cached_verifier(net.wn, net.factor, net.hour)
    catalogue, tree = problem.catalogue, problem.tree
    sims = 0

    def costs_at(pump: PlannedPump) -> np.ndarray:
        """Cost of each size where ``pump`` sits (the same for every pump without curves)."""
        return np.asarray(problem.pump_costs([pump])[0], dtype=float)

    def simulate(pumps: tuple[PlannedPump, ...]) -> tuple[Verification, object]:
        nonlocal sims
        sims += 1
        return verifier.check(tree, pumps, catalogue)

    pumps = tuple(sorted(start))
    verdict, state = verifier.check(tree, pumps, catalogue, predicted=predicted)
    sims += 1
    start_holds = verdict.verified
    start_error = verdict.max_model_error if pumps else float("nan")  # no pumps: no prediction
    added = removed = resized = rounds = 0
    message = cut = ""
    history: list[float] = []
    forbidden: set[tuple[str, int]] = set()  # (pipe, size) that ran out of range: not again
    while not verdict.verified and rounds < options.max_rounds:
        if deadline.expired:
            cut, message = _rounds_cut(deadline)
            break
        history.append(sum(s for _, s in verdict.failing(tree)))
        if len(history) > STALL_ROUNDS and history[-1] > (1 - STALL_GAIN) * min(
            history[:-STALL_ROUNDS]
        ):
            short = ", ".join(f"{n} by {s:.2f} m" for n, s in verdict.failing(tree, limit=5))
            message = (
                f"no progress in {STALL_ROUNDS} rounds: the pumps placed do not lift the "
                f"junctions still short ({short}); tanks, reservoirs or regulating valves near "
                "them may hold their heads"
            )
            break
        rounds += 1
        if verdict.pump_faults:
            fixed = fix_faulty(pumps, verdict, catalogue)
            forbidden.update((p.pipe, p.size) for p in pumps if p not in fixed)
            removed += len(pumps) - len(fixed)
            resized += sum(1 for p in fixed if p not in pumps)
            pumps = fixed
            verdict, state = simulate(pumps)
            if verdict.verified:
                break
            if verdict.pump_faults and not (len(verdict.below_min) or len(verdict.above_max)):
                continue  # only pumps out of range: fix them again
        if net.looped:
            try:
                new, note = linear_round(
                    problem,
                    verdict,
                    state,
                    pumps,
                    deadline,
                    forbidden,  # type: ignore[arg-type]
                )
            except Stopped:  # the linear model is not finished at the deadline
                cut, message = _rounds_cut(deadline)
                break
            if not new:
                message = note
                break
            pumps, swapped = with_new(pumps, new)
            added += len(new) - swapped
            resized += swapped
            logger.info(
                "%s round %d: %d junction(s) short, +%d pump(s), %d larger, %d in the plan",
                net.name, rounds, len(verdict.below_min), len(new) - swapped, swapped, len(pumps),
            )  # fmt: skip
            verdict, state = simulate(pumps)
            continue
        model = tree_model(
            net,
            state.pressure,  # type: ignore[attr-defined]
            state.flow,  # type: ignore[attr-defined]
            blocked=frozenset(p.pipe for p in pumps),
        )
        model, short = liftable_targets(
            PumpProblem(model, catalogue, problem.cost_model, problem.objective)
        )
        sub = PumpProblem(model, catalogue, problem.cost_model, problem.objective)
        grow = upsized(model, short, pumps, verdict, catalogue)
        if len(short):
            logger.info("%s round %d: %d junction(s) lifted only in part by the model, %d "
                        "pump(s) one size up", net.name, rounds, len(short), len(grow))  # fmt: skip
            pumps = tuple(sorted(grow.get(p, p) for p in pumps))
            resized += len(grow)
        if not model.deficient.any():
            if grow:
                verdict, state = simulate(pumps)
                continue
            message = "no pump on a pipe that can still take one, and no larger size, lifts " + (
                ", ".join(f"{n} (short by {s:.2f} m)" for n, s in verdict.failing(tree, limit=5))
            )
            break
        try:
            solution = solve_tree_dp(sub)
        except TooManyPieces as exc:
            message = f"the tree model grew too large ({exc})"
            break
        if not np.isfinite(solution.cost) or not (solution.placement or grow):
            short = verdict.failing(tree, limit=5)
            message = (
                "no pump on a pipe that can still take one lifts every deficient junction "
                "within the pumps' maximum heads; short: "
                + ", ".join(f"{n} by {s:.2f} m" for n, s in short)
            )
            break
        new = planned_pumps(model, solution.placement)
        added += len(new)
        pumps = tuple(sorted(pumps + new))
        logger.info(
            "%s round %d: %d junction(s) short, +%d pump(s), %d in the plan",
            net.name,
            rounds,
            len(verdict.below_min),
            len(new),
            len(pumps),
        )
        verdict, state = simulate(pumps)

    # on a tree network a plan that holds as placed came from the exact model: nothing to prune
    exact_start = start_holds and not net.looped
    if verdict.verified and options.prune and pumps and not exact_start:
        if deadline.expired:
            cut = "pruning skipped"
        # drop pumps, the most expensive first
        for pump in sorted(pumps, key=lambda p: (-costs_at(p)[p.size], p)):
            if deadline.expired:
                cut = cut or "pruning cut short"
                break
            trial = tuple(p for p in pumps if p != pump)
            if simulate(trial)[0].verified:
                pumps = trial
                removed += 1
        # shrink each pump to the cheapest size that still holds
        for pump in sorted(pumps, key=lambda p: (-costs_at(p)[p.size], p)):
            costs = costs_at(pump)
            cheaper = [k for k in np.argsort(costs, kind="stable") if costs[k] < costs[pump.size]]
            for k in cheaper:
                if deadline.expired:
                    cut = cut or "pruning cut short"
                    break
                smaller = PlannedPump(pump.pipe, pump.upstream, int(k))
                trial = tuple(sorted([smaller if p == pump else p for p in pumps]))
                if simulate(trial)[0].verified:
                    pumps = trial
                    resized += 1
                    break
        verdict, _ = simulate(pumps)
    if not verdict.verified and not message:
        message = f"the plan still fails on the network after {rounds} round(s)"
    runtime = time.perf_counter() - started
    logger.info(
        "%s repair: holds %s, %d pump(s) (+%d, −%d, %d resized), %d round(s), %d simulations, "
        "%.2f s",
        net.name,
        verdict.verified,
        len(pumps),
        added,
        removed,
        resized,
        rounds,
        sims,
        runtime,
    )
    return Repair(
        pumps=pumps,
        holds=verdict.verified,
        start_holds=start_holds,
        start_model_error=start_error,
        rounds=rounds,
        added=added,
        removed=removed,
        resized=resized,
        simulations=sims,
        runtime_s=runtime,
        message=message,
        cut=cut,
    )
