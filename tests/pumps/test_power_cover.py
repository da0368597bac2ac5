"""The power cover (:mod:`wdnopt.solvers.pumps.cover`) against enumeration in EPANET: the
least power ``W`` of the relaxation is no more than any plan that holds delivers in the energy
row, and the whole-pump bound built on it never exceeds the enumerated optimum."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wdnopt.models.pumps import relaxation as rx
from wdnopt.models.pumps.energy import size_power
from wdnopt.solvers.pumps.content_oa import OuterApproximation
from wdnopt.solvers.pumps.cover import power_cover
from wdnopt.solvers.pumps.milp_network import BUDGET_ROW, build_model

from .looped import CATALOGUE, enumerated

SEEDS = [3, 19, 22, 27, 37]


@pytest.mark.parametrize("seed", SEEDS)
def test_the_cover_holds_every_plan_and_bounds_the_optimum(seed: int) -> None:
    problem, optimum, holding = enumerated(seed, CATALOGUE)
    data = rx.network_data(problem.network)
    cands = rx.candidates(data)
    box = rx.head_box(data, CATALOGUE)
    bounds = rx.initial_bounds(data, box, cands, CATALOGUE)
    _, model = build_model(data, bounds, box, cands, problem, budget=BUDGET_ROW, content={})
    assert model is not None
    oa = OuterApproximation(model)
    oa.set_integer(False)
    power, bound = power_cover(oa, CATALOGUE, 10.0)
    if optimum is None:  # no plan holds: whatever the cover says, it is no plan's bound
        return
    assert power is not None and bound is not None
    assert 0.0 < power < math.inf  # the network falls short: some power is needed
    per_size = size_power(CATALOGUE)
    for plan in holding:
        delivered = float(sum(per_size[p.size] for p in plan))
        assert delivered >= power * (1 - 1e-6) - 1e-9, plan
    prices = np.asarray(problem.size_costs, dtype=float)
    assert prices.min() - 1e-6 <= bound <= optimum + 1e-6
