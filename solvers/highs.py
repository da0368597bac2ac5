"""Running HiGHS on Pyomo models.

One function, :func:`solve_with_highs`, runs a built model and returns a frozen
:class:`SolveReport`: status, incumbent, best bound, gap and runtime. A solve that stops on its
time limit is reported as ``time_limit`` with its bound and gap, never as optimal.

Two ways hand a model to HiGHS, with the same answers:

- :func:`make_highs`: Pyomo's persistent HiGHS interface (``pyomo.contrib.solver``), which
  passes the model row by row and keeps it in step with later changes to the Pyomo model (what a
  re-solve after a small change wants);
- :class:`CompiledHighs`: Pyomo's ``LinearStandardFormCompiler`` turns the whole model into
  sparse matrices once, and HiGHS gets them in one call (what a large model solved once wants:
  the 24-period routing schedule of ``benchmarks/bench_schedule.py`` is handed over in about a
  third of the time).
"""

from __future__ import annotations

import functools
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.common.tee import capture_output
from pyomo.contrib.solver.common.factory import SolverFactory
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from wdnopt.solvers.status import Status, relative_gap

log = logging.getLogger(__name__)


_TERMINATION = {
    TerminationCondition.convergenceCriteriaSatisfied: Status.OPTIMAL,
    TerminationCondition.maxTimeLimit: Status.TIME_LIMIT,
    TerminationCondition.iterationLimit: Status.TIME_LIMIT,
    TerminationCondition.provenInfeasible: Status.INFEASIBLE,
    TerminationCondition.locallyInfeasible: Status.INFEASIBLE,
    TerminationCondition.infeasibleOrUnbounded: Status.INFEASIBLE,
    TerminationCondition.unbounded: Status.UNBOUNDED,
    TerminationCondition.error: Status.ERROR,
}


@dataclass(frozen=True)
class Sensitivity:
    """LP sensitivity of an optimal solve."""

    duals: dict
    """Constraint → dual value (HiGHS's sign: for a minimisation, ≤ rows have duals ≤ 0)."""
    reduced_costs: dict
    """Variable → reduced cost."""


@dataclass(frozen=True)
class SolveReport:
    """What a HiGHS run says about itself."""

    status: Status
    objective: float | None
    """Objective of the incumbent (None when there is none)."""
    bound: float | None
    """Best proved bound on the optimum (for a minimisation, a lower bound)."""
    runtime_s: float
    """Wall time of the solve call, seconds (build time excluded)."""
    termination: str
    """HiGHS's termination condition, verbatim."""
    highs_s: float | None = None
    """Time spent inside HiGHS's own run, seconds (the rest of ``runtime_s`` is Pyomo passing
    the model to HiGHS and reading the answer back)."""

    @property
    def gap(self) -> float | None:
        """The certified gap (:func:`~wdnopt.solvers.status.relative_gap`)."""
        return relative_gap(self.objective, self.bound)


def make_highs(
    *,
    time_limit: float | None = None,
    rel_gap: float | None = None,
    threads: int | None = None,
    tee: bool = False,
) -> object:
    """A configured (persistent) HiGHS solver of ``pyomo.contrib.solver``.

    See :class:`CompiledHighs` for the one-shot hand-over of a large model."""
    solver = SolverFactory("highs")
    if not solver.available():
        raise RuntimeError("HiGHS is not available: install highspy")
    cfg = solver.config
    cfg.load_solutions = False
    cfg.raise_exception_on_nonoptimal_result = False
    cfg.tee = tee
    if time_limit is not None:
        cfg.time_limit = float(time_limit)
    if rel_gap is not None:
        cfg.rel_gap = float(rel_gap)
    if threads is not None:
        cfg.threads = int(threads)
    return solver


def _reset_thread_scheduler() -> None:
    """Let this solve size HiGHS's thread scheduler.

    HiGHS keeps one scheduler per process, sized by the first solve: a later solve asking for
    another number of threads (a pump MILP with ``threads = 1`` after a routing LP with the
    default) stops at once with status unknown ("the scheduler has already been initialized").
    Resetting it before each solve costs microseconds.
    """

    highspy.Highs.resetGlobalScheduler(True)


def _clock(solver: object, model: pyo.ConcreteModel) -> float:
    """Seconds on the clock of the HiGHS instance a persistent solver will solve ``model`` in,
    when that clock bounds the solve.

    HiGHS measures an LP's ``time_limit`` on a clock that runs on across the runs of one
    instance: re-solving the same model (bound tightening: one LP per link and side) with a
    limit of ``t`` seconds would stop at once as soon as the runs so far took ``t``. The limit
    handed to HiGHS is this clock plus the seconds asked for. A MIP's limit counts from the
    start of its own run (measured on highspy 1.16: three runs of 3 s on one instance each ran
    3 s), so a MIP gets 0, as does a solve that starts a new instance.
    """
    inner = getattr(solver, "_solver_model", None)
    if inner is None or getattr(solver, "_model", None) is not model:
        return 0.0
    if any(v.is_integer() for v in model.component_data_objects(pyo.Var, active=True)):
        return 0.0
    return float(inner.getRunTime())


def solve_with_highs(
    model: pyo.ConcreteModel,
    *,
    solver: object | None = None,
    time_limit: float | None = None,
    rel_gap: float | None = None,
    threads: int | None = None,
    duals: bool = False,
) -> tuple[SolveReport, Sensitivity | None]:
    """Solve ``model`` with HiGHS; load the incumbent into it when there is one.

    Returns the report and, when ``duals`` is asked for and the solve is an optimal LP, the
    duals of every constraint and the reduced costs of every variable, else None.
    """
    if solver is None:
        solver = make_highs(time_limit=time_limit, rel_gap=rel_gap, threads=threads)
    _reset_thread_scheduler()
    cfg = getattr(solver, "config", None)
    asked = getattr(cfg, "time_limit", None)
    spent = _clock(solver, model)
    if asked is not None and spent > 0:
        cfg.time_limit = asked + spent  # type: ignore[union-attr]
    start = time.perf_counter()
    try:
        results = solver.solve(model)  # type: ignore[attr-defined]
    finally:
        if asked is not None and spent > 0:
            cfg.time_limit = asked  # type: ignore[union-attr]
    runtime = time.perf_counter() - start
    status = _TERMINATION.get(results.termination_condition, Status.UNKNOWN)
    has_incumbent = results.solution_status in (
        SolutionStatus.optimal,
        SolutionStatus.feasible,
    )
    if status is Status.TIME_LIMIT and not has_incumbent:
        objective = None
    else:
        objective = results.incumbent_objective if has_incumbent else None
    if has_incumbent:
        results.solution_loader.load_vars()
    bound = results.objective_bound
    if bound is not None and not math.isfinite(bound):
        bound = None
    if status is Status.OPTIMAL and bound is None and objective is not None:
        bound = objective
    sensitivity = None
    if duals and status is Status.OPTIMAL and has_incumbent:
        sensitivity = Sensitivity(
            duals=results.solution_loader.get_duals(),
            reduced_costs=results.solution_loader.get_reduced_costs(),
        )
    report = SolveReport(
        status=status,
        objective=objective,
        bound=bound,
        runtime_s=runtime,
        termination=str(results.termination_condition.name),
        highs_s=getattr(results.timing_info, "highs_time", None),
    )
    log.info("HiGHS: %s, objective %s, bound %s, %.3f s", status, objective, bound, runtime)
    return report, sensitivity


@dataclass
class CompiledConfig:
    """What :class:`CompiledHighs` takes: the names of ``pyomo.contrib.solver``'s config."""

    time_limit: float | None = None
    """Wall-clock seconds for the compilation and the HiGHS run together."""
    rel_gap: float | None = None
    threads: int | None = None
    tee: bool = False
    solver_options: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Timing:
    highs_time: float | None = None
    compile_time: float | None = None


@dataclass
class _Loader:
    """Puts a compiled solve's answer back onto the Pyomo model."""

    columns: list
    rows: list
    col_value: np.ndarray | None
    col_dual: np.ndarray | None
    row_dual: np.ndarray | None

    def load_vars(self) -> None:
        if self.col_value is None:
            return
        for var, value in zip(self.columns, self.col_value.tolist(), strict=True):
            var.set_value(value, skip_validation=True)

    def get_duals(self) -> dict:
        """Constraint → dual, HiGHS's sign (a ranged constraint's two rows summed)."""
        out: dict = {}
        if self.row_dual is None:
            return out
        for row, y in zip(self.rows, self.row_dual.tolist(), strict=True):
            out[row] = out.get(row, 0.0) + y
        return out

    def get_reduced_costs(self) -> Any:
        """Variable → reduced cost (a ``ComponentMap``: variables are keyed by identity)."""

        if self.col_dual is None:
            return ComponentMap()
        return ComponentMap(zip(self.columns, self.col_dual.tolist(), strict=True))


@dataclass
class _CompiledResults:
    """The fields of a ``pyomo.contrib.solver`` result that :func:`solve_with_highs` reads."""

    termination_condition: TerminationCondition
    solution_status: SolutionStatus
    incumbent_objective: float | None
    objective_bound: float | None
    solution_loader: _Loader
    timing_info: _Timing


def _termination(status: Any) -> TerminationCondition:

    s = highspy.HighsModelStatus
    table = {
        s.kOptimal: TerminationCondition.convergenceCriteriaSatisfied,
        s.kInfeasible: TerminationCondition.provenInfeasible,
        s.kUnboundedOrInfeasible: TerminationCondition.infeasibleOrUnbounded,
        s.kUnbounded: TerminationCondition.unbounded,
        s.kTimeLimit: TerminationCondition.maxTimeLimit,
        s.kIterationLimit: TerminationCondition.iterationLimit,
        s.kObjectiveBound: TerminationCondition.objectiveLimit,
        s.kObjectiveTarget: TerminationCondition.objectiveLimit,
        s.kLoadError: TerminationCondition.error,
        s.kModelError: TerminationCondition.error,
        s.kPresolveError: TerminationCondition.error,
        s.kSolveError: TerminationCondition.error,
        s.kPostsolveError: TerminationCondition.error,
    }
    return table.get(status, TerminationCondition.unknown)


def quiet_highs(tee: bool) -> Any:
    """A HiGHS object that prints only when ``tee`` (its banner included)."""

    if tee:
        return highspy.Highs()
    with capture_output(capture_fd=True):
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


@dataclass
class Compiled:
    """One linear model in a live HiGHS instance, to be changed in place and solved again."""

    highs: Any
    columns: list
    """The compiler's columns (Pyomo variables), in HiGHS's order."""
    rows: list
    """The compiler's rows (``.constraint`` is the Pyomo constraint of each)."""
    integer: np.ndarray
    """Which columns are integer."""
    empty: tuple[str, ...]
    """Variables whose bounds leave no value (the bounds themselves prove infeasibility)."""
    build_s: float

    @functools.cached_property
    def index(self) -> dict[int, int]:
        """``id`` of a Pyomo variable → its column."""
        return {id(v): i for i, v in enumerate(self.columns)}

    def column(self, var: Any) -> int | None:
        return self.index.get(id(var))


def compile_to_highs(
    model: pyo.ConcreteModel, *, tee: bool = False, threads: int | None = None
) -> Compiled:
    """``model`` (its active objective, or none) as matrices in a new HiGHS instance.

    Pyomo's ``LinearStandardFormCompiler`` (mixed form: each constraint keeps its sense) gives
    :math:`\\min c^T x + c_0` subject to :math:`r^L \\le A x \\le r^U` with the columns' own
    bounds and integrality, which HiGHS takes in one ``passModel`` call. Right-hand sides are
    clipped to HiGHS's ±1e19; bounds that leave a variable no value are kept well formed for
    HiGHS and named in ``empty``."""

    started = time.perf_counter()
    repn = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    columns, rows = repn.columns, repn.rows
    n_col, n_row = len(columns), len(rows)
    if len(repn.objectives) > 1:
        n_obj = len(repn.objectives)
        raise ValueError(f"{model.name}: {n_obj} active objectives, one expected")
    sense = repn.objectives[0].sense if repn.objectives else pyo.minimize
    cost, offset = np.zeros(n_col), 0.0
    if repn.objectives:
        cost = np.asarray(repn.c[[0], :].toarray()).ravel()
        offset = float(repn.c_offset[0])
    inf = highspy.kHighsInf
    lower = np.array([-inf if v.lb is None else v.lb for v in columns], dtype=float)
    upper = np.array([inf if v.ub is None else v.ub for v in columns], dtype=float)
    integer = np.array([v.is_integer() for v in columns], dtype=bool)
    rhs = np.clip(np.asarray(repn.rhs, dtype=float), -1e19, 1e19)  # HiGHS: |rhs| < 1e20
    kind = np.array([r.bound_type for r in rows], dtype=int)
    a = repn.A.tocsc()
    empty = tuple(columns[i].name for i in np.flatnonzero(lower > upper + 1e-9)[:5])
    upper = np.maximum(upper, lower)  # HiGHS refuses such a model: keep it well formed
    h = quiet_highs(tee)
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    passed = h.passModel(
        n_col, n_row, int(a.nnz), 1, 1 if sense == pyo.minimize else -1, offset, cost, lower,
        upper, np.where(kind == 1, -inf, rhs), np.where(kind == -1, inf, rhs),
        a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data.astype(float),
        integer.astype(np.int32),
    )  # fmt: skip
    if passed == highspy.HighsStatus.kError:
        raise RuntimeError(f"{model.name}: HiGHS refused the compiled model")
    return Compiled(h, list(columns), list(rows), integer, empty, time.perf_counter() - started)


def run_for(h: Any, seconds: float, *, mip: bool = False) -> None:
    """Run HiGHS for at most ``seconds``. An LP's time limit is on the instance's own clock,
    which runs on across its runs: the limit is that clock now plus ``seconds``. A MIP's
    limit counts from the start of its own run (``mip``; see :func:`_clock`)."""
    start = 0.0 if mip else h.getRunTime()
    h.setOptionValue("time_limit", start + max(float(seconds), 0.05))
    h.run()


class CompiledHighs:
    """HiGHS given the whole model at once, as matrices compiled by Pyomo.

    Pyomo's ``LinearStandardFormCompiler`` (mixed form: each constraint keeps its sense) gives
    :math:`\\min c^T x + c_0` subject to :math:`r^L \\le A x \\le r^U` with the columns' own
    bounds and integrality, which HiGHS takes in one ``passModel`` call. Fixed variables are
    moved to the right-hand side by the compiler, so they keep their values. Only linear
    models: a nonlinear term is refused by the compiler. It is not persistent: each ``solve``
    compiles the model as it is.

    Used with :func:`solve_with_highs` like :func:`make_highs`'s solver."""

    def __init__(self, config: CompiledConfig | None = None) -> None:
        self.config = config or CompiledConfig()

    def available(self) -> bool:
        return True  # highspy is imported with this module

    def solve(self, model: pyo.ConcreteModel) -> _CompiledResults:

        start = time.perf_counter()
        try:
            compiled = compile_to_highs(model, tee=bool(self.config.tee))
            if compiled.empty:
                raise InfeasibleConstraintException(f"empty bounds: {', '.join(compiled.empty)}")
        except InfeasibleConstraintException as exc:  # a row with no variable left that fails
            log.info("%s: infeasible before HiGHS runs: %s", model.name, exc)
            return _CompiledResults(
                termination_condition=TerminationCondition.provenInfeasible,
                solution_status=SolutionStatus.noSolution,
                incumbent_objective=None,
                objective_bound=None,
                solution_loader=_Loader([], [], None, None, None),
                timing_info=_Timing(highs_time=0.0, compile_time=time.perf_counter() - start),
            )
        h, columns, rows = compiled.highs, compiled.columns, compiled.rows
        integral = compiled.integer
        compile_s = time.perf_counter() - start
        cfg = self.config
        if cfg.threads is not None:
            h.setOptionValue("threads", int(cfg.threads))
        if cfg.time_limit is not None:
            h.setOptionValue("time_limit", max(1e-3, float(cfg.time_limit) - compile_s))
        if cfg.rel_gap is not None:
            h.setOptionValue("mip_rel_gap", float(cfg.rel_gap))
        for key, value in cfg.solver_options.items():
            h.setOptionValue(key, value)
        h.HandleKeyboardInterrupt = True
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        sol = h.getSolution()
        feasible = info.primal_solution_status == 2
        termination = _termination(status)
        if status == highspy.HighsModelStatus.kOptimal:
            solution = SolutionStatus.optimal
        elif feasible:
            solution = SolutionStatus.feasible
        else:
            solution = SolutionStatus.noSolution
        incumbent = float(info.objective_function_value) if feasible else None
        if integral.any():
            bound = float(info.mip_dual_bound)
        elif feasible and termination is TerminationCondition.convergenceCriteriaSatisfied:
            bound = incumbent
        else:
            bound = None
        loader = _Loader(
            columns=columns,
            rows=[r.constraint for r in rows],
            col_value=np.asarray(sol.col_value) if sol.value_valid else None,
            col_dual=np.asarray(sol.col_dual) if sol.dual_valid else None,
            row_dual=np.asarray(sol.row_dual) if sol.dual_valid else None,
        )
        log.debug("compiled %d × %d model for HiGHS in %.3f s", len(rows), len(columns), compile_s)
        return _CompiledResults(
            termination_condition=termination,
            solution_status=solution,
            incumbent_objective=incumbent,
            objective_bound=bound,
            solution_loader=loader,
            timing_info=_Timing(highs_time=float(h.getRunTime()), compile_time=compile_s),
        )
