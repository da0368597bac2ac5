"""One wall-clock limit for the whole placement: a run the limit cut short says so.

Checked on Net1 at a demand factor where it falls short (junctions below ``P_min`` in EPANET):
a plan that holds with one pump too many is pruned when there is time, and reported as
``time_limit`` with the stage named ("pruning skipped") when the limit has passed; the plan
returned still holds in an independent EPANET run.
"""

from __future__ import annotations

import time

import pytest

from wdnopt.models.pumps.instance import build_problems
from wdnopt.models.pumps.network import PlannedPump
from wdnopt.models.pumps.relaxation import candidates, network_data
from wdnopt.models.pumps.schema import PumpPlacementScenario
from wdnopt.solvers.pumps.network_mode import repair_result
from wdnopt.solvers.pumps.placement import solve_placement
from wdnopt.solvers.pumps.repair import RepairOptions, repair_plan
from wdnopt.solvers.pumps.request import placement_request
from wdnopt.solvers.pumps.result import make_result
from wdnopt.solvers.pumps.verify import verify_pumps_simulator
from wdnopt.solvers.status import Status

SCENARIO = PumpPlacementScenario(network={"shipped": "Net1"}, demand_factors=[4.0])


@pytest.fixture(scope="module")
def padded():
    """Net1 ×4, a plan that holds, and the same plan with one more (unneeded) pump."""
    scenario = SCENARIO
    (problem,) = build_problems(scenario)
    assert problem.network.looped and problem.network.deficient()
    plan = repair_plan(problem, ()).pumps
    assert plan
    used = {p.pipe for p in plan}
    spare = next(c for c in candidates(network_data(problem.network)) if c[0] not in used)
    extra = tuple(sorted((*plan, PlannedPump(spare[0], spare[1], 0))))
    assert verify_pumps_simulator(
        problem.network.wn, problem.tree, extra, problem.catalogue
    ).verified
    return problem, extra


def test_pruning_with_time_drops_the_spare_pump(padded) -> None:
    problem, extra = padded
    fixed = repair_plan(problem, extra, RepairOptions(time_limit=300))
    assert fixed.holds and fixed.cut == ""
    assert len(fixed.pumps) < len(extra)


def test_pruning_past_the_limit_is_reported_as_cut(padded) -> None:
    problem, extra = padded
    fixed = repair_plan(problem, extra, RepairOptions(time_limit=0.0))
    assert fixed.holds and fixed.cut == "pruning skipped"
    assert fixed.pumps == extra
    start = make_result(problem, "approx-pump", Status.HEURISTIC, {}, pumps=extra)
    answer = repair_result(problem, start, RepairOptions(time_limit=0.0))
    assert answer.status is Status.TIME_LIMIT
    assert "pruning skipped" in answer.message
    assert answer.extras["cut_by_time_limit"] == "pruning skipped"
    assert verify_pumps_simulator(
        problem.network.wn, problem.tree, answer.pumps, problem.catalogue
    ).verified


def test_the_repair_takes_what_the_run_left(padded) -> None:
    """``solve_placement`` gives the repair what is left of the request's deadline (not a
    fixed 300 s): the whole run ends near the limit, and a stage the limit cut is named."""
    problem, _ = padded
    limit = 1.0
    started = time.perf_counter()
    result = solve_placement(problem, placement_request(SCENARIO, "ga", limit))
    elapsed = time.perf_counter() - started
    assert elapsed <= limit * 1.1 + 5.0
    cut = result.extras.get("cut_by_time_limit")
    if cut:
        assert "time limit" in result.message and cut in result.message
        assert result.status in (Status.TIME_LIMIT, Status.UNKNOWN)
    else:
        assert result.status in (Status.HEURISTIC, Status.UNKNOWN)


@pytest.mark.parametrize("name", ["approx-pump", "tree-pump"])
def test_an_algorithm_without_a_time_limit_option_is_repaired_within_the_limit(
    padded, name: str
) -> None:
    """The limit of the request bounds the repair also after an algorithm that has no
    ``time_limit`` of its own (it used to get a fixed 300 s)."""
    problem, _ = padded
    request = placement_request(SCENARIO, name, 0.5)
    assert request.time_limit == 0.5 and request.repairs
    started = time.perf_counter()
    result = solve_placement(problem, request)
    assert time.perf_counter() - started <= 0.5 * 1.1 + 5.0
    assert result.status.has_solution or result.status is Status.UNKNOWN


def test_a_run_cut_before_any_plan_holds_says_time_limit(padded) -> None:
    """The limit cuts the repair's rounds before a plan holds: the answer is ``time_limit``
    with no plan (no objective, no pumps, nothing priced), and the message names the stage."""
    problem, _ = padded
    start = make_result(problem, "approx-pump", Status.HEURISTIC, {})
    answer = repair_result(problem, start, RepairOptions(time_limit=0.0))
    assert answer.status is Status.TIME_LIMIT
    assert not answer.has_plan
    assert answer.objective is None and answer.pumps == () and answer.cost.n_pumps == 0
    assert "repair rounds" in answer.message and "time limit" in answer.message
    assert answer.extras["cut_by_time_limit"] == "repair rounds"


def test_a_time_limit_status_without_a_plan_prices_nothing(padded) -> None:
    """``time_limit`` may carry a plan or not: only a plan given makes one (an empty plan
    given is a plan of no pumps, priced at 0)."""
    problem, _ = padded
    none = make_result(problem, "network-dp", Status.TIME_LIMIT, None, message="cut")
    assert not none.has_plan and none.objective is None and none.check is None
    empty = make_result(problem, "network-dp", Status.TIME_LIMIT, {})
    assert empty.has_plan and empty.objective == 0.0
