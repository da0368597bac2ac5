"""The one algorithm registry: every pump placement algorithm, by name.

An algorithm is a function ``run(problem, options) -> PlacementResult`` with an options
dataclass (its fields are the keys accepted under ``[options.NAME]`` in a scenario, checked
when a placement is requested: :mod:`wdnopt.solvers.pumps.request`). The harness and the CLI
only iterate this registry.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from pydantic import Field, TypeAdapter, ValidationError

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.pumps.result import PlacementResult

Count = Annotated[int, Field(ge=1, le=10_000_000)]
"""An option that counts something: at least 1."""
NonNegativeCount = Annotated[int, Field(ge=0, le=10_000_000)]
Seconds = Annotated[float, Field(gt=0, le=7 * 86_400, allow_inf_nan=False)]
"""A wall-clock time limit: finite, more than 0 s, at most a week."""
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
"""A probability or a fraction in [0, 1]."""
NonNegative = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
Seed = Annotated[int, Field(ge=0, le=2**32 - 1)]

DEFAULT_ALGORITHM = "network-dp"
"""The algorithm of a placement that names none (``wdnopt solve``, the service)."""


@dataclass(frozen=True)
class Algorithm:
    name: str
    run: Callable[[PumpProblem, Any], PlacementResult]
    options: type
    """Frozen dataclass of the algorithm's options, all with defaults."""
    summary: str
    exact: bool = False
    """True for an algorithm that proves optimality (the reference of the gaps)."""
    network_checked: bool = False
    """True when its plans were simulated and held on the network as given (they need no
    repair) and its bound, if any, is a bound of the network's problem, loops included."""

    def make_options(
        self, values: dict[str, Any] | None = None, *, where: str = "", table: str = "options"
    ) -> Any:
        """Options from a scenario table, checked before any run: unknown keys, values of the
        wrong type (strictly: ``"5"`` is not a count) and values out of the range the field's
        annotation gives are refused with an :class:`InputError` naming the file ``where`` and
        the field ``<table>.<algorithm>.<option>``."""
        values = dict(values or {})
        allowed = {f.name for f in fields(self.options)}
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise InputError.single(
                f"options of {self.name}: one of {sorted(allowed)}",
                field=f"{table}.{self.name}.{unknown[0]}",
                got="unknown option",
                file=where or None,
            )
        hints = get_type_hints(self.options, include_extras=True)
        checked: dict[str, Any] = {}
        for key, value in values.items():
            try:
                # strict: TOML gives typed values, so "5" for a count or 1 for a switch is a
                # mistake, not something to convert (mappings keep their string keys: lax)
                checked[key] = TypeAdapter(hints[key]).validate_python(
                    value, strict=not _has_mapping(hints[key])
                )
            except ValidationError as exc:
                error = exc.errors()[0]
                inner = "".join(f"[{p!r}]" for p in error["loc"])
                raise InputError.single(
                    f"options of {self.name}: {_expected(error)}",
                    field=f"{table}.{self.name}.{key}{inner}",
                    got=repr(value),
                    file=where or None,
                ) from None
        return self.options(**checked)


def _has_mapping(hint: Any) -> bool:
    """True when ``hint`` is (or holds) a mapping type."""
    origin = get_origin(hint)
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        return True
    return any(_has_mapping(arg) for arg in get_args(hint))


def _expected(error: Any) -> str:
    """pydantic's message as what was expected: 'Input should be ≥ 1' → 'a value ≥ 1'."""
    msg = str(error["msg"])
    for start, instead in (("Input should be ", ""), ("Value error, ", "")):
        if msg.startswith(start):
            msg = instead + msg[len(start) :]
    if msg.startswith(("greater", "less")):
        msg = "a value " + msg
    return msg


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

    for module in ALGORITHM_MODULES:
        importlib.import_module(module)


ALGORITHM_MODULES: list[str] = [
    "wdnopt.solvers.pumps.network_mode",
    "wdnopt.solvers.pumps.milp",
    "wdnopt.solvers.pumps.milp_network",
    "wdnopt.solvers.pumps.tree_dp",
    "wdnopt.solvers.pumps.min_opex",
    "wdnopt.solvers.pumps.approx_pump",
    "wdnopt.solvers.pumps.tree_pump",
    "wdnopt.solvers.pumps.ga",
]
"""Modules that register an algorithm, in the order reports list them."""
