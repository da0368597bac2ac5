"""Running HiGHS through Pyomo's ``pyomo.contrib.solver`` interface.

One function, :func:`solve_with_highs`, runs a built model and returns a frozen
:class:`SolveReport`: status, incumbent, best bound, gap and runtime. A solve that stops on its
time limit is reported as ``time_limit`` with its bound and gap, never as optimal.
"""

from __future__ import annotations

import enum
import logging
import math
import time
from dataclasses import dataclass

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

log = logging.getLogger(__name__)


class Status(enum.StrEnum):
    """Outcome of a solve, as every report and table in wdnopt spells it."""

    OPTIMAL = "optimal"
    """Proved optimal (within the relative gap asked for, for a MILP)."""
    TIME_LIMIT = "time_limit"
    """Stopped on the time limit; the incumbent (if any) is feasible, not proved optimal."""
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    HEURISTIC = "heuristic"
    """A feasible answer from an algorithm that does not prove optimality."""
    ERROR = "error"
    UNKNOWN = "unknown"
    BOUND_ONLY = "bound_only"
    """No realisable solution by design (e.g. a continuous relaxation): only a proved bound."""

    @property
    def has_solution(self) -> bool:
        return self in (Status.OPTIMAL, Status.TIME_LIMIT, Status.HEURISTIC)


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
        """Relative gap ``(objective − bound) / max(|objective|, 1e-9)``; 0 when proved."""
        if self.objective is None or self.bound is None:
            return None
        if not (math.isfinite(self.objective) and math.isfinite(self.bound)):
            return None
        return max(0.0, self.objective - self.bound) / max(abs(self.objective), 1e-9)


def make_highs(
    *,
    time_limit: float | None = None,
    rel_gap: float | None = None,
    threads: int | None = None,
    tee: bool = False,
) -> object:
    """A configured (persistent) HiGHS solver of ``pyomo.contrib.solver``."""
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
    import highspy

    highspy.Highs.resetGlobalScheduler(True)


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
    start = time.perf_counter()
    results = solver.solve(model)  # type: ignore[attr-defined]
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
