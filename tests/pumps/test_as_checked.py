"""A plan proved optimal on its model but failing its EPANET check is never reported as
optimal; a plan that holds keeps its status."""

from __future__ import annotations

from wdnopt.models.pumps.instance import build_problems
from wdnopt.models.pumps.schema import PumpPlacementScenario
from wdnopt.solvers.pumps.placement import as_checked, check_placement, solve_placement
from wdnopt.solvers.pumps.request import placement_request
from wdnopt.solvers.status import Status


def test_an_optimal_plan_that_fails_its_check_is_not_optimal() -> None:
    scenario = PumpPlacementScenario(
        network={"generator": {"nodes": 30, "seed": 0}}, demand_factors=[3.0]
    )
    (problem,) = build_problems(scenario)
    result = solve_placement(problem, placement_request(scenario, "tree-dp"))
    check = check_placement(problem, result)
    assert result.status is Status.OPTIMAL and check is not None and check.verified
    assert as_checked(result, check) is result  # holds in EPANET: optimal stays
    # a real failing check: the same pumps simulated in EPANET at 1.5 times the demands
    (heavier,) = build_problems(scenario.model_copy(update={"demand_factors": [4.5]}))
    fails = check_placement(heavier, result)
    assert fails is not None and not fails.verified
    failed = as_checked(result, fails)
    assert failed.status is Status.UNKNOWN
    assert "does not hold on the network" in failed.message
    assert failed.pumps == result.pumps and failed.objective == result.objective
