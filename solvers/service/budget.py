"""What a job would cost the server, checked against its caps before anything is built.

Two checks, both on the request's data and the validated scenario, before a worker sees it:

- :func:`loose_counts`: every whole-number field of the schema (a network's junctions, a
  schedule's periods, a seed...) must be written as a whole number. pydantic would turn
  ``"1000000"``, ``1e6`` or ``1000000.0`` into a count; the service takes only ``1000000``, so
  no size reaches a worker in a form the caps did not see.
- :func:`job_cost`: the job's size (network elements, schedule periods × arcs, demand factors
  or seasons × the time limit of each solve, a GA's population × generations) against the
  :class:`~wdnopt.solvers.service.intake.Limits`; each excess names its field and the cap.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Union

from pydantic import BaseModel

from wdnopt.models.errors import Problem

GA = "ga"
"""The genetic algorithm's name in the registry (its population and generations are capped)."""


def _is_int(annotation: Any) -> bool:
    """Whether a field holds a whole number (``int``, annotated or optional)."""
    if annotation is int:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_int(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(_is_int(a) for a in typing.get_args(annotation) if a is not type(None))
    return False


def models_of(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model inside ``Model``, ``list[Model]`` or either ``| None``; and whether a list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return models_of(typing.get_args(annotation)[0])
    if origin is list:
        (arg,) = typing.get_args(annotation) or (None,)
        model, _ = models_of(arg)
        return model, True
    if origin in (Union, types.UnionType):
        for arg in typing.get_args(annotation):
            model, many = models_of(arg)
            if model is not None:
                return model, many
    return None, False


def given_fields(
    model: type[BaseModel], data: Any, loc: str = ""
) -> Iterator[tuple[Any, Any, str]]:
    """``(field info, value, field path)`` of each of ``model``'s fields that ``data`` gives
    (nothing when ``data`` is not a table)."""
    if not isinstance(data, dict):
        return
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key in data:
            yield info, data[key], f"{loc}.{key}" if loc else key


def loose_counts(model: type[BaseModel], data: Any, loc: str = "") -> list[Problem]:
    """Whole-number fields of ``data`` (by ``model``'s schema) given as anything but a whole
    number: a string, a float (even ``1e6``), a boolean."""
    found: list[Problem] = []
    for info, value, field in given_fields(model, data, loc):
        if _is_int(info.annotation):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                found.append(
                    Problem(
                        field,
                        "a whole number, written as one (sizes are not converted from text or "
                        "from a decimal number)",
                        repr(value),
                    )
                )
            continue
        inner, many = models_of(info.annotation)
        if inner is None:
            continue
        if many and isinstance(value, list):
            for i, item in enumerate(value):
                found.extend(loose_counts(inner, item, f"{field}[{i}]"))
        elif not many:
            found.extend(loose_counts(inner, value, field))
    return found


@dataclass(frozen=True)
class Caps:
    """The per-job caps :func:`job_cost` checks (from the server's limits)."""

    max_elements: int
    max_demand_factors: int
    max_time_limit: float
    max_job_seconds: float
    max_schedule_flows: int
    max_ga_population: int
    max_ga_evaluations: int


def parts(scenario: Any, season: str | None) -> tuple[int, str]:
    """How many solves the job runs (each within the time limit), and the field that counts
    them: the demand factors of a pump placement, the seasons of a routing scenario solved
    season by season."""
    if scenario.kind == "pump_placement":
        return len(scenario.demand_factors), "demand_factors"
    if season is None and scenario.season is None and scenario.seasons:
        return len(scenario.seasons), "seasons"
    return 1, ""


def _routing_size(scenario: Any, caps: Caps) -> list[Problem]:
    tables = {
        t: len(getattr(scenario, t))
        for t in ("sources", "plants", "zones", "storages", "junctions", "arcs")
    }
    problems = []
    size = sum(tables.values())
    if size > caps.max_elements:
        biggest = max(tables, key=lambda t: tables[t])
        problems.append(
            Problem(
                biggest,
                f"a network of at most {caps.max_elements} sources, plants, zones, storages, "
                "junctions and arcs in all (the server's limit)",
                f"{size}, of which {tables[biggest]} {biggest}",
            )
        )
    schedule = scenario.schedule
    if schedule is not None:
        flows = schedule.periods * tables["arcs"]
        if flows > caps.max_schedule_flows:
            problems.append(
                Problem(
                    "schedule.periods",
                    f"periods × arcs of at most {caps.max_schedule_flows} (the server's limit)",
                    f"{schedule.periods} periods × {tables['arcs']} arcs = {flows}",
                )
            )
    return problems


def _pump_size(scenario: Any, caps: Caps) -> list[Problem]:
    problems = []
    generator = scenario.network.generator
    if generator is not None and generator.nodes > caps.max_elements:
        problems.append(
            Problem(
                "network.generator.nodes",
                f"at most {caps.max_elements} junctions (the server's limit)",
                str(generator.nodes),
            )
        )
    factors = len(scenario.demand_factors)
    if factors > caps.max_demand_factors:
        problems.append(
            Problem(
                "demand_factors",
                f"at most {caps.max_demand_factors} demand factors (the server's limit)",
                str(factors),
            )
        )
    return problems


def ga_work(values: dict[str, Any], caps: Caps) -> list[Problem]:
    """A GA's population and population × generations against the caps (``values``: its
    options, already checked by the registry, defaults filled in)."""
    from wdnopt.solvers.pumps import registry  # lazy: pump code only for a GA's options

    options = registry.get(GA).make_options(values)
    problems = []
    if options.population > caps.max_ga_population:
        problems.append(
            Problem(
                f"options.{GA}.population",
                f"a population of at most {caps.max_ga_population} (the server's limit)",
                str(options.population),
            )
        )
    work = options.population * options.generations
    if work > caps.max_ga_evaluations:
        problems.append(
            Problem(
                f"options.{GA}.generations",
                f"population × generations of at most {caps.max_ga_evaluations} (the server's "
                "limit)",
                f"{options.population} × {options.generations} = {work}",
            )
        )
    return problems


def solve_time(
    count: int, field: str, limit: float, limit_field: str | None, caps: Caps
) -> list[Problem]:
    """``count`` solves of ``limit`` seconds each against the job's total; the excess names
    the field that counts the solves and the one that gave the time limit."""
    total = count * limit
    if total <= caps.max_job_seconds * (1 + 1e-9):
        return []
    expected = (
        f"solves of at most {caps.max_job_seconds:g} s in all per job (the server's limit): "
        f"fewer parts or a shorter time limit"
    )
    got = f"{count} × {limit:g} s = {total:g} s"
    problems = [Problem(field or (limit_field or "time_limit"), expected, got)]
    if limit_field and limit_field != problems[0].field:
        problems.append(Problem(limit_field, expected, got))
    return problems


def job_cost(scenario: Any, caps: Caps) -> list[Problem]:
    """Everything about the job's size beyond the caps (empty: it may run)."""
    if scenario.kind == "routing":
        return _routing_size(scenario, caps)
    problems = _pump_size(scenario, caps)
    tables = scenario.options
    if GA in tables:
        problems.extend(ga_work(dict(tables[GA]), caps))
    return problems


def default_time_limit(count: int, caps: Caps) -> float:
    """The time limit of each solve of a job that gives none: the cap, or less so that its
    ``count`` solves fit the job's total."""
    share = caps.max_job_seconds / max(1, count)
    return float(min(caps.max_time_limit, math.floor(share * 1000) / 1000))
