"""The figures and report of a routing sweep, from a small results table built by hand: what is
drawn and written is checked against the values of the table."""

from __future__ import annotations

import math
import re

import matplotlib.colors
import numpy as np
import pandas as pd
import pytest

from wdnopt.solvers.harness.document import to_html, to_markdown
from wdnopt.solvers.routing.sweep import COLUMNS, COST_COLUMNS
from wdnopt.solvers.routing.sweep_outputs import (
    COST_PARTS,
    report_blocks,
    sweep_figures,
    write_routing_sweep_outputs,
)

MULTIPLIERS = [0.8, 1.0, 1.2]
OUTAGES = ["none", "plant P1", "arc S1 → P1"]
TARIFFS = ["base", "peak x2"]
INFEASIBLE = {
    ("plant P1", 1.2, "base"): 3.75,
    ("plant P1", 1.2, "peak x2"): 4.125,
    ("arc S1 → P1", 1.2, "base"): 1.5,
}
ERROR = ("arc S1 → P1", 1.2, "peak x2")
TIME_LIMIT = ("none", 1.0, "peak x2")
GAP = 0.0123
PARTS = {"pumping_cost": 0.4, "treatment_cost": 0.35, "demand_charge": 0.15, "other_cost": 0.1}
PLANTS = {"P1": 50.0, "P2": 30.0}


def test_the_stacked_parts_are_the_sweeps_cost_columns() -> None:
    assert list(COST_PARTS) == list(COST_COLUMNS) == list(PARTS)
    assert set(COST_COLUMNS) <= set(COLUMNS)


def _run(outage: str, m: float, tariff: str) -> dict:
    key = (outage, m, tariff)
    cost = 1234.5 * m * (1 + 0.37 * OUTAGES.index(outage)) * (1.6 if tariff == "peak x2" else 1)
    row = dict(
        run_id=f"r{OUTAGES.index(outage)}{MULTIPLIERS.index(m)}{TARIFFS.index(tariff)}",
        sweep="growth-test",
        demand_multiplier=m,
        outage=outage,
        tariff=tariff,
        status="optimal",
        objective=cost,
        bound=cost,
        gap=0.0,
        peak_kw=100.0 * m,
        shortfall_ml=0.0,
        short_zones=0,
        runtime_s=0.1,
        message="",
        **{part: share * cost for part, share in PARTS.items()},
    )
    no_plan = dict(objective=math.nan, bound=math.nan, gap=math.nan, peak_kw=math.nan)
    no_plan.update({part: math.nan for part in PARTS})
    if key in INFEASIBLE:
        row.update(no_plan, status="infeasible", shortfall_ml=INFEASIBLE[key], short_zones=2)
    elif key == ERROR:
        row.update(no_plan, status="error", shortfall_ml=math.nan, message="boom")
    elif key == TIME_LIMIT:
        row.update(status="time_limit", gap=GAP, bound=cost * (1 - GAP))
    return row


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame([_run(o, m, t) for t in TARIFFS for o in OUTAGES for m in MULTIPLIERS])


@pytest.fixture
def plants(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for _, run in frame.iterrows():
        for i, (plant, capacity) in enumerate(PLANTS.items()):
            throughput = capacity * run["demand_multiplier"] * (0.7 - 0.2 * i)
            rows.append(
                dict(
                    run_id=run["run_id"],
                    plant=plant,
                    capacity=capacity,
                    throughput=throughput,
                    utilisation=throughput / capacity,
                )
            )
    return pd.DataFrame(rows)


INFO = dict(
    scenario="two plants",
    base="examples/routing/two_plants.yaml",
    date="2024-05-01 12:00",
    machine="test box",
    versions={"wdnopt": "0.0", "highspy": "1.7"},
    workers=2,
    wall_s=3.25,
    runs=18,
    ran=18,
)


def _solved(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["status"].isin(["optimal", "time_limit"])]


def _panel(fig, tariff: str):
    (ax,) = [a for a in fig.axes if re.match(rf"tariff {re.escape(tariff)}( \(|$)", a.get_title())]
    return ax


def test_figure_names_and_own_canvas(frame, plants):
    figures = sweep_figures(frame, plants)
    assert list(figures) == ["cost_by_demand", "shortfall", "cost_breakdown", "plant_utilisation"]
    for fig in figures.values():
        assert fig.canvas.manager is None  # not a pyplot figure


def test_cost_by_demand_draws_every_solved_run(frame, plants):
    fig = sweep_figures(frame, plants)["cost_by_demand"]
    ok = _solved(frame)
    total_lines = 0
    for tariff in TARIFFS:
        ax = _panel(fig, tariff)
        lines = {line.get_label(): line for line in ax.get_lines()}
        expected = ok[ok["tariff"] == tariff].groupby("outage")
        assert set(lines) == set(expected.groups)
        total_lines += len(lines)
        for outage, runs in expected:
            runs = runs.sort_values("demand_multiplier")
            np.testing.assert_allclose(lines[outage].get_xdata(), runs["demand_multiplier"])
            np.testing.assert_allclose(lines[outage].get_ydata(), runs["objective"])
        assert lines["none"].get_color() == "black"
        assert lines["none"].get_linewidth() > max(
            line.get_linewidth() for name, line in lines.items() if name != "none"
        )
        # infeasible runs: one x each at its multiplier, in the "no plan" strip under the panel
        # (never on the cost axis); time-limited runs circled on their cost
        strip = _strip(fig, ax)
        assert not [c for c in ax.collections if c.get_gid() == "infeasible"]
        for status, where in (("infeasible", strip), ("time_limit", ax)):
            marks = [c for c in where.collections if c.get_gid() == status]
            xs = sorted(x for c in marks for x in np.asarray(c.get_offsets())[:, 0])
            runs = frame[(frame["tariff"] == tariff) & (frame["status"] == status)]
            assert xs == sorted(runs["demand_multiplier"]), status
        # each x on the row of its outage, in that outage's colour
        for c in strip.collections:
            for _, y in np.asarray(c.get_offsets()):
                outage = OUTAGES[round(y)]
                colour = matplotlib.colors.to_rgba(lines[outage].get_color())
                np.testing.assert_allclose(c.get_facecolor()[0], colour)
        assert strip.get_ylabel() == "no plan" and not strip.get_yticks().size
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        if any(c.get_gid() == "infeasible" for c in strip.collections):
            assert "no plan: demand not met (x, below)" in legend
        limited = frame[(frame["tariff"] == tariff) & (frame["status"] == "time_limit")]
        circles = [c for c in ax.collections if c.get_gid() == "time_limit"]
        ys = [y for c in circles for y in np.asarray(c.get_offsets())[:, 1]]
        np.testing.assert_allclose(ys, limited["objective"])
    assert total_lines == len(ok.groupby(["outage", "tariff"]))


def _strip(fig, ax):
    """The "no plan" strip under the cost panel ``ax``: the axes of gid ``no_plan`` that
    shares its x axis."""
    (strip,) = [
        a for a in fig.axes if a.get_gid() == "no_plan" and a.get_shared_x_axes().joined(a, ax)
    ]
    return strip


def test_cost_by_demand_strip_is_left_out_without_infeasible_runs(frame, plants):
    frame = frame[frame["status"] != "infeasible"]
    fig = sweep_figures(frame, plants)["cost_by_demand"]
    assert not [a for a in fig.axes if a.get_gid() == "no_plan"]


def test_cost_by_demand_marks_a_line_hidden_under_another(frame, plants):
    # the outage of P1 costs as much as no outage under the base tariff: its line lies under
    # the thick black one, so it gets hollow markers and a legend entry of its own
    base = frame["tariff"] == "base"
    same = frame[base & (frame["outage"] == "none")].set_index("demand_multiplier")["objective"]
    hidden = base & (frame["outage"] == "plant P1") & (frame["status"] == "optimal")
    frame.loc[hidden, "objective"] = frame.loc[hidden, "demand_multiplier"].map(same)
    fig = sweep_figures(frame, plants)["cost_by_demand"]
    ax = _panel(fig, "base")
    (marks,) = [c for c in ax.collections if c.get_gid() == "hidden"]
    assert marks.get_label() == "plant P1 (under none)"
    np.testing.assert_allclose(
        np.asarray(marks.get_offsets())[:, 0], frame.loc[hidden, "demand_multiplier"]
    )
    assert marks.get_zorder() > max(line.get_zorder() for line in ax.get_lines())
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "plant P1 (under none)" in legend
    # the other tariff's lines differ: nothing hidden there
    assert not [c for c in _panel(fig, "peak x2").collections if c.get_gid() == "hidden"]


def test_shortfall_heatmap_holds_the_pivot(frame, plants):
    fig = sweep_figures(frame, plants)["shortfall"]
    for tariff in TARIFFS:
        ax = _panel(fig, tariff)
        (image,) = ax.images
        rows = frame[frame["tariff"] == tariff]
        pivot = rows.pivot(index="outage", columns="demand_multiplier", values="shortfall_ml")
        pivot = pivot.reindex(index=OUTAGES, columns=MULTIPLIERS).to_numpy(dtype=float)
        drawn = np.ma.filled(image.get_array().astype(float), np.nan)
        np.testing.assert_array_equal(np.isnan(drawn), np.isnan(pivot))
        np.testing.assert_allclose(drawn[~np.isnan(pivot)], pivot[~np.isnan(pivot)])
        # small grid: every cell annotated, shortfalls as values
        labels = {tuple(np.round(t.get_position()).astype(int)): t.get_text() for t in ax.texts}
        assert len(labels) == pivot.size
        for (i, j), v in np.ndenumerate(pivot):
            want = "n/a" if np.isnan(v) else "0" if v == 0 else f"{v:,.2f}"
            assert labels[(j, i)] == want, (OUTAGES[i], MULTIPLIERS[j])
    assert [t.get_text() for t in _panel(fig, TARIFFS[0]).get_yticklabels()] == OUTAGES
    positive = max(INFEASIBLE.values())
    assert image.cmap(image.norm(0.0)) != image.cmap(image.norm(positive))
    assert image.cmap(image.norm(0.0)) != image.cmap(image.norm(1e-3))


def test_cost_breakdown_stacks_the_parts(frame, plants):
    fig = sweep_figures(frame, plants)["cost_breakdown"]
    base = _solved(frame[frame["outage"] == "none"])
    for tariff in TARIFFS:
        ax = _panel(fig, tariff)
        runs = base[base["tariff"] == tariff].sort_values("demand_multiplier")
        assert len(ax.containers) == len(PARTS)
        totals = np.zeros(len(runs))
        for container, part in zip(ax.containers, PARTS, strict=True):
            heights = [bar.get_height() for bar in container]
            np.testing.assert_allclose(heights, runs[part])
            totals += heights
        np.testing.assert_allclose(totals, runs["objective"])
    limited = frame[frame["status"] == "time_limit"].iloc[0]
    notes = [t.get_text() for t in _panel(fig, limited["tariff"]).texts]
    assert any(f"{100 * GAP:.2f} %" in n for n in notes)


def test_plant_utilisation_lines(frame, plants):
    fig = sweep_figures(frame, plants)["plant_utilisation"]
    (ax,) = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {*PLANTS, "capacity (100 %)"}
    runs = _solved(frame[(frame["outage"] == "none") & (frame["tariff"] == TARIFFS[0])])
    for plant in PLANTS:
        want = plants[plants["plant"] == plant].merge(runs, on="run_id")
        want = want.sort_values("demand_multiplier")
        np.testing.assert_allclose(lines[plant].get_xdata(), want["demand_multiplier"])
        np.testing.assert_allclose(lines[plant].get_ydata(), 100 * want["utilisation"])
    assert "%" in ax.get_ylabel()


def test_figures_with_nothing_to_show_are_left_out(frame, plants):
    none_solved = frame.copy()
    none_solved["status"] = "infeasible"
    none_solved["objective"] = math.nan
    none_solved["shortfall_ml"] = 2.0
    assert list(sweep_figures(none_solved, plants)) == ["shortfall"]
    assert sweep_figures(frame.iloc[0:0], plants.iloc[0:0]) == {}


def _expected_cell(run: pd.Series) -> str:
    if run["status"] == "optimal":
        return f"{run['objective']:,.0f}"
    if run["status"] == "time_limit":
        return f"{run['objective']:,.0f} (time limit, gap {100 * run['gap']:.2f} %)"
    if run["status"] == "infeasible":
        return f"infeasible (short {run['shortfall_ml']:,.2f} ML/day)"
    return run["status"]


def _markdown(frame, plants) -> str:
    files = {name: f"{name}.png" for name in sweep_figures(frame, plants)}
    return to_markdown(report_blocks(frame, plants, INFO, files))


def test_report_cost_tables(frame, plants):
    md = _markdown(frame, plants)
    assert md.startswith("# Routing sweep: growth-test")
    lines = md.splitlines()
    for tariff in TARIFFS:
        start = lines.index(f"Tariff `{tariff}`:")
        header = lines[start + 2]
        assert header == "| outage | " + " | ".join(f"×{m:g}" for m in MULTIPLIERS) + " |"
        body = lines[start + 4 : start + 4 + len(OUTAGES)]
        for outage, row in zip(OUTAGES, body, strict=True):
            runs = frame[(frame["tariff"] == tariff) & (frame["outage"] == outage)]
            cells = [_expected_cell(r) for _, r in runs.sort_values("demand_multiplier").iterrows()]
            assert row == "| " + " | ".join([outage, *cells]) + " |"
    assert md.count("infeasible (short") >= len(INFEASIBLE)


def test_report_never_calls_the_time_limited_run_optimal(frame, plants):
    md = _markdown(frame, plants)
    limited = frame[frame["status"] == "time_limit"].iloc[0]
    cost = f"{limited['objective']:,.0f}"
    mentions = [line for line in md.splitlines() if cost in line or limited["run_id"] in line]
    assert mentions  # in the cost table, and in the worst cases
    for line in mentions:
        cell = [c for c in line.split("|") if cost in c or "time limit" in c]
        assert all("optimal" not in c for c in cell), line
        assert f"gap {100 * GAP:.2f} %" in line
    # status counts: every status with its number of runs
    for status, n in frame["status"].value_counts().items():
        assert re.search(rf"^\| {status} \| {n} \|", md, re.M), status


def test_report_settings_and_worst_cases(frame, plants):
    md = _markdown(frame, plants)
    for value in (INFO["scenario"], INFO["base"], INFO["date"], INFO["machine"], "highspy 1.7"):
        assert value in md
    assert f"{INFO['wall_s']:.1f} s" in md
    worst = _solved(frame).sort_values("objective").iloc[-1]
    section = md.split("## Worst cases", 1)[1]
    assert f"| {worst['run_id']} |" in section.split("\n\n")[2].splitlines()[2]
    shortest = frame.loc[frame["shortfall_ml"].idxmax()]
    assert f"| {shortest['run_id']} |" in section
    assert f"{shortest['shortfall_ml']:,.2f}" in section


def test_write_outputs_embeds_the_figures(frame, plants, tmp_path):
    paths = write_routing_sweep_outputs(frame, plants, tmp_path / "out", INFO)
    names = list(sweep_figures(frame, plants))
    assert set(paths) == {*names, "report_md", "report_html"}
    for name in names:
        assert paths[name] == tmp_path / "out" / f"{name}.png"
        assert paths[name].read_bytes().startswith(b"\x89PNG")
    md = paths["report_md"].read_text(encoding="utf-8")
    page = paths["report_html"].read_text(encoding="utf-8")
    for name in names:
        assert f"]({name}.png)" in md
    sources = re.findall(r'<img src="([^"]*)"', page)
    assert len(sources) == len(names)
    assert all(src.startswith("data:image/png;base64,") for src in sources)
    assert not re.search(r'src="[^"]*\.png"', page)
    assert "time limit, gap" in page
    assert not list((tmp_path / "out").glob(".*.tmp"))


@pytest.mark.parametrize(("fmt", "embedded"), [("svg", "svg+xml"), ("pdf", "png")])
def test_write_outputs_other_formats(frame, plants, tmp_path, fmt, embedded):
    paths = write_routing_sweep_outputs(frame, plants, tmp_path, INFO, figure_format=fmt, dpi=50)
    assert paths["cost_by_demand"].suffix == f".{fmt}"
    page = paths["report_html"].read_text(encoding="utf-8")
    sources = re.findall(r'<img src="([^"]*)"', page)
    assert sources and all(s.startswith(f"data:image/{embedded};base64,") for s in sources)


def test_html_and_markdown_say_the_same(frame, plants):
    blocks = report_blocks(frame, plants, INFO, {"cost_by_demand": "cost_by_demand.png"})
    page = to_html(blocks)
    for tariff in TARIFFS:
        assert f"<code>{tariff}</code>" in page
    assert page.count("infeasible (short") == to_markdown(blocks).count("infeasible (short")
