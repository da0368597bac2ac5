"""``milp-network``: booster placement on a looped network with a certified gap.

The exact reference beyond trees. Lower bounds come from a MILP relaxation (valid for every
plan inside its head envelope); upper bounds from plans simulated in EPANET on the network the
user gave. The relaxation (option ``relaxation``):

- ``combined`` (default): the link-by-link model of :mod:`wdnopt.models.pumps.relaxation`
  with the content constraint of :mod:`wdnopt.models.pumps.content` added
  (:func:`~wdnopt.models.pumps.content.add_content`, with the energy row of
  :mod:`wdnopt.models.pumps.energy`), so at least as strong as either; the
  model is handed to HiGHS once and cut in place (:mod:`.content_run`). Networks of more
  than :data:`COMBINED_MAX_LINKS` links run ``content`` instead;
- ``content``: the content model alone, handed to HiGHS once and cut in place
  (:mod:`.content_run`);
- ``outer``: the link-by-link model alone.

Curve sizes enter every relaxation with their curves (:func:`~.relaxation._curve_pump`, the
content term of :func:`~wdnopt.models.pumps.content.choice_law`) and the objective prices each
at its pipe's flow (:func:`~.network_loop.candidate_costs`). A catalogue with a convex curve
(``C < 1``) runs ``outer`` whatever is asked, and the answer's ``assumptions`` say so
(:func:`convex_curves`).

Steps 1 and 2 below are shared; ``combined`` and ``content`` then run the loop of
:mod:`.content_run` (root LP rounds, MILP solves cut in place), ``outer`` step 3 here:

1. **Warm start**: the ``network-dp`` heuristic's plan (a share of the time limit), simulated:
   when it holds, its cost is the first upper bound ``UB``; then made cheaper by destroy and
   repair (:mod:`.neighbourhood`, another share).
2. **Bound tightening** (``combined`` and ``outer``): for each link, the least and the
   largest flow of the LP relaxation
   (integrality dropped) with the cost capped at ``UB``; every tightened interval makes the
   chords and tangents of the next model closer to the head-loss laws. Repeated while the
   intervals shrink by more than a few per cent and time allows; the LPs run side by side on
   two copies of the model when two cores are free. Every model of the run leaves out the
   sizes dearer than the incumbent (no plan cheaper than it can hold one).
3. **Iterate**: solve the MILP for plans strictly cheaper than ``UB`` (a short time cap at
   first, doubled while a solve ends without a plan); :math:`\\min(UB, \\text{its bound})` is
   a valid ``LB``. Simulate its plan. A plan that holds updates ``UB``; one that does not is
   infeasible for the true problem, so a no-good cut removes exactly it (the bound stays
   valid) and the repair of :mod:`~wdnopt.solvers.pumps.repair` tries to make it hold (a new
   ``UB`` candidate). Then the approximation is refined where the relaxation's solution sits
   (tangents where it is below a law, breakpoints that split the flow interval where it is on
   a chord above it), and the MILP is solved again.
4. Stop when :math:`(UB - LB)/UB \\le` ``gap`` or the MILP has no plan cheaper than ``UB``
   (status ``optimal``: the gap is closed and the plan holds, confirmed by an independent
   EPANET run), on the wall-clock ``time_limit`` (status ``time_limit``, with the bound and
   the gap; the plan still holds), or when the relaxation has no plan at all
   (``infeasible``: no plan in the head envelope can hold).

Each iteration is logged at info level (LB, UB, gap, time) and passed to ``progress``.
On a tree network the flows are fixed by the demands, the relaxation is the tree model itself
and the first MILP's plan is the tree optimum.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import get_args

import highspy
import numpy as np
import pyomo.environ as pyo

from wdnopt.models.pumps import content as ct
from wdnopt.models.pumps import relaxation as rx
from wdnopt.models.pumps.costs import RHO_G, Catalogue
from wdnopt.models.pumps.curve_cuts import SiCurve
from wdnopt.models.pumps.network import PlannedPump
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.cores import free_workers
from wdnopt.solvers.highs import (
    compile_to_highs,
    make_highs,
    quiet_highs,
    run_for,
    solve_with_highs,
)
from wdnopt.solvers.pumps.content_run import run_content
from wdnopt.solvers.pumps.neighbourhood import improve
from wdnopt.solvers.pumps.network_loop import (
    REPAIR_S,
    Iteration,
    MilpNetworkOptions,
    Progress,
    Relaxation,
    candidate_costs,
    cheaper,
    mip_seconds,
    money_text,
    plan_cost,
)
from wdnopt.solvers.pumps.network_mode import NetworkOptions, run_network
from wdnopt.solvers.pumps.registry import (
    Algorithm,
    register,
)
from wdnopt.solvers.pumps.repair import RepairOptions, repair_plan
from wdnopt.solvers.pumps.result import PlacementResult, make_result
from wdnopt.solvers.pumps.verify import DEFAULT_TOL, cached_verifier, verify_pumps_simulator
from wdnopt.solvers.status import Status, relative_gap

logger = logging.getLogger(__name__)

TIGHTEN_GAIN = 0.05
"""Another bound-tightening pass runs while the flow intervals shrank by this share."""

REFINE_TOL = 1e-3
"""Metres by which the relaxation's head loss may miss the law before a tangent is added."""

LP_TIME = 5.0
"""Seconds HiGHS gets for one bound-tightening LP at most."""

TIGHTEN_THREADS = 2
"""Bound-tightening LPs solved side by side at most (each on its own copy of the model), and
never more than the cores free (:func:`~wdnopt.solvers.cores.free_workers`)."""

FIRST_SOLVE_S = 10.0
"""Seconds the first MILP solve gets (doubled while a solve ends with no plan to refine
around); a solve that stops with a plan is refined and solved again."""


COMBINED_MAX_LINKS = 300
"""Above this many open links, ``combined`` runs the content model alone: the link-by-link
part (direction and segment binaries, tightened by one LP per link and side) left no time for
a single MILP solve on Balerma (454 links) within 120 s, where the content model alone gives a
bound (``benchmarks/bench_milp_network.py``)."""

RELAXATIONS = get_args(Relaxation)

BUDGET_ROW = 1e20
"""The budget row's bound before any incumbent (no limit: HiGHS reads it as infinite)."""


def _room(deadline: float, seconds: float) -> bool:
    """Whether ``seconds`` of work still fit before the wall-clock ``deadline``."""
    return deadline - time.perf_counter() > seconds


def build_model(
    data: rx.NetworkData,
    bounds: rx.Bounds,
    box: rx.HeadBox,
    cands: list[tuple[str, str, int]],
    problem: PumpProblem,
    *,
    tangents: dict[str, list[float]] | None = None,
    budget: float | None = None,
    content: ct.Points | None = None,
    max_cost: float | None = None,
) -> tuple[rx.Relaxation, ct.ContentModel | None]:
    """The relaxation, with the content constraint added when ``content`` (its tangent points
    so far) is given; returns the model and, with the content constraint, the combined model.
    Sizes dearer than ``max_cost`` (the incumbent's cost: the run seeks only cheaper plans)
    have no columns."""
    costs = candidate_costs(problem, cands)
    relax = rx.build_relaxation(data, bounds, box, cands, problem.catalogue, costs,
                                tangents=tangents, budget=budget,
                                max_cost=max_cost)  # fmt: skip
    if content is None:
        return relax, None
    return relax, ct.add_content(relax, problem.catalogue, content, p_tol=DEFAULT_TOL)


def tighten_bounds(
    data: rx.NetworkData,
    bounds: rx.Bounds,
    box: rx.HeadBox,
    cands: list[tuple[str, str, int]],
    problem: PumpProblem,
    budget: float | None,
    deadline: float,
    final: float | None = None,
    content: ct.Points | None = None,
) -> tuple[rx.Bounds, int, float]:
    """One pass of bound tightening on the LP relaxation: for every link the least and the
    largest flow, and for every junction the least and the largest head, with the cost at most
    ``budget``. Returns the new bounds and the LPs solved (``-1``: the LP is infeasible, so no
    plan within the budget exists).

    The relaxation is handed to HiGHS once (:func:`~wdnopt.solvers.highs.compile_to_highs`);
    between LPs only the objective changes, so each starts from the last basis (primal
    simplex), and a side that an earlier LP solution already reaches is not solved for. With
    cores free, the links and junctions are dealt out to :data:`TIGHTEN_THREADS` copies of the
    model, whose LPs run side by side (the LPs are independent: every one is solved on the
    model as it was built, with the bounds of the pass before).

    Every LP optimum is a valid bound: the LP relaxes the MILP, which relaxes the true
    problem (restricted to plans no dearer than the incumbent, which the optimum is). Also
    returns how long building the model took (s). Stops at ``deadline``, and early enough
    before ``final`` (the run's own deadline) to leave time for the models still to build."""
    built = time.perf_counter()
    relax, _ = build_model(data, bounds, box, cands, problem, budget=budget, content=content,
                           max_cost=budget)  # fmt: skip
    build_s = time.perf_counter() - built
    if final is not None:
        deadline = min(deadline, final - 3 * build_s - LP_TIME - 1.0)
    m = relax.model
    m.cost.deactivate()
    lp = compile_to_highs(m)
    build_s += lp.build_s
    if lp.empty:
        return rx.Bounds(bounds.q_lo, bounds.q_hi, bounds.h_lo, bounds.h_hi), -1, build_s
    n = lp.highs.getNumCol()
    ints = np.flatnonzero(lp.integer).astype(np.int32)
    lo = {"q": dict(bounds.q_lo), "h": dict(bounds.h_lo)}
    hi = {"q": dict(bounds.q_hi), "h": dict(bounds.h_hi)}
    widest = sorted(data.links, key=lambda e: -(hi["q"][e] - lo["q"][e]))
    named = [("q", e, m.q[e]) for e in widest]
    named += [("h", j, m.h[j]) for j in data.junctions if j in m.h]
    targets = [(kind, key, col) for kind, key, var in named if (col := lp.column(var)) is not None]
    threads = max(1, min(TIGHTEN_THREADS, free_workers(), len(targets)))
    solvers = [lp.highs] + [_copy(lp.highs) for _ in range(threads - 1)]
    for h in solvers:
        if len(ints):  # the LP relaxation
            continuous = highspy.HighsVarType.kContinuous
            h.changeColsIntegrality(len(ints), ints, np.array([continuous] * len(ints)))
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
        # only the objective changes between LPs: the last basis stays primal feasible
        h.setOptionValue("simplex_strategy", 4)  # primal simplex
    status = highspy.HighsModelStatus
    proved_empty = threading.Event()  # an LP is infeasible: no plan within the budget

    def work(h: highspy.Highs, mine: list[tuple[str, str, int]]) -> int:
        """The LPs of ``mine`` on ``h``; returns how many were solved."""
        seen_lo = np.full(n, np.inf)  # the least and largest value of each column in the LP
        seen_hi = np.full(n, -np.inf)  # solutions so far: a side no LP can move is skipped
        solved = 0
        for kind, key, col in mine:
            for sign in (1.0, -1.0):  # the least value, then the largest (min of its negative)
                if time.perf_counter() > deadline or proved_empty.is_set():
                    return solved
                side = lo[kind][key] if sign > 0 else hi[kind][key]
                reached = seen_lo[col] if sign > 0 else seen_hi[col]
                if sign * (reached - side) <= 1e-9 + 1e-9 * abs(side):
                    continue  # a feasible point of the LP sits on this side already
                h.changeColCost(col, sign)
                run_for(h, min(LP_TIME, deadline - time.perf_counter()))
                solved += 1
                st = h.getModelStatus()  # read before the cost changes back (that resets it)
                x = np.asarray(h.getSolution().col_value)
                bound = sign * float(h.getInfo().objective_function_value)
                h.changeColCost(col, 0.0)
                if st == status.kInfeasible:
                    proved_empty.set()
                    return solved
                if st != status.kOptimal:
                    h.clearSolver()  # a lost simplex: the next LP starts afresh
                    continue
                np.minimum(seen_lo, x, out=seen_lo)
                np.maximum(seen_hi, x, out=seen_hi)
                pad = 1e-7 + 1e-6 * abs(bound)
                if sign > 0:
                    lo[kind][key] = max(lo[kind][key], min(bound - pad, hi[kind][key]))
                else:
                    hi[kind][key] = min(hi[kind][key], max(bound + pad, lo[kind][key]))
        return solved

    if threads == 1:
        solved = work(solvers[0], targets)
    else:  # HiGHS lets go of the GIL while it solves: the LPs run side by side
        with ThreadPoolExecutor(threads) as pool:
            shares = [targets[i::threads] for i in range(threads)]
            solved = sum(pool.map(work, solvers, shares))
    new = rx.Bounds(lo["q"], hi["q"], lo["h"], hi["h"])
    return new, -1 if proved_empty.is_set() else solved, build_s


def _copy(h: highspy.Highs) -> highspy.Highs:
    """A second HiGHS instance holding the same model as ``h``."""
    other = quiet_highs(False)
    other.passModel(h.getLp())
    return other


def lp_bound(
    data: rx.NetworkData,
    bounds: rx.Bounds,
    box: rx.HeadBox,
    cands: list[tuple[str, str, int]],
    problem: PumpProblem,
    time_limit: float,
    content: ct.Points | None = None,
) -> float | None:
    """The least cost of the LP relaxation (integrality dropped): a valid lower bound that
    is there even when the first MILP solve ends without one."""
    relax, _ = build_model(data, bounds, box, cands, problem, content=content)
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(relax.model)
    report, _ = solve_with_highs(relax.model, time_limit=max(time_limit, 0.5))
    if report.status is Status.INFEASIBLE:
        return math.inf
    return report.bound if report.status is Status.OPTIMAL else None


def _width(bounds: rx.Bounds) -> float:
    return float(sum(bounds.q_hi[e] - bounds.q_lo[e] for e in bounds.q_hi))


def refine(relax: rx.Relaxation, catalogue: Catalogue) -> int:
    """Refine the approximation where the relaxation's solution sits. A pipe whose head loss
    falls below its law at the solution's flow gets a tangent there; one above it (on a chord)
    gets a breakpoint there (its interval is split). A chosen pump whose head is above
    :math:`c_k/w` gets a breakpoint at its flow, one below a tangent (a curve pump: see
    :func:`_refine_curve`); an existing pump above its curve a tangent. Returns how many were
    added (0: the solution satisfies every law)."""
    m, data = relax.model, relax.data
    added = 0
    for e in data.links:
        law = data.laws.get(e)
        q = float(pyo.value(m.q[e]))
        if law is None or abs(q) < 1e-7:
            continue
        loss = float(pyo.value(rx.link_loss(relax, e)))
        sign = 1.0 if q >= 0 else -1.0
        target = float(law(abs(q)))
        if sign * loss < target - REFINE_TOL:
            relax.tangents.setdefault(e, []).append(q)
            added += 1
        elif sign * loss > target + REFINE_TOL:
            relax.tangents.setdefault(f"break:{e}", []).append(q)
            added += 1
    c_all = catalogue.hydraulic_kw / RHO_G
    for i, c in enumerate(relax.candidates):
        for k in c.sizes:
            if pyo.value(m.y[i, k]) < 0.5:
                continue
            w, g = float(pyo.value(m.w[i, k])), float(pyo.value(m.g[i, k]))
            curve = catalogue.sizes[k].curve
            if curve is not None:
                added += _refine_curve(relax, c.pipe, k, SiCurve.of(curve), w, g)
                continue
            if w <= 0:
                continue
            head = float(c_all[k]) / w
            if g > head + REFINE_TOL:
                relax.tangents.setdefault(f"pbreak:{c.pipe}:{k}", []).append(w)
                added += 1
            elif g < head - REFINE_TOL:
                relax.tangents.setdefault(f"pump:{c.pipe}", []).append(w)
                added += 1
    for e, (a, b, cc) in data.curves.items():  # power functions (interpolated: no tangents)
        if cc < 1.0:  # a convex curve has no tangents from above (curve_cuts)
            continue
        q = float(pyo.value(m.q[e]))
        start, end = data.ends[e]
        gain = float(pyo.value(rx.node_head(relax, end) - rx.node_head(relax, start)))
        if q > 1e-7 and gain > a - b * q**cc + REFINE_TOL:
            relax.tangents.setdefault(f"curve:{e}", []).append(q)
            added += 1
    return added


def convex_curves(catalogue: Catalogue) -> tuple[str, ...]:
    """Names of the curve sizes whose head curve is convex (``C < 1``): the content model is
    not used with them (:mod:`~wdnopt.models.pumps.curve_cuts`: EPANET's state sits below such
    a curve where it is steep, by more than the content constraint's slack allows)."""
    return tuple(s.name for s in catalogue.sizes if s.curve is not None and s.curve.c < 1.0)


def _refine_curve(
    relax: rx.Relaxation, pipe: str, k: int, curve: SiCurve, w: float, g: float
) -> int:
    """A chosen curve pump off its curve: above a concave curve a tangent at its flow; on a
    secant's side of the curve (below a concave one, above a convex one) a breakpoint there.
    Below a convex curve there is no valid cut (:mod:`~wdnopt.models.pumps.curve_cuts`).
    Returns how many were added, 0 or 1."""
    head = curve.head(w)
    if abs(g - head) <= REFINE_TOL:
        return 0
    if curve.concave and g > head:
        relax.tangents.setdefault(f"ctan:{pipe}:{k}", []).append(w)
    elif curve.concave or g > head:
        relax.tangents.setdefault(f"pbreak:{pipe}:{k}", []).append(w)
    else:
        return 0
    return 1


def run_milp_network(
    problem: PumpProblem,
    options: MilpNetworkOptions | None = None,
    *,
    progress: Progress | None = None,
) -> PlacementResult:
    """Registry entry (see the module notes)."""
    options = options or MilpNetworkOptions()
    started = time.perf_counter()
    deadline = started + options.time_limit
    net = problem.network
    if net is None:
        return make_result(
            problem,
            "milp-network",
            Status.ERROR,
            None,
            message="milp-network needs the network (a problem built from a network file)",
        )
    if options.relaxation not in RELAXATIONS:  # a direct call: files and requests are checked
        return make_result(
            problem,
            "milp-network",
            Status.ERROR,
            None,
            message=f"relaxation must be one of {', '.join(RELAXATIONS)} "
            f"(got {options.relaxation!r})",
        )
    verifier = cached_verifier(net.wn, net.factor, net.hour)
    seen: dict[tuple[PlannedPump, ...], bool] = {}

    def holds(pumps: tuple[PlannedPump, ...]) -> bool:
        key = tuple(sorted(pumps))
        if key not in seen:
            seen[key] = verifier.check(problem.tree, key, problem.catalogue)[0].verified
        return seen[key]

    best: tuple[PlannedPump, ...] | None = None
    upper: float | None = None

    def offer(pumps: tuple[PlannedPump, ...]) -> None:
        nonlocal best, upper
        cost = plan_cost(pumps, problem)
        if (upper is None or cost < upper - 1e-9) and holds(pumps):
            best, upper = tuple(sorted(pumps)), cost

    offer(())
    warm_cost: float | None = None
    if options.warm_start and upper is None:
        share = max(options.warm_share * options.time_limit, 1e-3)
        warm = run_network(problem, NetworkOptions(time_limit=share))
        if warm.has_plan:
            warm_cost = plan_cost(warm.pumps, problem)
            offer(warm.pumps)
        logger.info("%s: warm start (network-dp) %s, %s, in %.1f s", net.name, warm.status.value,
                    money_text(warm_cost), time.perf_counter() - started)  # fmt: skip
    if best and options.improve_share > 0:
        end = min(deadline, time.perf_counter() + options.improve_share * options.time_limit)
        offer(improve(problem, best, end).pumps)
    data = rx.network_data(net)
    cands = rx.candidates(data)
    costs = candidate_costs(problem, cands)
    # the least cost of each size on any candidate: the envelope's knapsack stays an upper bound
    least = costs.min(axis=0) if len(cands) else np.asarray(problem.size_costs, dtype=float)
    n_max = len(cands)
    if upper is not None:
        n_max = min(n_max, math.floor(upper / max(float(least.min()), 1e-9) + 1e-9))
    box = rx.head_box(data, problem.catalogue, n_max, options.envelope_m,
                      costs=least, budget=upper)  # fmt: skip
    bounds = rx.initial_bounds(data, box, cands, problem.catalogue)
    engine = options.relaxation if net.looped else "outer"  # a tree: the flows are fixed
    notes: tuple[str, ...] = ()
    if engine != "outer" and convex_curves(problem.catalogue):
        notes = (
            f"relaxation {engine} replaced by outer: curve sizes "
            f"{', '.join(convex_curves(problem.catalogue))} have C < 1, where EPANET's state sits "
            "off the curve by more than the content constraint's slack",
        )
        engine = "outer"
    if engine == "combined" and len(data.links) > COMBINED_MAX_LINKS:
        engine = "content"  # the link-by-link part is too large to build and branch on here
        logger.info("%s: %d links, the content model on one live HiGHS model",
                    net.name, len(data.links))  # fmt: skip
    content: ct.Points | None = {} if engine == "combined" else None
    lps = 0
    build_s = 0.0  # how long a model of this network takes to build (measured below)
    if not net.looped:  # a tree network: the demands fix every flow, whatever the pumps
        flows = {e: data.state_flow.get(e, 0.0) for e in data.links}
        bounds = rx.Bounds(flows, dict(flows), bounds.h_lo, bounds.h_hi)
    elif options.tighten and engine != "content":
        tight_end = min(deadline, time.perf_counter() + options.tighten_share * options.time_limit)
        width = _width(bounds)
        while time.perf_counter() < tight_end:
            bounds, solved, took = tighten_bounds(
                data, bounds, box, cands, problem, upper, tight_end, deadline, content
            )
            build_s = max(build_s, took)
            if solved < 0:
                break
            lps += solved
            new = _width(bounds)
            if new > (1 - TIGHTEN_GAIN) * width:
                break
            width = new
        logger.info("%s: bounds tightened by %d LP(s), %.1f s into the run", net.name, lps,
                    time.perf_counter() - started)  # fmt: skip
    empty = [e for e in data.links if bounds.q_lo[e] > bounds.q_hi[e] + 1e-9]
    if empty and upper is None:  # the bounds alone admit no state: no plan can hold
        message = (
            f"no plan can hold on the network: link {empty[0]} can carry no flow that keeps "
            f"every checked junction within its limits (head envelope {box.envelope:.4g} m)"
        )
        more = {"warm_cost": warm_cost, "bound_lps": lps, "relaxation": engine,
                "envelope_m": box.envelope,
                "assumptions": ct.assumptions(net, data, box.envelope) + notes,
                "candidates": len(cands)}  # fmt: skip
        return _result(problem, options, Status.INFEASIBLE, None, None, math.inf, [], more,
                       message, started)  # fmt: skip
    if engine in ("content", "combined"):
        built = time.perf_counter()
        if engine == "content":
            model = ct.build_content_model(data, bounds, cands, problem.catalogue, costs,
                                           p_tol=DEFAULT_TOL, max_cost=upper)  # fmt: skip
        else:  # the link-by-link model with the content constraint, cut in place
            _, combined = build_model(data, bounds, box, cands, problem, budget=BUDGET_ROW,
                                      content={}, max_cost=upper)  # fmt: skip
            assert combined is not None
            model = combined
        found = run_content(problem, options, model, box, started, deadline,
                            offer, holds, lambda: (best, upper), progress)  # fmt: skip
        status, lower, history, more, message = found
        more = {
            "warm_cost": warm_cost,
            "bound_lps": lps,
            **more,
            "relaxation": engine,
            "build_s": round(time.perf_counter() - built - more.get("loop_s", 0.0), 3),
        }
        return _result(problem, options, status, best, upper, lower, history, more, message,
                       started)  # fmt: skip
    lower = None
    if _room(deadline, 3 * build_s + 1.0):
        lower = lp_bound(
            data,
            bounds,
            box,
            cands,
            problem,
            min(LP_TIME, deadline - time.perf_counter()),
            content,
        )
    if lower is not None and upper is not None:
        lower = min(lower, upper)
    relax: rx.Relaxation | None = None
    if _room(deadline, 2 * build_s + 0.5):
        built = time.perf_counter()
        relax, _ = build_model(data, bounds, box, cands, problem, budget=cheaper(upper),
                               max_cost=upper)  # fmt: skip
        build_s = max(build_s, time.perf_counter() - built)
    solver = make_highs(rel_gap=options.gap / 10)
    history: list[Iteration] = []
    cuts = 0
    message = ""
    status = Status.TIME_LIMIT
    cap = FIRST_SOLVE_S
    for it in range(1, options.max_iterations + 1):
        left = deadline - time.perf_counter()
        # handing the model to HiGHS takes a build, and HiGHS stops a MIP a second or two
        # after its limit (not every phase checks it): no solve without that room
        seconds = min(mip_seconds(left) - build_s, cap)
        if relax is None or seconds < 0.5:
            message = (f"stopped by the time limit of {options.time_limit:g} s before MILP "
                       f"solve {it}: the {max(left, 0.0):.2g} s left held no solve")  # fmt: skip
            break
        solver.config.time_limit = seconds
        report, _ = solve_with_highs(relax.model, solver=solver)
        if report.status is Status.INFEASIBLE:
            # no plan in the relaxation is cheaper than the incumbent (or at all)
            if upper is None:
                status, lower = Status.INFEASIBLE, math.inf
                message = "no plan can hold on the network (within the head envelope)"
            else:
                lower, status = upper, Status.OPTIMAL
            history.append(Iteration(it, lower, upper, relative_gap(upper, lower),
                                     time.perf_counter() - started, None))  # fmt: skip
            break
        if report.bound is not None:
            # the bound of plans cheaper than the incumbent: min(UB, bound) bounds them all
            bound = report.bound if upper is None else min(report.bound, upper)
            lower = bound if lower is None else max(lower, bound)
        plan_ok: bool | None = None
        if report.objective is not None:
            plan = relax.plan()
            plan_ok = holds(plan)
            if plan_ok:
                offer(plan)
            else:
                rx.no_good(relax, plan)
                cuts += 1
                repair_left = min(REPAIR_S, max(deadline - time.perf_counter(), 0.0) / 4)
                if repair_left > 0.5 and (upper is None or plan_cost(plan, problem) < upper):
                    fixed = repair_plan(
                        problem, plan, RepairOptions(time_limit=repair_left, max_rounds=10)
                    )
                    if fixed.holds:
                        offer(fixed.pumps)
        gap = relative_gap(upper, lower)
        step = Iteration(it, lower, upper, gap, time.perf_counter() - started, plan_ok)
        history.append(step)
        logger.info(
            "%s milp-network %d: LB %s, UB %s, gap %s, %.1f s",
            net.name, it, money_text(lower), money_text(upper),
            "-" if gap is None else f"{gap:.2%}", step.elapsed_s,
        )  # fmt: skip
        if progress is not None:
            progress(step)
        if gap is not None and gap <= options.gap:
            status = Status.OPTIMAL
            break
        if report.status is Status.TIME_LIMIT and report.objective is None:
            cap *= 2  # nothing to refine around yet: give the same model more time
            continue
        if not _room(deadline, 2 * build_s + 0.5):
            message = (f"stopped by the time limit of {options.time_limit:g} s after MILP "
                       f"solve {it}: no time to refine and rebuild the model")  # fmt: skip
            break
        refine(relax, problem.catalogue)
        relax = _rebuild(relax, data, bounds, box, cands, problem, upper, seen)
    else:
        message = f"stopped after {options.max_iterations} MILP solves"
        status = Status.HEURISTIC  # not cut by the time limit: the bound is all there is
    extras = {"warm_cost": warm_cost, "no_good_cuts": cuts, "bound_lps": lps,
              "envelope_m": box.envelope, "candidates": len(cands),
              "relaxation": engine,
              "assumptions": ct.assumptions(net, data, box.envelope) + notes}  # fmt: skip
    return _result(problem, options, status, best, upper, lower, history, extras, message, started)


def _rebuild(
    relax: rx.Relaxation,
    data: rx.NetworkData,
    bounds: rx.Bounds,
    box: rx.HeadBox,
    cands: list[tuple[str, str, int]],
    problem: PumpProblem,
    upper: float | None,
    seen: dict[tuple[PlannedPump, ...], bool],
) -> rx.Relaxation:
    """The relaxation again with its new tangents, the incumbent's budget and a no-good cut
    for every plan simulated that does not hold."""
    new, _ = build_model(data, bounds, box, cands, problem, tangents=relax.tangents,
                         budget=cheaper(upper), max_cost=upper)  # fmt: skip
    for plan, ok in seen.items():
        if not ok:
            rx.no_good(new, plan)
    return new


def _result(
    problem: PumpProblem,
    options: MilpNetworkOptions,
    status: Status,
    best: tuple[PlannedPump, ...] | None,
    upper: float | None,
    lower: float | None,
    history: list[Iteration],
    more: dict,
    message: str,
    started: float,
) -> PlacementResult:
    gap = relative_gap(upper, lower)
    extras = {
        **more,
        "lower_bound": lower,
        "upper_bound": upper,
        "gap": gap,
        "iterations": len(history),
        "history": tuple(
            (s.iteration, s.lower, s.upper, s.gap, round(s.elapsed_s, 3)) for s in history
        ),
    }
    runtime = time.perf_counter() - started
    if status is Status.INFEASIBLE:
        return make_result(problem, "milp-network", Status.INFEASIBLE, None,
                           runtime_s=runtime, message=message, extras=extras)  # fmt: skip
    if best is None:  # cut by the time limit (the message says where), or no plan found
        return make_result(
            problem, "milp-network",
            Status.TIME_LIMIT if status is Status.TIME_LIMIT else Status.UNKNOWN, None,
            bound=lower, runtime_s=runtime,
            message=(message + "; " if message else "") + "no plan that holds was found",
            extras=extras,
        )  # fmt: skip
    if status is Status.OPTIMAL and not (gap is not None and gap <= options.gap):
        status = Status.TIME_LIMIT
    if status is Status.OPTIMAL and problem.network is not None:
        # cross-check: the plan holds in an independent run (wntr copy, EpanetSimulator)
        check = verify_pumps_simulator(problem.network.wn, problem.tree, best, problem.catalogue)
        if not check.verified:
            status = Status.HEURISTIC
            message = "its plan does not hold in the independent EPANET run: not optimal"
            extras["independent_check"] = False
        else:
            extras["independent_check"] = True
    tree = problem.tree
    index = {(tree.pipe_names[v], tree.node_names[tree.parent[v]]): v
             for v in range(tree.n) if tree.parent[v] >= 0}  # fmt: skip
    placement = {index[(p.pipe, p.upstream)]: p.size for p in best
                 if (p.pipe, p.upstream) in index}  # fmt: skip
    text = (
        f"gap closed ({gap:.2e}) after {len(history)} MILP solve(s)"
        if status is Status.OPTIMAL
        else f"{message or 'stopped'}; LB {money_text(lower)}, UB {money_text(upper)}, gap "
        + ("-" if gap is None else f"{gap:.2%}")
    )
    result = make_result(
        problem, "milp-network", status, placement, bound=lower, runtime_s=runtime,
        message=text, extras=extras, pumps=best,
    )  # fmt: skip
    return replace(result, runtime_s=time.perf_counter() - started)


ALGORITHM = register(
    Algorithm(
        name="milp-network",
        run=run_milp_network,
        options=MilpNetworkOptions,
        summary="certified bounds on any network: a MILP relaxation (the content constraint of "
        "the steady state with outer-approximated head loss and pump heads) for the lower "
        "bound, EPANET-checked plans for the upper bound, refined until the gap closes or "
        "time runs out",
        exact=True,
        network_checked=True,
    )
)
