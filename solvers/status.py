"""How every answer in wdnopt ends, in one enum: imported by the solvers, the heuristics (which
need no Pyomo), the harness, the reports and the service."""

from __future__ import annotations

import enum


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
