"""How every answer in wdnopt ends: its :class:`Status`, and the one definition of its certified
gap (:func:`relative_gap`). Light on purpose (no solver): the heuristics, the harness, the
reports and the service import it without Pyomo."""

from __future__ import annotations

import enum
import math


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


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """The certified gap of an answer, ``(objective − bound) / |objective|`` (never below 0),
    for a minimisation whose optimum lies in ``[bound, objective]``.

    None without both figures or when either is not finite; at an objective of 0 (to 1e-9)
    the gap is 0 when the bound reaches it and None otherwise (no relative figure exists)."""
    if objective is None or bound is None:
        return None
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return None
    if abs(objective) <= 1e-9:
        return 0.0 if bound >= objective - 1e-9 else None
    return max(0.0, objective - bound) / abs(objective)
