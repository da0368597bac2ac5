"""A size priced at 1e15 (a common way to switch a size off) never yields a false optimum."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from wdnopt.models.pumps.costs import Catalogue
from wdnopt.models.pumps.instance import build_problems
from wdnopt.models.pumps.schema import PumpPlacementScenario
from wdnopt.solvers.pumps.exact import cross_check
from wdnopt.solvers.pumps.milp import MilpOptions, run_milp
from wdnopt.solvers.pumps.tree_dp import run_tree_dp
from wdnopt.solvers.status import Status

TREES = Path(__file__).resolve().parents[2] / "data" / "networks"


def switched_off(problem, size: int):
    sizes = list(problem.catalogue.sizes)
    sizes[size] = replace(sizes[size], capex=1e15)
    return replace(problem, catalogue=Catalogue(tuple(sizes)))


@pytest.mark.parametrize("size", [0, 7])
@pytest.mark.parametrize("dp", [True, False])
def test_a_size_priced_out_never_gives_a_false_optimum(size: int, dp: bool) -> None:
    (base,) = build_problems(
        PumpPlacementScenario(network={"file": TREES / "tree_1747.inp"}, demand_factors=[2.5])
    )
    problem = switched_off(base, size)
    reference = run_tree_dp(problem)  # exact by an independent route
    assert reference.status is Status.OPTIMAL and reference.check.feasible
    assert size not in set(reference.placement.values())
    options = MilpOptions(time_limit=30 if dp else 5, dp_start=dp, dp_bound=dp)
    answer = cross_check(problem, run_milp(problem, options))
    if answer.status is Status.OPTIMAL:
        assert answer.objective == pytest.approx(reference.objective, rel=1e-6)
        assert answer.check.feasible
    else:  # not proved: it must not claim to be, and any plan it gives is priced honestly
        assert answer.status is not Status.OPTIMAL
