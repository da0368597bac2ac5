"""Building blocks shared by every scenario schema.

Every scenario section is a frozen pydantic model with ``extra="forbid"``; its attribute
docstrings are the documentation of the file format (units included).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, ValidationInfo


def is_flag(annotation: Any) -> bool:
    """Whether a field's type is ``bool`` or ``bool | None``."""
    return annotation is bool or annotation == (bool | None)


class SchemaModel(BaseModel):
    """Base of every scenario section: unknown fields are refused, values are frozen, and a
    boolean field takes ``true`` or ``false`` only (never ``"yes"``, ``1`` or ``"on"``)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        use_attribute_docstrings=True,
    )

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
