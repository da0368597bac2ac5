"""wdnopt.models: what each problem is.

Scenario schema, network and tree instances, cost model and Pyomo builders. Nothing here solves
or prints; ``wdnopt.solvers`` does that and imports this package, never the reverse.

The scenario entry points are importable from here, each module imported on first use::

    from wdnopt.models import load_scenario, RoutingScenario, PumpPlacementScenario
"""

from __future__ import annotations

from wdnopt.models.lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "load_scenario": "wdnopt.models.scenario",
    "scenario_from_dict": "wdnopt.models.scenario",
    "RoutingScenario": "wdnopt.models.routing.schema",
    "PumpPlacementScenario": "wdnopt.models.pumps.schema",
    "PumpComparisonScenario": "wdnopt.models.pumps.comparison",
    "InputError": "wdnopt.models.errors",
    "load_catalogue": "wdnopt.models.pumps.catalogue",
    "DEFAULT_CATALOGUE": "wdnopt.models.pumps.catalogue",
    "read_network": "wdnopt.models.pumps.hydraulics",
}
"""The entry points and the module of each."""

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
