"""The what-if object: built once, changed, re-solved; every answer equals network simplex (or a
fresh build) on the network as changed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.routing.test_general_topology import network_simplex_cost
from wdnopt.models.routing.random_network import random_routing_network
from wdnopt.models.scenario import load_scenario
from wdnopt.solvers.routing.solve import solve_routing
from wdnopt.solvers.routing.whatif import RoutingWhatIf
from wdnopt.solvers.status import Status

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios/routing"


def _same(result, net) -> None:
    """The what-if result against network simplex on the changed network."""
    expected = network_simplex_cost(net)
    if expected is None:
        assert result.status is Status.INFEASIBLE
        fresh = solve_routing(net)
        assert result.total_shortfall == pytest.approx(fresh.total_shortfall, abs=1e-6)
        return
    assert result.status is Status.OPTIMAL, result.message
    assert result.objective == pytest.approx(expected, abs=1e-6)
    assert result.certificate is not None and result.certificate.ok(1e-6)
    assert result.certificate.cost == pytest.approx(expected, abs=1e-6)


def test_changes_in_sequence_equal_network_simplex() -> None:
    net = random_routing_network(3, 4, 12, 3, seed=5, integer=True)
    rng = np.random.default_rng(11)
    what_if = RoutingWhatIf(net)
    _same(what_if.solve(), what_if.net)
    what_if.update(demand=net.demand + rng.integers(0, 4, net.n_zones))
    _same(what_if.solve(), what_if.net)
    what_if.outage("plant", "P1")
    assert what_if.net.plant_capacity[1] == 0
    _same(what_if.solve(), what_if.net)
    what_if.update(arc_cost=np.round(rng.uniform(0, 9, net.n_arcs)))
    _same(what_if.solve(), what_if.net)
    what_if.update(arc_capacity=np.where(rng.random(net.n_arcs) < 0.5, 3.0, np.inf))
    _same(what_if.solve(), what_if.net)
    what_if.update(source_capacity=np.zeros(net.n_sources))  # nothing to send: all short
    result = what_if.solve()
    assert result.status is Status.INFEASIBLE
    assert result.total_shortfall == pytest.approx(what_if.net.demand.sum())
    what_if.reset()
    back = what_if.solve()
    _same(back, net)
    assert back.objective == pytest.approx(solve_routing(net).objective)


def test_schedule_prices_and_demand_equal_a_fresh_build() -> None:
    scenario = load_scenario(SCENARIOS / "daily_schedule.toml")
    what_if = RoutingWhatIf(scenario)
    assert what_if.solve().objective == pytest.approx(solve_routing(scenario).objective)
    flat = np.ones(what_if.net.n_periods)
    what_if.update(price_factor=flat, demand=what_if.net.demand * 0.9)
    changed = what_if.solve()
    fresh = solve_routing(what_if.net)
    assert changed.objective == pytest.approx(fresh.objective, rel=1e-9)
    assert changed.arc_periods["flow"].sum() == pytest.approx(fresh.arc_periods["flow"].sum())


def test_milp_re_solves_after_the_duals_of_its_fixed_lp() -> None:
    scenario = load_scenario(SCENARIOS / "quality_and_min_throughput.toml")
    what_if = RoutingWhatIf(scenario)
    base = what_if.solve()
    assert base.objective == pytest.approx(solve_routing(scenario).objective)
    what_if.update(demand=what_if.net.demand * 0.5)
    half = what_if.solve()
    assert half.objective == pytest.approx(solve_routing(what_if.net).objective, rel=1e-9)
    what_if.reset()
    assert what_if.solve().objective == pytest.approx(base.objective, rel=1e-9)


def test_bad_changes_are_refused() -> None:
    what_if = RoutingWhatIf(random_routing_network(1, 2, 3, 2, seed=1))
    with pytest.raises(ValueError, match="3 values expected"):
        what_if.update(demand=[1.0, 2.0])
    with pytest.raises(ValueError, match="no plant 'X'"):
        what_if.outage("plant", "X")
    with pytest.raises(ValueError, match="price_factor needs a network with a schedule"):
        what_if.update(price_factor=[1.0])
