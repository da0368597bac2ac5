"""Every optional feature on a network small enough to solve by hand.

The base: source S (100 ML/day) feeds plants A (10 ML/day, 1 $/ML) and B (100 ML/day,
5 $/ML), both serve zone Z (15 ML/day); pumping is free. Optimum: A full, B the rest,
10·1 + 5·5 = 35 $/day. Each test changes one thing and states the new optimum.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.routing.conftest import solve_dict
from wdnopt.models.routing.energy import KWH_PER_ML_PER_M
from wdnopt.solvers.status import Status

BASE: dict[str, Any] = {
    "sources": [{"id": "S", "capacity": 100}],
    "plants": [
        {"id": "A", "capacity": 10, "treatment_cost": 1},
        {"id": "B", "capacity": 100, "treatment_cost": 5},
    ],
    "zones": [{"id": "Z", "demand": 15}],
    "arcs": [
        {"from": "S", "to": "A"},
        {"from": "S", "to": "B"},
        {"from": "A", "to": "Z"},
        {"from": "B", "to": "Z"},
    ],
}


def variant(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        table, _, rest = key.partition("__")
        if rest:  # plants__A={...}: update the row with that id (or arcs__A_Z)
            for row in data[table]:
                rid = row.get("id") or f"{row['from']}_{row['to']}"
                if rid == rest:
                    row.update(value)
        else:
            data[key] = value
    return data


def throughput(result) -> dict[str, float]:
    return dict(zip(result.plants["plant"], result.plants["throughput"], strict=True))


def test_base() -> None:
    assert solve_dict(BASE).objective == pytest.approx(35)


def test_arc_capacity_binds_with_its_value() -> None:
    # A → Z carries 4: 4·1 + 11·5 = 59; one more ML/day on it saves 5 − 1 = 4
    result = solve_dict(variant(arcs__A_Z={"capacity": 4}))
    assert result.objective == pytest.approx(59)
    row = result.binding.set_index("id").loc["A → Z"]
    assert row["kind"] == "arc" and row["value_per_ml"] == pytest.approx(4)


def test_quality_class_only_some_plants_offer() -> None:
    # Z needs "hospital", only B offers it: 15·5 = 75
    data = variant(
        zones__Z={"quality": "hospital"},
        plants__A={"qualities": ["potable"]},
        plants__B={"qualities": ["potable", "hospital"]},
    )
    result = solve_dict(data)
    assert result.objective == pytest.approx(75)
    assert throughput(result) == pytest.approx({"A": 0, "B": 15})


@pytest.mark.parametrize(("premium", "expected"), [(3, 10 * 4 + 5 * 5), (6, 15 * 5)])
def test_treatment_premium(premium: float, expected: float) -> None:
    # A charges a premium for hospital water: 1 + 3 = 4 < 5 keeps A full (65);
    # 1 + 6 = 7 > 5 sends everything through B (75)
    data = variant(zones__Z={"quality": "hospital"}, plants__A={"premium": {"hospital": premium}})
    result = solve_dict(data)
    assert result.objective == pytest.approx(expected)
    assert result.treatment_cost == pytest.approx(expected)


def test_min_throughput_makes_a_milp() -> None:
    # B runs at ≥ 8 or not at all: A alone (10) cannot serve 15, so B runs at 8, A at 7:
    # 7·1 + 8·5 = 47 (the LP would give 35 with B at 5)
    result = solve_dict(variant(plants__B={"min_throughput": 8}))
    assert result.objective == pytest.approx(47)
    assert throughput(result) == pytest.approx({"A": 7, "B": 8})


def test_fixed_running_cost_turns_a_plant_off() -> None:
    # running A costs 50 $/day: A + B = 10 + 25 + 50 = 85 > B alone 75
    result = solve_dict(variant(plants__A={"fixed_cost": 50}))
    assert result.objective == pytest.approx(75)
    assert throughput(result) == pytest.approx({"A": 0, "B": 15})
    assert result.plants.set_index("plant").loc["A", "hours_running"] == 0


def test_milp_capacity_values_from_the_fixed_lp() -> None:
    # B must run (A alone has 7 of the 15 ML/day), at ≥ 6 ML/day: the optimum is A 7, B 8,
    # with B's minimum slack (a minimum of 8 would pin B at 8 and make A's value degenerate,
    # anything in [0, 4], since Z receives exactly its demand)
    result = solve_dict(variant(plants__B={"min_throughput": 6}, plants__A={"capacity": 7}))
    # A full at 7 → binding, worth 5 − 1 = 4 $/day per ML/day in the fixed LP
    assert result.objective == pytest.approx(7 + 8 * 5)
    row = result.binding.set_index("id").loc["A"]
    assert row["value_per_ml"] == pytest.approx(4)


def test_seasonal_source_capacity() -> None:
    # S2 feeds only A; in the dry season S2 gives 4: 4·1 + 11·5 = 59; base season 35
    data = variant(
        sources=[{"id": "S", "capacity": 100}, {"id": "S2", "capacity": 100}],
        arcs=[
            {"from": "S", "to": "B"},
            {"from": "S2", "to": "A"},
            {"from": "A", "to": "Z"},
            {"from": "B", "to": "Z"},
        ],
        seasons=[{"id": "dry", "source_capacity": {"S2": 4}}, {"id": "wet", "source_capacity": {}}],
    )
    assert solve_dict(data).objective == pytest.approx(35)
    assert solve_dict(data, season="dry").objective == pytest.approx(59)
    from wdnopt.models.routing.schema import RoutingScenario
    from wdnopt.solvers.routing.solve import solve_seasons

    by_season = solve_seasons(RoutingScenario.model_validate(data))
    assert {k: r.objective for k, r in by_season.items()} == pytest.approx({"dry": 59, "wet": 35})


def test_pumping_cost_from_lift() -> None:
    # A → Z lifts 3 m at 75 % and 0.10 $/kWh: 9.80665e6·3/(3.6e6·0.75) = 10.896 kWh/ML,
    # 1.0896 $/ML; A still beats B (2.0896 < 5): 10·2.0896 + 5·5
    per_ml = 9.80665e6 * 3 / (3.6e6 * 0.75) * 0.10
    kwh = KWH_PER_ML_PER_M * 3 / 0.75
    assert kwh * 0.10 == pytest.approx(per_ml)
    data = variant(arcs__A_Z={"lift": 3, "efficiency": 0.75}, energy_price=0.10)
    result = solve_dict(data)
    assert result.objective == pytest.approx(10 * (1 + per_ml) + 25)
    assert result.pumping_cost == pytest.approx(10 * per_ml)


def test_pressure_head_adds_to_lift() -> None:
    # lift 1 m + 2 m of pressure head at Z = 3 m, default efficiency 0.75: as above
    per_ml = 9.80665e6 * 3 / (3.6e6 * 0.75) * 0.10
    data = variant(arcs__A_Z={"lift": 1}, zones__Z={"pressure_head": 2}, energy_price=0.10)
    assert solve_dict(data).objective == pytest.approx(10 * (1 + per_ml) + 25)


def test_arc_upgrade_is_chosen_when_it_pays() -> None:
    # A → Z carries 4 (59 $/day); +6 ML/day for 10 $/day gives 35 + 10 = 45
    data = variant(arcs__A_Z={"capacity": 4, "upgrade_capacity": 6, "upgrade_cost": 10})
    result = solve_dict(data)
    assert result.objective == pytest.approx(45)
    assert result.expansion["chosen"].tolist() == [True]
    # at 30 $/day it does not pay (35 + 30 > 59)
    data = variant(arcs__A_Z={"capacity": 4, "upgrade_capacity": 6, "upgrade_cost": 30})
    assert solve_dict(data).objective == pytest.approx(59)


@pytest.mark.parametrize(("build_cost", "expected", "built"), [(30, 30, True), (40, 35, False)])
def test_candidate_plant(build_cost: float, expected: float, built: bool) -> None:
    # candidate C (20 ML/day, free treatment) built for 30 $/day: 0 + 30 < 35; at 40 it is not
    data = copy.deepcopy(BASE)
    data["plants"].append({"id": "C", "capacity": 20, "build_cost": build_cost})
    data["arcs"] += [{"from": "S", "to": "C"}, {"from": "C", "to": "Z"}]
    result = solve_dict(data)
    assert result.objective == pytest.approx(expected)
    assert result.expansion.set_index("id").loc["C", "chosen"] == built


def test_candidate_arc_and_plant_upgrade() -> None:
    # B → Z does not exist yet (candidate, 12 $/day); A can be upgraded by 3 for 8 $/day.
    # A alone (10, or 13 upgraded) cannot serve 15, so B → Z is built: 10 + 5·5 + 12 = 47;
    # with the upgrade too: 13 + 2·5 + 12 + 8 = 43, the optimum
    data = variant(
        arcs__B_Z={"build_cost": 12}, plants__A={"upgrade_capacity": 3, "upgrade_cost": 8}
    )
    result = solve_dict(data)
    assert result.objective == pytest.approx(43)
    assert result.expansion_cost == pytest.approx(20)
    assert result.expansion["chosen"].tolist() == [True, True]
    # an upgrade by 5 makes the arc unnecessary: 15·1 + 8 = 23
    data = variant(
        arcs__B_Z={"build_cost": 12}, plants__A={"upgrade_capacity": 5, "upgrade_cost": 8}
    )
    result = solve_dict(data)
    assert result.objective == pytest.approx(23)
    assert result.expansion["chosen"].tolist() == [False, True]


def test_infeasible_milp_reports_shortfall() -> None:
    # B out (capacity 0) and A at most 10: Z short by 5, even with A's minimum
    data = variant(plants__B={"capacity": 0}, plants__A={"min_throughput": 2})
    result = solve_dict(data)
    assert result.status is Status.INFEASIBLE
    assert result.total_shortfall == pytest.approx(5)
