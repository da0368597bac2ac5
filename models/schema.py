"""Building blocks shared by every scenario schema.

Every scenario section is a frozen pydantic model with ``extra="forbid"``; its attribute
docstrings are the documentation of the file format (units included).
"""

from __future__ import annotations

import ast
import inspect
import itertools
import sys
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, ValidationInfo
from pydantic.fields import FieldInfo


def is_flag(annotation: Any) -> bool:
    """Whether a field's type is ``bool`` or ``bool | None``."""
    return annotation is bool or annotation == (bool | None)


@cache
def _module_classes(module: str) -> dict[str, list[ast.ClassDef]]:
    """Every class statement of a module's source (nested ones too), parsed once, by name."""
    found: dict[str, list[ast.ClassDef]] = {}
    try:
        tree = ast.parse(inspect.getsource(sys.modules[module]))
    except (KeyError, OSError, TypeError, SyntaxError):
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            found.setdefault(node.name, []).append(node)
    return found


def attribute_docstrings(module: str, name: str, line: int | None = None) -> dict[str, str]:
    """Field name → the docstring under its annotation in the class ``name`` of ``module``
    (the one whose statement starts at or last before ``line`` when the module has several
    of that name); empty when the source is not found."""
    nodes = _module_classes(module).get(name, [])
    if len(nodes) > 1 and line is not None:
        nodes = [max((n for n in nodes if n.lineno <= line), key=lambda n: n.lineno, default=None)]
    if not nodes or nodes[0] is None:
        return {}
    docs = {}
    for before, node in itertools.pairwise(nodes[0].body):
        if (
            isinstance(before, ast.AnnAssign)
            and isinstance(before.target, ast.Name)
            and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            docs[before.target.id] = inspect.cleandoc(node.value.value)
    return docs


def _defining_line(module: str) -> int | None:
    """The line of the ``class`` statement being run in ``module`` (from the call stack)."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__") != module:
        frame = frame.f_back
    return None if frame is None else frame.f_lineno


class SchemaModel(BaseModel):
    """Base of every scenario section: unknown fields are refused, values are frozen, and a
    boolean field takes ``true`` or ``false`` only (never ``"yes"``, ``1`` or ``"on"``).

    The docstring under each field is its description (as pydantic's
    ``use_attribute_docstrings`` gives), read from one parse of the module's source rather than
    from a source look-up per class, which costs more the more modules are loaded."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give each field of the new section its docstring as description, before pydantic
        collects the fields (a description given in ``Field`` is kept)."""
        super().__init_subclass__(**kwargs)
        docs = attribute_docstrings(cls.__module__, cls.__name__, _defining_line(cls.__module__))
        annotations = inspect.get_annotations(cls)
        for name, doc in docs.items():
            if (
                name not in annotations
                or name.startswith("_")
                or "ClassVar" in str(annotations[name])
            ):
                continue
            value = cls.__dict__.get(name, _MISSING)
            if isinstance(value, FieldInfo):
                if value.description is None:
                    value.description = doc
                    value._attributes_set["description"] = doc
            elif value is _MISSING:
                setattr(cls, name, Field(description=doc))
            else:
                setattr(cls, name, Field(default=value, description=doc))

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Make every boolean field of the new section strict (pydantic's lax mode would read
        ``"yes"``, ``"off"``, ``1`` or ``0`` as a boolean)."""
        super().__pydantic_init_subclass__(**kwargs)
        loose = [
            f
            for f in cls.model_fields.values()
            if is_flag(f.annotation) and not any(isinstance(m, Strict) for m in f.metadata)
        ]
        for f in loose:
            f.metadata.append(Strict())
        if loose:
            cls.model_rebuild(force=True)


_MISSING = object()


def _resolve(path: Path, info: ValidationInfo) -> Path:
    """A relative path in a scenario file is relative to that file's folder."""
    base = (info.context or {}).get("base_dir") if info.context else None
    if base is not None and not path.is_absolute():
        return (Path(base) / path).resolve()
    return path


RelPath = Annotated[Path, AfterValidator(_resolve)]
"""A file path; relative paths are taken relative to the scenario file."""

MAX_MAGNITUDE = 1e12
"""Largest value of any amount in a scenario (money, flows, capacities, prices, powers):
a sane amount is far below it, and the solvers lose all precision near 1e308."""
MAX_DEMAND_FACTOR = 100.0
"""Largest demand factor (a hundred times the network's demands)."""
MAX_PRESSURE = 1_000.0
"""Largest pressure limit, m of water (or psi where the field is in psi)."""
MAX_HOUR = 8_760
"""Largest pattern hour (a year of hours)."""

NonNegative = Annotated[float, Field(ge=0, le=MAX_MAGNITUDE, allow_inf_nan=False)]
"""A finite amount in [0, 1e12]."""
Positive = Annotated[float, Field(gt=0, le=MAX_MAGNITUDE, allow_inf_nan=False)]
"""A finite amount in (0, 1e12]."""
Magnitude = NonNegative
"""Money, flows, capacities and prices: finite, in [0, :data:`MAX_MAGNITUDE`]."""
DemandFactor = Annotated[float, Field(gt=0, le=MAX_DEMAND_FACTOR, allow_inf_nan=False)]
"""A multiplier of every junction demand: finite, in (0, 100]."""
Pressure = Annotated[float, Field(gt=0, le=MAX_PRESSURE, allow_inf_nan=False)]
"""A pressure limit: finite, in (0, 1000]."""
Hour = Annotated[int, Field(ge=0, le=MAX_HOUR)]
"""An hour of the demand patterns: 0 to 8760."""


class SolverOptions(SchemaModel):
    """How HiGHS is run for this scenario."""

    time_limit: Positive | None = None
    """Wall-clock limit of one solve, in seconds (none: no limit)."""
    rel_gap: Annotated[float, Field(ge=0, le=1)] | None = None
    """Relative MIP gap at which a MILP solve stops (none: HiGHS's default, 1e-4)."""
    threads: Annotated[int, Field(ge=1)] | None = None
    """HiGHS threads (none: HiGHS decides)."""


def dump_defaults(model: type[BaseModel]) -> dict[str, Any]:
    """The documented fields of a schema section: name → (type, default, docstring)."""
    return {
        name: (str(f.annotation), f.default, f.description or "")
        for name, f in model.model_fields.items()
    }
