"""A request body turned into a validated scenario, or refused with the field to blame.

The body is TOML (``application/toml``) or JSON (``application/json``), of the same schema as
a scenario file, validated by the same :func:`~wdnopt.models.scenario.scenario_from_dict`, so
the messages are those of ``wdnopt solve`` with ``request body`` where a file name would be.
On top of a file's checks, a body must hold everything inline (the server reads none of its
own files for a client: no CSV tables, no ``network.file``, no ``catalogue``), and must stay
within the server's :class:`Limits`: its nesting is measured before a parser runs
(:mod:`.nesting`), its counts must be whole numbers and its size and solving time must fit the
per-job caps (:mod:`.budget`), all before anything is built.
"""

from __future__ import annotations

import json
import math
import tomllib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from pydantic import BaseModel

from wdnopt.models.errors import InputError, Problem
from wdnopt.models.scenario import SCENARIO_KINDS, scenario_from_dict
from wdnopt.solvers.service.budget import (
    Caps,
    default_time_limit,
    given_fields,
    job_cost,
    loose_counts,
    models_of,
    parts,
    solve_time,
)
from wdnopt.solvers.service.joboptions import BODY, JobOptions
from wdnopt.solvers.service.nesting import data_depth, json_nesting, toml_nesting

if TYPE_CHECKING:
    from wdnopt.solvers.pumps.request import PlacementRequest

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
    max_depth: int = 32
    """Deepest nesting of a body: arrays and tables within each other, parts of a dotted key
    (413 above, measured before the body is parsed)."""
    max_elements: int = 5_000
    """Largest network: routing sources + plants + zones + storages + junctions + arcs; pump
    placement junctions of a generated tree (the shipped networks are all below it)."""
    max_schedule_flows: int = 120_000
    """Largest routing schedule: periods × arcs (the flows of the day)."""
    max_demand_factors: int = 20
    """Most demand factors of one pump placement job."""
    max_time_limit: float = 300.0
    """Largest time limit of one solve, s; also the time limit of a job that gives none (or
    its share of :attr:`max_job_seconds`)."""
    max_job_seconds: float = 600.0
    """Most solving time of one job, s: its solves (demand factors, seasons) × the time limit
    of each."""
    max_ga_population: int = 10_000
    """Largest GA population (its memory grows with it)."""
    max_ga_evaluations: int = 10_000_000_000
    """Largest GA population × generations (its time is bounded by the job's time limit
    anyway: this refuses only what could never run to its end)."""
    max_active_jobs: int = 20
    """Most queued or running jobs per token (429 above)."""
    max_posts_per_minute: int = 120
    """Most submissions per token per minute (429 with Retry-After above)."""

    @property
    def caps(self) -> Caps:
        return Caps(
            max_elements=self.max_elements,
            max_demand_factors=self.max_demand_factors,
            max_time_limit=self.max_time_limit,
            max_job_seconds=self.max_job_seconds,
            max_schedule_flows=self.max_schedule_flows,
            max_ga_population=self.max_ga_population,
            max_ga_evaluations=self.max_ga_evaluations,
        )


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


def _too_deep(what: tuple[str, int] | None, max_depth: int) -> None:
    if what is None:
        return
    kind, size = what
    expected = (
        f"a dotted key or table header of at most {max_depth} parts (the server's limit)"
        if kind == "dotted key"
        else f"tables and arrays nested at most {max_depth} deep (the server's limit)"
    )
    got = f"{size} parts" if kind == "dotted key" else f"{size} levels"
    raise BadBody.single(413, expected, field="body", got=got)


def early_refusal(body: bytes, content_type: str | None, limits: Limits) -> Refused | None:
    """What can be refused without parsing, in one pass over the body: another Content-Type,
    text that is not UTF-8, nesting or a dotted key beyond the limit (None: nothing yet)."""
    try:
        _check_text(body, content_type, limits.max_depth)
    except BadBody as exc:
        return Refused(exc.status, exc.problems)
    return None


def _check_text(body: bytes, content_type: str | None, max_depth: int) -> tuple[str, str]:
    """The media type and the text of a body whose nesting is within ``max_depth``."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in JSON_TYPES + TOML_TYPES:
        raise BadBody.single(
            415,
            "a scenario as TOML (Content-Type: application/toml) or JSON (application/json)",
            field="Content-Type",
            got=repr(media or None),
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody.single(400, "UTF-8 text") from None
    measure = json_nesting if media in JSON_TYPES else toml_nesting
    _too_deep(measure(text, max_depth), max_depth)
    return media, text


def parse_body(body: bytes, content_type: str | None, max_depth: int = 32) -> dict[str, Any]:
    """The body as data: TOML or JSON by the Content-Type (415 for any other). Its nesting is
    measured before the parser runs (413 beyond ``max_depth``), and again on the data."""
    media, text = _check_text(body, content_type, max_depth)
    data: Any
    try:
        if media in JSON_TYPES:
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise BadBody.single(400, f"valid JSON ({exc})") from None
            if not isinstance(data, dict):
                raise BadBody.single(400, "a JSON object (the scenario's fields)")
        else:
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise BadBody.single(400, f"valid TOML ({exc})") from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more than 4300 digits
        raise BadBody.single(400, f"a body its parser can read ({exc})") from None
    depth = data_depth(data)
    if depth > max_depth:
        _too_deep(("nesting", depth), max_depth)
    return data


def _is_path(annotation: Any) -> bool:
    if annotation is Path:
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        return _is_path(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (Union, types.UnionType):
        return any(_is_path(a) for a in typing.get_args(annotation))
    return False


def server_files(model: type[BaseModel], data: Any, loc: str = "") -> list[str]:
    """Fields of ``data`` that name a file (a path field, or a table given as a CSV path)."""
    found: list[str] = []
    for info, value, field in given_fields(model, data, loc):
        inner, many = models_of(info.annotation)
        table_file = inner is not None and many and isinstance(value, str)
        if _is_path(info.annotation) or table_file:
            found.append(field)
        elif inner is not None and many and isinstance(value, list):
            for i, item in enumerate(value):
                found.extend(server_files(inner, item, f"{field}[{i}]"))
        elif inner is not None and isinstance(value, dict):
            found.extend(server_files(inner, value, field))
    return found


def _time_limit(
    scenario: Any,
    requested: float | None,
    request: PlacementRequest | None,
    count: int,
    caps: Caps,
) -> tuple[float, str | None]:
    """The time limit of each solve of the job, and the field that gave it. Any given above
    the cap is refused, naming where it was given. A pump placement's is its request's (the
    one precedence of :func:`~wdnopt.solvers.pumps.request.placement_request`), clamped to
    the caps: a limit given within the cap stays as it is, the algorithm's default or none
    becomes at most the cap or the job's share of its total. A routing job's is the
    request's, else the scenario's, else the cap (or the job's share)."""
    given: list[tuple[str, Any]] = [("time_limit", requested)]
    if request is not None:
        own = scenario.options.get(request.algorithm.name, {}).get("time_limit")
        given.append((f"options.{request.algorithm.name}.time_limit", own))
    solver = getattr(scenario, "solver", None)
    given.append(("solver.time_limit", getattr(solver, "time_limit", None)))
    cap = caps.max_time_limit
    for field, value in given:
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value <= 0
        ):
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
    if request is not None:
        bound = cap if request.limit_from is not None else default_time_limit(count, caps)
        return float(request.clamped(bound).time_limit), request.limit_from
    for field, value in given:
        if value is not None:
            return float(value), field
    return default_time_limit(count, caps), None


def job_deadline(solves: int, time_limit: float) -> float:
    """Wall-clock seconds a job may take in all, network building and checks included: its
    solves' time, and a margin for the rest (a worker stops the job there)."""
    solving = solves * time_limit
    return solving + max(30.0, 0.25 * solving)


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
        loose = loose_counts(SCENARIO_KINDS[kind], data)
        if loose:
            raise BadBody(422, [_in_body(p) for p in loose])
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
        early = _early_size(data, limits)
        if early:
            raise BadBody(413, [_in_body(p) for p in early])
    try:
        scenario = scenario_from_dict(data, file=BODY)
    except InputError as exc:
        raise BadBody(422, exc.problems) from None
    request: PlacementRequest | None = None
    if scenario.kind == "pump_placement":
        # imported for pump placements only: a routing request never loads the pump stack
        from wdnopt.solvers.pumps import registry
        from wdnopt.solvers.pumps.request import placement_request  # (as registry, above)

        if algorithm is not None and algorithm not in registry.names():
            raise BadBody.single(
                422,
                f"an algorithm, one of {sorted(registry.names())}",
                field="algorithm",
                got=repr(algorithm),
            )
        try:  # the options of every [options.NAME] table checked, once, here
            request = placement_request(scenario, algorithm, time_limit, where=BODY)
        except InputError as exc:
            raise BadBody(422, exc.problems) from None
        if season is not None:
            raise BadBody.single(422, "no season: a pump placement has none", field="season")
        algorithm = request.algorithm.name
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
    caps = limits.caps
    too_big = job_cost(scenario, caps)
    if too_big:
        raise BadBody(413, [_in_body(p) for p in too_big])
    count, count_field = parts(scenario, season)
    limit, limit_field = _time_limit(scenario, time_limit, request, count, caps)
    too_long = solve_time(count, count_field, limit, limit_field, caps)
    if too_long:
        raise BadBody(422, [_in_body(p) for p in too_long])
    return scenario, JobOptions(
        time_limit=limit,
        algorithm=algorithm,
        season=season,
        figures=figures,
        deadline=job_deadline(count, limit),
    )


def _in_body(problem: Problem) -> Problem:
    return Problem(problem.field, problem.expected, problem.got, BODY)


def _early_size(data: dict[str, Any], limits: Limits) -> list[Problem]:
    """Sizes checked before the scenario is validated (validating a table of a million rows
    is itself the cost to avoid): tables longer than the network cap, too many factors."""
    problems = []
    kind = data.get("kind")
    if kind == "routing":
        tables = ("sources", "plants", "zones", "storages", "junctions", "arcs")
        sizes = {t: len(data[t]) for t in tables if isinstance(data.get(t), list)}
        if sum(sizes.values()) > limits.max_elements:
            biggest = max(sizes, key=lambda t: sizes[t])
            problems.append(
                Problem(
                    biggest,
                    f"a network of at most {limits.max_elements} sources, plants, zones, "
                    "storages, junctions and arcs in all (the server's limit)",
                    f"{sum(sizes.values())}, of which {sizes[biggest]} {biggest}",
                )
            )
    elif kind == "pump_placement":
        factors = data.get("demand_factors")
        if isinstance(factors, list) and len(factors) > limits.max_demand_factors:
            problems.append(
                Problem(
                    "demand_factors",
                    f"at most {limits.max_demand_factors} demand factors (the server's limit)",
                    str(len(factors)),
                )
            )
    return problems


@dataclass(frozen=True)
class Accepted:
    """A body that may run: what the job store and the runner need (picklable, so that it
    can be checked in another process)."""

    kind: str
    name: str
    data: dict[str, Any]
    options: JobOptions


@dataclass(frozen=True)
class Refused:
    """A body that may not run: the HTTP status and the problems."""

    status: int
    problems: list[Problem]


def check_submission(
    body: bytes,
    content_type: str | None,
    limits: Limits,
    *,
    time_limit: float | None = None,
    algorithm: str | None = None,
    season: str | None = None,
    figures: bool = False,
) -> Accepted | Refused:
    """A body parsed, validated and costed: :class:`Accepted` or :class:`Refused`, never an
    exception (so that it can run in a pool of processes)."""
    try:
        data = parse_body(body, content_type, limits.max_depth)
        scenario, options = validate(
            data, limits, time_limit=time_limit, algorithm=algorithm, season=season,
            figures=figures,
        )  # fmt: skip
    except BadBody as exc:
        return Refused(exc.status, exc.problems)
    return Accepted(scenario.kind, scenario.name, data, options)
