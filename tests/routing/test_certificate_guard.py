"""An answer HiGHS calls optimal is reported optimal only when it holds on its own: the flows
checked against every constraint family and the cost recomputed by the one cost function."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.scenario import load_scenario
from wdnopt.solvers.cli.main import main
from wdnopt.solvers.routing import solve as routing
from wdnopt.solvers.status import Status

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "scenarios/routing/two_sources_three_plants_six_zones.toml"
)


def test_an_answer_that_breaks_a_constraint_is_an_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = routing.read_flows

    def one_ml_lost(h: object) -> np.ndarray:
        flow = np.array(real(h), dtype=float)
        flow[..., 0] += 1.0
        return flow

    monkeypatch.setattr(routing, "read_flows", one_ml_lost)
    result = routing.solve_routing(load_scenario(EXAMPLE))
    assert result.status is Status.ERROR
    assert "HiGHS reported optimal" in result.message and "breaks a constraint" in result.message
    assert main(["solve", str(EXAMPLE)]) == 1  # never exit 0 with such an answer
    capsys.readouterr()


def test_an_objective_its_flows_do_not_cost_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = routing.solve_with_highs

    def off_by_five(*a: object, **kw: object) -> tuple:
        report, sens = real(*a, **kw)
        return replace(report, objective=report.objective + 5.0), sens

    monkeypatch.setattr(routing, "solve_with_highs", off_by_five)
    result = routing.solve_routing(load_scenario(EXAMPLE))
    assert result.status is Status.ERROR
    assert "989" in result.message and "994" in result.message


def test_the_worked_example_holds() -> None:
    result = routing.solve_routing(load_scenario(EXAMPLE))
    assert result.status is Status.OPTIMAL and result.message == ""
    assert routing.certificate_fails(result_net(), result.certificate, 989.0) is None


def result_net():

    return RoutingNetwork.from_scenario(load_scenario(EXAMPLE))
