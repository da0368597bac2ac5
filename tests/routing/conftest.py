"""Shared helpers of the routing tests: solve a scenario given as a dict, checked by the
certificate."""

from __future__ import annotations

from typing import Any

import pytest

from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.routing.schema import RoutingScenario
from wdnopt.solvers.routing.solve import RoutingResult, solve_routing
from wdnopt.solvers.status import Status


def checked(result: RoutingResult, net: RoutingNetwork | None = None) -> RoutingResult:
    """Assert the certificate of an optimal result: every constraint holds and the cost
    recomputed from the decisions equals the objective."""
    assert result.status is Status.OPTIMAL, result.message
    cert = result.certificate
    assert cert is not None and cert.ok(1e-6), cert
    assert cert.cost == pytest.approx(result.objective, rel=1e-7, abs=1e-6)
    return result


def solve_dict(data: dict[str, Any], **kw: Any) -> RoutingResult:
    scenario = RoutingScenario.model_validate(data)
    result = solve_routing(scenario, **kw)
    if result.status is Status.OPTIMAL:
        checked(result)
    return result
