"""The Python API: one import, pump placement on a user's wntr network with named tables and
the network with its pumps written as .inp, results read back from an --out folder."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import wntr

import wdnopt.solvers as api
from wdnopt.models.pumps.hydraulics import simulate
from wdnopt.solvers.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
TREE = ROOT / "data" / "networks" / "tree_100.inp"
EXAMPLE = ROOT / "scenarios" / "routing" / "two_sources_three_plants_six_zones.toml"


def test_one_import_gives_the_entry_points() -> None:
    for name in ("load_scenario", "solve_routing", "place_pumps", "run_sweep", "load_results",
                 "RoutingScenario", "PumpPlacementScenario", "InputError"):  # fmt: skip
        assert callable(getattr(api, name)), name
    result = api.solve_routing(api.load_scenario(EXAMPLE))
    assert (str(result.status), result.objective) == ("optimal", 989.0)


def test_import_wdnopt_gives_the_api_and_the_version() -> None:
    """``import wdnopt``: every entry point of wdnopt.solvers, the same objects, and
    ``__version__`` from the installed metadata; an unknown name is an AttributeError."""
    import wdnopt

    assert wdnopt.__version__ == version("wdnopt")
    assert sorted(wdnopt.__all__) == sorted(["__version__", *api.__all__])
    for name in api.__all__:
        assert getattr(wdnopt, name) is getattr(api, name), name
        assert name in dir(wdnopt)
    assert wdnopt.place_pumps.__module__ == "wdnopt.solvers.api"
    with pytest.raises(AttributeError):
        _ = wdnopt.no_such_name
    scenario = wdnopt.load_scenario(EXAMPLE)
    assert wdnopt.solve_routing(scenario).objective == 989.0


def test_pumps_on_a_users_network_hold_in_an_independent_epanet_run(tmp_path: Path) -> None:
    wn = wntr.network.WaterNetworkModel(str(TREE))
    links_before = sorted(wn.link_name_list)
    plan = api.place_pumps(wn, 2.6, algorithm="tree-dp")
    assert sorted(wn.link_name_list) == links_before  # the user's network is left as it was
    assert plan.status == "optimal" and plan.verified is True
    pumps = plan.pumps
    assert len(pumps) == plan.cost["n_pumps"] > 0
    assert set(pumps["pipe"]) <= set(wn.pipe_name_list)  # names, not indices
    assert set(pumps["node"]) <= set(wn.node_name_list)
    assert pumps["cost"].sum() == pytest.approx(plan.objective)

    written = wntr.network.WaterNetworkModel(str(plan.write_inp(tmp_path / "with_pumps.inp")))
    assert sorted(written.pump_name_list) == sorted(pumps["pump"])
    for row in pumps.itertuples():  # each pump sits between its node and a new junction
        pump = written.get_link(row.pump)
        assert pump.start_node_name == row.node
        assert row.pipe in written.get_links_for_node(pump.end_node_name)
    # EPANET on the written file, outside the plan's own check: every checked junction holds
    state = simulate(written, 2.6)
    pressures = plan.pressures.set_index("junction")
    checked = pressures.index[pressures["checked"]]
    assert (state.pressure[checked] >= plan.problem.tree.p_min - 1e-3).all()
    np.testing.assert_allclose(state.pressure[checked], pressures.loc[checked, "after_m"],
                               atol=1e-3)  # fmt: skip
    without = simulate(wn, 2.6).pressure[checked]
    assert (without < plan.problem.tree.p_min).any()  # the pumps were needed
    assert "tree-dp" in plan._repr_html_() and "P" in plan._repr_html_()


def test_bad_settings_are_named() -> None:
    with pytest.raises(api.InputError) as err:
        api.place_pumps(str(TREE), 2.6, p_min=-3)
    assert "p_min" in str(err.value)


def test_results_load_back_from_an_out_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["solve", str(EXAMPLE), "--json", "--out", str(tmp_path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    saved = api.load_results(tmp_path)
    assert (saved.status, saved.objective) == (printed["status"], printed["objective"])
    plants = pd.DataFrame(printed["plants"])
    pd.testing.assert_frame_equal(
        saved["plants"][plants.columns], plants, check_dtype=False, check_exact=False
    )
    assert "optimal" in saved._repr_html_()
    with pytest.raises(api.InputError):
        api.load_results(tmp_path / "nothing")


def test_a_routing_solve_does_not_spoil_a_later_pump_milp() -> None:
    """HiGHS sizes one thread scheduler per process at its first solve: a routing LP (default
    threads) then the pump MILP (one thread) stopped at once with status unknown. Both in one
    session, as in a notebook; the MILP's optimum is confirmed by the tree DP (cross-check)."""
    api.solve_routing(api.load_scenario(EXAMPLE))
    plan = api.place_pumps(str(TREE), 2.6, algorithm="milp")
    dp = api.place_pumps(str(TREE), 2.6, algorithm="tree-dp")
    assert plan.status == dp.status == "optimal"
    assert plan.objective == pytest.approx(dp.objective, rel=1e-6)


@pytest.fixture(scope="module")
def tree_plan() -> api.PumpPlan:
    return api.place_pumps(str(TREE), 2.6, algorithm="tree-dp")


def test_a_plan_shows_itself_in_a_line_and_a_small_table(tree_plan: api.PumpPlan) -> None:
    text = repr(tree_plan)
    assert "\n" not in text and len(text) < 200, text
    assert text.startswith("PumpPlan(factor=2.6, algorithm='tree-dp', status='optimal'")
    assert f"pumps={tree_plan.cost['n_pumps']}" in text and "verified=True" in text
    inner = repr(tree_plan.result)
    assert inner.startswith("PlacementResult(tree-dp, optimal, objective ")
    assert "\n" not in inner and len(inner) < 200, inner
    assert f"{tree_plan.objective:,.2f}" in inner
    page = tree_plan._repr_html_()
    assert page.count("<table") == 2 and "holds on the network" in page
    assert len(page) < 8_000
    assert "<th style='text-align:left'>objective</th>" in tree_plan.result._repr_html_()


def test_a_plan_is_drawn_through_the_api(tree_plan: api.PumpPlan) -> None:
    from matplotlib.figure import Figure

    fig = tree_plan.plot()
    assert isinstance(fig, Figure)
    assert "holds on the network" in fig._suptitle.get_text()
