"""The link-by-link relaxation's lines on an existing pump hold for every curve EPANET runs.

EPANET fits ``A − B q^C`` to a curve of one point or of three starting at zero flow (``C`` may
be below 1: the head is then convex in the flow), and interpolates any other curve linearly
between its points. The lines bounding the pump's gain must hold on the whole flow range in
every case. Checked two ways: against the curve evaluated directly, and against EPANET's own
steady states of every plan that holds on small looped networks with such a pump (all plans
enumerated).
"""

from __future__ import annotations

import numpy as np
import pytest
import wntr

from wdnopt.models.pumps import relaxation as rx
from wdnopt.models.pumps.curve_cuts import SiCurve, curve_lines
from wdnopt.models.pumps.curves import epanet_power_function, power_curve
from wdnopt.models.pumps.hydraulics import simulate
from wdnopt.models.pumps.instance import problem_at
from wdnopt.models.pumps.laws import TablePumpLaw

from .looped import CATALOGUE, SCENARIO, assert_relaxation_accepts, enumerate_optimum


def _check(lines, q: np.ndarray, head: np.ndarray, tol: float = 1e-9) -> None:
    for line in lines:
        value = line.a * q + line.b
        if line.upper:
            assert np.all(head <= value + tol), line
        else:
            assert np.all(head >= value - tol), line


@pytest.mark.parametrize("seed", range(12))
def test_power_function_lines_bound_the_curve(seed: int) -> None:
    """Three points from zero flow, convex (``C < 1``) and concave curves alike."""
    rng = np.random.default_rng(seed)
    h0 = float(rng.uniform(20, 80))
    h1 = h0 * float(rng.uniform(0.3, 0.95))
    h2 = h1 * float(rng.uniform(0.1, 0.9))
    q1 = float(rng.uniform(0.005, 0.05))
    q2 = q1 * float(rng.uniform(1.2, 3.0))
    try:
        a, b, c = power_curve(h0, h1, h2, q1, q2)
    except ValueError:
        pytest.skip("EPANET refuses this curve")
    curve = SiCurve(a, b, c)
    hi = curve.max_flow * float(rng.uniform(0.3, 1.0))
    lo = hi * float(rng.uniform(0.0, 0.5))
    lines = curve_lines(curve, lo, hi, list(np.linspace(lo, hi, 4)), room=0.0)
    q = np.linspace(lo, hi, 2001)
    _check(lines, q, a - b * q**c)


@pytest.mark.parametrize("seed", range(12))
def test_interpolated_curve_envelope_bounds_the_curve(seed: int) -> None:
    """A falling curve of 2 to 7 points, neither concave nor convex, over ranges that pass its
    last point (EPANET extends the end segments)."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 8))
    flows = np.cumsum(rng.uniform(0.002, 0.02, n)) - (0.0 if rng.random() < 0.5 else 0.002)
    flows = np.maximum(flows, 0.0)
    heads = 80.0 - np.cumsum(rng.uniform(0.5, 15.0, n))
    points = tuple(zip(flows.tolist(), heads.tolist(), strict=True))
    hi = float(flows[-1]) * float(rng.uniform(0.5, 1.4))
    lo = hi * float(rng.uniform(0.0, 0.4))
    lines = rx.head_envelope(points, lo, hi, room=0.0)
    law = TablePumpLaw(tuple(flows.tolist()), tuple(heads.tolist()))
    q = np.linspace(lo, hi, 2001)
    _check(lines, q, np.array([-law.phi(x) for x in q]), tol=1e-7)


def test_epanet_reads_three_points_from_zero_as_a_power_function() -> None:
    assert epanet_power_function(((0.02, 40.0),))
    assert epanet_power_function(((0.0, 50.0), (0.02, 40.0), (0.04, 20.0)))
    assert not epanet_power_function(((0.01, 50.0), (0.02, 40.0), (0.04, 20.0)))
    assert not epanet_power_function(((0.0, 50.0), (0.04, 20.0)))
    assert not epanet_power_function(((0.0, 50.0), (0.01, 48.0), (0.02, 40.0), (0.04, 20.0)))


@pytest.mark.parametrize("kind", ["one", "convex"])
def test_the_relaxation_reads_an_existing_pump_as_epanet_runs_it(kind: str) -> None:
    """The curve the relaxation holds for an existing pump gives the head EPANET's steady
    state reports at the pump's flow, to 2e-5 m (wntr's own one-point coefficients, shut-off
    4/3 of the design head where EPANET takes 1.33334, are 1.6e-4 m off here)."""
    wn = lifted_ring(kind, 1)
    state = simulate(wn, 1.0, 0)
    problem = problem_at(SCENARIO, wn, state, CATALOGUE)
    a, b, c = rx.network_data(problem.network).curves["PU"]
    q = float(state.flow["PU"])
    gain = float(state.head["S"] - state.head["R"])
    assert q > 0
    assert a - b * q**c == pytest.approx(gain, abs=2e-5)


CURVES = {
    # one design point: EPANET's one-point curve, shut-off at 1.33334 times the design head
    "one": [(0.03, 60.0)],
    # C = log(28/20)/log 2 ≈ 0.49: a convex head, below its chord between the ends
    "convex": [(0.0, 62.0), (0.02, 42.0), (0.04, 34.0)],
    # four points, interpolated: concave, then convex
    "table": [(0.0, 52.0), (0.015, 47.0), (0.03, 33.0), (0.05, 27.0)],
}


def lifted_ring(kind: str, seed: int) -> wntr.network.WaterNetworkModel:
    """A low reservoir lifted by an existing pump on the curve ``CURVES[kind]`` into a ring of
    four junctions with a chord and a tail (two loops)."""
    rng = np.random.default_rng(seed)
    wn = wntr.network.WaterNetworkModel()
    wn.add_reservoir("R", base_head=10.0)
    wn.add_junction("S", base_demand=0.0, elevation=9.0)
    wn.add_curve("C1", "HEAD", CURVES[kind])
    wn.add_pump("PU", "R", "S", pump_type="HEAD", pump_parameter="C1")
    for i in range(1, 6):
        wn.add_junction(f"J{i}", base_demand=float(rng.uniform(0.002, 0.006)),
                        elevation=float(rng.uniform(5, 20)))  # fmt: skip
    edges = [("S", "J1"), ("J1", "J2"), ("J2", "J3"), ("J3", "J4"), ("J4", "J1"), ("J2", "J4"),
             ("J3", "J5")]  # fmt: skip
    for n, (a, b) in enumerate(edges, start=1):
        wn.add_pipe(
            f"P{n}", a, b, length=float(rng.uniform(500, 1500)),
            diameter=float(rng.choice([0.10, 0.125])), roughness=float(rng.uniform(90, 130)),
        )  # fmt: skip
    wn.name = f"lifted-{kind}{seed}"
    return wn


@pytest.mark.parametrize(
    ("kind", "seed"), [("convex", 0), ("convex", 5), ("table", 0), ("table", 6)]
)
def test_relaxation_accepts_every_plan_that_holds_past_an_existing_pump(kind, seed) -> None:
    """EPANET's state of every plan that holds (all placements enumerated) satisfies the
    relaxation, the existing pump's lines included."""
    wn = lifted_ring(kind, seed)
    problem = problem_at(SCENARIO, wn, simulate(wn, 1.0, 0), CATALOGUE)
    data = rx.network_data(problem.network)
    assert data.kind["PU"] == "pump"
    assert ("PU" in data.curve_points) == (kind == "table")
    _, holding = enumerate_optimum(problem)
    assert holding, "no plan holds: the case checks nothing"
    assert_relaxation_accepts(problem, holding)
