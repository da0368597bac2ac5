"""Exact answers cross-checked before they are called optimal.

On a tree network the MILP (:mod:`~wdnopt.solvers.pumps.milp`) and the tree dynamic programme
(:mod:`~wdnopt.solvers.pumps.tree_dp`) solve the same problem by independent routes. An
``optimal`` answer of either is confirmed by the other: equal optima (to a relative
:data:`AGREE`) keep the status and say so; different optima, or a cross-check that proves
nothing, downgrade it (``unknown`` when the two disagree: no number is printed as optimal that
one exact method contradicts). On a looped network neither is exact (their plans are repaired
on the network), so there is nothing to cross-check.

An ``optimal`` of ``tree-dp`` that carries its tables is first checked by its certificate
(:mod:`.dp_certificate`): a lower bound proved from the Bellman inequalities alone, which the
plan's cost (priced by the one cost function) must meet while its plan passes the one checker.
That proof costs a fraction of the DP; the MILP then runs only on trees of at most
:data:`MILP_CHECK_NODES` nodes, where it is cheap. A certificate that fails leaves the decision
to the MILP.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.pumps import registry
from wdnopt.solvers.pumps.dp_certificate import DpCertificate, check_certificate
from wdnopt.solvers.pumps.request import Deadline
from wdnopt.solvers.pumps.result import PlacementResult, make_result
from wdnopt.solvers.status import Status

logger = logging.getLogger(__name__)

AGREE = 1e-6
"""Relative difference under which two optima are the same."""

MIN_CHECK_S = 0.5
"""Seconds the cross-check always gets."""

MILP_CHECK_NODES = 5_000
"""Trees up to this many nodes also get the MILP cross-check beside a certificate."""

SMALL_TREE_TABLES = 500_000
"""On a tree the MILP checks anyway, a certificate with more table entries than this (a long
path of deficient nodes: its check grows with them) is left out."""

PARTNER = {"milp": "tree-dp", "tree-dp": "milp", "milp-network": "tree-dp"}
"""The exact method that checks each one."""


def cross_check(
    problem: PumpProblem, result: PlacementResult, *, deadline: Deadline | None = None
) -> PlacementResult:
    """``result`` confirmed (or downgraded) by the other exact method (see the module notes).

    ``deadline`` is that of the whole placement: the check gets what ``result`` left of it
    (at least :data:`MIN_CHECK_S`), so the two together stay near the limit.
    """
    cert = result.extras.get("dp_certificate")
    if cert is not None:  # the DP's tables travel no further than this check
        rest = {k: v for k, v in result.extras.items() if k != "dp_certificate"}
        result = replace(result, extras=type(result.extras)(rest))
    other = PARTNER.get(result.algorithm)
    looped = problem.network is not None and problem.network.looped
    if other is None or result.status is not Status.OPTIMAL or looped:
        return result
    small = problem.tree.n <= MILP_CHECK_NODES
    large_tables = cert is not None and cert.key.size > SMALL_TREE_TABLES
    certified = None if small and large_tables else certify(problem, result, cert)
    if certified is not None and not small:
        return certified
    if certified is not None:
        result = certified
    known = result.extras.get("dp_cost") if result.algorithm == "milp" else None
    if known is not None:  # the MILP ran the tree DP already: compare with its optimum
        status, value, why = Status.OPTIMAL, float(known), ""
    else:
        algorithm = registry.get(other)
        options = algorithm.make_options()
        if deadline is not None and deadline.limit is not None and hasattr(options, "time_limit"):
            options = replace(options, time_limit=max(deadline.left(), MIN_CHECK_S))
        check = algorithm.run(problem, options)
        status, value, why = check.status, check.objective, check.message
    assert result.objective is not None
    if status is Status.OPTIMAL and value is not None:
        scale = max(abs(result.objective), abs(value), 1.0)
        if abs(result.objective - value) <= AGREE * scale:
            how = "its bound is the tree DP's optimum" if known is not None else f"{other} agrees"
            return replace(result, message=f"{result.message}; {how}")
        logger.warning(
            "%s: %s says %.10g, %s says %.10g",
            problem.tree.name,
            result.algorithm,
            result.objective,
            other,
            value,
        )
        return make_result(
            problem,
            result.algorithm,
            Status.UNKNOWN,
            None,
            runtime_s=result.runtime_s,
            message=(
                f"exact methods disagree: {result.algorithm} {result.objective:,.2f}, "
                f"{other} {value:,.2f}; no optimum is reported"
            ),
        )
    if status is Status.TIME_LIMIT or (deadline is not None and deadline.expired):
        return replace(  # the limit cut the cross-check: the run stopped short of its proof
            result,
            status=Status.TIME_LIMIT,
            message=f"{result.message}; stopped by the time limit (the cross-check by {other} "
            f"was cut short: {status}{': ' + why if why else ''})",
        )
    return replace(
        result,
        status=Status.HEURISTIC,
        message=f"{result.message}; not confirmed by {other} ({status}: {why})",
    )


def certify(
    problem: PumpProblem, result: PlacementResult, cert: DpCertificate | None = None
) -> PlacementResult | None:
    """``result`` with its optimum proved by the DP's certificate (``cert``, by default the one
    in its extras; the tables are dropped from the answer), or None when there is none or it
    does not prove it."""

    cert = cert if cert is not None else result.extras.get("dp_certificate")
    if cert is None or result.objective is None or result.check is None:
        return None
    started = time.perf_counter()
    verdict = check_certificate(problem, cert)
    kept = {k: v for k, v in result.extras.items() if k != "dp_certificate"}
    extras = type(result.extras)({**kept, "certificate_s": time.perf_counter() - started})
    scale = max(abs(result.objective), 1.0)
    if not verdict.holds:
        logger.warning("%s: the DP's certificate fails: %s", problem.tree.name, verdict.reason)
        return None
    if not result.check.feasible or result.objective > verdict.lower_bound + AGREE * scale:
        logger.warning(
            "%s: plan of cost %.10g (feasible: %s) above the certified bound %.10g",
            problem.tree.name,
            result.objective,
            result.check.feasible,
            verdict.lower_bound,
        )
        return None
    return replace(
        result,
        bound=verdict.lower_bound,
        extras=extras,
        message=f"{result.message}; its certificate proves the bound {verdict.lower_bound:,.2f}",
    )
