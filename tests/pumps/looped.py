"""Small generated looped networks on which every placement is simulated in EPANET: the tests'
independent route to the optimum ``milp-network`` must reach and to the plans its models must
accept. Shared by the tests of ``milp-network``, of curve pumps on loops and of the
relaxation's lines on existing pumps (each enumeration is done once per seed and catalogue)."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pyomo.environ as pyo
import wntr

from wdnopt.models.pumps import relaxation as rx
from wdnopt.models.pumps.costs import Catalogue, PumpSize
from wdnopt.models.pumps.hydraulics import simulate
from wdnopt.models.pumps.instance import problem_at
from wdnopt.models.pumps.network import PlannedPump
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.schema import PumpPlacementScenario
from wdnopt.solvers.pumps.network_loop import plan_cost
from wdnopt.solvers.pumps.verify import cached_verifier

CATALOGUE = Catalogue(
    (
        PumpSize("small", power_kw=2.0, capex=1_000.0, efficiency=0.7, max_head_m=25.0),
        PumpSize("large", power_kw=6.0, capex=2_500.0, efficiency=0.7, max_head_m=40.0),
    )
)


SCENARIO = PumpPlacementScenario(
    network={"shipped": "Net1"}, demand_factors=[1.0], hour=0, p_min=20.0
)
"""The settings of every generated case (``P_min``, hour); the network is the generated one."""


def looped_network(seed: int) -> wntr.network.WaterNetworkModel:
    """A reservoir feeding a ring of four junctions with a chord and a tail (two loops):
    diameters, lengths and demands drawn from ``seed`` so that some junctions fall short."""
    rng = np.random.default_rng(seed)
    wn = wntr.network.WaterNetworkModel()
    wn.add_reservoir("R", base_head=float(rng.uniform(58, 66)))
    for i in range(1, 6):
        wn.add_junction(
            f"J{i}",
            base_demand=float(rng.uniform(0.003, 0.009)),
            elevation=float(rng.uniform(5, 25)),
        )
    edges = [("R", "J1"), ("J1", "J2"), ("J2", "J3"), ("J3", "J4"), ("J4", "J1"), ("J2", "J4"),
             ("J3", "J5")]  # fmt: skip
    for n, (a, b) in enumerate(edges, start=1):
        wn.add_pipe(
            f"P{n}", a, b,
            length=float(rng.uniform(400, 1500)),
            diameter=float(rng.choice([0.10, 0.125, 0.15])),
            roughness=float(rng.uniform(90, 130)),
        )  # fmt: skip
    wn.name = f"loops{seed}"
    return wn


def looped_problem(seed: int, catalogue: Catalogue = CATALOGUE) -> PumpProblem:
    wn = looped_network(seed)
    return problem_at(SCENARIO, wn, simulate(wn, 1.0, 0), catalogue)


def all_plans(problem: PumpProblem):
    """Every placement on the candidate pipes (at most one size per pipe)."""
    cands = rx.candidates(rx.network_data(problem.network))
    choices = [None, *range(len(problem.catalogue))]
    for combo in itertools.product(choices, repeat=len(cands)):
        yield tuple(
            PlannedPump(pipe, up, k) for (pipe, up, _), k in zip(cands, combo, strict=True)
            if k is not None
        )  # fmt: skip


def enumerate_optimum(problem: PumpProblem) -> tuple[float | None, list[tuple[PlannedPump, ...]]]:
    """The cheapest plan that holds (priced by the one cost function) and every plan that
    holds, by simulating every placement in EPANET."""
    net = problem.network
    verifier = cached_verifier(net.wn, net.factor, net.hour)
    best, holding = None, []
    for plan in all_plans(problem):
        if not verifier.check(problem.tree, plan, problem.catalogue)[0].verified:
            continue
        holding.append(plan)
        cost = plan_cost(plan, problem)
        best = cost if best is None else min(best, cost)
    return best, holding


@functools.cache
def enumerated(
    seed: int, catalogue: Catalogue = CATALOGUE
) -> tuple[PumpProblem, float | None, tuple[tuple[PlannedPump, ...], ...]]:
    """:func:`looped_problem` and its :func:`enumerate_optimum`, once per seed and catalogue
    (the problem is shared: read it, do not change it)."""
    problem = looped_problem(seed, catalogue)
    optimum, holding = enumerate_optimum(problem)
    return problem, optimum, tuple(holding)


def rows_violated(model, tol: float) -> list[tuple[str, float]]:
    out = []
    for con in model.component_data_objects(pyo.Constraint, active=True):
        body = pyo.value(con.body)
        lo = pyo.value(con.lower) if con.has_lb() else None
        up = pyo.value(con.upper) if con.has_ub() else None
        amount = max((lo - body) if lo is not None else 0.0, (body - up) if up is not None else 0.0)
        if amount > tol:
            out.append((con.name, amount))
    return out


def assert_relaxation_accepts(problem, holding) -> None:
    """EPANET's state of each plan of ``holding`` satisfies the link-by-link relaxation."""
    data = rx.network_data(problem.network)
    cands = rx.candidates(data)
    box = rx.head_box(data, problem.catalogue)
    bounds = rx.initial_bounds(data, box, cands, problem.catalogue)
    relax = rx.build_relaxation(data, bounds, box, cands, problem.catalogue, problem.size_costs)
    verifier = cached_verifier(problem.network.wn, 1.0, 0)
    for plan in holding:
        verdict, state = verifier.check(problem.tree, plan, problem.catalogue)
        flows = {p: state.pump_flow[verdict.pumps[p]] for p in plan}
        heads = {p: state.pump_head[verdict.pumps[p]] for p in plan}
        rx.plan_values(relax, plan, state.head.to_dict(), state.flow.to_dict(), flows, heads)
        assert rx.violations(relax, 1e-3) == [], plan
