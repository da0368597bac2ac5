"""A Pyomo model handed to HiGHS once, as matrices, to be changed in place and solved again.

Pyomo's ``LinearStandardFormCompiler`` turns the model into ``min c x, l ≤ A x ≤ u,
lb ≤ x ≤ ub`` (integrality kept per column); the matrices go to one live ``highspy`` instance.
Outer approximation (:mod:`.content_oa`) adds rows to it; bound tightening
(:func:`.milp_network.tighten_bounds`) changes its objective one column at a time, so each LP
starts from the previous one's basis.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Compiled:
    """One model in HiGHS: the instance and how to find a Pyomo variable's column."""

    highs: Any
    index: dict[int, int]
    """``id`` of a Pyomo variable → its column."""
    rows: list
    """The compiler's rows (``.constraint`` is the Pyomo constraint of each)."""
    integer: np.ndarray
    """Which columns are integer."""
    empty: tuple[str, ...]
    """Variables whose bounds leave no value (the bounds themselves prove infeasibility)."""
    build_s: float

    def column(self, var: Any) -> int | None:
        return self.index.get(id(var))


def compile_to_highs(model: Any, *, threads: int | None = None) -> Compiled:
    """``model`` (its active objective, or none) in a new HiGHS instance; ``Compiled`` says
    where each variable went. Bounds that leave a variable no value are kept well formed for
    HiGHS and reported in ``empty``."""
    import highspy
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    started = time.perf_counter()
    repn = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    columns, rows = repn.columns, repn.rows
    n_col, n_row = len(columns), len(rows)
    inf = highspy.kHighsInf
    cost = np.asarray(repn.c[[0], :].toarray()).ravel() if repn.objectives else np.zeros(n_col)
    lower = np.array([-inf if v.lb is None else v.lb for v in columns], dtype=float)
    upper = np.array([inf if v.ub is None else v.ub for v in columns], dtype=float)
    integer = np.array([v.is_integer() for v in columns], dtype=bool)
    rhs = np.clip(np.asarray(repn.rhs, dtype=float), -1e19, 1e19)  # HiGHS: |rhs| < 1e20
    kind = np.array([r.bound_type for r in rows], dtype=int)
    a = repn.A.tocsc()
    empty = tuple(columns[i].name for i in np.flatnonzero(lower > upper + 1e-9)[:5])
    upper = np.maximum(upper, lower)  # HiGHS refuses such a model: keep it well formed
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    passed = h.passModel(
        n_col, n_row, int(a.nnz), 1, 1, 0.0, cost, lower, upper,
        np.where(kind == 1, -inf, rhs), np.where(kind == -1, inf, rhs),
        a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data.astype(float),
        integer.astype(np.int32),
    )  # fmt: skip
    if passed == highspy.HighsStatus.kError:
        raise RuntimeError(f"{model.name}: HiGHS refused the compiled model")
    return Compiled(
        highs=h,
        index={id(v): i for i, v in enumerate(columns)},
        rows=list(rows),
        integer=integer,
        empty=empty,
        build_s=time.perf_counter() - started,
    )


def run_for(h: Any, seconds: float) -> None:
    """Run HiGHS for at most ``seconds``. Its time limit is on its own clock, which runs on
    across the runs of one instance: the limit is that clock now plus ``seconds``."""
    h.setOptionValue("time_limit", h.getRunTime() + max(float(seconds), 0.05))
    h.run()
