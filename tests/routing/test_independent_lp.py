"""Differential test: random general-topology scenarios against an independent formulation.

Each scenario (``tests/routing/random_scenarios.py``) mixes every node kind and every option
the schema offers; ``tests/routing/independent_lp.py`` rebuilds its LP from the scenario's
fields alone and solves it with ``scipy.optimize.linprog`` (plants with on/off decisions and
expansion options by enumeration). The routing model must give the same status and cost, and
its answer must pass the certificate.
"""

from __future__ import annotations

from functools import cache

import pytest

from tests.routing.independent_lp import independent_cost
from tests.routing.random_scenarios import random_scenario
from wdnopt.solvers.routing.solve import solve_routing
from wdnopt.solvers.status import Status


@cache
def expected_cost(seed: int) -> float | None:
    return independent_cost(random_scenario(seed))


def check_seed(seed: int) -> None:
    scenario = random_scenario(seed)
    expected = expected_cost(seed)
    result = solve_routing(scenario)
    if expected is None:
        assert result.status is Status.INFEASIBLE, (seed, result.status, result.objective)
        return
    assert result.status is Status.OPTIMAL, (seed, result.status, result.message)
    assert result.objective == pytest.approx(expected, rel=1e-7, abs=1e-6), seed
    cert = result.certificate
    assert cert is not None and cert.ok(1e-6), (seed, cert)
    assert cert.cost == pytest.approx(expected, rel=1e-7, abs=1e-6), seed


@pytest.mark.parametrize("seed", range(40))
def test_random_scenarios_match_an_independent_lp(seed: int) -> None:
    check_seed(seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(40, 160))
def test_more_random_scenarios_match_an_independent_lp(seed: int) -> None:
    check_seed(seed)


def test_the_random_scenarios_cover_the_options() -> None:
    """The 40 default seeds use what they are meant to test (so that a change of the
    generator cannot quietly empty the check)."""
    seen: dict[str, int] = {}

    def count(name: str, hit: bool) -> None:
        seen[name] = seen.get(name, 0) + int(hit)

    feasible = 0
    for seed in range(40):
        sc = random_scenario(seed)
        feasible += expected_cost(seed) is not None
        count("storage node", bool(sc.storages))
        count("junction", bool(sc.junctions))
        count("plant tank", any(p.storage is not None for p in sc.plants))
        count("zone tank", any(z.storage is not None for z in sc.zones))
        count("fixed supply", any(s.supply is not None for s in sc.sources))
        count("quality", any(z.quality for z in sc.zones))
        count("premium", any(p.premium for p in sc.plants))
        count("min throughput", any(p.min_throughput for p in sc.plants))
        count("fixed cost", any(p.fixed_cost for p in sc.plants))
        count("ramp", any(p.ramp is not None for p in sc.plants))
        count("expansion", any(x.build_cost is not None for x in [*sc.arcs, *sc.plants]))
        count("upgrade", any(x.upgrade_capacity is not None for x in [*sc.arcs, *sc.plants]))
        count("raw", any(a.raw for a in sc.arcs))
        count("lift", any(a.lift is not None for a in sc.arcs))
        count("energy", any(a.energy is not None for a in sc.arcs))
        count("tariff", sc.schedule is not None and sc.schedule.energy_price is not None)
        count("demand charge", bool(sc.demand_charge))
        count("surplus", any(z.surplus_cost is not None for z in sc.zones))
        count("zone capacity", any(z.capacity is not None for z in sc.zones))
        count("profile", any(z.profile is not None for z in sc.zones))
        count("season", sc.season is not None)
    assert all(n >= 2 for n in seen.values()), seen
    assert 25 <= feasible <= 38, feasible
