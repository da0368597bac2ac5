"""A tiny sweep end to end: one row per run, EPANET-verified placements, honest gaps, outputs."""

from __future__ import annotations

import base64
import itertools
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from wdnopt.models.pumps.instance import build_problems
from wdnopt.models.scenario import load_scenario
from wdnopt.solvers.pumps import registry
from wdnopt.solvers.pumps.sweep import RESULT_COLUMNS, add_gaps, gap_table, plan_sweep, run_sweep

from .conftest import FACTORS, SEEDS, tree_algorithms


def expected_runs() -> set[tuple]:
    """The product the sweep declares, spelled out independently of the harness."""
    runs = set()
    for factor, objective, name in itertools.product(FACTORS, ["opex", "tco"], tree_algorithms()):
        seeds = SEEDS if name == "ga" else [None]
        for seed in seeds:
            runs.add(("tree_100", factor, objective, name, seed))
    return runs


def keys(frame: pd.DataFrame) -> set[tuple]:
    return {
        (r.network, r.demand_factor, r.objective, r.algorithm, None if pd.isna(r.seed) else r.seed)
        for r in frame.itertuples()
    }


def test_one_row_per_run(tiny_sweep: tuple[Path, Path, pd.DataFrame]) -> None:
    _, out, frame = tiny_sweep
    assert list(frame.columns) == RESULT_COLUMNS
    assert len(frame) == len(expected_runs())
    assert keys(frame) == expected_runs()
    assert frame["run_id"].is_unique
    on_disk = pd.read_csv(out / "results.csv")
    assert len(on_disk) == len(frame)
    assert set(on_disk["run_id"]) == set(frame["run_id"])
    parquet = pd.read_parquet(out / "results.parquet")
    pd.testing.assert_frame_equal(parquet, frame, check_dtype=False)
    assert len(list((out / "runs").glob("*.json"))) == len(frame)
    assert not (frame["status"] == "error").any(), frame[frame["status"] == "error"]["message"]


def test_every_placement_is_verified_in_epanet(tiny_sweep: tuple[Path, Path, pd.DataFrame]) -> None:
    _, _, frame = tiny_sweep
    feasible = frame[frame["cost"].notna()]
    assert len(feasible) > 0
    assert feasible["verified"].notna().all()
    assert feasible["verified"].astype(bool).all(), feasible[~feasible["verified"].astype(bool)]
    assert (feasible["min_margin_m"] >= -5e-3).all()
    bound_only = frame[frame["status"] == "bound_only"]
    assert set(bound_only["algorithm"]) == {"min-opex"}
    assert bound_only["cost"].isna().all() and bound_only["verified"].isna().all()
    assert bound_only["bound"].notna().all() and bound_only["paper_bound"].notna().all()


def test_gaps_against_proved_optima(tiny_sweep: tuple[Path, Path, pd.DataFrame]) -> None:
    _, _, frame = tiny_sweep
    exact = {n for n in tree_algorithms() if registry.get(n).exact}
    for key, group in frame.groupby(["network", "demand_factor", "objective"]):
        proved = group[group["algorithm"].isin(exact) & (group["status"] == "optimal")]
        assert len(proved) == len(exact), key
        optimum = proved["cost"].min()
        assert proved["cost"].max() == pytest.approx(optimum, rel=1e-9)  # MILP = tree DP
        assert (group["reference"] == optimum).all() and (
            group["reference_kind"] == "optimum"
        ).all()
        # every valid bound is at most the optimum, every placement at least
        assert (group["bound"].dropna() <= optimum * (1 + 1e-9) + 1e-9).all(), key
        placed = group[group["cost"].notna()]
        assert (placed["cost"] >= optimum * (1 - 1e-9) - 1e-9).all(), key
        assert (placed["gap"] >= -1e-9).all(), key
        for row in placed.itertuples():
            expected = 0.0 if optimum == 0 else (row.cost - optimum) / optimum
            assert row.gap == pytest.approx(expected, abs=1e-12)
    # the sweep is not trivial: some problems need pumps and some heuristic misses the optimum
    assert (frame["reference"] > 0).any()
    assert (frame["gap"] > 1e-6).any()
    assert (frame.loc[frame["demand_factor"] == 1.8, "cost"].dropna() == 0).all()


def test_harness_solves_the_same_problem_as_wdnopt_solve(
    tiny_sweep: tuple[Path, Path, pd.DataFrame],
) -> None:
    scenario_path, _, frame = tiny_sweep
    sweep = load_scenario(scenario_path)
    placement = sweep.placement_scenario(0, "tco")
    milp = registry.get("milp")
    for problem in build_problems(placement)[1:]:
        factor = problem.tree.demand_factor
        direct = milp.run(problem, milp.make_options({"threads": 1}))
        row = frame[
            (frame["algorithm"] == "milp")
            & (frame["objective"] == "tco")
            & (frame["demand_factor"] == factor)
        ].iloc[0]
        assert row["cost"] == pytest.approx(direct.objective, rel=1e-9)
        assert row["deficient_nodes"] == int(problem.tree.deficient.sum())


def test_gap_table(tiny_sweep: tuple[Path, Path, pd.DataFrame]) -> None:
    _, out, frame = tiny_sweep
    table = pd.read_csv(out / "gaps.csv")
    assert "min-opex" not in set(table["algorithm"])
    recomputed = gap_table(frame)
    for row in table.itertuples():
        runs = frame[
            (frame["algorithm"] == row.algorithm)
            & (frame["objective"] == row.objective)
            & frame["gap"].notna()
            & (frame["reference"] > 0)
        ]
        assert row.compared == len(runs)
        assert row.worst_gap == pytest.approx(runs["gap"].max(), nan_ok=True)
        assert row.mean_gap == pytest.approx(runs["gap"].mean(), nan_ok=True)
        assert row.within_1pct == pytest.approx((runs["gap"] <= 0.01).mean(), nan_ok=True)
    assert len(recomputed) == len(table)


def test_report_and_figures(tiny_sweep: tuple[Path, Path, pd.DataFrame]) -> None:
    _, out, _ = tiny_sweep
    names = ["pressure_curve", "cost_tree_100", "slack_tree_100", "gap_tree_100"]
    for name in names:
        data = (out / f"{name}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000, name
    md = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    for name in names:  # Markdown links the files; HTML embeds the very same bytes
        embedded = base64.b64encode((out / f"{name}.png").read_bytes()).decode()
        assert f"({name}.png)" in md and f'src="data:image/png;base64,{embedded}"' in html
    assert 'src="' not in html.replace('src="data:', "")  # nothing to fetch beside the page
    for text in ("Gaps to the optimum", "tree-pump", "wntr", "tiny"):
        assert text in md and text in html
    curve = pd.read_csv(out / "pressure_curve.csv")
    below = curve.set_index("factor")["share"]
    assert below.loc[1.8] == 0 and below.loc[2.8] > 0


def test_figures_as_svg_and_pdf(
    tiny_sweep: tuple[Path, Path, pd.DataFrame], tmp_path: Path
) -> None:
    """The finished sweep's outputs again in SVG and PDF (every run is read back, none runs
    again): the figures in that format, the HTML report embedding SVG as is and PDF as PNG."""
    scenario, out, frame = tiny_sweep
    for fmt, magic, mime in (("svg", b"<?xml", "image/svg+xml"), ("pdf", b"%PDF", "image/png")):
        copy = tmp_path / fmt
        shutil.copytree(out / "runs", copy / "runs")
        again = run_sweep(scenario, copy, workers=1, figure_format=fmt, dpi=60)
        assert again["run_id"].tolist() == frame["run_id"].tolist()
        data = (copy / f"cost_tree_100.{fmt}").read_bytes()
        assert data.startswith(magic)
        assert not (copy / "cost_tree_100.png").exists()
        html = (copy / "report.html").read_text(encoding="utf-8")
        assert html.count(f'src="data:{mime};base64,') == 4
        if fmt == "svg":
            assert base64.b64encode(data).decode() in html
        assert f"(cost_tree_100.{fmt})" in (copy / "report.md").read_text(encoding="utf-8")


def test_add_gaps_by_hand() -> None:
    frame = pd.DataFrame(
        {
            "network": ["n"] * 4 + ["m"] * 3 + ["z"] * 2,
            "demand_factor": [2.0] * 9,
            "objective": ["tco"] * 9,
            "algorithm": [
                *("milp", "tree-pump", "ga", "min-opex"),
                *("milp", "ga", "min-opex"),
                *("milp", "ga"),
            ],
            "status": [
                *("optimal", "heuristic", "heuristic", "bound_only"),
                *("time_limit", "heuristic", "bound_only"),
                *("optimal", "heuristic"),
            ],
            "cost": [100.0, 110.0, 100.0, math.nan, 130.0, 120.0, math.nan, 0.0, 5.0],
            "bound": [100.0, math.nan, math.nan, 60.0, 90.0, math.nan, 96.0, 0.0, math.nan],
        }
    )
    out = add_gaps(frame, {"milp"})
    assert out["gap"].iloc[:4].tolist()[:3] == pytest.approx([0.0, 0.1, 0.0])
    assert math.isnan(out["gap"].iloc[3])
    # no proved optimum: the best bound of the group (MIN-OPEX's 96 beats the MILP's 90)
    assert (out["reference"].iloc[4:7] == 96.0).all()
    assert (out["reference_kind"].iloc[4:7] == "bound").all()
    assert out["gap"].iloc[5] == pytest.approx(24 / 96)
    assert out["gap"].iloc[7] == 0.0 and math.isinf(out["gap"].iloc[8])


def test_plan_expands_seeds_only_for_seeded_algorithms(tiny_sweep) -> None:
    scenario_path, _, _ = tiny_sweep
    plan = plan_sweep(load_scenario(scenario_path), file=str(scenario_path))
    assert len(plan.runs) == len(expected_runs())
    ga = [r for r in plan.runs if r.algorithm == "ga"]
    assert {r.seed for r in ga} == set(SEEDS)
    assert all(r.options["seed"] == r.seed for r in ga)
    assert all(r.options["threads"] == 1 for r in plan.runs if r.algorithm == "milp")
    # the same sweep planned again gives the same run ids (resuming relies on it)
    again = plan_sweep(load_scenario(scenario_path), file=str(scenario_path))
    assert [r.run_id for r in again.runs] == [r.run_id for r in plan.runs]
