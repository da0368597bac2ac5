"""The result type every pump placement algorithm returns."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from wdnopt.models.pumps.costs import PlacementCost
from wdnopt.models.pumps.network import PlannedPump, planned_pumps
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.tree import PlacementCheck, check_placement
from wdnopt.solvers.status import Status, relative_gap


@dataclass(frozen=True)
class PlacementResult:
    """An algorithm's answer, priced by the one cost function and checked by the one checker."""

    algorithm: str
    status: Status
    placement: MappingProxyType
    """Node index of the problem's tree → catalogue size index (read-only); for a plan
    repaired on the network, the pumps that are on the tree's pipes (``pumps`` is the plan)."""
    cost: PlacementCost
    objective: float | None
    """Cost of the placement under the problem's objective (None without a placement)."""
    bound: float | None
    """A proved lower bound on the optimum, when the algorithm has one."""
    runtime_s: float
    check: PlacementCheck | None
    """Linear-model check of the placement (None without a placement)."""
    message: str = ""
    """Why the algorithm stopped or failed, in words (infeasibility reasons included)."""
    extras: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    """Algorithm-specific figures (e.g. the paper's lower bounds, continuous power)."""
    pumps: tuple[PlannedPump, ...] = ()
    """The plan on the network: each pump's pipe, the end it is inserted at, its size."""
    predicted: np.ndarray | None = None
    """The algorithm's own prediction of the pressure at every tree node with its plan, m."""

    @property
    def gap(self) -> float | None:
        """``(objective − bound) / objective`` when both are known."""
        return relative_gap(self.objective, self.bound)

    @property
    def has_plan(self) -> bool:
        """A plan comes with the answer (a run the time limit cut short may have none)."""
        return self.status.has_solution and self.objective is not None

    def summary(self) -> dict[str, str]:
        """The figures a repr shows, as text: status, objective, bound, pumps, kW, time."""
        out = {
            "algorithm": self.algorithm,
            "status": str(self.status),
            "objective": _money(self.objective),
            "bound": _money(self.bound),
            "pumps": str(len(self.pumps)),
            "rated power": f"{self.cost.total_kw:,.1f} kW",
            "run time": f"{self.runtime_s:.3g} s",
        }
        if self.check is not None and len(self.check.below_min):
            out["below P_min (model)"] = str(len(self.check.below_min))
        return out

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"PlacementResult({s['algorithm']}, {s['status']}, objective {s['objective']}, "
            f"bound {s['bound']}, {s['pumps']} pumps, {s['rated power']}, {s['run time']})"
        )

    def _repr_html_(self) -> str:
        """A notebook's view: the figures of :meth:`summary` in a small table."""
        return summary_html(self.summary())


def _money(value: float | None) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:,.2f}"


def summary_html(rows: dict[str, str], title: str = "") -> str:
    """A small two-column HTML table of ``rows`` (name → text)."""
    caption = f"<caption><b>{html.escape(title)}</b></caption>" if title else ""
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
        for k, v in rows.items()
    )
    return f"<table>{caption}{body}</table>"


def make_result(
    problem: PumpProblem,
    algorithm: str,
    status: Status,
    placement: dict[int, int] | None,
    *,
    bound: float | None = None,
    runtime_s: float = 0.0,
    message: str = "",
    extras: dict[str, Any] | None = None,
    pumps: tuple[PlannedPump, ...] | None = None,
    predicted: np.ndarray | None = None,
) -> PlacementResult:
    """Price and check a plan and wrap it as a :class:`PlacementResult`.

    The plan is ``placement`` on the problem's tree, or ``pumps`` on the network (then
    ``placement`` holds those of its pumps that sit on the tree's pipes). The tree model's
    prediction ``p_v + B_v`` of the placement is the default ``predicted``.
    """
    # a status that may carry a plan (time_limit) carries one only when it is given
    has = status.has_solution and (placement is not None or pumps is not None)
    placement = dict(sorted((int(v), int(k)) for v, k in (placement or {}).items()))
    tree = problem.tree
    if pumps is None:
        pumps = planned_pumps(tree, placement) if has else ()
        if has and predicted is None:
            predicted = tree.pressure + tree.boost(placement, problem.catalogue)
    cost = problem.price_pumps(pumps)
    check = check_placement(tree, placement, problem.catalogue) if has else None
    if (
        status is Status.OPTIMAL
        and check is not None
        and not check.feasible
        and pumps == tuple(planned_pumps(tree, placement))
        and (problem.network is None or not problem.network.looped)
    ):
        # a solver's "optimal" whose plan fails the model it was solved on is no optimum
        status, has = Status.ERROR, False
        message = (
            f"{message}; its plan fails the model's own check ({len(check.below_min)} node(s) "
            f"below P_min, {len(check.invalid_pipes)} pump(s) out of range): not reported"
        )
    return PlacementResult(
        algorithm=algorithm,
        status=status,
        placement=MappingProxyType(placement),
        cost=cost,
        objective=cost.of(problem.objective) if has else None,
        bound=bound,
        runtime_s=runtime_s,
        check=check if has else None,
        message=message,
        extras=MappingProxyType(dict(extras or {})),
        pumps=tuple(pumps),
        predicted=predicted,
    )
