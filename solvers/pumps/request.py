"""One pump placement request: the algorithm, its checked options and one wall-clock deadline.

Every way into a placement (``wdnopt solve``, :func:`wdnopt.solvers.api.place_pumps`, a run of
a sweep, a job of the service) builds its request with :func:`placement_request`, so options
are merged in one place, with one precedence, and checked once, when the request is built.
:func:`~wdnopt.solvers.pumps.placement.solve_placement` then hands the request's one
:class:`Deadline` to every stage of the placement (the algorithm, the exact cross-check, the
repair on the network): each asks it what is left instead of working it out again.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.catalogue import load_catalogue
from wdnopt.models.pumps.costs import Catalogue
from wdnopt.models.pumps.schema import PumpSettings
from wdnopt.solvers.pumps import registry

SOLVER_KEYS = ("time_limit", "rel_gap", "threads")
"""``[solver]`` settings an algorithm inherits when it has an option of the same name."""

MAX_SECONDS = 7 * 86_400
"""Longest time limit a request takes (that of every algorithm's options)."""


@dataclass(frozen=True)
class Deadline:
    """A wall-clock limit and when its clock started (``time.monotonic``): every stage of a
    placement asks it what is left, so that the stages together stay within the limit."""

    limit: float | None = None
    """Seconds from ``start`` (None: no limit)."""
    start: float = field(default_factory=time.monotonic)

    def left(self) -> float:
        """Seconds left, never negative (``inf`` without a limit)."""
        if self.limit is None:
            return math.inf
        return max(self.limit - (time.monotonic() - self.start), 0.0)

    @property
    def expired(self) -> bool:
        return self.left() <= 0.0

    def restarted(self) -> Deadline:
        """The same limit, its clock starting now."""
        return Deadline(self.limit)

    def share(self, parts: int) -> Deadline:
        """A deadline from now with ``1/parts`` of what is left (for ``parts`` stages in turn;
        the last gets what the others left)."""
        return Deadline(None if self.limit is None else self.left() / max(parts, 1))


@dataclass(frozen=True, eq=False)
class PlacementRequest:
    """What one placement runs with, checked: built by :func:`placement_request` only."""

    algorithm: registry.Algorithm
    """The registry entry of the algorithm."""
    options: Any
    """Its options dataclass, with ``time_limit`` (when it has one) the request's limit."""
    given: Mapping[str, Any]
    """The options set by the scenario or the caller (the rest are the algorithm's defaults):
    a sweep's labels and run ids."""
    catalogue: Catalogue
    """The pump catalogue of the scenario, read (and checked) when the request was built."""
    checked: Literal["demand", "all"]
    """Junctions where the pressure limits apply."""
    repairs: bool
    """Whether the plan is repaired on the network (``network-dp`` and ``milp-network`` plans
    hold already: they are never repaired)."""
    deadline: Deadline
    """The one wall-clock limit of the placement: its algorithm, cross-check and repair."""
    limit_from: str | None = None
    """Where the limit came from: ``time_limit`` (the caller's), ``options.NAME.time_limit``,
    ``solver.time_limit``, ``cap`` (:meth:`clamped`) or None (the algorithm's default)."""

    @property
    def time_limit(self) -> float | None:
        """The effective wall-clock limit of each placement, s (None: none)."""
        return self.deadline.limit

    def started(self) -> PlacementRequest:
        """The request with its deadline starting now: each placement (each demand factor)
        gets the whole limit, and building the problem does not count."""
        return dataclasses.replace(self, deadline=self.deadline.restarted())

    def run_options(self) -> Any:
        """The algorithm's options with ``time_limit`` what is left of the deadline."""
        if self.deadline.limit is None or not _has(self.algorithm, "time_limit"):
            return self.options
        return dataclasses.replace(self.options, time_limit=max(self.deadline.left(), 1e-3))

    def clamped(self, max_seconds: float) -> PlacementRequest:
        """The request within ``max_seconds`` per placement (a server's cap): a longer limit,
        or none, becomes ``max_seconds``."""
        limit = self.deadline.limit
        if limit is not None and limit <= max_seconds:
            return self
        options = self.options
        if _has(self.algorithm, "time_limit"):
            options = dataclasses.replace(options, time_limit=max_seconds)
        return dataclasses.replace(
            self, options=options, deadline=Deadline(max_seconds), limit_from="cap"
        )


def placement_request(
    scenario: PumpSettings,
    algorithm: str | None = None,
    time_limit: float | None = None,
    *,
    where: str = "<scenario>",
    seed: int | None = None,
) -> PlacementRequest:
    """The request of a placement of ``scenario`` with ``algorithm`` (default
    :data:`~wdnopt.solvers.pumps.registry.DEFAULT_ALGORITHM`); errors are
    :class:`InputError` naming the file ``where`` and the field.

    Every ``[options.NAME]`` table is checked against its algorithm's options dataclass (an
    unknown algorithm or option, a wrong type, a value out of range), also those of algorithms
    that do not run. Each option takes, in this order of precedence:

    1. the caller's explicit argument: ``time_limit`` (``--time-limit``, the ``time_limit``
       of :func:`~wdnopt.solvers.api.place_pumps` and of the service), ``seed`` (a sweep's);
    2. ``[options.NAME].key`` of the scenario;
    3. ``[solver].key``, for ``time_limit``, ``rel_gap`` and ``threads``;
    4. the algorithm's default.

    The time limit so chosen is the request's :class:`Deadline`, also for an algorithm that
    has no ``time_limit`` option (its cross-check and repair stay within it); a server only
    clamps it to its caps (:meth:`PlacementRequest.clamped`).
    """
    chosen = registry.get(algorithm or registry.DEFAULT_ALGORITHM)
    check_option_tables(scenario.options, where=where)
    table = dict(scenario.options.get(chosen.name, {}))
    inherited: dict[str, tuple[Any, str]] = {}
    for key in SOLVER_KEYS:
        value = getattr(scenario.solver, key, None)
        if value is not None and key not in table and _has(chosen, key):
            inherited[key] = (value, f"solver.{key}")
    if time_limit is not None:
        _check_seconds(time_limit, where)
        if _has(chosen, "time_limit"):
            inherited["time_limit"] = (time_limit, "time_limit")
    if seed is not None and _has(chosen, "seed"):
        inherited["seed"] = (seed, "seed")
    for key, (value, source) in inherited.items():
        try:
            chosen.make_options({key: value}, where=where, table="options")
        except InputError as exc:
            (problem,) = exc.problems
            raise InputError.single(problem.expected, field=source, got=problem.got,
                                    file=where) from None  # fmt: skip
    given = {**table, **{key: value for key, (value, _) in inherited.items()}}
    options = chosen.make_options(given, where=where, table="options")
    if time_limit is not None:
        limit, limit_from = float(time_limit), "time_limit"
    elif "time_limit" in table:
        limit, limit_from = float(table["time_limit"]), f"options.{chosen.name}.time_limit"
    elif scenario.solver.time_limit is not None:
        limit, limit_from = float(scenario.solver.time_limit), "solver.time_limit"
    else:
        limit, limit_from = getattr(options, "time_limit", None), None
    catalogue = load_catalogue(scenario.catalogue)
    return PlacementRequest(
        algorithm=chosen,
        options=options,
        given=given,
        catalogue=catalogue,
        checked=scenario.checked,
        repairs=scenario.repairs,
        deadline=Deadline(limit),
        limit_from=limit_from,
    )


def check_option_tables(tables: Mapping[str, Mapping[str, Any]], *, where: str) -> None:
    """A scenario's ``[options.NAME]`` tables: every name registered and its options valid
    (:meth:`~wdnopt.solvers.pumps.registry.Algorithm.make_options`), else :class:`InputError`
    naming ``where`` and the field."""
    known = registry.names()
    for name, values in tables.items():
        if name not in known:
            raise InputError.single(
                f"options of a registered algorithm, one of {sorted(known)}",
                field=f"options.{name}",
                got="unknown algorithm",
                file=where,
            )
        registry.get(name).make_options(dict(values), where=where, table="options")


def _has(algorithm: registry.Algorithm, option: str) -> bool:
    return option in {f.name for f in dataclasses.fields(algorithm.options)}


def _check_seconds(value: Any, where: str) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not 0 < value <= MAX_SECONDS:
        raise InputError.single(
            f"a finite number of seconds > 0 and ≤ {MAX_SECONDS}",
            field="time_limit",
            got=repr(value),
            file=where,
        )
