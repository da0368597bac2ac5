"""wdnopt: optimisation toolkit for water networks (routing and treatment schedules, booster
pump placement, comparison sweeps).

The entry points come from one import, each module loaded only when its name is first used, so
``import wdnopt`` costs next to nothing::

    import wdnopt

    scenario = wdnopt.load_scenario("scenarios/routing/two_sources_three_plants_six_zones.toml")
    result = wdnopt.solve_routing(scenario)
    plan = wdnopt.place_pumps("data/networks/tree_100.inp", 2.6, algorithm="tree-dp")

The names are those of :mod:`wdnopt.solvers` (``load_scenario``, ``scenario_from_dict``,
``solve_routing``, ``solve_seasons``, ``n_minus_one``, ``RoutingWhatIf``, ``place_pumps``,
``load_results``, ``run_sweep``, ``run_routing_sweep``, the scenario schemas, ``InputError``,
``Status``); ``__version__`` is the installed version. ``python -m wdnopt`` is the ``wdnopt``
command.
"""

from __future__ import annotations

import importlib
from typing import Any

_API = (
    "InputError",
    "PumpComparisonScenario",
    "PumpPlacementScenario",
    "PumpPlan",
    "RoutingResult",
    "RoutingScenario",
    "RoutingSweepScenario",
    "RoutingWhatIf",
    "SavedResults",
    "Status",
    "load_results",
    "load_scenario",
    "n_minus_one",
    "place_pumps",
    "run_routing_sweep",
    "run_sweep",
    "scenario_from_dict",
    "solve_routing",
    "solve_seasons",
)
"""The entry points, each taken from :mod:`wdnopt.solvers` on first use (its ``__all__``:
tests/test_api.py checks they agree); nothing is imported before."""

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from wdnopt.solvers.cli.main import version  # lazy: `import wdnopt` loads nothing

        value: Any = version()
    elif name in _API:
        value = getattr(importlib.import_module("wdnopt.solvers"), name)
    else:
        raise AttributeError(f"module 'wdnopt' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
