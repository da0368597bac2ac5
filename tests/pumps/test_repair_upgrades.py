"""The repair on a looped network: a placed pump may be swapped for a larger size
(hand-computed), and a pump the check faults is never kept as it is."""

from __future__ import annotations

import numpy as np
import pytest

from wdnopt.models.pumps.costs import Catalogue, PumpSize
from wdnopt.models.pumps.linear_network import LinearNetwork
from wdnopt.models.pumps.network import PlannedPump
from wdnopt.solvers.pumps.repair import fix_faulty, upgrades, with_new
from wdnopt.solvers.pumps.verify import DEFAULT_TOL, Verification, pump_fault


def model() -> LinearNetwork:
    return LinearNetwork(
        junctions=("J1", "J2"),
        pipes=("P1", "P2"),
        upstream=("A", "B"),
        flow=np.array([0.02, 0.01]),
        sensitivity=np.array([[1.0, 0.5], [0.2, 1.0]]),
        head=np.array([[4.0, 9.0, 15.0], [3.0, 7.0, 0.0]]),
    )


def test_a_pumped_pipe_offers_larger_sizes_for_the_difference() -> None:
    costs = np.array([100.0, 250.0, 400.0])
    placed = (PlannedPump("P1", "A", 1),)
    out, price = upgrades(model(), costs, placed, {"P1": ("A", 6.0)})
    # P1 holds size 1 adding 6 m: size 2 adds 15 − 6 = 9 m more for 400 − 250; sizes 0 and 1
    # are no swap (not dearer)
    assert out.head[0].tolist() == [0.0, 0.0, 9.0]
    assert price[0, 2] == pytest.approx(150.0)
    # P2 holds no pump: its columns are as they were, priced by size
    assert out.head[1].tolist() == [3.0, 7.0, 0.0]
    assert price[1].tolist() == costs.tolist()


def test_no_swap_against_the_pumps_direction_or_for_less_head() -> None:
    costs = np.array([100.0, 250.0, 400.0])
    against = (PlannedPump("P1", "Z", 0),)  # the pump faces the other way
    out, _ = upgrades(model(), costs, against, {"P1": ("Z", 2.0)})
    assert not out.head[0].any()
    strong = (PlannedPump("P1", "A", 0),)  # adds more than any size would
    out, _ = upgrades(model(), costs, strong, {"P1": ("A", 20.0)})
    assert not out.head[0].any()


def test_prices_by_pipe_are_differences_on_the_same_pipe() -> None:
    costs = np.array([[100.0, 260.0, 430.0], [90.0, 240.0, 380.0]])
    out, price = upgrades(model(), costs, (PlannedPump("P2", "B", 0),), {"P2": ("B", 1.0)})
    assert out.head[1].tolist() == [0.0, 6.0, 0.0]  # size 2 cannot run on P2 (head 0)
    assert price[1, 1] == pytest.approx(150.0)
    assert price[0].tolist() == costs[0].tolist()


def test_a_new_pump_on_a_pumped_pipe_replaces_it() -> None:
    pumps = (PlannedPump("P1", "A", 0), PlannedPump("P3", "C", 1))
    plan, swapped = with_new(pumps, (PlannedPump("P1", "A", 2), PlannedPump("P2", "B", 0)))
    assert swapped == 1
    assert plan == (PlannedPump("P1", "A", 2), PlannedPump("P2", "B", 0), PlannedPump("P3", "C", 1))


def verdict(pump: PlannedPump, q: float, h: float) -> Verification:
    empty = np.zeros(0, dtype=int)
    return Verification(
        pressure=np.zeros(1), linear_pressure=np.zeros(1), below_min=empty, above_max=empty,
        min_margin=0.0, mean_slack=0.0, max_model_error=0.0, verified=False,
        pumps={pump: "BP1"}, pump_flow={"BP1": q}, pump_head={"BP1": h},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("q", "h", "faulty"),
    [
        # size "large": c = 3 kW × 0.62 / ρg = 0.1896 m·m³/s, least flow c / 28 m = 6.77 L/s
        (0.0, 0.0, True),  # no flow
        (1.8e-6, 3.0, True),  # a trickle below the least flow; EPANET's head looks in range
        (0.004, 25.0, True),  # 4 L/s: below the least flow (c/q = 47 m > 28 m)
        (0.010, 19.0, False),  # 10 L/s: c/q = 19 m, within 28 m
        (0.010, 40.0, True),  # the head EPANET reports passes the 28 m maximum
        (0.05, 3.8, False),  # 50 L/s: 3.8 m
    ],
)
def test_the_repair_keeps_a_pump_exactly_when_the_check_finds_no_fault(
    q: float, h: float, faulty: bool
) -> None:
    """The check's rule, worked by hand for each case, and the repair's fix agree with it: a
    pump the check faults never stays as it is (the fix used to keep a pump below its least
    flow whose reported head was in range, and the check faulted it again, round after
    round)."""
    catalogue = Catalogue(
        (
            PumpSize("small", power_kw=1.0, capex=1_000.0, efficiency=0.55, max_head_m=20.0),
            PumpSize("large", power_kw=3.0, capex=2_000.0, efficiency=0.62, max_head_m=28.0),
        )
    )
    pump = PlannedPump("P1", "A", 1)
    assert (pump_fault("BP1", pump, catalogue, q, h, DEFAULT_TOL) is not None) == faulty
    fixed = fix_faulty((pump,), verdict(pump, q, h), catalogue)
    assert (fixed == (pump,)) == (not faulty)
