"""Daily schedules: periods, demand profiles, a time-of-use tariff, storage and ramping."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.routing.conftest import solve_dict
from wdnopt.models.scenario import load_scenario

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "scenarios/routing/two_sources_three_plants_six_zones.toml"
)

# Two periods of 12 h; peak tariff in the second (3× the reference price). S → P is free,
# P → Z costs 1 $/ML at the reference price; Z needs 24 ML/day = 12 ML per period.
TWO_PERIODS: dict[str, Any] = {
    "energy_price": 0.1,
    "schedule": {"periods": 2, "energy_price": [0.1, 0.3]},
    "sources": [{"id": "S", "capacity": 100}],
    "plants": [{"id": "P", "capacity": 100}],
    "zones": [{"id": "Z", "demand": 24}],
    "arcs": [{"from": "S", "to": "P"}, {"from": "P", "to": "Z", "cost": 1}],
}


def test_tariff_without_storage() -> None:
    # 12 ML at 1 $/ML + 12 ML at 3 $/ML = 48
    result = solve_dict(TWO_PERIODS)
    assert result.objective == pytest.approx(48)
    assert result.periods["cost"].tolist() == pytest.approx([12, 36])


def test_zone_storage_moves_pumping_off_peak() -> None:
    # a 12 ML reservoir at Z: pump 24 ML off-peak, store 12, release it at the peak: 24
    data = copy.deepcopy(TWO_PERIODS)
    data["zones"][0].update(storage=12)
    result = solve_dict(data)
    assert result.objective == pytest.approx(24)
    assert result.throughput["P"].tolist() == pytest.approx([24, 0])
    assert result.storage["Z"].tolist() == pytest.approx([12, 0])


def test_plant_storage_moves_treatment_off_peak() -> None:
    # pumping on S → P (1 $/ML); a 12 ML clear-water tank at P: treat 24 off-peak: 24
    data = copy.deepcopy(TWO_PERIODS)
    data["arcs"] = [{"from": "S", "to": "P", "cost": 1}, {"from": "P", "to": "Z"}]
    data["plants"][0].update(storage=12)
    result = solve_dict(data)
    assert result.objective == pytest.approx(24)
    assert result.storage["P"].tolist() == pytest.approx([12, 0])


def test_storage_end_level_at_least_start() -> None:
    # start 6 ML of 18, end ≥ 6: pump 24 off-peak (level 18), release 12 at the peak
    # (level 6): 24 $. With only 12 ML of room, level ≤ 12 after 18 pumped off-peak and 6
    # at the peak: 18 + 18 = 36
    data = copy.deepcopy(TWO_PERIODS)
    data["zones"][0].update(storage=18, storage_start=6)
    result = solve_dict(data)
    assert result.objective == pytest.approx(24)
    assert result.storage["Z"].tolist() == pytest.approx([18, 6])
    data["zones"][0].update(storage=12)
    assert solve_dict(data).objective == pytest.approx(36)
    # end ≥ 10 from a start of 6 in 22 ML: 4 more ML pumped off-peak: 28
    data["zones"][0].update(storage=22, storage_end=10)
    assert solve_dict(data).objective == pytest.approx(28)


def test_storage_capacity_binds_with_its_value() -> None:
    # a 5 ML reservoir: 17 off-peak + 7 at peak = 17 + 21 = 38; one more ML saves 3 − 1 = 2
    data = copy.deepcopy(TWO_PERIODS)
    data["zones"][0].update(storage=5)
    result = solve_dict(data)
    assert result.objective == pytest.approx(38)
    row = result.binding.set_index("id").loc["Z"]
    assert row["kind"] == "storage" and row["value_per_ml"] == pytest.approx(2)


RAMP: dict[str, Any] = {
    "schedule": {"periods": 2, "profiles": {"day": [0.5, 1.5]}, "default_profile": "day"},
    "sources": [{"id": "S", "capacity": 100}],
    "plants": [
        {"id": "A", "capacity": 100, "treatment_cost": 1},
        {"id": "B", "capacity": 100, "treatment_cost": 2},
    ],
    "zones": [{"id": "Z", "demand": 24}],
    "arcs": [
        {"from": "S", "to": "A"},
        {"from": "S", "to": "B"},
        {"from": "A", "to": "Z"},
        {"from": "B", "to": "Z"},
    ],
}


def test_ramping_limit() -> None:
    # demand 6 then 18 ML (rates 12 and 36 ML/day). Without a limit A serves all: 24.
    assert solve_dict(RAMP).objective == pytest.approx(24)
    # A may change by 10 ML/day: rates 12 → 22 (6 and 11 ML), B the other 7 ML:
    # 17·1 + 7·2 = 31
    data = copy.deepcopy(RAMP)
    data["plants"][0].update(ramp=10)
    result = solve_dict(data)
    assert result.objective == pytest.approx(31)
    assert result.throughput["A"].tolist() == pytest.approx([6, 11])
    assert "ramp" in set(result.binding["kind"])


def test_absolute_profile_and_min_throughput_per_period() -> None:
    # demand given in ML per period (2 then 10); B must run at ≥ 12 ML/day (6 ML per 12 h)
    # when on. Period 0: A serves 2 (B off). Period 1: A serves 10 (B off, A has room):
    # 12·1 = 12. With A capped at 8 ML/day (4 per period): period 1 needs B ≥ 6 and
    # A 4: 2 + 4 + 6·2 = 18
    data = copy.deepcopy(RAMP)
    data["schedule"] = {"periods": 2, "profile_kind": "absolute"}
    data["zones"][0]["profile"] = [2, 10]
    data["plants"][1].update(min_throughput=12)
    assert solve_dict(data).objective == pytest.approx(12)
    data["plants"][0].update(capacity=8)
    result = solve_dict(data)
    assert result.objective == pytest.approx(18)
    assert result.running["B"].tolist() == [0, 1]


def _example_with_day(periods: int = 24) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    profile = np.round(rng.uniform(0.4, 1.1, periods), 2)  # peak 71.5 ≤ 75 ML/day of plants
    price = np.round(rng.uniform(0.05, 0.3, periods), 3)
    data = load_scenario(EXAMPLE).model_dump(by_alias=True, exclude_none=True)
    data["energy_price"] = 0.1
    data["schedule"] = {
        "periods": periods,
        "energy_price": price.tolist(),
        "profiles": {"town": profile.tolist()},
        "default_profile": "town",
    }
    return data, profile, price


def test_day_without_storage_is_the_sum_of_its_hours() -> None:
    data, profile, price = _example_with_day()
    day = solve_dict(data)
    total = 0.0
    for h in range(24):
        one = copy.deepcopy(data)
        one["schedule"] = {
            "periods": 1,
            "period_hours": 1,
            "energy_price": [float(price[h])],
            "profiles": {"town": [float(profile[h])]},
            "default_profile": "town",
        }
        total += solve_dict(one).objective
    assert day.objective == pytest.approx(total, rel=1e-9)
    assert day.periods["cost"].sum() == pytest.approx(day.objective)


@pytest.mark.parametrize("capacity", [1.0, 3.0, 10.0])
def test_storage_never_costs_more_and_pumps_off_peak(capacity: float) -> None:
    data, _profile, price = _example_with_day()
    base = solve_dict(data)
    for zone in data["zones"]:
        zone.update(storage=capacity, storage_start=capacity / 2)
    stored = solve_dict(data)
    assert stored.objective <= base.objective + 1e-7
    # more water is treated in the cheap half of the day than without storage
    cheap = price <= np.median(price)
    assert stored.periods["treated"][cheap].sum() >= base.periods["treated"][cheap].sum() - 1e-7
    if capacity >= 3:
        assert stored.objective < base.objective - 1e-6
