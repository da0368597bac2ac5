"""One pump placement end to end: the algorithm, the exact cross-check, the repair on the
network, the EPANET check, and the plan as a table with the network's own names.

The command line (``wdnopt solve``), the Python API (:func:`wdnopt.solvers.api.place_pumps`),
the service and the sweeps run placements through :func:`solve_placement`, each with a
:class:`~wdnopt.solvers.pumps.request.PlacementRequest` built by the one
:func:`~wdnopt.solvers.pumps.request.placement_request`, so all give the same answer.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from wdnopt.solvers.pumps.exact import cross_check
from wdnopt.solvers.pumps.network_mode import repair_result
from wdnopt.solvers.pumps.verify import verify_pumps
from wdnopt.solvers.status import Status

if TYPE_CHECKING:
    from wdnopt.models.pumps.problem import PumpProblem
    from wdnopt.solvers.pumps.request import PlacementRequest
    from wdnopt.solvers.pumps.result import PlacementResult
    from wdnopt.solvers.pumps.verify import Verification

PLACEMENT_COLUMNS = ["node", "pipe", "size", "power_kw", "flow_m3s", "head_m", "capex", "opex",
                     "cost"]  # fmt: skip
"""Columns of :func:`placement_table`."""


def run_placement(
    problem: PumpProblem,
    request: PlacementRequest,
    *,
    progress: Callable[[Any], None] | None = None,
) -> tuple[PlacementResult, Verification | None]:
    """:func:`solve_placement`, then :func:`check_placement`: the plan and its EPANET check
    (an ``optimal`` whose plan fails the check is no longer optimal: :func:`as_checked`)."""
    result = solve_placement(problem, request, progress=progress)
    check = check_placement(problem, result)
    return as_checked(result, check), check


def as_checked(result: PlacementResult, check: Verification | None) -> PlacementResult:
    """``result`` as its EPANET check leaves it. A plan proved optimal on its model that does
    not hold on the network as given is not reported as optimal: its status becomes
    ``unknown`` and the message says why (the plan and its figures stay, for inspection)."""
    if check is None or check.verified or result.status is not Status.OPTIMAL:
        return result
    why = "optimal on its model, but the plan does not hold on the network in EPANET"
    message = f"{result.message}; {why}" if result.message else why
    return dataclasses.replace(result, status=Status.UNKNOWN, message=message)


def solve_placement(
    problem: PumpProblem,
    request: PlacementRequest,
    *,
    progress: Callable[[Any], None] | None = None,
) -> PlacementResult:
    """Run the request's algorithm on ``problem``: an ``optimal`` on a tree is confirmed by the
    other exact method, and a plan is repaired on the network when the request says so
    (``network-dp`` and ``milp-network`` give plans that hold already). ``progress`` receives
    the iterations of an algorithm that reports them (``milp-network``: its lower and upper
    bounds).

    The request's deadline starts here (each demand factor gets the whole limit); the
    algorithm gets what is left of it as its ``time_limit``, and the cross-check and the
    repair each take what the stages before them left.
    """
    request = request.started()
    algorithm, deadline = request.algorithm, request.deadline
    options = request.run_options()
    if progress is not None and "progress" in inspect.signature(algorithm.run).parameters:
        answer = algorithm.run(problem, options, progress=progress)
    else:
        answer = algorithm.run(problem, options)
    result = cross_check(problem, answer, deadline=deadline)
    if request.repairs and not algorithm.network_checked:
        result = repair_result(problem, result, deadline=deadline)
    return result


def check_placement(problem: PumpProblem, result: PlacementResult) -> Verification | None:
    """The plan simulated in EPANET with its pumps inserted (None when there is no plan or no
    network)."""

    if not result.has_plan or problem.network is None:
        return None
    return verify_pumps(
        problem.network.wn,
        problem.tree,
        result.pumps,
        problem.catalogue,
        predicted=result.predicted,
    )


def placement_table(problem: PumpProblem, result: PlacementResult) -> pd.DataFrame:
    """One row per pump: pipe, the node it is inserted at, size, power (kW), the flow and head
    of the algorithm's model there (NaN for a pump the repair placed), cost by objective."""
    tree, cat = problem.tree, problem.catalogue
    parent = tree.parent.tolist()  # Python ints: indexing the array per node is slow
    at = {(tree.pipe_names[v], tree.node_names[parent[v]]): v
          for v in range(tree.n) if parent[v] >= 0}  # fmt: skip
    # as the plan is priced: a curve pump's energy at its operating point
    costs = problem.pump_costs(result.pumps)
    opex = problem.cost_model.flow_costs(cat, problem.pump_flows(result.pumps), "opex")
    rows = []
    for i, pump in enumerate(result.pumps):
        k = pump.size
        v = at.get((pump.pipe, pump.upstream))
        size_opex, cost = float(opex[i, k]), float(costs[i, k])
        rows.append(
            {
                "node": pump.upstream,
                "pipe": pump.pipe,
                "size": cat.sizes[k].name,
                "power_kw": cat.sizes[k].power_kw,
                "flow_m3s": float(tree.flow[v]) if v is not None else float("nan"),
                "head_m": float(problem.head_gain[v, k]) if v is not None else float("nan"),
                "capex": float(cat.capex[k]),
                "opex": size_opex,
                "cost": cost,
            }
        )
    return pd.DataFrame(rows, columns=PLACEMENT_COLUMNS)
