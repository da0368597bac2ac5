"""The routing sweep: demand multipliers × outages × tariffs of one routing scenario, run on the
harness (this process and a Dask cluster), against rebuilding each variation and against
hand-solved figures of the worked example."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.scenario import load_scenario
from wdnopt.solvers.cli.main import main
from wdnopt.solvers.routing.solve import solve_routing
from wdnopt.solvers.routing.sweep import (
    load_routing_sweep,
    plan_routing_sweep,
    run_routing_sweep,
    vary,
)

ROUTING = Path(__file__).resolve().parents[2] / "scenarios/routing"
WORKED = ROUTING / "two_sources_three_plants_six_zones.toml"
# the worked example: demand 65 ML/day, plants 30/25/20 at 8/10/12 $/ML treatment, sources
# 50 + 40 = 90 ML/day, every source–plant and plant–zone arc present and uncapacitated.
DEMAND, PLANTS = 65.0, {"P1": 30.0, "P2": 25.0, "P3": 20.0}


def sweep_file(tmp_path: Path, body: str, base: Path = WORKED) -> Path:
    path = tmp_path / "sweep.toml"
    path.write_text(f'kind = "routing_sweep"\nbase = "{base}"\n' + body, encoding="utf-8")
    return path


BODY = """
demand_multipliers = [0.8, 1.0, 1.3]
outages = ["none", "plants", "arc:S1->P1"]
[[tariffs]]
id = "free energy"
factor = 0
[[tariffs]]
id = "double"
factor = 2
"""


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    tmp = tmp_path_factory.mktemp("routing_sweep")
    scenario = sweep_file(tmp, BODY)
    out = tmp / "out"
    frame = run_routing_sweep(scenario, out, workers=1, report=False)
    return scenario, out, frame


def test_every_run_equals_its_rebuilt_variation(swept: tuple[Path, Path, pd.DataFrame]) -> None:
    scenario, _, frame = swept
    plan = plan_routing_sweep(load_routing_sweep(scenario)[0], file=str(scenario))
    assert len(frame) == len(plan.runs) == 3 * 5 * 3  # multipliers × outages × tariffs
    by_id = frame.set_index("run_id")
    for spec in plan.runs:
        row = by_id.loc[spec.run_id]
        rebuilt = solve_routing(vary(plan.net, spec))
        assert row["status"] == str(rebuilt.status), spec.run_id
        if rebuilt.objective is not None:
            assert row["objective"] == pytest.approx(rebuilt.objective, rel=1e-9)
        assert row["shortfall_ml"] == pytest.approx(rebuilt.total_shortfall, abs=1e-9)


def test_hand_solved_figures(swept: tuple[Path, Path, pd.DataFrame]) -> None:
    _, _, frame = swept
    row = frame.set_index(["outage", "tariff", "demand_multiplier"])
    # the worked example as published: 989 $/day
    assert row.loc[("none", "base", 1.0), "objective"] == pytest.approx(989.0)
    # no energy cost: only treatment, cheapest plants first (30 × 8 + 25 × 10 + 10 × 12)
    assert row.loc[("none", "free energy", 1.0), "objective"] == pytest.approx(610.0)
    # short exactly by the demand beyond the plants left in service
    for plant, cap in PLANTS.items():
        for m in (0.8, 1.0, 1.3):
            short = max(0.0, DEMAND * m - (sum(PLANTS.values()) - cap))
            r = row.loc[(f"plant {plant}", "base", m)]
            assert r["shortfall_ml"] == pytest.approx(short, abs=1e-7), (plant, m)
            assert r["status"] == ("infeasible" if short > 0 else "optimal")
    # demand 1.3 × 65 = 84.5 > 75 of plant capacity: short even with everything in service
    assert row.loc[("none", "base", 1.3), "shortfall_ml"] == pytest.approx(DEMAND * 1.3 - 75)


def test_a_sweep_run_again_runs_nothing_and_gives_the_same_table(
    swept: tuple[Path, Path, pd.DataFrame],
) -> None:
    scenario, out, frame = swept
    states = []
    again = run_routing_sweep(scenario, out, workers=1, report=False, progress=states.append)
    assert states[-1].skipped == len(frame) and states[-1].done == 0
    pd.testing.assert_frame_equal(again, frame)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["kind"] == "routing_sweep" and summary["status"] == "complete"
    plants = pd.read_csv(out / "plants.csv")
    base = frame[(frame["outage"] == "none") & (frame["tariff"] == "base")]
    run = base[base["demand_multiplier"] == 1.0]["run_id"].iloc[0]
    throughput = plants[plants["run_id"] == run].set_index("plant")["throughput"]
    assert throughput.sum() == pytest.approx(DEMAND)  # all demand treated, no more


def test_dask_workers_give_the_same_table(
    swept: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    scenario, _, frame = swept
    parallel = run_routing_sweep(scenario, tmp_path / "par", workers=2, report=False)
    cols = ["run_id", "status", "objective", "shortfall_ml"]
    pd.testing.assert_frame_equal(parallel[cols], frame[cols], rtol=1e-9)


def test_energy_price_tariff_on_a_schedule(tmp_path: Path) -> None:
    base = ROUTING / "daily_schedule.toml"
    periods = load_scenario(base).schedule.periods
    prices = ", ".join(["0.15"] * periods)
    scenario = sweep_file(
        tmp_path,
        f'demand_multipliers = [1.0, 1.1]\n[[tariffs]]\nid = "flat"\nenergy_price = [{prices}]\n',
        base=base,
    )
    frame = run_routing_sweep(scenario, tmp_path / "out", workers=1, report=False)
    plan = plan_routing_sweep(load_routing_sweep(scenario)[0], file=str(scenario))
    net = RoutingNetwork.from_scenario(load_scenario(base))
    assert solve_routing(net).objective == pytest.approx(
        frame.set_index(["tariff", "demand_multiplier"]).loc[("base", 1.0), "objective"]
    )
    for spec, (_, row) in zip(plan.runs, frame.iterrows(), strict=True):
        assert row["objective"] == pytest.approx(solve_routing(vary(net, spec)).objective)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('outages = ["plant:P9"]\n', "outages[0]"),
        ('outages = ["pump:P1"]\n', "outages[0]"),
        ('outages = ["none", "arc:S1->Z1"]\n', "outages[1]"),
        ('[[tariffs]]\nid = "x"\nenergy_price = [0.1, 0.2]\n', "tariffs[0].energy_price"),
        ('[[tariffs]]\nid = "x"\nfactor = 1\nenergy_price = [0.1]\n', "tariffs[0]"),
        ('[[tariffs]]\nid = "base"\nfactor = 1\n', "tariffs[0].id"),
        ("demand_multipliers = [1.0, 1.0]\n", "demand_multipliers"),
        ('season = "summer"\n', "season"),
    ],
)
def test_bad_sweeps_are_refused_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, field: str
) -> None:
    scenario = sweep_file(tmp_path, body)
    code = main(["compare", str(scenario), "--out", str(tmp_path / "out"), "--no-report"])
    err = capsys.readouterr().err
    assert code == 2
    assert field in err and "sweep.toml" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out" / "runs").exists() or not any((tmp_path / "out/runs").iterdir())


def test_base_must_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = sweep_file(tmp_path, "", base=tmp_path / "nowhere.toml")
    assert main(["compare", str(scenario), "--out", str(tmp_path / "o"), "--no-report"]) == 2
    err = capsys.readouterr().err
    assert "base" in err and "nowhere.toml" in err and "sweep.toml" in err


def test_base_must_be_a_routing_scenario(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    pumps = Path(__file__).resolve().parents[2] / "scenarios/pumps/net3_network.toml"
    scenario = sweep_file(tmp_path, "", base=pumps)
    assert main(["compare", str(scenario), "--out", str(tmp_path / "o"), "--no-report"]) == 2
    assert "base" in capsys.readouterr().err


def test_cli_prints_the_cost_table_and_json(
    swept: tuple[Path, Path, pd.DataFrame], capsys: pytest.CaptureFixture[str]
) -> None:
    scenario, out, frame = swept
    assert main(["compare", str(scenario), "--out", str(out), "--no-report"]) == 0
    text = capsys.readouterr().out
    assert "989.00" in text  # the worked example, as published
    assert "short 20" in text  # P1 out at ×1: 65 − (25 + 20) ML/day not met
    assert main(["compare", str(scenario), "--out", str(out), "--no-report", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["kind"] == "routing_sweep" and payload["runs"] == len(frame)
    assert payload["by_status"] == frame["status"].value_counts().to_dict()


def test_solve_refuses_a_sweep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = sweep_file(tmp_path, BODY)
    assert main(["solve", str(scenario)]) == 2
    assert "wdnopt compare" in capsys.readouterr().err


def test_report_and_figures_of_a_real_sweep(
    swept: tuple[Path, Path, pd.DataFrame], capsys: pytest.CaptureFixture[str]
) -> None:
    scenario, out, frame = swept
    assert main(["compare", str(scenario), "--out", str(out)]) == 0
    capsys.readouterr()
    for name in ("cost_by_demand", "shortfall", "cost_breakdown", "plant_utilisation"):
        assert (out / f"{name}.png").stat().st_size > 0, name
    report = (out / "report.md").read_text(encoding="utf-8")
    low = frame[(frame["outage"] == "none") & (frame["tariff"] == "base")]["objective"].iloc[0]
    assert f"| none | {low:,.0f} | 989 |" in report  # ×0.8 and ×1 (the worked example)
    assert "infeasible (short 20.00 ML/day)" in report  # P1 out at ×1: 65 − 45
    assert "data:image/png" in (out / "report.html").read_text(encoding="utf-8")


def test_read_back_from_python(swept: tuple[Path, Path, pd.DataFrame]) -> None:
    from wdnopt import solvers

    _, out, frame = swept
    saved = solvers.load_results(out)
    assert saved.summary["kind"] == "routing_sweep"
    assert saved.summary["by_status"] == frame["status"].value_counts().to_dict()
    pd.testing.assert_frame_equal(saved.tables["results"], frame)
    assert set(saved.tables["plants"]["run_id"]) <= set(frame["run_id"])
    assert solvers.run_routing_sweep is run_routing_sweep


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(ROUTING.glob("*.toml")) if 'kind = "routing_sweep"' in p.read_text()],
    ids=lambda p: p.stem,
)
def test_shipped_sweeps_run(path: Path, tmp_path: Path) -> None:
    assert path.read_text().startswith("#"), "a comment header says what the sweep shows"
    sweep = load_routing_sweep(path)[0]
    frame = run_routing_sweep(path, tmp_path / "out", workers=1, report=False)
    assert len(frame) == len(plan_routing_sweep(sweep, file=str(path)).runs)
    assert set(frame["status"]) <= {"optimal", "infeasible"}
    base = frame[(frame["outage"] == "none") & (frame["tariff"] == "base")]
    one = base[base["demand_multiplier"] == 1.0]
    if len(one):  # the base case is the base scenario solved on its own
        alone = solve_routing(load_scenario(sweep.base))
        assert one["objective"].iloc[0] == pytest.approx(alone.objective, rel=1e-9)
