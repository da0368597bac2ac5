"""The routing sweep scenario: one routing scenario under many variations.

A sweep is the product demand multipliers × outages × tariffs of a base ``routing`` scenario
(a file, relative to the sweep file). Each combination is one run: every zone's demand times the
multiplier, the element out of service at zero capacity, the tariff's prices. The harness
(:mod:`wdnopt.solvers.routing.sweep`) checks the names of outages and the lengths of tariffs
against the base network before any run starts, runs the sweep and tabulates it.

Outages are written ``"none"``, ``"plant:P1"``, ``"source:S2"``, ``"arc:S1->P1"`` (or
``"arc:S1 → P1"``), or ``"plants"``, ``"sources"``, ``"arcs"`` for each element of that kind in
turn (N−1). A tariff is the base scenario's own (``base``, the default), a ``factor`` on every
pumping cost, or an ``energy_price`` per period ($/kWh, for a scenario with a ``[schedule]``
and a reference ``energy_price``).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from wdnopt.models.errors import FieldError
from wdnopt.models.schema import (
    DemandFactor,
    NonNegative,
    RelPath,
    SchemaModel,
    SolverOptions,
)

OUTAGE_KINDS = ("source", "plant", "arc")
"""Elements that can be put out of service."""
EACH = {"sources": "source", "plants": "plant", "arcs": "arc"}
"""Words that stand for each element of a kind in turn."""

_ARC = re.compile(r"^\s*(.+?)\s*(?:->|→)\s*(.+?)\s*$")


def parse_outage(text: str) -> tuple[str, str] | None:
    """``(kind, id)`` of an outage (an arc's id is ``"FROM → TO"``), None for ``"none"``;
    raises ``ValueError`` for anything else (a word of :data:`EACH` is expanded by the
    harness, not here)."""
    if text.strip() == "none":
        return None
    kind, sep, name = text.partition(":")
    kind, name = kind.strip(), name.strip()
    if not sep or kind not in OUTAGE_KINDS or not name:
        raise ValueError(text)
    if kind == "arc":
        m = _ARC.match(name)
        if m is None:
            raise ValueError(text)
        name = f"{m.group(1)} → {m.group(2)}"
    return kind, name


def outage_label(outage: tuple[str, str] | None) -> str:
    """How tables name an outage: ``none``, ``plant P1``, ``arc S1 → P1``."""
    return "none" if outage is None else f"{outage[0]} {outage[1]}"


class Tariff(SchemaModel):
    """Energy prices of one variation: the base scenario's, scaled, or per period."""

    id: str = Field(min_length=1)
    """Name in tables and figures."""
    factor: NonNegative | None = None
    """Every pumping cost ($/ML of every arc) times this (e.g. 1.5 for prices 50 % higher);
    treatment costs and the demand charge do not change."""
    energy_price: list[NonNegative] | None = None
    """Energy price in each period, $/kWh, in place of the schedule's: an arc's pumping cost in
    period t becomes its cost times ``energy_price[t] / energy_price`` (the base scenario's
    reference price). Needs a base scenario with a ``[schedule]`` of as many periods.

    Exactly one of ``factor`` and ``energy_price`` (checked by the sweep, which knows the
    tariff's place in the list)."""


class RoutingSweepScenario(SchemaModel):
    """Solve one routing scenario under demand multipliers × outages × tariffs."""

    kind: Literal["routing_sweep"] = "routing_sweep"
    """Scenario kind; ``routing_sweep`` for this schema."""
    name: str = ""
    """Short name shown in reports (default: the file's stem)."""
    description: str = ""
    """What the sweep is for."""
    base: RelPath
    """The ``routing`` scenario every run varies (a path relative to this file)."""
    season: str | None = None
    """Season of the base scenario to use (none: the base scenario's ``season``, else its base
    capacities)."""
    demand_multipliers: list[DemandFactor] = Field(default_factory=lambda: [1.0], min_length=1)
    """Every zone's demand (each period's, with a schedule) times each of these."""
    outages: list[str] = Field(default_factory=lambda: ["none"], min_length=1)
    """Elements out of service, one per run (see the module docstring): ``"none"``,
    ``"plant:P1"``, ``"source:S2"``, ``"arc:S1->P1"``, or ``"plants"``, ``"sources"``,
    ``"arcs"`` for each in turn."""
    tariffs: list[Tariff] = Field(default_factory=list)
    """Tariffs beside the base scenario's own (which is always run, as ``base``)."""
    solver: SolverOptions | None = None
    """HiGHS settings (none: the base scenario's)."""

    @field_validator("outages")
    @classmethod
    def _outages(cls, outages: list[str]) -> list[str]:
        for i, text in enumerate(outages):
            if text.strip() in EACH:
                continue
            try:
                parse_outage(text)
            except ValueError:
                raise FieldError(
                    f"outages[{i}]",
                    '"none", "plant:ID", "source:ID", "arc:FROM->TO", or "plants", "sources", '
                    '"arcs" (each in turn)',
                    repr(text),
                ) from None
        return outages

    @field_validator("demand_multipliers")
    @classmethod
    def _distinct(cls, values: list[float]) -> list[float]:
        if len(set(values)) != len(values):
            raise FieldError("demand_multipliers", "distinct values", str(values))
        return values

    @model_validator(mode="after")
    def _tariffs(self) -> RoutingSweepScenario:
        seen = {"base"}
        for i, tariff in enumerate(self.tariffs):
            if (tariff.factor is None) == (tariff.energy_price is None):
                raise FieldError(
                    f"tariffs[{i}]",
                    "exactly one of factor and energy_price",
                    "both" if tariff.factor is not None else "neither",
                )
            if tariff.id in seen:
                raise FieldError(
                    f"tariffs[{i}].id", 'a name not used before (nor "base")', repr(tariff.id)
                )
            seen.add(tariff.id)
        return self
