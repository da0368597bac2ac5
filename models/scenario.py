"""Scenario files: TOML validated by one pydantic schema per ``kind``.

A table (a list of records such as ``arcs``) is written either inline, as a TOML array of
tables, or as the path of a CSV file relative to the scenario file, whose header names the
record's fields. Every problem is reported as an :class:`~wdnopt.models.errors.InputError`
naming the file (the scenario, or the CSV a record came from), the field and what was expected.
"""

from __future__ import annotations

import importlib
import tomllib
import types
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from wdnopt.models.csv_table import read_csv_table
from wdnopt.models.errors import FieldError, InputError, Problem
from wdnopt.models.schema import SchemaModel, is_flag


class _SchemaKinds(Mapping[str, type[SchemaModel]]):
    """Scenario kind → its schema, each schema module imported the first time its kind is
    looked up (a routing scenario never imports the pump placement schemas)."""

    def __init__(self, where: dict[str, str]) -> None:
        self._where = where
        self._loaded: dict[str, type[SchemaModel]] = {}

    def __getitem__(self, kind: str) -> type[SchemaModel]:
        schema = self._loaded.get(kind)
        if schema is None:
            module, _, name = self._where[kind].partition(":")
            schema = getattr(importlib.import_module(module), name)
            self._loaded[kind] = schema
        return schema

    def __contains__(self, kind: object) -> bool:
        return kind in self._where

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def __repr__(self) -> str:
        return f"SCENARIO_KINDS({self._where!r})"


SCENARIO_KINDS: Mapping[str, type[SchemaModel]] = _SchemaKinds(
    {
        "routing": "wdnopt.models.routing.schema:RoutingScenario",
        "routing_sweep": "wdnopt.models.routing.sweep:RoutingSweepScenario",
        "pump_placement": "wdnopt.models.pumps.schema:PumpPlacementScenario",
        "pump_comparison": "wdnopt.models.pumps.comparison:PumpComparisonScenario",
    }
)
"""Every scenario kind and the schema that validates it (imported when its kind is first
looked up)."""

Scenario = Any
"""Any validated scenario (one of the ``SCENARIO_KINDS`` schemas)."""


def load_scenario(path: str | Path) -> Scenario:
    """Read, resolve and validate a scenario file.

    Raises :class:`InputError` (never another exception) for anything wrong with the file.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError.single("an existing scenario file", got="no such file", file=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError.single(f"valid TOML ({exc})", file=path) from None
    except UnicodeDecodeError:
        raise InputError.single("a UTF-8 text file", file=path) from None
    return scenario_from_dict(data, file=path)


def load_scenario_of(source: Any, schema: type, /) -> tuple[Any, str | None]:
    """A scenario of ``schema``'s kind and its file (None for an object built in code), from a
    path or a scenario object; a file of another kind is an :class:`InputError`."""
    if isinstance(source, schema):
        return source, None
    scenario = load_scenario(source)
    if not isinstance(scenario, schema):
        kind = schema.model_fields["kind"].default
        raise InputError.single(
            f'a scenario of kind "{kind}"',
            field="kind",
            got=repr(getattr(scenario, "kind", None)),
            file=source,
        )
    return scenario, str(source)


def scenario_from_dict(data: dict[str, Any], *, file: str | Path | None = None) -> Scenario:
    """Validate scenario data (as read from TOML); CSV paths are relative to ``file``."""
    where = str(file) if file is not None else "<scenario>"
    base_dir = Path(file).resolve().parent if file is not None else Path.cwd()
    kind = data.get("kind")
    if kind is None:
        raise InputError.single(
            f"a scenario kind, one of {sorted(SCENARIO_KINDS)}", field="kind", file=where
        )
    schema = SCENARIO_KINDS[kind] if isinstance(kind, str) and kind in SCENARIO_KINDS else None
    if schema is None:
        raise InputError.single(
            f"one of {sorted(SCENARIO_KINDS)}", field="kind", got=repr(kind), file=where
        )
    tables: dict[tuple[Any, ...], Path] = {}
    data = _load_tables(schema, data, base_dir, where, (), tables)
    try:
        return schema.model_validate(data, context={"base_dir": base_dir, "file": where})
    except ValidationError as exc:
        raise InputError(_problems(exc, schema, where, tables)) from None


# --- CSV tables -----------------------------------------------------------------------------


def _record_model(annotation: Any) -> type[BaseModel] | None:
    """The record model of a ``list[Model]`` (or ``list[Model] | None``) annotation."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _record_model(arg)
            if found is not None:
                return found
        return None
    if origin is list:
        (arg,) = typing.get_args(annotation) or (None,)
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _section_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a nested section (``Model`` or ``Model | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None


def _load_tables(
    model: type[BaseModel],
    data: Any,
    base_dir: Path,
    where: str,
    loc: tuple[Any, ...],
    tables: dict[tuple[Any, ...], Path],
) -> Any:
    """Replace every table given as a CSV path by the records read from that file."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in out:
            continue
        value = out[key]
        record = _record_model(info.annotation)
        if record is not None and _is_frame(value):
            out[key] = frame_records(value)
            tables[(*loc, key)] = Path(f"DataFrame {_fmt_loc((*loc, key))}")
            continue
        if record is not None and isinstance(value, str):
            csv_path = (base_dir / value).resolve()
            rows = read_csv_table(csv_path, where=where, field=_fmt_loc((*loc, key)))
            out[key] = csv_flags(record, rows)
            tables[(*loc, key)] = csv_path
            continue
        section = _section_model(info.annotation)
        if section is not None and isinstance(value, dict):
            out[key] = _load_tables(section, value, base_dir, where, (*loc, key), tables)
    return out


CSV_FLAGS = {"true": True, "false": False}
"""How a CSV cell spells a boolean (any case); other text is left for the schema to refuse."""


def csv_flags(record: type[BaseModel], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a CSV table with the cells of boolean columns read as booleans: ``true`` or
    ``false`` in any case (a CSV cell is text; the schema takes booleans strictly)."""
    flags = [f.alias or name for name, f in record.model_fields.items() if is_flag(f.annotation)]
    if not flags:
        return rows
    out = []
    for row in rows:
        row = dict(row)
        for name in flags:
            value = row.get(name)
            if isinstance(value, str) and value.lower() in CSV_FLAGS:
                row[name] = CSV_FLAGS[value.lower()]
        out.append(row)
    return out


def _is_frame(value: Any) -> bool:
    """True for a pandas DataFrame (checked without importing pandas)."""
    return type(value).__name__ == "DataFrame" and hasattr(value, "to_dict")


def frame_records(frame: Any) -> list[dict[str, Any]]:
    """Records of a DataFrame given in place of a table: one per row, its columns as fields;
    a missing value (NaN, None, NA) means "not given" (the field's default applies), as an
    empty CSV cell does. NumPy scalars become Python values."""
    rows = []
    for row in frame.to_dict(orient="records"):
        record = {}
        for name, value in row.items():
            if value is None or (isinstance(value, float) and value != value):
                continue
            if type(value).__name__ in ("NAType", "NaTType"):
                continue
            record[str(name).strip()] = value.item() if hasattr(value, "item") else value
        rows.append(record)
    return rows


# --- error messages -------------------------------------------------------------------------

_EXPECTED = {
    "missing": "a value (this field is required)",
    "float_parsing": "a number",
    "float_type": "a number",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "string_type": "a text value",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "list_type": "a list (a TOML array, or the path of a CSV file)",
    "model_type": "a table of fields",
    "dict_type": "a table of fields",
    "finite_number": "a finite number",
}


def _fmt_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _bound(value: Any) -> str:
    """A bound of a range as a reader writes it: 1e+12, 0.5, 100 (not 1000000000000.0)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _expected(err: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    if kind == "greater_than_equal":
        return f"a number ≥ {_bound(ctx.get('ge'))}"
    if kind == "greater_than":
        return f"a number > {_bound(ctx.get('gt'))}"
    if kind == "less_than_equal":
        return f"a number ≤ {_bound(ctx.get('le'))}"
    if kind == "less_than":
        return f"a number < {_bound(ctx.get('lt'))}"
    if kind == "literal_error":
        return f"one of {ctx.get('expected')}"
    if kind == "enum":
        return f"one of {ctx.get('expected')}"
    if kind == "too_short":
        return f"at least {ctx.get('min_length')} item(s)"
    return str(err.get("msg", kind))


def _allowed_fields(schema: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """The field names allowed where ``loc`` points (for 'unknown field' messages)."""
    model: type[BaseModel] | None = schema
    for part in loc[:-1]:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        info = next(
            (f for n, f in model.model_fields.items() if part in (n, f.alias)),
            None,
        )
        if info is None:
            return None
        model = _record_model(info.annotation) or _section_model(info.annotation)
    if model is None:
        return None
    return sorted(f.alias or n for n, f in model.model_fields.items())


def _problems(
    exc: ValidationError,
    schema: type[BaseModel],
    where: str,
    tables: dict[tuple[Any, ...], Path],
) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        ctx = err.get("ctx") or {}
        error = ctx.get("error")
        if isinstance(error, FieldError):
            problems.append(Problem(error.field, error.expected, error.got, where))
            continue
        expected = _expected(err)
        got = None
        value = err.get("input")
        if err["type"] == "extra_forbidden":
            allowed = _allowed_fields(schema, loc)
            expected = "no such field" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
        elif err["type"] != "missing" and not isinstance(value, dict | list):
            got = repr(value)
        file, row, field = where, None, _fmt_loc(loc)
        for prefix, csv_path in tables.items():
            n = len(prefix)
            if loc[:n] == prefix and len(loc) > n and isinstance(loc[n], int):
                file, row, field = str(csv_path), loc[n] + 1, _fmt_loc(loc[n + 1 :])
                field = f"column {field}" if field else ""
                break
        problems.append(Problem(field, expected, got, file, row))
    return problems
