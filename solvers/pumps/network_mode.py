"""Plans that hold on the network the user gave: the ``network-dp`` algorithm and the repair step.

``network-dp`` (the default algorithm of ``wdnopt solve``) is EPANET in the loop: the exact tree
DP on the linear model of the unpumped network (:func:`~wdnopt.models.pumps.network.tree_model`),
then :func:`~wdnopt.solvers.pumps.repair.repair_plan` (simulate, linearise around the pumped
state, place more with the DP, repeat; then prune). :func:`repair_result` applies the same
repair to the answer of any other algorithm, so that every algorithm is compared on the real
network.

**What the statuses mean here.** On a tree network the model is the network: the DP's plan is
optimal and holds as it is (status ``optimal``, with its bound). On a looped network no answer
of these is proved optimal: a plan that holds is ``heuristic`` (no bound: the model's optimum is
not a bound on the network's), and a plan that the repair could not make hold is reported as
``unknown`` with no cost, its reason in the message: never as an answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Literal

from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.pumps.registry import Algorithm, Count, Seconds, register
from wdnopt.solvers.pumps.repair import RepairOptions, repair_plan
from wdnopt.solvers.pumps.request import Deadline
from wdnopt.solvers.pumps.result import PlacementResult, make_result
from wdnopt.solvers.pumps.tree_dp import TreeDpOptions, run_tree_dp
from wdnopt.solvers.status import Status


@dataclass(frozen=True)
class NetworkOptions:
    """Options of the ``network-dp`` algorithm (keys of ``[options.network-dp]``)."""

    max_rounds: Count = 30
    """Rounds of simulate → linearise → place at most."""
    time_limit: Seconds = 300.0
    """Wall-clock seconds for the whole run."""
    prune: bool = True
    """Drop and shrink pumps the network does not need."""
    starts: Literal["both", "tree-dp", "empty"] = "both"
    """On a looped network, where the loop starts: the tree DP's plan on the flow-tree model,
    no pumps, or both (the cheaper plan that holds is kept)."""


def repair_result(
    problem: PumpProblem,
    result: PlacementResult,
    options: RepairOptions | None = None,
    *,
    deadline: Deadline | None = None,
) -> PlacementResult:
    """``result`` repaired on ``problem.network`` (unchanged without a network or a plan),
    within ``deadline`` (that of the whole placement: the repair takes what is left of it) or,
    without one that has a limit, ``options.time_limit``.

    The answer keeps the algorithm's name; its extras record the plan before the repair
    (``start_cost``, ``start_holds``, ``model_error_m``: how far the algorithm's own model was
    from the simulation) and what the repair did.
    """
    net = problem.network
    if net is None or not result.has_plan:
        return result
    started = time.perf_counter()
    fixed = repair_plan(
        problem, result.pumps, options, predicted=result.predicted, deadline=deadline
    )
    unchanged = fixed.pumps == tuple(sorted(result.pumps))
    extras = {
        **result.extras,
        "start_cost": result.objective,
        "start_pumps": len(result.pumps),
        "start_holds": fixed.start_holds,
        "model_error_m": fixed.start_model_error,
        "repair_rounds": fixed.rounds,
        "repair_added": fixed.added,
        "repair_removed": fixed.removed,
        "repair_resized": fixed.resized,
        "repair_simulations": fixed.simulations,
        "repair_s": fixed.runtime_s,
    }
    if fixed.cut:
        extras["cut_by_time_limit"] = fixed.cut
    runtime = result.runtime_s + time.perf_counter() - started
    if unchanged and fixed.holds and not net.looped:
        return replace(result, runtime_s=runtime, extras=type(result.extras)(extras))
    what = (
        f"repaired (+{fixed.added} −{fixed.removed} pump(s), {fixed.resized} resized, "
        f"{fixed.rounds} round(s))"
        if not unchanged
        else "holds as placed"
    )
    if not fixed.holds:  # cut by the time limit (the message says where), or no plan found
        return make_result(
            problem,
            result.algorithm,
            Status.TIME_LIMIT if fixed.cut else Status.UNKNOWN,
            None,
            runtime_s=runtime,
            message=f"no plan that holds on the network: {fixed.message}",
            extras=extras,
        )
    index = {(problem.tree.pipe_names[v], problem.tree.node_names[problem.tree.parent[v]]): v
             for v in range(problem.tree.n) if problem.tree.parent[v] >= 0}  # fmt: skip
    placement = {index[(p.pipe, p.upstream)]: p.size for p in fixed.pumps
                 if (p.pipe, p.upstream) in index}  # fmt: skip
    looped = net.looped
    status = Status.HEURISTIC if looped or not unchanged else result.status
    if fixed.cut:  # a plan that holds, but the limit cut the repair short: say where
        status = Status.TIME_LIMIT
        what += f"; stopped by the time limit ({fixed.cut})"
    return make_result(
        problem,
        result.algorithm,
        status,
        placement,
        bound=None if looped else result.bound,
        runtime_s=runtime,
        message=(f"on its model: {result.message}; " if result.message else "")
        + f"on the network: {what}",
        extras=extras,
        pumps=fixed.pumps,
        predicted=result.predicted if unchanged else None,
    )


def run_network(problem: PumpProblem, options: NetworkOptions | None = None) -> PlacementResult:
    """Registry entry: the tree DP on the model, repaired on the network.

    On a looped network the loop runs twice, from the tree DP's plan and from no pumps (as
    ``starts`` says), each with half the time left; the cheaper plan that holds is kept
    (``extras['start']`` says which).
    """
    options = options or NetworkOptions()
    started = time.perf_counter()
    deadline = Deadline(options.time_limit)
    first = replace(run_tree_dp(problem, TreeDpOptions()), algorithm="network-dp")
    net = problem.network
    if net is None or (not net.looped and not first.has_plan):
        return first
    empty = make_result(problem, "network-dp", Status.HEURISTIC, {}, message="")
    if not first.has_plan:  # the model finds no plan: start the loop empty
        first = replace(empty, message=first.message)
    begins = {"tree-dp" if first.pumps or not net.looped else "empty": first}  # (no pump: empty)
    if net.looped and options.starts == "both" and first.pumps:
        begins["empty"] = empty
    elif net.looped and options.starts == "empty":
        begins = {"empty": empty}
    answers = []
    repair = RepairOptions(max_rounds=options.max_rounds, prune=options.prune)
    for i, (label, begin) in enumerate(begins.items()):
        out = repair_result(problem, begin, repair, deadline=deadline.share(len(begins) - i))
        answers.append(replace(out, extras=type(out.extras)({**out.extras, "start": label})))
    holding = [a for a in answers if a.has_plan]
    # with no plan, a start the limit cut says more than one that found none
    cut_short = [a for a in answers if a.status is Status.TIME_LIMIT]
    best = min(holding, key=lambda a: a.objective) if holding else (cut_short or answers)[0]
    cut = [f"the start from {label}: {a.extras['cut_by_time_limit']}"
           for label, a in zip(begins, answers, strict=True)
           if a.extras.get("cut_by_time_limit")]  # fmt: skip
    if cut and best.status is Status.HEURISTIC:  # another start might have found a cheaper plan
        note = "stopped by the time limit (" + "; ".join(cut) + ")"
        best = replace(best, status=Status.TIME_LIMIT,
                       message=f"{best.message}; {note}" if best.message else note)  # fmt: skip
    return replace(best, runtime_s=time.perf_counter() - started)


ALGORITHM = register(
    Algorithm(
        name="network-dp",
        run=run_network,
        options=NetworkOptions,
        summary="EPANET in the loop: exact tree DP on the linearised network, simulate, "
        "repeat, prune (plans hold on the network as given; exact on trees)",
        exact=False,
        network_checked=True,
    )
)
