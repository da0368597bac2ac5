"""wdnopt.solvers: how each problem is solved and compared.

HiGHS runs through Pyomo, the heuristics, the algorithm registry, the harness, reports and the
command-line interface. This package imports ``wdnopt.models``; the reverse never happens.

The main entry points are importable from here in one line, each module imported only when
its name is first used (so ``import wdnopt.solvers`` costs nothing)::

    from wdnopt.solvers import load_scenario, solve_routing, place_pumps, run_sweep, load_results
"""

from __future__ import annotations

from wdnopt.models.lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "load_scenario": "wdnopt.models.scenario",
    "scenario_from_dict": "wdnopt.models.scenario",
    "RoutingScenario": "wdnopt.models.routing.schema",
    "PumpPlacementScenario": "wdnopt.models.pumps.schema",
    "PumpComparisonScenario": "wdnopt.models.pumps.comparison",
    "RoutingSweepScenario": "wdnopt.models.routing.sweep",
    "InputError": "wdnopt.models.errors",
    "Status": "wdnopt.solvers.status",
    "solve_routing": "wdnopt.solvers.routing.solve",
    "solve_seasons": "wdnopt.solvers.routing.solve",
    "RoutingResult": "wdnopt.solvers.routing.solve",
    "n_minus_one": "wdnopt.solvers.routing.resilience",
    "RoutingWhatIf": "wdnopt.solvers.routing.whatif",
    "place_pumps": "wdnopt.solvers.api",
    "PumpPlan": "wdnopt.solvers.pumps.plan",
    "load_results": "wdnopt.solvers.saved",
    "SavedResults": "wdnopt.solvers.saved",
    "run_sweep": "wdnopt.solvers.pumps.sweep.job",
    "run_routing_sweep": "wdnopt.solvers.routing.sweep",
}
"""The entry points and the module of each."""

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
