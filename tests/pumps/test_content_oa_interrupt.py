"""The live HiGHS model of ``milp-network`` keeps to the wall clock run after run.

HiGHS keeps a callback's interrupt flag from one run to the next: once the root's LP rounds had
been cut by their share of the time, the next MILP run (without presolve, on a short limit)
stopped at its first callback (in 0.007 s), with no bound. Checked on Net3's content model
(~36,000 rows): an LP run cut at once, then a MILP run that must give a bound within its
limit (HiGHS's stop is allowed its usual overrun).
"""

from __future__ import annotations

import time

from wdnopt.models.pumps import content as ct
from wdnopt.models.pumps import relaxation as rx
from wdnopt.models.pumps.instance import build_problems
from wdnopt.models.pumps.schema import PumpPlacementScenario
from wdnopt.solvers.pumps.content_oa import PRESOLVE_MIN_S, OuterApproximation
from wdnopt.solvers.pumps.network_loop import MIP_OVERRUN_S
from wdnopt.solvers.status import Status


def test_a_milp_run_after_a_cut_lp_run_uses_its_time() -> None:
    (problem,) = build_problems(
        PumpPlacementScenario(network={"shipped": "Net3"}, demand_factors=[2.5])
    )
    data = rx.network_data(problem.network)
    cands = rx.candidates(data)
    box = rx.head_box(data, problem.catalogue)
    bounds = rx.initial_bounds(data, box, cands, problem.catalogue)
    model = ct.build_content_model(
        data, bounds, cands, problem.catalogue, problem.size_costs, p_tol=5e-3
    )
    oa = OuterApproximation(model)
    oa.set_integer(False)
    cut = oa.solve(0.05)  # far too short for the root LP of this model
    assert cut.status is Status.TIME_LIMIT
    oa.set_integer(True)
    limit = 3.0
    assert limit < PRESOLVE_MIN_S  # the case that runs without presolve
    started = time.perf_counter()
    run = oa.solve(limit)
    took = time.perf_counter() - started
    assert run.bound is not None, (took, run.status)
    assert took >= 0.5 * limit or run.status is Status.OPTIMAL, (took, run.status)
    assert took <= limit + MIP_OVERRUN_S, took
