"""A request body turned into a validated scenario, or refused with the field to blame.

The body is TOML (``application/toml``) or JSON (``application/json``), of the same schema as
a scenario file, validated by the same :func:`~wdnopt.models.scenario.scenario_from_dict`, so
the messages are those of ``wdnopt solve`` with ``request body`` where a file name would be.
On top of a file's checks, a body must hold everything inline (the server reads none of its
own files for a client: no CSV tables, no ``network.file``, no ``catalogue``), and must stay
within the server's :class:`Limits`.
"""

from __future__ import annotations

import json
import math
import tomllib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel

from wdnopt.models.errors import InputError, Problem
from wdnopt.models.scenario import SCENARIO_KINDS, scenario_from_dict
from wdnopt.solvers.service.work import BODY, JobOptions

SOLVED_KINDS = ("routing", "pump_placement")
"""Scenario kinds the service solves (the sweeps, ``pump_comparison`` and ``routing_sweep``, are
``wdnopt compare``'s)."""

TOML_TYPES = ("application/toml", "text/toml", "text/x-toml", "text/plain")
JSON_TYPES = ("application/json",)


@dataclass(frozen=True)
class Limits:
    """What one request may ask of the server."""

    max_body_bytes: int = 1_000_000
    """Largest request body, bytes (413 above)."""
    max_elements: int = 5_000
    """Largest network: routing sources + plants + zones + arcs; pump placement junctions of a
    generated tree (the shipped networks are all below it)."""
    max_demand_factors: int = 20
    """Most demand factors of one pump placement job."""
    max_time_limit: float = 300.0
    """Largest time limit of one solve, s; also the time limit of a job that gives none."""
    max_active_jobs: int = 20
    """Most queued or running jobs per token (429 above)."""


class BadBody(Exception):
    """A body that cannot be used: the HTTP status and the problems to report."""

    def __init__(self, status: int, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.status = status
        self.problems = problems

    @classmethod
    def single(
        cls, status: int, expected: str, *, field: str = "", got: str | None = None
    ) -> BadBody:
        return cls(status, [Problem(field, expected, got, BODY)])


def parse_body(body: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as data: TOML or JSON by the Content-Type (415 for any other)."""
    media = (content_type or "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody.single(400, "UTF-8 text") from None
    if media in JSON_TYPES:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadBody.single(400, f"valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise BadBody.single(400, "a JSON object (the scenario's fields)")
        return data
    if media in TOML_TYPES:
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise BadBody.single(400, f"valid TOML ({exc})") from None
    raise BadBody.single(
        415,
        "a scenario as TOML (Content-Type: application/toml) or JSON (application/json)",
        field="Content-Type",
        got=repr(media or None),
    )


def _is_path(annotation: Any) -> bool:
    if annotation is Path:
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        return _is_path(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (Union, types.UnionType):
        return any(_is_path(a) for a in typing.get_args(annotation))
    return False


def _models(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model inside ``Model``, ``list[Model]`` or either ``| None``; and whether a list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = typing.get_origin(annotation)
    if origin is list:
        (arg,) = typing.get_args(annotation) or (None,)
        model, _ = _models(arg)
        return model, True
    if origin in (Union, types.UnionType):
        for arg in typing.get_args(annotation):
            model, many = _models(arg)
            if model is not None:
                return model, many
    return None, False


def server_files(model: type[BaseModel], data: Any, loc: str = "") -> list[str]:
    """Fields of ``data`` that name a file (a path field, or a table given as a CSV path)."""
    found: list[str] = []
    if not isinstance(data, dict):
        return found
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in data:
            continue
        value = data[key]
        field = f"{loc}.{key}" if loc else key
        inner, many = _models(info.annotation)
        table_file = inner is not None and many and isinstance(value, str)
        if _is_path(info.annotation) or table_file:
            found.append(field)
        elif inner is not None and many and isinstance(value, list):
            for i, item in enumerate(value):
                found.extend(server_files(inner, item, f"{field}[{i}]"))
        elif inner is not None and isinstance(value, dict):
            found.extend(server_files(inner, value, field))
    return found


def _check_limits(data: dict[str, Any], limits: Limits) -> None:
    kind = data.get("kind")
    if kind == "routing":
        tables = ("sources", "plants", "zones", "arcs")
        size = sum(len(data[t]) for t in tables if isinstance(data.get(t), list))
        if size > limits.max_elements:
            raise BadBody.single(
                413,
                f"a network of at most {limits.max_elements} sources, plants, zones and arcs "
                "in all (the server's limit)",
                field="arcs",
                got=str(size),
            )
    elif kind == "pump_placement":
        generator = (
            (data.get("network") or {}).get("generator")
            if isinstance(data.get("network"), dict)
            else None
        )
        nodes = generator.get("nodes") if isinstance(generator, dict) else None
        if isinstance(nodes, int) and nodes > limits.max_elements:
            raise BadBody.single(
                413,
                f"at most {limits.max_elements} junctions (the server's limit)",
                field="network.generator.nodes",
                got=str(nodes),
            )
        factors = data.get("demand_factors")
        if isinstance(factors, list) and len(factors) > limits.max_demand_factors:
            raise BadBody.single(
                413,
                f"at most {limits.max_demand_factors} demand factors (the server's limit)",
                field="demand_factors",
                got=str(len(factors)),
            )


def _time_limit(scenario: Any, requested: float | None, algorithm: str | None, cap: float) -> float:
    """The time limit of the job: the request's, else the scenario's, else the cap; any given
    above the cap is refused, naming where it was given."""
    given: list[tuple[str, Any]] = [("time_limit", requested)]
    solver = getattr(scenario, "solver", None)
    given.append(("solver.time_limit", getattr(solver, "time_limit", None)))
    if scenario.kind == "pump_placement" and algorithm is not None:
        own = scenario.algorithms.get(algorithm, {}).get("time_limit")
        given.append((f"algorithms.{algorithm}.time_limit", own))
    for field, value in given:
        if value is None:
            continue
        if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            raise BadBody.single(
                422, "a finite number of seconds > 0", field=field, got=repr(value)
            )
        if value > cap:
            raise BadBody.single(
                422,
                f"a time limit ≤ {cap:g} s (the server's limit)",
                field=field,
                got=repr(value),
            )
    return next((float(v) for _, v in given if v is not None), cap)


def validate(
    data: dict[str, Any],
    limits: Limits,
    *,
    time_limit: float | None = None,
    algorithm: str | None = None,
    season: str | None = None,
    figures: bool = False,
) -> tuple[Any, JobOptions]:
    """The validated scenario and the job's options, or :class:`BadBody` (4xx)."""
    kind = data.get("kind")
    if isinstance(kind, str) and kind in SCENARIO_KINDS and kind not in SOLVED_KINDS:
        raise BadBody.single(
            422,
            f"a scenario kind the service solves, one of {list(SOLVED_KINDS)} "
            f"(a {kind} sweep is run by 'wdnopt compare')",
            field="kind",
            got=repr(kind),
        )
    if isinstance(kind, str) and kind in SOLVED_KINDS:
        files = server_files(SCENARIO_KINDS[kind], data)
        if files:
            raise BadBody(
                422,
                [
                    Problem(
                        f,
                        "the table or value inline: the service reads no file of its own for "
                        "a request",
                        "a file name",
                        BODY,
                    )
                    for f in files
                ],
            )
        _check_limits(data, limits)
    try:
        scenario = scenario_from_dict(data, file=BODY)
    except InputError as exc:
        raise BadBody(422, exc.problems) from None
    if scenario.kind == "pump_placement":
        from wdnopt.solvers.pumps import registry

        if algorithm is not None and algorithm not in registry.names():
            raise BadBody.single(
                422,
                f"an algorithm, one of {sorted(registry.names())}",
                field="algorithm",
                got=repr(algorithm),
            )
        try:
            registry.check_algorithm_tables(scenario.algorithms, where=BODY)
        except InputError as exc:
            raise BadBody(422, exc.problems) from None
        if season is not None:
            raise BadBody.single(422, "no season: a pump placement has none", field="season")
        from wdnopt.solvers.cli.pump_report import DEFAULT_ALGORITHM

        algorithm = algorithm or DEFAULT_ALGORITHM
    else:
        if algorithm is not None:
            raise BadBody.single(
                422, "no algorithm: it applies to pump placement only", field="algorithm"
            )
        if season is not None:
            known = [s.id for s in scenario.seasons]
            if season not in known:
                raise BadBody.single(
                    422,
                    f"one of the scenario's seasons {known}"
                    if known
                    else "no season: the scenario has no seasons",
                    field="season",
                    got=repr(season),
                )
    limit = _time_limit(scenario, time_limit, algorithm, limits.max_time_limit)
    return scenario, JobOptions(
        time_limit=limit, algorithm=algorithm, season=season, figures=figures
    )
