"""What the loops of ``milp-network`` share, whichever relaxation bounds them (link by link in
:mod:`~wdnopt.solvers.pumps.milp_network`, the content model on one live HiGHS model in
:mod:`~wdnopt.solvers.pumps.content_run`): the options, the record of one iteration, the price
of a plan, the budget below the incumbent and the time a MILP solve leaves unused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from wdnopt.models.pumps.network import PlannedPump
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.pumps.registry import Count, NonNegative, Seconds, Share

Relaxation = Literal["combined", "content", "outer"]
"""The lower-bounding models of ``milp-network`` (option ``relaxation``)."""

MIP_MARGIN = 0.05
"""Share of the time left that a MILP solve leaves unused: HiGHS overruns its limit by a
second or two on a large MIP (measured: 1.8 s on Net3's 912 pump choices)."""

MIP_OVERRUN_S = 1.5
"""Seconds a MILP solve leaves unused besides :data:`MIP_MARGIN` (HiGHS's overrun does not
shrink with the limit: 1.3–2.2 s past it on Net3 at 8 s with the machine busy)."""


def mip_seconds(left: float) -> float:
    """The limit a MILP solve gets when ``left`` seconds remain of the run."""
    return left * (1 - MIP_MARGIN) - MIP_OVERRUN_S


REPAIR_S = 1.5
"""Seconds the repair of a plan that does not hold gets at most, in one iteration."""


CHEAPER = 1e-7
"""Relative margin by which the MILP looks for plans cheaper than the incumbent."""


def cheaper(upper: float | None) -> float | None:
    """The MILP's budget: strictly below the incumbent's cost (plans that cost as much are no
    better), so an infeasible MILP proves the incumbent optimal."""
    return None if upper is None else upper - max(CHEAPER * abs(upper), 1e-9)


@dataclass(frozen=True)
class MilpNetworkOptions:
    """Options of ``milp-network`` (keys of ``[options.milp-network]``)."""

    time_limit: Seconds = 60.0
    """Wall-clock seconds for the whole run (warm start and bound tightening included)."""
    gap: Share = 1e-3
    """Relative gap ``(UB − LB)/UB`` at which the run stops as optimal."""
    max_iterations: Count = 200
    """MILP solves at most."""
    warm_start: bool = True
    """Start from the ``network-dp`` plan (its cost is the first upper bound)."""
    warm_share: Share = 0.25
    """Share of the time limit the warm start may use."""
    improve_share: Share = 0.1
    """Share of the time limit that destroy and repair (:mod:`.neighbourhood`) may use to make
    the warm start's plan cheaper (0: not run)."""
    tighten: bool = True
    """Tighten the flow bounds on the LP relaxation before the MILP."""
    tighten_share: Share = 0.35
    """Share of the time limit bound tightening may use."""
    relaxation: Relaxation = "combined"
    """The lower-bounding model: ``outer`` (head-loss laws outer-approximated link by link,
    :mod:`~wdnopt.models.pumps.relaxation`), ``content`` (the exact convex reformulation of
    :mod:`~wdnopt.models.pumps.content` alone, outer-approximated on one live HiGHS model) or
    ``combined`` (both: the content constraint added to the link-by-link model, so at least as
    strong as either)."""
    envelope_m: NonNegative | None = None
    """``E`` of the head envelope, m (default: the sum of the maximum heads of as many pumps as
    the incumbent's cost allows, see :func:`~.relaxation.head_box`; a smaller value is an
    assumption the bound then rests on)."""


@dataclass(frozen=True)
class Iteration:
    """One MILP solve of the loop."""

    iteration: int
    lower: float | None
    upper: float | None
    gap: float | None
    elapsed_s: float
    plan_holds: bool | None


Progress = Callable[[Iteration], None]


def plan_cost(pumps: tuple[PlannedPump, ...], problem: PumpProblem) -> float:
    """The plan's cost under the problem's objective, by the one cost function."""
    return problem.price_pumps(pumps).of(problem.objective)


def candidate_costs(problem: PumpProblem, cands: list[tuple[str, str, int]]) -> np.ndarray:
    """``c[i, k]``: the cost of a size-``k`` pump on candidate ``i`` (``(pipe, upstream, σ)``),
    as :func:`plan_cost` prices it: ``c_k`` for a constant-power size, a curve size's energy at
    its pipe's flow (:meth:`~wdnopt.models.pumps.problem.PumpProblem.pump_costs`). So the
    MILP's objective is the cost of its plan."""
    sizes = len(problem.catalogue)
    if not cands:
        return np.zeros((0, sizes))
    pumps = [PlannedPump(pipe, up, 0) for pipe, up, _ in cands]
    return np.array(problem.pump_costs(pumps), dtype=float).reshape(len(cands), sizes)


def money_text(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"
