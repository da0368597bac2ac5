"""The results table of a sweep and its gap table.

:func:`results_table` makes one typed row (:class:`~wdnopt.solvers.pumps.sweep.record.RunRecord`)
per recorded run, in plan order, and :func:`add_gaps` fills the reference and the gap of every
row; :func:`gap_table` sums them up per algorithm and objective.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from wdnopt.solvers.pumps.sweep.plan import SweepPlan
from wdnopt.solvers.pumps.sweep.record import RunRecord, records_frame
from wdnopt.solvers.status import Status

logger = logging.getLogger(__name__)


GROUP = ["network", "demand_factor", "objective"]
"""The columns that identify one problem: the runs of a group solve the same instance."""

WITHIN = 0.01
"""The gap table's threshold: the share of runs within 1 % of the reference."""


def results_table(plan: SweepPlan, records: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per run of the plan that has a record, in plan order, typed, with gaps."""
    rows = []
    for spec in plan.runs:
        record = records.get(spec.run_id)
        if record is None:
            continue
        labels = {
            "scenario": plan.name,
            "network": spec.network,
            "demand_factor": spec.demand_factor,
            "objective": spec.objective,
            "algorithm": spec.algorithm,
            "seed": spec.seed,
            "run_id": spec.run_id,
        }
        rows.append(RunRecord.from_run(labels, record.get("result", {})))
    return add_gaps(records_frame(rows), plan.exact)


def add_gaps(frame: pd.DataFrame, exact: Iterable[str]) -> pd.DataFrame:
    """Fill ``reference``, ``reference_kind`` and ``gap`` (see the module docstring)."""
    frame = frame.copy()
    exact = set(exact)
    reference = pd.Series(np.nan, index=frame.index)
    kind = pd.Series(pd.NA, index=frame.index, dtype="string")
    for _, group in frame.groupby(GROUP, sort=False):
        proved = group[
            group["algorithm"].isin(exact)
            & (group["status"] == str(Status.OPTIMAL))
            & group["cost"].notna()
        ]
        if len(proved):
            value, label = float(proved["cost"].min()), "optimum"
        elif group["bound"].notna().any():
            value, label = float(group["bound"].max()), "bound"
        else:
            continue
        reference[group.index] = value
        kind[group.index] = label
    frame["reference"] = reference
    frame["reference_kind"] = kind
    proved_cost = frame["cost"].where(
        frame["algorithm"].isin(exact) & (frame["status"] == str(Status.OPTIMAL))
    )
    best = pd.concat([frame["bound"], proved_cost], axis=1).max(axis=1)
    frame["lower_bound"] = best.groupby([frame[c] for c in GROUP]).transform("max")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = frame["cost"] / frame["lower_bound"]
    frame["cost_over_bound"] = ratio.where(frame["lower_bound"] > 0)
    cost = frame["cost"]
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = (cost - reference) / reference
    tiny = 1e-9 * np.maximum(1.0, cost.abs())
    zero_ref = reference == 0
    gap = gap.where(~zero_ref, np.where(cost.abs() <= tiny, 0.0, np.inf))
    frame["gap"] = gap.where(cost.notna() & reference.notna())
    return frame


def compared(frame: pd.DataFrame) -> pd.DataFrame:
    """The runs whose gap counts: a gap, against a reference above 0 (a problem that needs no
    pump has reference 0, and a gap there would flatter or punish by nothing). The gap table
    and the gap figure both count these, so they count the same problems."""
    return frame[frame["gap"].notna() & (frame["reference"] > 0)]


def gap_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per algorithm and objective: runs, solved, mean and worst gap, share within 1 %.

    Algorithms that give a bound only (MIN-OPEX) are not listed. Only runs with a cost and a
    reference count towards the gaps, and groups whose reference is 0 (no pump needed) are
    left out, so that trivial instances do not flatter anyone.
    ``vs`` says whether the references were all proved optima or include bounds.
    """
    rows = []
    for (algorithm, objective), group in frame.groupby(["algorithm", "objective"], sort=False):
        if (group["status"] == str(Status.BOUND_ONLY)).all():
            continue  # a lower bound, not a placement: it has no gap
        has = compared(group)
        gaps = has["gap"].astype(float)
        kinds = set(has["reference_kind"].dropna())
        ratio = group["cost_over_bound"].dropna().astype(float)
        rows.append(
            {
                "algorithm": algorithm,
                "objective": objective,
                "runs": len(group),
                "solved": int(group["cost"].notna().sum()),
                "errors": int((group["status"] == str(Status.ERROR)).sum()),
                "compared": len(has),
                "mean_gap": float(gaps.mean()) if len(gaps) else np.nan,
                "worst_gap": float(gaps.max()) if len(gaps) else np.nan,
                "within_1pct": float((gaps <= WITHIN).mean()) if len(gaps) else np.nan,
                "vs": "optimum" if kinds == {"optimum"} else ("bound" if kinds else ""),
                "worst_cost_over_bound": float(ratio.max()) if len(ratio) else np.nan,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "algorithm",
            "objective",
            "runs",
            "solved",
            "errors",
            "compared",
            "mean_gap",
            "worst_gap",
            "within_1pct",
            "vs",
            "worst_cost_over_bound",
        ],
    )
