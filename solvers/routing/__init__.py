"""Routing: solving a scenario with HiGHS (:mod:`.solve`), its tables (:mod:`.tables`,
:mod:`.frames`), how a result shows itself (:mod:`.display`), a day's picture (:mod:`.plot`),
re-solving after a change (:mod:`.whatif`), N−1 (:mod:`.resilience`) and the routing sweep
(:mod:`.sweep`, :mod:`.sweep_outputs`). Each name is importable from here; its module is
imported on first use."""

from __future__ import annotations

from wdnopt.models.lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "RoutingResult": ".solve",
    "solve_routing": ".solve",
    "solve_seasons": ".solve",
    "RoutingWhatIf": ".whatif",
    "n_minus_one": ".resilience",
    "RoutingRunSpec": ".sweep",
    "RoutingSweepPlan": ".sweep",
    "load_routing_sweep": ".sweep",
    "plan_routing_sweep": ".sweep",
    "execute_routing_run": ".sweep",
    "run_routing_sweep": ".sweep",
}
"""Every name of this package and the module that defines it."""

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
