"""A routing scenario built from DataFrames: the file loader's validation and messages."""

from __future__ import annotations

import tomllib
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from wdnopt.models.errors import InputError
from wdnopt.models.scenario import load_scenario, scenario_from_dict
from wdnopt.solvers.routing.solve import solve_routing

EXAMPLE = files("wdnopt.scenarios").joinpath("routing", "two_sources_three_plants_six_zones.toml")


def frames() -> dict:
    """The worked example with every table as a DataFrame."""
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    for table in ("sources", "plants", "zones", "arcs"):
        data[table] = pd.DataFrame(data[table])
    return data


def test_dataframes_give_the_files_answer() -> None:
    from_file = solve_routing(load_scenario(str(EXAMPLE)))
    from_frames = solve_routing(scenario_from_dict(frames()))
    assert from_frames.objective == pytest.approx(989.0)
    assert from_frames.objective == pytest.approx(from_file.objective)


def test_nan_means_not_given() -> None:
    data = frames()
    data["zones"] = data["zones"].assign(surplus_cost=np.nan)  # a column of blanks
    data["plants"] = data["plants"].astype({"capacity": "Int64"})  # integer columns with NA
    scenario = scenario_from_dict(data)
    assert all(z.surplus_cost is None for z in scenario.zones)
    assert solve_routing(scenario).objective == pytest.approx(989.0)


def test_a_bad_cell_is_named_like_a_csv_cell() -> None:
    data = frames()
    zones = data["zones"].astype({"demand": object})
    zones.loc[2, "demand"] = -3.0
    data["zones"] = zones
    with pytest.raises(InputError) as caught:
        scenario_from_dict(data)
    text = str(caught.value)
    assert "DataFrame zones" in text and "row 3" in text and "demand" in text and "-3" in text


def test_a_result_shows_itself_in_a_notebook() -> None:
    result = solve_routing(scenario_from_dict(frames()))
    page = result._repr_html_()
    assert "optimal" in page and "989.00 $/day" in page and "<table" in page
    assert all(p in page for p in ("P1", "P2", "P3"))
