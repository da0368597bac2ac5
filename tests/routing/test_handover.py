"""Both ways of handing a routing model to HiGHS give the same answer: every shipped routing
scenario (LPs, MILPs with on/off and expansion decisions, schedules with storage, seasons, a
diagnosis of unmet demand) solved compiled and persistent, compared result by result."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.routing.conftest import checked
from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.routing.random_network import random_routing_network
from wdnopt.models.routing.schedule import Schedule
from wdnopt.models.scenario import load_scenario
from wdnopt.solvers.routing import solve as routing
from wdnopt.solvers.routing.solve import RoutingResult, solve_routing
from wdnopt.solvers.status import Status

SHIPPED = [
    path
    for path in sorted((Path(__file__).resolve().parents[2] / "scenarios/routing").glob("*.toml"))
    if 'kind = "routing"' in path.read_text(encoding="utf-8")
]


def both(problem, monkeypatch: pytest.MonkeyPatch, **kw) -> tuple[RoutingResult, RoutingResult]:
    with monkeypatch.context() as m:
        m.setattr(routing, "COMPILED_FROM", 0)  # every model compiled
        compiled = solve_routing(problem, **kw)
    with monkeypatch.context() as m:
        m.setattr(routing, "COMPILED_FROM", 10**12)  # every model persistent
        persistent = solve_routing(problem, **kw)
    return compiled, persistent


def same(a: RoutingResult, b: RoutingResult) -> None:
    assert a.status is b.status, (a.message, b.message)
    if b.objective is None:
        assert a.objective is None
    else:
        assert a.objective == pytest.approx(b.objective, rel=1e-9, abs=1e-9)
    assert a.total_shortfall == pytest.approx(b.total_shortfall, abs=1e-7)
    # the values of capacities come from the duals: the binding table must agree
    cols = ["kind", "id", "value_per_ml"]
    pd.testing.assert_frame_equal(
        a.binding[cols].reset_index(drop=True), b.binding[cols].reset_index(drop=True), atol=1e-7
    )
    if b.status is Status.OPTIMAL:
        checked(a)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenarios_agree(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = load_scenario(path)
    seasons = [s.id for s in scenario.seasons] or [None]
    for season in seasons:
        same(*both(scenario, monkeypatch, season=season))


def test_a_schedule_above_the_threshold_is_compiled_and_agrees(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    net = random_routing_network(4, 10, 200, 3, seed=5)  # 640 arcs
    periods = 36  # 23,040 flow variables: above COMPILED_FROM
    rng = np.random.default_rng(5)
    demand = net.demand[None, :] * rng.uniform(0.8, 1.2, (periods, net.n_zones)) / periods
    schedule = Schedule(
        hours=np.full(periods, 24 / periods),
        demand=demand,
        price_factor=rng.uniform(0.5, 2.0, periods),
        ramp=np.full(net.n_plants, np.inf),
    )
    net = replace(net, schedule=schedule)
    assert net.n_arcs * net.n_periods >= routing.COMPILED_FROM
    used = []
    real = routing.CompiledHighs.solve

    def spy(self: routing.CompiledHighs, model: object) -> object:
        used.append(model)
        return real(self, model)

    monkeypatch.setattr(routing.CompiledHighs, "solve", spy)
    compiled = solve_routing(net)
    assert used, "the default took the compiled hand-over"
    monkeypatch.setattr(routing, "COMPILED_FROM", 10**12)
    same(compiled, solve_routing(net))


def test_small_models_do_not_compile() -> None:
    net: RoutingNetwork = random_routing_network(2, 3, 10, 2, seed=1)
    assert net.n_arcs * net.n_periods < routing.COMPILED_FROM
    solver = routing.make_solver({}, milp=False, size=net.n_arcs)
    assert not isinstance(solver, routing.CompiledHighs)
