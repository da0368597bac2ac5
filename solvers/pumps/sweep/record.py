"""One row of ``results.csv``: the frozen run record, from which the table's columns, their
types and the record version are all generated.

A run's record on disk (``runs/<run id>.json``) holds the run's labels (``spec``) and its
figures (``result``); :meth:`RunRecord.from_run` turns one into a row. The columns of
``results.csv`` are the fields of :class:`RunRecord`, in order (:data:`RESULT_COLUMNS`), and
each column's pandas type comes from the field's annotation (:data:`COLUMN_TYPES`): text is
``string``, whole numbers ``Int64`` and flags ``boolean`` (both with missing values), the
rest ``float`` (NaN where missing).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd


@dataclass(frozen=True)
class RunRecord:
    """One run of a sweep, as a row of the results table.

    ``cost`` is the run's objective (money), ``bound`` a proved lower bound (MILP, exact
    algorithms, MIN-OPEX), ``paper_bound`` the paper's IV-B figure (MIN-OPEX rows; not a valid
    bound in general), ``gap`` a fraction, times in s, ``total_kw`` rated kW, ``verified``
    whether the plan holds on the network as given (EPANET with its pumps inserted),
    ``start_cost``/``start_holds`` the algorithm's own plan before the repair on the network
    and whether it held, ``max_model_error_m`` how far the algorithm's model was from that
    simulation, ``min_margin_m`` the smallest EPANET pressure above ``P_min`` (m),
    ``mean_slack`` the mean ``(P − P_min)/P_min`` at the nodes deficient before placement,
    ``lower_bound`` the best valid lower bound of the run's problem (the largest proved bound,
    or proved optimum, over the runs on it) and ``cost_over_bound`` the run's cost over it
    (the paper's "within a factor of 2 of the bound", read directly).
    """

    VERSION: ClassVar[int] = 2
    """Version of the run files' layout (part of every run id: a new version runs again)."""

    scenario: str
    network: str
    demand_factor: float
    objective: str
    algorithm: str
    seed: int | None
    status: str
    cost: float | None = None
    capex: float | None = None
    opex: float | None = None
    tco: float | None = None
    bound: float | None = None
    paper_bound: float | None = None
    reference: float | None = None
    reference_kind: str | None = None
    gap: float | None = None
    lower_bound: float | None = None
    cost_over_bound: float | None = None
    runtime_s: float | None = None
    verify_s: float | None = None
    n_pumps: int | None = None
    total_kw: float | None = None
    verified: bool | None = None
    start_cost: float | None = None
    start_holds: bool | None = None
    min_margin_m: float | None = None
    mean_slack: float | None = None
    max_model_error_m: float | None = None
    deficient_nodes: int | None = None
    message: str | None = None
    run_id: str = ""

    @classmethod
    def from_run(cls, labels: dict[str, Any], result: dict[str, Any]) -> RunRecord:
        """The row of a run: ``labels`` (scenario, network, factor, objective, algorithm,
        seed, run id) and the ``result`` of its run file (keys that are no column, such as the
        placement, are left out; a missing figure is None)."""
        values = {k: v for k, v in result.items() if k in _FIELDS}
        values.update({k: v for k, v in labels.items() if k in _FIELDS})
        values.setdefault("status", "error")
        return cls(**values)


_FIELDS = {f.name for f in dataclasses.fields(RunRecord)}

RECORD_VERSION = RunRecord.VERSION
"""Version of the run files' layout (part of every run id)."""

RESULT_COLUMNS: list[str] = [f.name for f in dataclasses.fields(RunRecord)]
"""Columns of ``results.csv``, the fields of :class:`RunRecord` in order."""

_DTYPES = {
    "str": "string",
    "str | None": "string",
    "int | None": "Int64",
    "bool | None": "boolean",
    "float": "float",
    "float | None": "float",
}
"""pandas type of each annotation of :class:`RunRecord`."""

COLUMN_TYPES: dict[str, str] = {f.name: _DTYPES[str(f.type)] for f in dataclasses.fields(RunRecord)}
"""Column → pandas type of the results table (from the annotations of :class:`RunRecord`)."""


def records_frame(rows: list[RunRecord]) -> pd.DataFrame:
    """The typed table of some run records (:data:`RESULT_COLUMNS`, :data:`COLUMN_TYPES`)."""
    frame = pd.DataFrame([dataclasses.astuple(r) for r in rows], columns=RESULT_COLUMNS)
    return typed(frame)


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every column of :data:`COLUMN_TYPES` in its type."""
    frame = frame.copy()
    for column, dtype in COLUMN_TYPES.items():
        if dtype == "float":
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        else:
            frame[column] = pd.array(frame[column].tolist(), dtype=dtype)
    return frame
