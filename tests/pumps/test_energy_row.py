"""The energy-balance row (:mod:`wdnopt.models.pumps.energy`): its pieces against independent
routes (dense grids, a hand-worked balance), and the row against EPANET's states.

The row's validity on every plan that holds (all placements enumerated) is checked with the
content models' rows in ``test_milp_network.py``; here, the pieces it is built from."""

from __future__ import annotations

import numpy as np
import pytest

from wdnopt.models.pumps import relaxation as rx
from wdnopt.models.pumps.catalogue import CURVE_CATALOGUE, load_catalogue
from wdnopt.models.pumps.costs import RHO_G
from wdnopt.models.pumps.curve_cuts import SiCurve
from wdnopt.models.pumps.energy import (
    POWER_ROOM,
    SIZE_ROOM,
    dissipation_grid,
    dissipation_line,
    dissipation_lines,
    existing_power,
    power_plane,
    power_planes,
    size_power,
    state_throughput,
)
from wdnopt.models.pumps.head_loss import HeadLoss
from wdnopt.models.pumps.laws import CurvePumpLaw, PowerPumpLaw, TablePumpLaw

LAWS = [
    HeadLoss("H-W", 120.0, 3.0),
    HeadLoss("C-M", 40.0, 0.0),
    # Darcy–Weisbach through its laminar, transition and turbulent regimes (not convex there)
    HeadLoss("D-W", 2000.0, 5.0, diameter=0.05, roughness=1e-4),
]


@pytest.mark.parametrize("law", LAWS, ids=["H-W", "C-M", "D-W"])
@pytest.mark.parametrize(("lo", "hi"), [(-0.2, 0.3), (0.0, 0.05), (-1e-3, 2e-4), (-50.0, 100.0)])
def test_dissipation_lines_stay_below_the_dissipation(law, lo, hi) -> None:
    """Every line, and a cut at a flow where Darcy–Weisbach changes regime, lies below
    :math:`D(q) = |q|\\ell(|q|)` on a grid 20 times denser than the one it was checked on and
    geometrically dense towards 0 (on a wide interval, the regimes sit far inside one step of
    an even grid), and the best line is close to ``D`` at its points."""
    lines = dissipation_lines(law, lo, hi, 0.4 * hi)
    assert lines
    lines.append(dissipation_line(law, min(3e-4, hi), dissipation_grid(lo, hi)))
    q = np.linspace(lo, hi, 16_001)
    q = np.concatenate([q, np.geomspace(1e-9, hi, 20_001), -np.geomspace(1e-9, -lo, 20_001)
                        if lo < 0 else []])  # fmt: skip
    d = np.abs(q) * law(np.abs(q))
    below = np.max([a * q + b for a, b in lines], axis=0)
    assert np.all(below <= d + 1e-12 * (1 + d))
    # the lines touch D at the tangent points (up to the grid's correction)
    touch = np.linspace(lo, hi, 9)  # where the lines of dissipation_lines touch
    dt = np.abs(touch) * law(np.abs(touch))
    best = np.max([a * touch + b for a, b in lines], axis=0)
    assert np.all(dt - best <= 0.05 * dt.max() + 1e-12)


def test_a_curve_size_delivers_at_most_its_bound() -> None:
    """The bound of a curve size is the largest :math:`f\\,h(f)` on its curve (a dense grid),
    with its room; a constant-power size's is ``η W / (ρ g)`` with its room."""
    curves = load_catalogue(CURVE_CATALOGUE)
    bounds = size_power(curves)
    for k, size in enumerate(curves.sizes):
        s = SiCurve.of(size.curve)
        f = np.linspace(0.0, s.max_flow, 200_001)
        peak = float(np.max(f * (s.a - s.b * f**s.c)))
        assert bounds[k] == pytest.approx(peak * (1 + POWER_ROOM), rel=1e-6)
    plain = load_catalogue()
    expected = np.asarray(plain.hydraulic_kw) / RHO_G * (1 + SIZE_ROOM)
    np.testing.assert_allclose(size_power(plain), expected)


@pytest.mark.parametrize("hi", [0.25, 100.0])
def test_an_existing_pump_stays_under_its_power_lines(hi: float) -> None:
    """The lines and the top bound an existing pump's power :math:`q(A - B q^C)` from above on
    its flow range (a dense grid); also on a range so wide that the peak (0.149 m³/s) falls
    between the points of an even grid."""
    law = CurvePumpLaw(60.0, 900.0, 2.0)
    top, lines = existing_power(law, 0.0, hi)
    q = np.concatenate([np.linspace(0.0, hi, 50_001), np.linspace(0.0, 0.25, 50_001)])
    p = q * (60.0 - 900.0 * q**2)
    assert p.max() <= top <= p.max() * 1.02
    assert np.all(p <= np.min([a * q + b for a, b in lines], axis=0) + 1e-12)


def test_a_table_pump_stays_under_its_top_power() -> None:
    """A curve EPANET interpolates: its power peaks inside a segment (a parabola) or at a
    point; the top bound covers the largest value on a dense grid, on a wide flow range."""
    law = TablePumpLaw((0.0, 0.05, 0.12, 0.2), (50.0, 45.0, 30.0, 5.0))
    top, _ = existing_power(law, 0.0, 100.0)
    q = np.linspace(0.0, 0.3, 300_001)
    p = np.array([-x * law.phi(x) for x in q])
    assert p.max() <= top <= p.max() * 1.02


PUMP_LAWS = [
    CurvePumpLaw(60.0, 900.0, 2.0),
    CurvePumpLaw(45.0, 30.0, 1.3),
    TablePumpLaw((0.0, 0.05, 0.12, 0.2), (50.0, 45.0, 30.0, 5.0)),
    PowerPumpLaw(2.5),
]


@pytest.mark.parametrize("law", PUMP_LAWS, ids=["curve", "curve-1.3", "table", "power"])
def test_power_planes_hold_on_the_curve_and_cut_below_it(law) -> None:
    """Every plane bounds the power :math:`q\\,g` of every point of the curve (a dense grid)
    and of the pump shut off (``q = 0`` with a gain above its shut-off head). A point below the
    curve (a gain its flow does not give), credited the curve's power by the flow-only lines,
    is cut by the plane at its own flow to exactly :math:`q\\,g`, with the room."""
    lo = 0.01 if isinstance(law, PowerPumpLaw) else 0.0
    planes = power_planes(law, lo, 0.25, 0.1)
    assert len(planes) >= 9
    q = np.linspace(max(lo, 1e-6), 0.25, 20_001)
    g = np.array([-law.phi(x) for x in q])
    for a, b, c in planes:
        assert np.all(q * g <= a * q + b * g + c + 1e-12)
        if not isinstance(law, PowerPumpLaw):  # shut off: q = 0, gain above h(0)
            assert np.all(b * (-law.phi(0.0) + np.linspace(0, 50, 11)) + c >= -1e-12)
    q0 = 0.08
    g_curve = -law.phi(q0)
    g_below = g_curve - 5.0
    a, b, c = power_plane(law, q0)
    bound = a * q0 + b * g_below + c
    assert bound == pytest.approx(q0 * g_below + POWER_ROOM * q0 * g_curve)
    assert bound < q0 * g_curve - 0.3  # the flow-only bound: q0 g_curve


def test_the_unpumped_state_balances_its_energy() -> None:
    """Tellegen on EPANET's state of Net1 (an independent simulation): the pumps' power equals
    the pipes' dissipation plus the lift of the demands, to a small share of the throughput,
    well inside the row's room."""
    from wdnopt.models.pumps.energy import ENERGY_SLACK
    from wdnopt.models.pumps.instance import build_problems
    from wdnopt.models.pumps.schema import PumpPlacementScenario

    (problem,) = build_problems(
        PumpPlacementScenario(network={"shipped": "Net1"}, demand_factors=[4.0])
    )
    data = rx.network_data(problem.network)
    h = {**data.state_head, **data.fixed}
    pumps = pipes = 0.0
    for e in data.links:
        a, b = data.ends[e]
        q = data.state_flow.get(e, 0.0)
        if data.kind[e] in ("pump", "power"):
            pumps += (h[b] - h[a]) * q
        else:
            pipes += abs(q) * float(data.laws[e](abs(q)))
    lifted = sum(d * h[j] for j, d in data.demand.items())
    out = 0.0
    for e in data.links:
        a, b = data.ends[e]
        q = data.state_flow.get(e, 0.0)
        out += data.fixed.get(a, 0.0) * q - data.fixed.get(b, 0.0) * q
    residual = pumps - (pipes + lifted - out)
    assert pumps > 1.0  # Net1's pump runs
    assert abs(residual) <= 0.1 * ENERGY_SLACK * state_throughput(data)


@pytest.mark.parametrize("seed", [19, 22, 27])
def test_new_pumps_deliver_their_power_within_the_room(seed: int) -> None:
    """EPANET's state (an independent simulation) of every enumerated plan that holds: each new
    constant-power pump delivers :math:`q\\,g` (its flow times the head between its ends) within
    :data:`SIZE_ROOM` of its hydraulic power, a tenth of the room at most."""
    from wdnopt.solvers.pumps.verify import cached_verifier

    from .looped import CATALOGUE, enumerated

    problem, _, holding = enumerated(seed, CATALOGUE)
    assert holding
    verifier = cached_verifier(problem.network.wn, 1.0, 0)
    c = np.asarray(CATALOGUE.hydraulic_kw, dtype=float) / RHO_G
    worst = 0.0
    for plan in holding:
        verdict, state = verifier.check(problem.tree, plan, CATALOGUE)
        for p in plan:
            name = verdict.pumps[p]
            delivered = state.pump_flow[name] * state.pump_head[name]
            worst = max(worst, abs(delivered / c[p.size] - 1.0))
    assert worst <= 0.1 * SIZE_ROOM, worst
