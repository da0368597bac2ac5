"""``milp-network`` with curve pumps: certified bounds on looped networks, checked by enumeration.

The generated looped networks of ``test_milp_network.py`` (a ring of four junctions with a
chord and a tail) with a catalogue of two curve sizes; every placement is simulated in EPANET
with ``HEAD`` pumps and priced by the one cost function (a curve pump's energy at its pipe's
flow), so the true optimum is known. The bound must never exceed it; when the run proves
optimality, its plan is that optimum and holds in an independent run. Property: the relaxation
(link by link, and with the content constraint) and the content model accept the simulated
state of random plans that hold, for concave (``C ≥ 1``) curves, and the link-by-link
relaxation for convex (``C < 1``) ones, with which ``milp-network`` runs it alone (and says
so).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from wdnopt.models.pumps import content as ct
from wdnopt.models.pumps import relaxation as rx
from wdnopt.models.pumps.costs import RHO_G, Catalogue, PumpSize
from wdnopt.models.pumps.curve_cuts import SiCurve, curve_lines
from wdnopt.models.pumps.curves import HeadCurve, one_point_curve, three_point_curve
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.pumps.milp_network import MilpNetworkOptions, run_milp_network
from wdnopt.solvers.pumps.network_loop import candidate_costs, plan_cost
from wdnopt.solvers.pumps.verify import cached_verifier, verify_pumps_simulator

from .looped import all_plans, enumerated, looped_problem, rows_violated


def curve_size(name: str, curve: HeadCurve, capex: float, efficiency: float) -> PumpSize:
    """A curve size whose rating covers its curve's largest electrical power."""
    rating = 1.05 * RHO_G * curve.max_hydraulic_kw_per_rho_g / efficiency
    return PumpSize(name, rating, capex, efficiency, curve.a, curve)


CURVES = Catalogue(
    (
        curve_size("small", one_point_curve(8.0, 10.0), 1_000.0, 0.65),  # C ≈ 2
        curve_size(
            "large", three_point_curve(((0.0, 24.0), (12.0, 20.0), (30.0, 8.0))), 2_500.0, 0.7
        ),
    )
)
"""Two concave curve sizes: EPANET's one-point fit (``C ≈ 2``) and a three-point fit
(``C ≈ 1.5``)."""

CONVEX = Catalogue(
    (
        CURVES.sizes[0],
        curve_size(
            "flat", three_point_curve(((0.0, 30.0), (10.0, 20.0), (30.0, 12.0))), 2_000.0, 0.7
        ),
    )
)
"""A concave size and one whose curve is convex (``C ≈ 0.54``: ``0 < C < 1``, a fit EPANET
accepts)."""


SEEDS = [19, 27, 37]
"""Seeds of the generated loops on which some curve plan holds (on 3 and 22 none does)."""


@pytest.fixture(scope="module", params=SEEDS)
def case(request):
    problem, optimum, holding = enumerated(request.param, CURVES)
    assert problem.network.looped
    return problem, optimum, list(holding)


def _check_run(problem: PumpProblem, optimum: float | None, relaxation: str):
    """Run ``milp-network``; its bound never passes the optimum, and a proof of optimality
    comes with the optimum's cost and a plan that holds in an independent EPANET run."""
    options = MilpNetworkOptions(time_limit=60, warm_start=False, relaxation=relaxation)
    result = run_milp_network(problem, options)
    if optimum is None:  # no placement holds: no plan, and never a bound below a plan
        assert result.status.value in ("infeasible", "time_limit", "unknown"), result.message
        assert result.objective is None
        return
    assert result.bound is not None and result.bound <= optimum + 1e-6, result.message
    if result.status.value == "optimal":
        assert result.objective == pytest.approx(optimum, rel=1e-9)
        check = verify_pumps_simulator(problem.network.wn, problem.tree, result.pumps,
                                       problem.catalogue)  # fmt: skip
        assert check.verified
    return result


def test_bound_brackets_the_enumerated_optimum(case) -> None:
    """The default relaxation (link by link with the content constraint): its bound never
    passes the optimum, and it proves it."""
    problem, optimum, _ = case
    result = _check_run(problem, optimum, "combined")
    if optimum is not None:
        assert result.status.value == "optimal", result.message


@pytest.mark.parametrize("relaxation", ["outer", "content"])
def test_each_relaxation_alone_brackets_the_optimum(relaxation: str) -> None:
    """Each relaxation alone, on a loop where the content run also repairs plans that do not
    hold: the bound never passes the optimum, and it proves it."""
    problem, optimum, _ = enumerated(37, CURVES)
    result = _check_run(problem, optimum, relaxation)
    assert result.status.value == "optimal", result.message
    assert result.extras["relaxation"] == relaxation


def test_the_objective_prices_curve_pumps_as_plans_are_priced(case) -> None:
    """``c[e, k]`` of the MILP's objective sums to the cost of every plan by the one cost
    function (a curve pump's energy at its pipe's flow)."""
    problem, _, holding = case
    cands = rx.candidates(rx.network_data(problem.network))
    table = candidate_costs(problem, cands)
    row = {(pipe, up): i for i, (pipe, up, _) in enumerate(cands)}
    assert not np.allclose(table, table[0])  # the energy depends on the pipe
    for plan in [*holding[:10], *itertools.islice(all_plans(problem), 20)]:
        total = sum(table[row[p.pipe, p.upstream], p.size] for p in plan)
        assert total == pytest.approx(plan_cost(plan, problem), rel=1e-12)


def _random_holding_plans(problem: PumpProblem, seed: int, count: int = 25):
    """Random plans that hold in EPANET (drawn from every placement that holds), with their
    simulated states."""
    net = problem.network
    _, _, holding = enumerated(seed, problem.catalogue)
    verifier = cached_verifier(net.wn, net.factor, net.hour)
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(holding), size=min(count, len(holding)), replace=False)
    for i in sorted(picks):
        plan = holding[int(i)]
        verdict, state = verifier.check(problem.tree, plan, problem.catalogue)
        yield plan, verdict, state


@pytest.mark.parametrize("catalogue", [CURVES, CONVEX], ids=["concave", "convex"])
@pytest.mark.parametrize("seed", SEEDS)
def test_relaxations_accept_random_curve_plans_that_hold(seed: int, catalogue: Catalogue) -> None:
    """Property: the simulated state of random curve plans that hold satisfies the
    link-by-link relaxation and, for concave curves, the relaxation with the content
    constraint added and the content model alone (every row, the content constraint's slack
    covering EPANET's accuracy)."""
    problem = looped_problem(seed, catalogue)
    data = rx.network_data(problem.network)
    cands = rx.candidates(data)
    costs = candidate_costs(problem, cands)
    box = rx.head_box(data, catalogue)
    bounds = rx.initial_bounds(data, box, cands, catalogue)
    relax = rx.build_relaxation(data, bounds, box, cands, catalogue, costs)
    both = rx.build_relaxation(data, bounds, box, cands, catalogue, costs)
    terms = ct.add_content(both, catalogue, {}, p_tol=5e-3).terms
    alone = ct.build_content_model(data, bounds, cands, catalogue, costs, p_tol=5e-3)
    checked = 0
    for plan, verdict, state in _random_holding_plans(problem, seed):
        head, flow = state.head.to_dict(), state.flow.to_dict()
        flows = {p: state.pump_flow[verdict.pumps[p]] for p in plan}
        heads = {p: state.pump_head[verdict.pumps[p]] for p in plan}
        rx.plan_values(relax, plan, head, flow, flows, heads)
        assert rx.violations(relax, 1e-3) == [], plan
        checked += 1
        if catalogue is CONVEX:  # milp-network runs the link-by-link model alone with it
            continue
        rx.plan_values(both, plan, head, flow, flows, heads)
        ct.set_state(both.model, data, both.candidates, terms, plan, head, flow)
        assert rx.violations(both, 1e-3) == [], plan
        ct.set_state(alone.model, data, alone.candidates, alone.terms, plan, head, flow)
        assert rows_violated(alone.model, 1e-6) == [], plan
    assert checked >= 3


@pytest.mark.parametrize("points", [((0.0, 24.0), (12.0, 20.0), (30.0, 8.0)),
                                    ((0.0, 20.0), (10.0, 12.0), (30.0, 5.0))])  # fmt: skip
def test_curve_lines_hold_on_the_curve(points) -> None:
    """Hand check of :func:`curve_lines`: every point of the curve on the interval satisfies
    every line (tangents on the convex side, the secant on the other), and the secant is
    tight at the interval's ends."""
    curve = SiCurve.of(three_point_curve(points))
    lo, hi = 0.004, min(0.025, curve.max_flow)
    lines = curve_lines(curve, lo, hi, [0.005, 0.01, 0.02], room=0.0)
    grid = np.linspace(lo, hi, 101)
    for line in lines:
        rhs = line.a * grid + line.b
        heads = np.array([curve.head(q) for q in grid])
        if line.upper:
            assert (heads <= rhs + 1e-9).all()
        else:
            assert (heads >= rhs - 1e-9).all()
    secant = [ln for ln in lines if ln.upper != curve.concave]
    assert len(secant) == 1
    for q in (lo, hi):
        assert secant[0].a * q + secant[0].b == pytest.approx(curve.head(q))


def test_convex_curves_run_the_outer_relaxation_and_say_so() -> None:
    """With a curve of ``C < 1`` the default ``combined`` runs ``outer`` and the answer's
    assumptions say so; the bound stays below the enumerated optimum."""
    problem, optimum, _ = enumerated(19, CONVEX)
    result = _check_run(problem, optimum, "combined")
    assert result.extras["relaxation"] == "outer"
    assert any("replaced by outer" in a and "flat" in a for a in result.extras["assumptions"])
