"""Outer approximation of the content model on one live HiGHS instance.

The content model of :mod:`wdnopt.models.pumps.content` is built once in Pyomo, compiled to
matrices (:func:`~wdnopt.solvers.highs.compile_to_highs`) and handed to HiGHS once. From then on the
model is changed in place, never rebuilt:

- **cuts** (:meth:`OuterApproximation.separate`): for each term ``t ≥ y F(x/y)`` that the
  current solution ``(t̂, x̂, ŷ)`` violates, the tangent of ``F`` at ``x̂/ŷ`` (valid everywhere,
  so the model stays a relaxation and its bound a valid lower bound), added as rows;
- **no-good cuts** for plans simulated in EPANET that do not hold (they are infeasible);
- **the budget** (plans strictly cheaper than the incumbent) by the row's bound;
- **integrality** switched off and on again for the LP rounds at the root.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import highspy
import numpy as np

from wdnopt.models.pumps import energy
from wdnopt.models.pumps.content import ContentModel, tangent
from wdnopt.models.pumps.network import PlannedPump
from wdnopt.solvers.highs import compile_to_highs, run_for
from wdnopt.solvers.status import Status

logger = logging.getLogger(__name__)

PRESOLVE_MIN_S = 10.0
"""A MILP run given less than this many seconds skips HiGHS's presolve (it cannot be
interrupted, and on a model of tens of thousands of rows it takes seconds)."""

MAX_FOUND = 50
"""Improving solutions of one MILP run kept at most (:meth:`OuterApproximation._improving`)."""

ENERGY_CUT_SHARE = 1e-3
"""A term of the energy row is cut when the solution's value is on the wrong side of the true
one (a pipe's dissipation below it, an existing pump's power above it) by more than this share
of it."""

CUT_SHARE = 1e-3
"""A term is cut when its violation exceeds this share of the content constraint's slack."""


@dataclass(frozen=True)
class Solve:
    """One HiGHS run of the current model."""

    status: Status
    objective: float | None
    bound: float | None
    values: np.ndarray | None
    seconds: float
    found: tuple[np.ndarray, ...] = ()
    """Every improving solution HiGHS reported during a MILP run, in the order found (the
    last is ``values`` when the run ended with a solution)."""


class OuterApproximation:
    """The compiled content model in HiGHS (see the module notes)."""

    def __init__(self, model: ContentModel, *, threads: int | None = None) -> None:

        self.content = model
        compiled = compile_to_highs(model.model, threads=threads)
        h, rows = compiled.highs, compiled.rows
        self.index = compiled.index
        self.integer = compiled.integer
        self.empty = compiled.empty
        inf = highspy.kHighsInf
        self.highs = h
        self._inf = inf
        self._deadline = math.inf
        for event in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):
            event += self._interrupt
        self._found: list[np.ndarray] = []
        h.cbMipImprovingSolution += self._improving
        budget = model.model.budget
        self.budget_row = next((i for i, r in enumerate(rows) if r.constraint is budget), None)
        self.terms = [
            (self.index.get(id(t.t)), self.index.get(id(t.x)),
             None if t.y is None else self.index.get(id(t.y)))
            for t in model.terms
        ]  # fmt: skip
        self.y_cols = {key: self.index[id(v)] for key, v in model.model.y.items()
                       if id(v) in self.index}  # fmt: skip
        self.dissipation = self._dissipation_terms(model)
        self.power = self._power_terms(model)
        self.mip = bool(self.integer.any())
        self.cuts = 0
        self.no_goods = 0
        self.build_s = compiled.build_s
        logger.debug("content model: %d rows, %d columns, compiled in %.2f s",
                     h.getNumRow(), h.getNumCol(), self.build_s)  # fmt: skip

    def _dissipation_terms(self, model: ContentModel) -> list[tuple[int, int, object, np.ndarray]]:
        """``(D column, q column, law, grid)`` of each pipe's dissipation in the energy row
        (:mod:`~wdnopt.models.pumps.energy`), for :meth:`separate`."""
        m, data = model.model, model.data
        if not hasattr(m, "diss"):
            return []
        out = []
        for e in m.diss:
            d_col, q_col = self.index.get(id(m.diss[e])), self.index.get(id(m.q[e]))
            lo, hi = m.q[e].lb, m.q[e].ub
            if d_col is None or q_col is None or lo is None or hi is None or hi <= lo:
                continue
            lo, hi = energy.pipe_flows(data, e, lo, hi)
            out.append((d_col, q_col, data.laws[e], energy.dissipation_grid(lo, hi)))
        return out

    def _power_terms(self, model: ContentModel) -> list[tuple[int, int, int, object]]:
        """``(p column, q column, Δ column, law)`` of each existing pump's power in the energy
        row, for :meth:`separate` (:func:`~wdnopt.models.pumps.energy.power_plane`)."""
        m = model.model
        if not hasattr(m, "pe"):
            return []
        out = []
        for e in m.pe:
            cols = [self.index.get(id(v)) for v in (m.pe[e], m.q[e], m.dh[e])]
            if all(c is not None for c in cols):
                out.append((*cols, model.laws[e]))
        return out

    # --- changes in place ----------------------------------------------------------------

    def set_budget(self, budget: float | None) -> None:
        """Plans must cost at most ``budget`` (None: no limit)."""
        if self.budget_row is None:
            return
        value = self._inf if budget is None else float(budget)
        self.highs.changeRowBounds(self.budget_row, -self._inf, value)

    def fix(self, values: np.ndarray | None) -> None:
        """Fix every ``y`` at its (rounded) value in ``values``; None frees them again."""
        cols = np.array(sorted(self.y_cols.values()), dtype=np.int32)
        if not len(cols):
            return
        if values is None:
            lo, up = np.zeros(len(cols)), np.ones(len(cols))
        else:
            lo = up = np.round(values[cols])
        self.highs.changeColsBounds(len(cols), cols, lo.astype(float), up.astype(float))

    def set_integer(self, integer: bool) -> None:
        """Solve as a MILP (True) or as its LP relaxation (False)."""

        cols = np.flatnonzero(self.integer).astype(np.int32)
        if len(cols):
            kind = highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
            self.highs.changeColsIntegrality(len(cols), cols, np.array([kind] * len(cols)))
        self.mip = bool(integer and len(cols))

    def _add_rows(self, rows: list[tuple[list[int], list[float], float, float]]) -> None:
        if not rows:
            return
        starts, idx, val, lo, up = [], [], [], [], []
        for cols, coefs, low, high in rows:
            starts.append(len(idx))
            idx.extend(cols)
            val.extend(coefs)
            lo.append(low)
            up.append(high)
        self.highs.addRows(
            len(rows), np.array(lo, dtype=float), np.array(up, dtype=float), len(idx),
            np.array(starts, dtype=np.int32), np.array(idx, dtype=np.int32),
            np.array(val, dtype=float),
        )  # fmt: skip

    def separate(self, values: np.ndarray, *, tol: float | None = None) -> tuple[int, float]:
        """Add the tangent of every term the solution ``values`` violates by more than ``tol``
        (default :data:`CUT_SHARE` of the slack), at the solution's point. Returns the cuts
        added and the largest violation."""
        tol = CUT_SHARE * self.content.slack if tol is None else tol
        rows = []
        worst = 0.0
        for term, (ti, xi, yi) in zip(self.content.terms, self.terms, strict=True):
            if ti is None or xi is None:
                continue
            y = 1.0 if yi is None else float(values[yi])
            if y <= 1e-7:
                continue
            p = term.clamp(float(values[xi]) / y)
            true = y * term.value(p)
            violation = true - float(values[ti])
            if not math.isfinite(violation) or violation <= tol:
                continue
            worst = max(worst, violation)
            a, b = tangent(term, p)
            if yi is None:
                rows.append(([ti, xi], [1.0, -a], b, self._inf))
            else:
                rows.append(([ti, xi, yi], [1.0, -a, -b], 0.0, self._inf))
        for d_col, q_col, law, grid in self.dissipation:
            q = float(values[q_col])
            true = float(energy.dissipation(law, q))
            violation = true - float(values[d_col])
            if abs(q) < 1e-12 or violation <= ENERGY_CUT_SHARE * true + 1e-12:
                continue
            a, b = energy.dissipation_line(law, q, grid)
            rows.append(([d_col, q_col], [1.0, -a], b, self._inf))
        for p_col, q_col, dh_col, law in self.power:
            q, gain = float(values[q_col]), -float(values[dh_col])
            true = q * gain
            if q <= 0.0 or float(values[p_col]) - true <= ENERGY_CUT_SHARE * abs(true) + 1e-12:
                continue
            plane = energy.power_plane(law, q)
            if plane is not None:  # p ≤ a q + b g + c with g = -Δ
                a, b, c = plane
                rows.append(([p_col, q_col, dh_col], [1.0, -a, b], -self._inf, c))
        self._add_rows(rows)
        self.cuts += len(rows)
        return len(rows), worst

    def add_row(self, cols: list[int], coefs: list[float], low: float) -> None:
        """The row :math:`\\sum_i a_i x_{c_i} \\ge` ``low`` (a valid inequality)."""
        self._add_rows([(cols, coefs, low, self._inf)])

    def no_good(self, plan: tuple[PlannedPump, ...]) -> None:
        """Exclude exactly ``plan``: :math:`\\sum_{(e,k) \\in P} y_{e,k} - \\sum_{(e,k)
        \\notin P} y_{e,k} \\le |P| - 1`."""
        inside = {(p.pipe, p.upstream, p.size) for p in plan}
        cols, coefs = [], []
        for i, c in enumerate(self.content.candidates):
            for k in c.sizes:
                col = self.y_cols.get((i, k))
                if col is None:
                    continue
                cols.append(col)
                coefs.append(1.0 if (c.pipe, c.upstream, k) in inside else -1.0)
        self._add_rows([(cols, coefs, -self._inf, len(inside) - 1.0)])
        self.no_goods += 1

    # --- solving ---------------------------------------------------------------------------

    def _interrupt(self, event) -> None:
        """HiGHS's own time limit is not checked everywhere (a large MIP presolve ran past
        it): the wall-clock deadline is checked again wherever HiGHS calls back. The flag is
        set either way: HiGHS keeps it from one run to the next, and a flag left from the
        interrupted run before would stop this one at its first call."""
        event.interrupt(time.perf_counter() > self._deadline)

    def _improving(self, event) -> None:
        """Keep each improving solution of a MILP run: the plans HiGHS passed on the way to its
        last one are simulated too (each that holds is an upper bound, each that does not is
        cut off), so one run teaches the loop more than its final plan."""
        if len(self._found) < MAX_FOUND:
            self._found.append(np.array(event.data_out.mip_solution, dtype=float))

    def solve(self, time_limit: float, *, rel_gap: float | None = None) -> Solve:
        """Run HiGHS on the model as it is, for at most ``time_limit`` seconds."""

        if self.empty:  # the bounds alone admit no state
            return Solve(Status.INFEASIBLE, None, math.inf, None, 0.0)
        h = self.highs
        # HiGHS's time limit is on its own clock, which runs on across the runs of one
        # instance: the limit of this run is that clock now plus the time it may take
        self._deadline = time.perf_counter() + max(float(time_limit), 0.05)
        if rel_gap is not None:
            h.setOptionValue("mip_rel_gap", float(rel_gap))
        # HiGHS's MIP presolve calls no callback: on a short limit it is skipped, so that the
        # run stops in time (measured on Net3: 2.1 s asked, 5.2 s taken with it)
        short = self.mip and time_limit < PRESOLVE_MIN_S
        h.setOptionValue("presolve", "off" if short else "choose")
        self._found = []
        started = time.perf_counter()
        # HiGHS's own limit, on its instance clock (a MIP with presolve counts from its own
        # start, one without it may count from the instance's first run: the later of the two
        # is set); the interrupt callback holds the wall-clock limit
        run_for(h, time_limit)
        ms = highspy.HighsModelStatus
        if h.getModelStatus() in (ms.kUnknown, ms.kSolveError):
            # a warm start after new rows can leave the simplex lost: once more from scratch
            h.clearSolver()
            run_for(h, float(time_limit) - (time.perf_counter() - started))
        seconds = time.perf_counter() - started
        status = h.getModelStatus()
        logger.debug("%s run of %.2f s asked, %.2f s taken: %s", "MILP" if self.mip else "LP",
                     time_limit, seconds, status)  # fmt: skip
        info = h.getInfo()
        feasible = info.primal_solution_status == 2
        values = np.asarray(h.getSolution().col_value) if feasible else None
        mip = self.mip
        objective = float(info.objective_function_value) if feasible else None
        if status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
            return Solve(Status.INFEASIBLE, None, math.inf, None, seconds)
        if mip:
            bound = float(info.mip_dual_bound)
            bound = bound if math.isfinite(bound) else None
        else:
            bound = objective if status == ms.kOptimal else None
        if status == ms.kOptimal:
            st = Status.OPTIMAL
        elif status in (ms.kTimeLimit, ms.kIterationLimit, ms.kSolutionLimit, ms.kInterrupt):
            st = Status.TIME_LIMIT
        else:
            st = Status.UNKNOWN
        return Solve(st, objective, bound, values, seconds, tuple(self._found) if mip else ())

    def reset(self) -> None:
        """Drop the solver's basis and search state (the model stays): after a run that
        stalled, the next starts afresh."""
        self.highs.clearSolver()

    def plan(self, values: np.ndarray) -> tuple[PlannedPump, ...]:
        """The plan of a solution (``y > 0.5``)."""
        y = {key: float(values[col]) for key, col in self.y_cols.items()}
        for i, c in enumerate(self.content.candidates):
            for k in c.sizes:
                y.setdefault((i, k), 0.0)
        return self.content.plan(y)
