"""The Python entry point for booster pumps on a network you already have.

:func:`place_pumps` takes a ``wntr`` ``WaterNetworkModel`` (or an ``.inp`` path, or the name
of a network shipped with wntr), runs one placement algorithm at one demand factor exactly as
``wdnopt solve`` does (the exact cross-check on trees, the repair on the network, the EPANET
check) and returns a :class:`~wdnopt.solvers.pumps.plan.PumpPlan`: its tables are DataFrames
with the network's own pipe and junction names, and ``PumpPlan.write_inp`` writes the network
with the pumps inserted. What a command wrote in an ``--out`` folder is read back by
:func:`~wdnopt.solvers.saved.load_results`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wdnopt.models.pumps.hydraulics import SHIPPED_NETWORKS
from wdnopt.models.pumps.instance import build_problems, load_network
from wdnopt.models.pumps.schema import NetworkSource, PumpPlacementScenario
from wdnopt.models.scenario import scenario_from_dict
from wdnopt.solvers.pumps.placement import run_placement
from wdnopt.solvers.pumps.plan import PumpPlan
from wdnopt.solvers.pumps.request import placement_request

if TYPE_CHECKING:
    import wntr


def place_pumps(
    network: wntr.network.WaterNetworkModel | str | Path,
    demand_factor: float = 1.0,
    *,
    algorithm: str = "network-dp",
    objective: str = "tco",
    time_limit: float | None = None,
    **settings: Any,
) -> PumpPlan:
    """Place booster pumps on ``network`` at ``demand_factor`` × its demands.

    ``network``: a ``wntr`` ``WaterNetworkModel`` (used as it is, not modified), an ``.inp``
    path or a network shipped with wntr (``"Net3"``). ``settings`` are the fields of a
    ``pump_placement`` scenario (``p_min``, ``p_max``, ``hour``, ``mode``, ``checked``,
    ``catalogue``, ``costs={...}``, ``options={name: {option: value}}``, ``solver={...}``),
    checked as a scenario file is: a wrong one raises :class:`InputError` naming it.
    ``time_limit`` beats ``options[algorithm]["time_limit"]``, which beats
    ``solver["time_limit"]`` (:func:`~wdnopt.solvers.pumps.request.placement_request`).
    """
    given_wn = not isinstance(network, str | Path)
    source: dict[str, Any] = {"generator": {"nodes": 1}} if given_wn else _source(network)
    data = {
        "kind": "pump_placement",
        "network": source,
        "demand_factors": [demand_factor],
        "objective": objective,
        **settings,
    }
    try:
        scenario = PumpPlacementScenario.model_validate(data)
    except Exception as exc:
        scenario_from_dict(data)  # the same errors as a file: InputError naming the field
        raise exc
    if given_wn:
        label = NetworkSource.model_construct(file=Path(network.name or "network"))
        scenario = scenario.model_copy(update={"network": label})
        wn = network
    else:
        wn = load_network(scenario)
    request = placement_request(scenario, algorithm, time_limit)
    (problem,) = build_problems(scenario, wn=wn)
    result, check = run_placement(problem, request)
    return PumpPlan(problem, result, check)


def _source(network: str | Path) -> dict[str, Any]:
    if isinstance(network, str) and network in SHIPPED_NETWORKS:
        return {"shipped": network}
    return {"file": str(network)}
