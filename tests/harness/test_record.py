"""The run record type generates the results table: its columns, their types, its version."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from wdnopt.solvers.pumps import sweep as harness
from wdnopt.solvers.pumps.sweep import COLUMN_TYPES, RECORD_VERSION, RESULT_COLUMNS, RunRecord


def test_columns_and_types_come_from_the_record_fields() -> None:
    fields = dataclasses.fields(RunRecord)
    assert [f.name for f in fields] == RESULT_COLUMNS
    assert RESULT_COLUMNS[:7] == [
        "scenario", "network", "demand_factor", "objective", "algorithm", "seed", "status"
    ]  # fmt: skip
    assert RESULT_COLUMNS[-1] == "run_id" and RECORD_VERSION == RunRecord.VERSION
    assert COLUMN_TYPES["seed"] == "Int64" and COLUMN_TYPES["verified"] == "boolean"
    assert COLUMN_TYPES["message"] == "string" and COLUMN_TYPES["cost"] == "float"


def test_a_run_file_becomes_one_typed_row() -> None:
    labels = {"scenario": "s", "network": "n", "demand_factor": 2.5, "objective": "tco",
              "algorithm": "milp", "seed": None, "run_id": "abc"}  # fmt: skip
    result = {"status": "optimal", "cost": 10.0, "n_pumps": 2, "verified": True,
              "placement": {"p1@j1": "BP3"}, "network": "not this one"}  # fmt: skip
    row = RunRecord.from_run(labels, result)
    assert row.network == "n" and row.cost == 10.0 and row.gap is None
    frame = harness.records_frame([row, RunRecord.from_run(labels, {"status": "error"})])
    assert list(frame.columns) == RESULT_COLUMNS
    assert {c: str(frame[c].dtype) for c in ("seed", "n_pumps", "verified", "status")} == {
        "seed": "Int64",
        "n_pumps": "Int64",
        "verified": "boolean",
        "status": "string",
    }
    assert frame["cost"].isna().tolist() == [False, True]


def test_the_sweep_table_has_the_record_types(
    tiny_sweep: tuple[Path, Path, pd.DataFrame],
) -> None:
    _, out, frame = tiny_sweep
    assert list(frame.columns) == RESULT_COLUMNS
    for column, dtype in COLUMN_TYPES.items():
        assert str(frame[column].dtype) == ("float64" if dtype == "float" else dtype), column
    assert list(pd.read_csv(out / "results.csv").columns) == RESULT_COLUMNS


def test_gap_figure_and_gap_table_count_the_same_runs(
    tiny_sweep: tuple[Path, Path, pd.DataFrame],
) -> None:
    """Factor 1.8 needs no pump (reference 0): neither the table nor the figure counts it."""
    from wdnopt.solvers.pumps import registry
    from wdnopt.solvers.pumps.sweep.figures import gap_figure

    _, _, frame = tiny_sweep
    counted = harness.compared(frame)
    assert 1.8 in set(frame["demand_factor"]) and 1.8 not in set(counted["demand_factor"])
    table = harness.gap_table(frame).set_index(["algorithm", "objective"])
    fig = gap_figure(frame, "tree_100")
    for ax, objective in zip(fig.axes, ["opex", "tco"], strict=True):
        drawn = {line.get_label(): sorted(line.get_xdata()) for line in ax.lines}
        for algorithm in table.xs(objective, level="objective").index:
            runs = counted[
                (counted["algorithm"] == algorithm) & (counted["objective"] == objective)
            ]
            assert table.loc[(algorithm, objective), "compared"] == len(runs)
            if len(runs) and not registry.get(algorithm).exact:  # the figure: heuristics
                assert drawn[algorithm] == sorted(set(runs["demand_factor"])), algorithm


def test_report_tables_have_readable_headers_with_units(
    tiny_sweep: tuple[Path, Path, pd.DataFrame],
) -> None:
    _, out, _ = tiny_sweep
    md = (out / "report.md").read_text(encoding="utf-8")
    heads = [line for line in md.splitlines() if line.startswith("| algorithm | objective")]
    assert heads and "| mean gap | worst gap | within 1 % |" in heads[0]
    assert "| reference ($) | reference is | tree-dp ($) |" in md and "| milp ($) |" in md
    assert "mean_gap" not in md and "reference_kind" not in md
