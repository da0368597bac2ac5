"""The one algorithm registry: every pump placement algorithm, by name.

An algorithm is a function ``run(problem, options) -> PlacementResult`` with an options
dataclass (its fields are the keys accepted under ``[algorithms.NAME]`` in a scenario). The
harness and the CLI only iterate this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.pumps.result import PlacementResult


@dataclass(frozen=True)
class Algorithm:
    name: str
    run: Callable[[PumpProblem, Any], PlacementResult]
    options: type
    """Frozen dataclass of the algorithm's options, all with defaults."""
    summary: str
    exact: bool = False
    """True for an algorithm that proves optimality (the reference of the gaps)."""

    def make_options(self, values: dict[str, Any] | None = None, *, where: str = "") -> Any:
        """Options from a scenario table; unknown keys are refused with a clear message."""
        values = dict(values or {})
        allowed = {f.name for f in fields(self.options)}
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise InputError.single(
                f"options of {self.name}: one of {sorted(allowed)}",
                field=f"algorithms.{self.name}.{unknown[0]}",
                got="unknown option",
                file=where or None,
            )
        return self.options(**values)


REGISTRY: dict[str, Algorithm] = {}


def register(algorithm: Algorithm) -> Algorithm:
    REGISTRY[algorithm.name] = algorithm
    return algorithm


def get(name: str) -> Algorithm:
    _load_all()
    if name not in REGISTRY:
        raise InputError.single(f"an algorithm, one of {sorted(REGISTRY)}", got=repr(name))
    return REGISTRY[name]


def names() -> list[str]:
    _load_all()
    return list(REGISTRY)


def _load_all() -> None:
    """Import every algorithm module (each registers itself on import)."""
    import importlib

    for module in ALGORITHM_MODULES:
        importlib.import_module(module)


ALGORITHM_MODULES: list[str] = [
    "wdnopt.solvers.pumps.network_mode",
    "wdnopt.solvers.pumps.milp",
    "wdnopt.solvers.pumps.tree_dp",
    "wdnopt.solvers.pumps.min_opex",
    "wdnopt.solvers.pumps.approx_pump",
    "wdnopt.solvers.pumps.tree_pump",
    "wdnopt.solvers.pumps.ga",
]
"""Modules that register an algorithm, in the order reports list them."""
