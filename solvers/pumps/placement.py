"""One pump placement end to end: the algorithm, the exact cross-check, the repair on the
network, the EPANET check, and the plan as a table with the network's own names.

The command line (``wdnopt solve``) and the Python API (:func:`wdnopt.solvers.api.place_pumps`)
both run placements through :func:`run_placement`, so both give the same answer.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from wdnopt.solvers.pumps import registry

if TYPE_CHECKING:
    from wdnopt.models.pumps.problem import PumpProblem
    from wdnopt.models.pumps.schema import PumpPlacementScenario
    from wdnopt.solvers.pumps.result import PlacementResult
    from wdnopt.solvers.pumps.verify import Verification

PLACEMENT_COLUMNS = ["node", "pipe", "size", "power_kw", "flow_m3s", "head_m", "capex", "opex",
                     "cost"]  # fmt: skip
"""Columns of :func:`placement_table`."""


def algorithm_options(
    algorithm: registry.Algorithm,
    scenario: PumpPlacementScenario,
    time_limit: float | None = None,
    *,
    where: str = "",
) -> Any:
    """The algorithm's options: ``[algorithms.NAME]``, then ``[solver]`` for the options of the
    same name, then ``time_limit`` (``--time-limit``) when given; errors name ``where``."""
    values = dict(scenario.algorithms.get(algorithm.name, {}))
    allowed = {f.name for f in dataclasses.fields(algorithm.options)}
    for key in ("time_limit", "rel_gap", "threads"):
        given = getattr(scenario.solver, key, None)
        if given is not None and key in allowed and key not in values:
            values[key] = given
    if time_limit is not None and "time_limit" in allowed:
        values["time_limit"] = time_limit
    return algorithm.make_options(values, where=where)


def run_placement(
    problem: PumpProblem,
    algorithm: registry.Algorithm,
    options: Any,
    *,
    repairs: bool,
    progress: Callable[[Any], None] | None = None,
) -> tuple[PlacementResult, Verification | None]:
    """:func:`solve_placement`, then :func:`check_placement`: the plan and its EPANET check."""
    result = solve_placement(problem, algorithm, options, repairs=repairs, progress=progress)
    return result, check_placement(problem, result)


def solve_placement(
    problem: PumpProblem,
    algorithm: registry.Algorithm,
    options: Any,
    *,
    repairs: bool,
    progress: Callable[[Any], None] | None = None,
) -> PlacementResult:
    """Run ``algorithm`` on ``problem``: an ``optimal`` on a tree is confirmed by the other exact
    method, and a plan is repaired on the network when ``repairs`` (``network-dp`` and
    ``milp-network`` give plans that hold already). ``progress`` receives the iterations of an
    algorithm that reports them (``milp-network``: its lower and upper bounds)."""
    from wdnopt.solvers.pumps.exact import cross_check
    from wdnopt.solvers.pumps.network_mode import repair_result
    from wdnopt.solvers.pumps.repair import RepairOptions

    started = time.perf_counter()
    limit = getattr(options, "time_limit", None)  # the whole run's: every stage takes the rest
    if progress is not None and "progress" in inspect.signature(algorithm.run).parameters:
        answer = algorithm.run(problem, options, progress=progress)
    else:
        answer = algorithm.run(problem, options)
    result = cross_check(problem, answer, time_limit=limit)
    if repairs and not algorithm.network_checked:
        left = None if limit is None else max(limit - (time.perf_counter() - started), 0.0)
        result = repair_result(
            problem, result, None if left is None else RepairOptions(time_limit=left)
        )
    return result


def check_placement(problem: PumpProblem, result: PlacementResult) -> Verification | None:
    """The plan simulated in EPANET with its pumps inserted (None when there is no plan or no
    network)."""
    from wdnopt.solvers.pumps.verify import verify_pumps

    if not result.status.has_solution or problem.network is None:
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
    opex = problem.cost_model.size_opex(cat)
    parent = tree.parent.tolist()  # Python ints: indexing the array per node is slow
    at = {(tree.pipe_names[v], tree.node_names[parent[v]]): v
          for v in range(tree.n) if parent[v] >= 0}  # fmt: skip
    rows = []
    for pump in result.pumps:
        k = pump.size
        v = at.get((pump.pipe, pump.upstream))
        rows.append(
            {
                "node": pump.upstream,
                "pipe": pump.pipe,
                "size": cat.sizes[k].name,
                "power_kw": cat.sizes[k].power_kw,
                "flow_m3s": float(tree.flow[v]) if v is not None else float("nan"),
                "head_m": float(problem.head_gain[v, k]) if v is not None else float("nan"),
                "capex": float(cat.capex[k]),
                "opex": float(opex[k]),
                "cost": float(problem.size_costs[k]),
            }
        )
    return pd.DataFrame(rows, columns=PLACEMENT_COLUMNS)
