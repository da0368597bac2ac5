"""``milp-network`` on the content model: outer approximation with EPANET-checked plans.

The loop (the model is built and handed to HiGHS once; see :mod:`.content_oa`):

1. **Root rounds**: the LP relaxation (integrality dropped) is solved and cut where it
   violates a term, until no term is violated, the bound stalls, or the root's share of the
   time is used. Every LP optimum is a valid lower bound. Then the power cover
   (:mod:`.cover`): the least power the new pumps deliver in the LP, as a row, and the least
   cost of whole pumps that deliver it, as a bound.
2. **MILP rounds**: the MILP (plans strictly cheaper than the incumbent) is solved; its bound
   is a valid lower bound ``LB``. Its plan is simulated in EPANET: a plan that holds is the new
   incumbent (upper bound ``UB``); one that does not is infeasible, so a no-good cut removes it,
   and the repair tries to make it hold. The terms its solution violates are cut. The plans
   HiGHS passed on its way to that one are simulated and cut the same way (:func:`earlier`).
3. Stop when :math:`(UB - LB)/UB \\le` ``gap``, when no cheaper plan exists (``optimal``, or
   ``infeasible`` without any plan: no plan can hold), or at the wall-clock deadline.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from wdnopt.models.pumps import relaxation as rx
from wdnopt.models.pumps.content import ContentModel, assumptions
from wdnopt.models.pumps.network import PlannedPump
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.pumps.content_oa import OuterApproximation, Solve
from wdnopt.solvers.pumps.cover import power_cover
from wdnopt.solvers.pumps.network_loop import (
    REPAIR_S,
    Iteration,
    MilpNetworkOptions,
    Progress,
    cheaper,
    mip_seconds,
    money_text,
    plan_cost,
)
from wdnopt.solvers.pumps.repair import RepairOptions, repair_plan
from wdnopt.solvers.status import Status, relative_gap

logger = logging.getLogger(__name__)

ROOT_SHARE = 0.3
"""Share of the time left that the root's LP rounds may use."""

ROOT_ROUNDS = 200
"""LP rounds at the root at most."""

MILP_MAX_BINARIES = 2_000
"""Above this many pump choices the MILP is not solved (its presolve alone outlasts a time
limit of minutes on 1,000 candidate pipes): the root's LP rounds take all the time, and the
bound is theirs."""

STALL = 1e-4
"""The root stops when five rounds raised its bound by less than this share."""


MAX_REPAIRS = 3
"""Plans that do not hold that the repair is tried on, at most."""

REFINE_ROUNDS = 30
"""LP rounds at most that refine the approximation around one plan (:func:`refine_plan`)."""

STALLED_LP = 10.0
"""A root round that takes this many times the first round's time (and more than
:data:`REFINE_LP_S`) has stalled: the rounds end there."""

REFINE_LP_S = 2.0
"""Seconds one LP of :func:`refine_plan` gets at least (and at most :data:`STALLED_LP` times
the root's first LP beyond that). These LPs take milliseconds, but the simplex, warm-started
after new rows, can stall: on Richmond_skeleton at 1.25 times its demands one such LP took
the 41 s left of a 60 s run, so that no second MILP solve ran."""


def refine_plan(
    oa: OuterApproximation, values, deadline: float, lp_cap: float = REFINE_LP_S
) -> int:
    """Cut the approximation around one plan: with its binaries fixed, solve the LP and cut
    where it violates a term, until the LP is infeasible (the cuts prove the plan infeasible),
    no term is violated, :data:`REFINE_ROUNDS`, or an LP that does not end within
    ``lp_cap`` seconds (the solver is then reset, so that the next run starts afresh). Every
    cut is valid for every plan, so the next MILP sees them all. Returns the LP rounds."""
    oa.fix(values)
    oa.set_integer(False)
    rounds = 0
    try:
        while rounds < REFINE_ROUNDS and time.perf_counter() < deadline - 0.1:
            s = oa.solve(min(lp_cap, deadline - time.perf_counter()))
            rounds += 1
            if s.status is Status.TIME_LIMIT:
                oa.reset()
                break
            if s.values is None or s.status is not Status.OPTIMAL:
                break
            added, _ = oa.separate(s.values)
            if added == 0:
                break
    finally:
        oa.fix(None)
        oa.set_integer(True)
    return rounds


def earlier(
    oa: OuterApproximation,
    s: Solve,
    last: tuple[PlannedPump, ...],
    holds: Callable[[tuple[PlannedPump, ...]], bool],
    offer: Callable[[tuple[PlannedPump, ...]], None],
    deadline: float,
) -> int:
    """The plans HiGHS found on its way to the run's last one (:attr:`Solve.found`), the
    latest first: each is simulated; one that holds is offered as an upper bound, one that
    does not is cut off by a no-good cut, and the terms it violates are cut (every cut is valid
    for every plan). Stops at the deadline. Returns the plans simulated."""
    seen = {tuple(sorted(last))}
    checked = held = 0
    for values in reversed(s.found):
        if time.perf_counter() > deadline - 0.1:
            break
        if len(values) != oa.highs.getNumCol():
            continue  # not a solution of the model as it stands
        plan = oa.plan(values)
        key = tuple(sorted(plan))
        if key in seen:
            continue
        seen.add(key)
        checked += 1
        oa.separate(values)
        if holds(plan):
            held += 1
            offer(plan)
        else:
            oa.no_good(plan)
    logger.debug("the MILP run passed %d plan(s): %d simulated, %d hold",
                 len(s.found), checked, held)  # fmt: skip
    return checked


def run_content(
    problem: PumpProblem,
    options: MilpNetworkOptions,
    model: ContentModel,
    box: rx.HeadBox,
    started: float,
    deadline: float,
    offer: Callable[[tuple[PlannedPump, ...]], None],
    holds: Callable[[tuple[PlannedPump, ...]], bool],
    incumbent: Callable[[], tuple[tuple[PlannedPump, ...] | None, float | None]],
    progress: Progress | None,
) -> tuple[Status, float | None, list[Iteration], dict, str]:
    """The loop of the module notes. Returns the status, the lower bound, the history, extras
    and a message; the incumbent is kept by ``offer``."""
    net = problem.network
    assert net is not None
    data = model.data
    loop_started = time.perf_counter()
    oa = OuterApproximation(model)
    history: list[Iteration] = []
    lower: float | None = None
    status, message = Status.TIME_LIMIT, ""
    extras = {
        "relaxation": "content",
        "envelope_m": box.envelope,
        "assumptions": assumptions(net, data, box.envelope),
        "candidates": len(model.candidates),
        "compile_s": round(oa.build_s, 3),
    }

    def upper() -> float | None:
        return incumbent()[1]

    def raise_lower(bound: float | None) -> None:
        nonlocal lower
        if bound is None:
            return
        ub = upper()
        bound = bound if ub is None else min(bound, ub)
        lower = bound if lower is None else max(lower, bound)

    def proved_none() -> tuple[Status, str]:
        nonlocal lower
        if upper() is None:
            lower = math.inf
            return Status.INFEASIBLE, (
                "no plan can hold on the network: the content model has none "
                "(within the head envelope)"
            )
        lower = upper()
        return Status.OPTIMAL, ""

    def record(it: int, plan_ok: bool | None) -> float | None:
        gap = relative_gap(upper(), lower)
        step = Iteration(it, lower, upper(), gap, time.perf_counter() - started, plan_ok)
        history.append(step)
        logger.info(
            "%s milp-network %d: LB %s, UB %s, gap %s, %d cuts, %.1f s",
            net.name, it, money_text(lower), money_text(upper()),
            "-" if gap is None else f"{gap:.2%}", oa.cuts, step.elapsed_s,
        )  # fmt: skip
        if progress is not None:
            progress(step)
        return gap

    oa.set_budget(cheaper(upper()))
    if not holds(()):  # the network falls short without new pumps: at least one is needed
        oa.no_good(())
    # 1. root rounds on the LP relaxation
    oa.set_integer(False)
    lp_only = len(oa.y_cols) > MILP_MAX_BINARIES
    share = 1.0 if lp_only else ROOT_SHARE
    root_end = time.perf_counter() + share * max(deadline - time.perf_counter(), 0.0)
    rounds, trail = 0, []
    done = False
    ended = "time"  # why the root's rounds ended: "time", "converged", "stalled" or "solver"
    first_s: float | None = None  # the first round's time: a later one far beyond it stalled
    while (lp_only or rounds < ROOT_ROUNDS) and time.perf_counter() < root_end:
        cap = left = root_end - time.perf_counter()
        if first_s is not None:
            cap = min(left, max(REFINE_LP_S, STALLED_LP * first_s))
        s = oa.solve(cap)
        first_s = s.seconds if first_s is None else first_s
        rounds += 1
        if s.status is Status.TIME_LIMIT and cap < left:
            oa.reset()  # the round, warm-started after new rows, stalled
            if lp_only:
                continue  # the next round solves the same LP afresh
            ended = "stalled"  # on to the MILP
            break
        if s.status is Status.INFEASIBLE:
            status, message = proved_none()
            done = True
            break
        if s.values is None or s.status is not Status.OPTIMAL:
            ended = "time" if s.status is Status.TIME_LIMIT else "solver"
            break
        raise_lower(s.bound)
        added, _ = oa.separate(s.values)
        trail.append(s.objective or 0.0)
        if added == 0:
            ended = "converged"
            break
        stalled = len(trail) > 5 and trail[-1] - trail[-6] <= STALL * max(abs(trail[-1]), 1e-9)
        if stalled and not lp_only:  # with no MILP to follow, the rounds go on while they cut
            ended = "stalled"
            break
    extras["root_rounds"] = rounds
    extras["root_bound"] = lower
    lp_cap = max(REFINE_LP_S, STALLED_LP * (first_s or 0.0))  # an LP beyond it has stalled
    left = deadline - time.perf_counter()
    if not done and left > 0.5:
        power, cover_lb = power_cover(oa, problem.catalogue, min(lp_cap, left / 2))
        if cover_lb is not None and math.isinf(cover_lb):  # no whole pumps within the budget
            status, message = proved_none()
            done = True
        else:
            raise_lower(cover_lb)
        extras["cover_power"], extras["cover_bound"] = power, cover_lb
    if lp_only and not done:
        done = True
        how = {
            "time": f"stopped by the time limit of {options.time_limit:g} s",
            "converged": "no term is violated any more (the LP bound is converged)",
            "solver": "HiGHS gave no LP solution",
        }[ended]
        choices = f"the MILP was not solved ({len(oa.y_cols):,} pump choices)"
        if lower is None:
            message = f"{choices}, nor its LP relaxation within the time: no bound; {how}"
        else:
            message = (f"{choices}: the bound is the LP relaxation's after {rounds} round(s) "
                       f"of cuts; {how}")  # fmt: skip
        # cut short by the limit, or ended with time left and no proof: a plan and a bound
        status = Status.TIME_LIMIT if ended == "time" else Status.HEURISTIC
    oa.set_integer(True)
    timing = {"milp_s": 0.0, "check_s": 0.0, "refine_s": 0.0}
    repairs = [0]
    it = 0
    if done:
        record(0, None)
    while not done and it < options.max_iterations:
        it += 1
        left = deadline - time.perf_counter()
        if left <= 0.05:
            message = (f"stopped by the time limit of {options.time_limit:g} s before MILP "
                       f"solve {it}")  # fmt: skip
            break
        # HiGHS stops a MIP a second or two after its limit (not every phase checks it)
        s = oa.solve(max(mip_seconds(left), 0.05), rel_gap=options.gap / 10)
        if s.status is Status.INFEASIBLE:
            status, message = proved_none()
            record(it, None)
            break
        raise_lower(s.bound)
        timing["milp_s"] += s.seconds
        plan_ok: bool | None = None
        if s.values is not None:
            plan = oa.plan(s.values)
            oa.separate(s.values)
            t0 = time.perf_counter()
            plan_ok = holds(plan)
            timing["check_s"] += time.perf_counter() - t0
            if plan_ok:
                offer(plan)
            else:
                t0 = time.perf_counter()
                refine_plan(oa, s.values, deadline, lp_cap)
                timing["refine_s"] += time.perf_counter() - t0
                oa.no_good(plan)
                room = min(REPAIR_S, max(deadline - time.perf_counter(), 0.0) / 4)
                ub = upper()
                if (
                    repairs[0] < MAX_REPAIRS
                    and room > 0.5
                    and (ub is None or plan_cost(plan, problem) < ub)
                ):
                    repairs[0] += 1
                    fixed = repair_plan(problem, plan,
                                        RepairOptions(time_limit=room, max_rounds=10))  # fmt: skip
                    if fixed.holds:
                        offer(fixed.pumps)
            earlier(oa, s, plan, holds, offer, deadline)
            oa.set_budget(cheaper(upper()))
        gap = record(it, plan_ok)
        if gap is not None and gap <= options.gap:
            status = Status.OPTIMAL
            break
        if s.values is None and s.status is Status.TIME_LIMIT:
            message = (f"stopped by the time limit of {options.time_limit:g} s in MILP solve "
                       f"{it}, before it found a plan")  # fmt: skip
            break
    else:
        if not done:
            message = f"stopped after {options.max_iterations} MILP solves"
            status = Status.HEURISTIC  # not cut by the time limit: the bound is all there is
    extras.update(
        cuts=oa.cuts,
        no_good_cuts=oa.no_goods,
        loop_s=time.perf_counter() - loop_started,
        **{k: round(v, 3) for k, v in timing.items()},
    )
    return status, lower, history, extras, message
