"""The repair on a tree network (the model of each round is the tree itself): from no pumps it
ends with a plan that holds in an independent EPANET run, and says no stage was cut."""

from __future__ import annotations

import pytest

from wdnopt.models.pumps.instance import build_problems
from wdnopt.models.pumps.schema import PumpPlacementScenario
from wdnopt.solvers.pumps.network_mode import repair_result
from wdnopt.solvers.pumps.placement import check_placement
from wdnopt.solvers.pumps.repair import repair_plan
from wdnopt.solvers.pumps.result import make_result
from wdnopt.solvers.status import Status


@pytest.mark.parametrize(("nodes", "seed"), [(30, 0), (60, 1), (120, 2)])
def test_a_repair_from_no_pumps_on_a_tree_holds(nodes: int, seed: int) -> None:
    scenario = PumpPlacementScenario(
        network={"generator": {"nodes": nodes, "seed": seed}}, demand_factors=[3.0]
    )
    (problem,) = build_problems(scenario)
    assert problem.network is not None and not problem.network.looped
    assert problem.tree.deficient.any()
    fixed = repair_plan(problem, ())
    assert fixed.cut == ""  # a text: the stage the limit cut, none here
    assert fixed.holds and fixed.pumps
    start = make_result(problem, "tree-pump", Status.HEURISTIC, {})
    result = repair_result(problem, start)
    assert result.has_plan, result.message
    check = check_placement(problem, result)  # EPANET with the pumps inserted
    assert check is not None and check.verified
