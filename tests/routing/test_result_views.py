"""A routing result's tables as columns, as DataFrames and as records; its repr, HTML and
figure.

The columns are what the command line prints from (no pandas); the DataFrames what a user of
the library reads. Both views of every table of every shipped routing scenario must agree.
"""

from __future__ import annotations

import math
import pickle
from importlib.resources import files

import numpy as np
import pytest

from wdnopt.models.scenario import load_scenario
from wdnopt.solvers.routing.frames import Table
from wdnopt.solvers.routing.solve import MAIN_TABLES, OPTIONAL_TABLES, RoutingResult, solve_routing

SCENARIOS = files("wdnopt.scenarios").joinpath("routing")
SHIPPED = sorted(
    p.name for p in SCENARIOS.iterdir() if p.name.endswith(".toml") and "sweep" not in p.name
)


def _solve(name: str) -> RoutingResult:
    scenario = load_scenario(str(SCENARIOS.joinpath(name)))
    season = scenario.seasons[0].id if scenario.seasons and not scenario.season else None
    return solve_routing(scenario, season=season)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b and type(a) is type(b)


@pytest.fixture(scope="module", params=SHIPPED)
def result(request: pytest.FixtureRequest) -> RoutingResult:
    return _solve(request.param)


def test_records_are_what_pandas_gives(result: RoutingResult) -> None:
    for name in (*MAIN_TABLES, *OPTIONAL_TABLES):
        table = result.table(name)
        frame = getattr(result, name)
        assert list(frame.columns) == table.names, name
        assert len(frame) == len(table) and frame.empty == table.empty, name
        expected = frame.to_dict(orient="records")
        got = table.records()
        assert len(got) == len(expected), name
        for row, want in zip(got, expected, strict=True):
            assert row.keys() == want.keys(), name
            for key in row:
                assert _same(row[key], want[key]), (name, key, row[key], want[key])


def test_a_dataframe_is_built_once(result: RoutingResult) -> None:
    assert result.plants is result.plants
    assert result.has("plants") and not result.table("plants").empty


def test_tables_the_result_lacks_are_empty_frames(result: RoutingResult) -> None:
    for name in OPTIONAL_TABLES:
        assert result.has(name) == (not getattr(result, name).empty)
        assert (name in result.tables()) == result.has(name)
    with pytest.raises(KeyError, match="no table 'flow'"):
        result.table("flow")


def test_a_pickled_result_keeps_its_tables() -> None:
    result = _solve("two_sources_three_plants_six_zones.toml")
    _ = result.plants  # a DataFrame built before pickling is not carried along
    again = pickle.loads(pickle.dumps(result))
    assert again.table("plants").records() == result.table("plants").records()
    assert again.plants.equals(result.plants)


def test_binding_is_sorted_by_value(result: RoutingResult) -> None:
    values = result.table("binding").column("value_per_ml").astype(float)
    assert (np.diff(values) <= 0).all(), values


def test_a_table_of_columns() -> None:
    table = Table.from_rows([("a", 1, 2.5, True), ("b", 2, 3.0, False)], ["id", "n", "x", "ok"])
    assert table.names == ["id", "n", "x", "ok"] and len(table) == 2
    assert table.records()[1] == {"id": "b", "n": 2, "x": 3.0, "ok": False}
    assert type(table.records()[0]["n"]) is int and type(table.records()[0]["ok"]) is bool
    assert Table().empty and len(Table()) == 0 and Table().records() == []
    assert Table({"x": np.array([1, 2])}).records() == [{"x": 1}, {"x": 2}]
    assert str(table.frame().dtypes["n"]) == "int64"


def test_repr_is_one_short_line() -> None:
    result = _solve("two_sources_three_plants_six_zones.toml")
    text = repr(result)
    assert "\n" not in text and len(text) < 200, text
    assert text.startswith("RoutingResult(")
    assert "optimal" in text and "objective 989.00 $/day" in text
    assert "3 plants, 6 zones, 24 arcs (11 in use)" in text
    assert "2 binding" in text


def test_repr_html_is_a_small_table() -> None:
    result = _solve("two_sources_three_plants_six_zones.toml")
    page = result._repr_html_()
    assert page.count("<table>") == 2
    assert "989.00 $/day" in page and "<th>plant</th>" in page
    assert len(page) < 4_000


def test_plot_draws_the_day() -> None:
    from matplotlib.figure import Figure

    fig = _solve("daily_schedule.toml").plot()
    assert isinstance(fig, Figure)
    assert len(fig.axes) >= 2


def test_plot_without_a_schedule_says_why() -> None:
    with pytest.raises(ValueError, match=r"no day to draw \(the scenario has no \[schedule\]\)"):
        _solve("two_sources_three_plants_six_zones.toml").plot()
