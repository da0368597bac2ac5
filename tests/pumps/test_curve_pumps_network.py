"""Curve pumps on looped networks: the linear model against EPANET, ``network-dp`` and the
repair, ``wdnopt solve``'s default command, and a loop whose pipes carry under 1 L/s.

Networks: the generated looped networks of ``test_milp_network.py`` (a ring of four junctions
with a chord and a tail), Net1 at demand factor 4 (shipped with wntr, two junctions short) and a
generated loop of 50 mm pipes; catalogue: the shipped ``data/pumps/curve_catalogue.csv``.

**Tolerances.** On a tree network the linear model is exact (``S`` is 0/1, flows do not change,
a curve pump adds ``h_k(q_v)``): EPANET must agree within 0.01 m, the tolerance of the
constant-power tree tests (``test_verify.py``, ``test_curve_pumps.py``). On loops the model is
first order: near the operating point (one pump adding at most :data:`NEAR_M` of head) its
error must stay under ``SECOND_ORDER · H²`` (m, ``H`` the model's head), a tolerance that the
constant-power catalogue meets on the same networks too (measured: up to 0.015 H² for constant
power, 0.076 H² for the curve catalogue; near its zero-head flow a curve is steep, so the
model's estimate of the pump's flow weighs more in its head).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import wntr

from wdnopt.models.pumps.catalogue import CURVE_CATALOGUE, DEFAULT_CATALOGUE, load_catalogue
from wdnopt.models.pumps.hydraulics import FLOW_ROUNDOFF, simulate
from wdnopt.models.pumps.instance import build_problems, problem_at
from wdnopt.models.pumps.linear_network import linearise
from wdnopt.models.pumps.network import PlannedPump
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.schema import PumpPlacementScenario
from wdnopt.solvers.cli.main import main
from wdnopt.solvers.pumps.network_mode import run_network
from wdnopt.solvers.pumps.verify import cached_verifier, verify_pumps_simulator

from . import looped

SEEDS = [3, 19, 22, 27, 37]
NEAR_M = 5.0
"""Largest head (m) of a pump "near the operating point" in the loop tests."""
SECOND_ORDER = 0.1
"""``c`` of the loop tests' tolerance ``c · H²`` (m)."""
NEAR_RISE = 4e-3
"""Largest rise of a curve pump's flow (m³/s) "near the operating point"."""
TREE_TOL = 0.01
"""Metres by which EPANET may differ from the model on a tree network."""


def looped_problem(seed: int, catalogue_file: Path) -> PumpProblem:
    return looped.looped_problem(seed, load_catalogue(catalogue_file))


def net1_problem(catalogue_file: Path) -> PumpProblem:
    (problem,) = build_problems(
        PumpPlacementScenario(
            network={"shipped": "Net1"}, demand_factors=[4.0], catalogue=str(catalogue_file)
        )
    )
    return problem


def model_of(problem: PumpProblem):
    """The linear model of the unpumped network on every pipe with flow, the state and rows."""
    net = problem.network
    assert net is not None
    verifier = cached_verifier(net.wn, net.factor, net.hour)
    _, state = verifier.check(problem.tree, (), problem.catalogue)
    rows = sorted(net.checked)
    candidates = [n for n in net.wn.pipe_name_list if abs(float(state.flow[n])) > FLOW_ROUNDOFF]
    model = linearise(net.wn, state.head, state.flow, state.link_open, rows, candidates,
                      problem.catalogue)  # fmt: skip
    return model, state.pressure.reindex(rows).to_numpy(dtype=float), verifier, rows


def prediction_errors(problem: PumpProblem) -> list[tuple[float, float]]:
    """``(H, largest |EPANET − model|)`` at the checked junctions for every single pump of the
    catalogue whose model head is in ``(0, NEAR_M]``."""
    model, p0, verifier, rows = model_of(problem)
    out = []
    for e, pipe in enumerate(model.pipes):
        for k in range(len(problem.catalogue)):
            head = float(model.head[e, k])
            if not 0 < head <= NEAR_M:
                continue
            plan = (PlannedPump(pipe, model.upstream[e], k),)
            verdict, state = verifier.check(problem.tree, plan, problem.catalogue)
            assert not verdict.pump_faults, verdict.pump_faults  # it runs where the model said
            simulated = state.pressure.reindex(rows).to_numpy(dtype=float)
            predicted = p0 + model.sensitivity[:, e] * head
            out.append((head, float(np.abs(simulated - predicted).max())))
    return out


@pytest.mark.parametrize("catalogue_file", [CURVE_CATALOGUE, DEFAULT_CATALOGUE],
                         ids=["curve", "constant-power"])  # fmt: skip
def test_linear_model_near_the_operating_point_on_loops(catalogue_file: Path) -> None:
    """Every pump of at most 5 m of model head on the generated loops and Net1: EPANET's
    pressures are the model's within ``0.1 H²``, for curve and constant-power pumps alike."""
    errors = []
    for problem in [looped_problem(s, catalogue_file) for s in SEEDS] + [
        net1_problem(catalogue_file)
    ]:
        assert problem.network is not None and problem.network.looped
        errors += prediction_errors(problem)
    assert len(errors) >= 15
    for head, error in errors:
        assert error <= SECOND_ORDER * head**2, (head, error)


def test_linear_model_around_a_curve_plan_on_loops() -> None:
    """Linearised around the state of network-dp's curve plan (the plan's pumps in series
    with their pipes, slope ``C B q^(C-1)``, as the repair does), one more pump of at most 5 m
    of model head: EPANET's pressures are the model's within ``0.1 H²``."""
    checked = 0
    for seed in SEEDS:
        problem = looped_problem(seed, CURVE_CATALOGUE)
        net, cat = problem.network, problem.catalogue
        assert net is not None
        base = run_network(problem).pumps
        verifier = cached_verifier(net.wn, net.factor, net.hour)
        verdict, state = verifier.check(problem.tree, base, cat)
        pumped = {p.pipe: (p.upstream, verdict.pump_head[verdict.pumps[p]]) for p in base}
        curves = {p.pipe: cat.sizes[p.size].curve for p in base}
        rows = sorted(net.checked)
        candidates = [n for n in net.wn.pipe_name_list
                      if n not in pumped and abs(float(state.flow[n])) > FLOW_ROUNDOFF]  # fmt: skip
        model = linearise(net.wn, state.head, state.flow, state.link_open, rows, candidates, cat,
                          pumped=pumped, curves=curves)  # type: ignore[arg-type]  # fmt: skip
        p0 = state.pressure.reindex(rows).to_numpy(dtype=float)
        for e, k in np.argwhere((model.head > 0) & (model.head <= NEAR_M)):
            head = float(model.head[e, k])
            plan = tuple(sorted((*base, PlannedPump(model.pipes[e], model.upstream[e], int(k)))))
            after, pumped_state = verifier.check(problem.tree, plan, cat)
            if after.pump_faults:  # the new pump pushed one of the plan's beyond its curve
                continue
            simulated = pumped_state.pressure.reindex(rows).to_numpy(dtype=float)
            error = float(np.abs(simulated - p0 - model.sensitivity[:, e] * head).max())
            assert error <= SECOND_ORDER * head**2, (seed, head, error)
            checked += 1
    assert checked >= 5


def test_curve_slope_is_the_derivative_of_the_head() -> None:
    for size in load_catalogue(CURVE_CATALOGUE).sizes:
        curve = size.curve
        assert curve is not None
        for q in (0.2, 0.5, 0.9):
            at = q * curve.max_flow
            step = 1e-7 * curve.max_flow
            numeric = (curve.head(at + step) - curve.head(at - step)) / (2 * step)
            assert float(curve.slope(at)) == pytest.approx(float(numeric), rel=1e-5)


@pytest.mark.parametrize("seed", SEEDS)
def test_curve_head_is_where_the_curve_meets_the_network(seed: int) -> None:
    """The model's head of a curve pump is ``h_k(q')`` with ``q' = q_e + s_e h_k(q')``: at or
    below the head at today's flow, usable exactly below the zero-head flow; where EPANET's
    pump flow rises by under :data:`NEAR_RISE` m³/s, the model's rise is within 10 % of it (a
    first-order estimate: larger rises are overestimated, up to twice)."""
    problem = looped_problem(seed, CURVE_CATALOGUE)
    model, _, verifier, _ = model_of(problem)
    cat = problem.catalogue
    today = cat.head_at(model.flow)
    assert (model.head <= today + 1e-9).all()
    assert ((model.head > 0) == (today > 0)).all()
    checked = 0
    for e, pipe in enumerate(model.pipes):
        for k, size in enumerate(cat.sizes):
            if model.head[e, k] <= 0:
                continue
            plan = (PlannedPump(pipe, model.upstream[e], k),)
            verdict, _ = verifier.check(problem.tree, plan, cat)
            rise_run = verdict.pump_flow[verdict.pumps[plan[0]]] - model.flow[e]
            if not 1e-4 < rise_run < NEAR_RISE:
                continue
            curve = size.curve
            q_model = ((curve.a - model.head[e, k]) / curve.b) ** (1 / curve.c) / 1000  # h(q') = H
            assert abs(q_model - model.flow[e] - rise_run) <= 0.1 * rise_run
            checked += 1
    assert checked >= 3


def test_linear_model_is_exact_for_curve_plans_on_a_tree_network() -> None:
    """Random plans of two to four curve pumps on a generated 30-junction tree network (network
    mode): EPANET's pressures are the linear model's sums within 0.01 m."""
    (problem,) = build_problems(
        PumpPlacementScenario(
            network={"generator": {"nodes": 30, "seed": 2}},
            demand_factors=[3.0],
            catalogue=str(CURVE_CATALOGUE),
        )
    )
    assert problem.network is not None and not problem.network.looped
    model, p0, verifier, rows = model_of(problem)
    options = np.argwhere(model.head > 0)
    assert len(options) >= 10
    rng = np.random.default_rng(5)
    for _ in range(6):
        picks: dict[int, int] = {}
        for i in rng.choice(len(options), size=int(rng.integers(2, 5)), replace=False):
            picks.setdefault(int(options[i][0]), int(options[i][1]))
        plan = tuple(sorted(PlannedPump(model.pipes[e], model.upstream[e], k)
                            for e, k in picks.items()))  # fmt: skip
        verdict, state = verifier.check(problem.tree, plan, problem.catalogue)
        assert not verdict.pump_faults
        predicted = p0 + sum(model.sensitivity[:, e] * model.head[e, k] for e, k in picks.items())
        simulated = state.pressure.reindex(rows).to_numpy(dtype=float)
        assert np.abs(simulated - predicted).max() < TREE_TOL


# --- network-dp and the repair with curve pumps ------------------------------------------------


def assert_holds_independently(problem: PumpProblem, pumps: tuple[PlannedPump, ...]) -> None:
    """The plan inserted by wntr (``with_pumps``) and run in ``EpanetSimulator``: every checked
    junction at ``P_min`` or above, every pump forward and within its curve."""
    assert problem.network is not None
    verdict = verify_pumps_simulator(problem.network.wn, problem.tree, pumps, problem.catalogue)
    assert verdict.verified, (verdict.failing(problem.tree), verdict.pump_faults)
    assert not verdict.pump_faults and verdict.min_margin >= -5e-3
    for pump, name in verdict.pumps.items():
        curve = problem.catalogue.sizes[pump.size].curve
        assert curve is not None and 0 < verdict.pump_flow[name] < curve.max_flow


@pytest.mark.parametrize("seed", SEEDS)
def test_network_dp_plan_with_curve_pumps_holds_on_loops(seed: int) -> None:
    problem = looped_problem(seed, CURVE_CATALOGUE)
    assert problem.network is not None and problem.network.looped
    assert problem.network.deficient()
    result = run_network(problem)
    assert result.status.value == "heuristic", result.message
    assert result.pumps
    assert_holds_independently(problem, result.pumps)
    assert result.objective == pytest.approx(problem.price_pumps(result.pumps).tco)


def test_network_dp_plan_with_curve_pumps_holds_on_net1() -> None:
    problem = net1_problem(CURVE_CATALOGUE)
    assert problem.network is not None and len(problem.network.deficient()) == 2
    result = run_network(problem)
    assert result.has_plan and result.pumps, result.message
    assert_holds_independently(problem, result.pumps)


def test_default_solve_with_curve_catalogue_on_a_looped_network(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The shipped example ``scenarios/pumps/net1_curve_pumps.toml``: ``wdnopt solve`` with
    the curve catalogue (named relative to the scenario) on Net1 ×4, every other setting the
    default (network mode, network-dp, the repair): exit 0, and the plan it prints holds in an
    independent EPANET run."""
    path = Path(__file__).resolve().parents[2] / "scenarios" / "pumps" / "net1_curve_pumps.toml"
    assert main(["solve", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (factor,) = out["factors"]
    assert out["algorithm"] == "network-dp" and factor["verified"] is True
    problem = net1_problem(CURVE_CATALOGUE)
    names = [s.name for s in problem.catalogue.sizes]
    pumps = tuple(sorted(PlannedPump(row["pipe"], row["node"], names.index(row["size"]))
                         for row in factor["placement"]))  # fmt: skip
    assert pumps
    assert_holds_independently(problem, pumps)
    assert factor["cost"]["tco"] == pytest.approx(problem.price_pumps(pumps).tco, rel=1e-6)
    assert sum(row["cost"] for row in factor["placement"]) == pytest.approx(
        factor["cost"]["tco"], rel=1e-6
    )


# --- a loop of pipes under 1 L/s ---------------------------------------------------------------


def trickle_loop(seed: int) -> wntr.network.WaterNetworkModel:
    """A reservoir only 6–12 m above a ring of four junctions with a chord and a tail, 50 mm
    pipes, demands of 0.05–0.15 L/s: every pipe carries under 1 L/s, every junction is short."""
    rng = np.random.default_rng(seed)
    wn = wntr.network.WaterNetworkModel()
    wn.add_reservoir("R", base_head=40.0)
    for i in range(1, 6):
        wn.add_junction(f"J{i}", base_demand=float(rng.uniform(5e-5, 1.5e-4)),
                        elevation=float(rng.uniform(28, 34)))  # fmt: skip
    edges = [("R", "J1"), ("J1", "J2"), ("J2", "J3"), ("J3", "J4"), ("J4", "J1"), ("J2", "J4"),
             ("J3", "J5")]  # fmt: skip
    for n, (a, b) in enumerate(edges, start=1):
        wn.add_pipe(f"P{n}", a, b, length=float(rng.uniform(200, 600)), diameter=0.05,
                    roughness=110.0)  # fmt: skip
    wn.name = f"trickle{seed}"
    return wn


@pytest.mark.parametrize("seed", [0, 1])
def test_pipes_under_one_litre_a_second_on_a_loop(seed: int) -> None:
    """Constant power has no plan (every size would run above its maximum head); the curve
    catalogue gives one that holds in EPANET."""
    wn = trickle_loop(seed)
    state = simulate(wn, 1.0, 0)
    assert np.abs(state.flow.to_numpy()).max() < 1e-3
    scenario = PumpPlacementScenario(
        network={"shipped": "Net1"}, demand_factors=[1.0], hour=0, p_min=15.0
    )
    constant = problem_at(scenario, wn, state, load_catalogue(DEFAULT_CATALOGUE))
    assert constant.network is not None and constant.network.looped
    assert len(constant.network.deficient()) == 5
    answer = run_network(constant)
    assert not answer.has_plan and not answer.pumps
    curved = problem_at(scenario, wn, state, load_catalogue(CURVE_CATALOGUE))
    plan = run_network(curved)
    assert plan.has_plan and plan.pumps, plan.message
    assert_holds_independently(curved, plan.pumps)
