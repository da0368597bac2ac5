"""The routing scenario: sources, treatment plants, demand zones and the arcs between them.

Units: flows, capacities and demands in ML/day (megalitres per day); costs in $/ML (money per
megalitre moved or treated), so the objective is in $/day. Any currency works if used throughout.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from wdnopt.models.errors import FieldError
from wdnopt.models.schema import NonNegative, SchemaModel, SolverOptions

NodeId = str


class Source(SchemaModel):
    """A reservoir, well or catchment that supplies raw water."""

    id: NodeId = Field(min_length=1)
    """Unique name of the source."""
    capacity: NonNegative
    """Most water it can supply, ML/day."""


class Plant(SchemaModel):
    """A treatment plant: what flows in is treated and flows out (no losses)."""

    id: NodeId = Field(min_length=1)
    """Unique name of the plant."""
    capacity: NonNegative
    """Most water it can treat, ML/day."""
    treatment_cost: NonNegative = 0.0
    """Cost of treating one ML, $/ML."""


class Zone(SchemaModel):
    """A demand zone (neighbourhood, industrial area, field, ...)."""

    id: NodeId = Field(min_length=1)
    """Unique name of the zone."""
    demand: NonNegative
    """Water the zone must receive, ML/day."""


class Arc(SchemaModel):
    """A pipe or channel from a source to a plant, or from a plant to a zone."""

    from_: NodeId = Field(alias="from", min_length=1)
    """Id of the node the water leaves (a source or a plant)."""
    to: NodeId = Field(min_length=1)
    """Id of the node the water reaches (a plant or a zone)."""
    cost: NonNegative = 0.0
    """Pumping cost of moving one ML along the arc, $/ML."""
    capacity: NonNegative | None = None
    """Most water the arc carries, ML/day (none: unlimited)."""


ALLOWED_ARCS = {("source", "plant"), ("plant", "zone")}


class RoutingScenario(SchemaModel):
    """Route water from sources through treatment plants to zones at least cost.

    Tables (``sources``, ``plants``, ``zones``, ``arcs``) are TOML arrays of tables or paths of
    CSV files (relative to the scenario file) with the same columns.
    """

    kind: Literal["routing"] = "routing"
    """Scenario kind; ``routing`` for this schema."""
    name: str = ""
    """Short name shown in reports."""
    description: str = ""
    """What the scenario represents."""
    sources: list[Source] = Field(min_length=1)
    """The sources (ML/day)."""
    plants: list[Plant] = Field(min_length=1)
    """The treatment plants (ML/day, $/ML)."""
    zones: list[Zone] = Field(min_length=1)
    """The demand zones (ML/day)."""
    arcs: list[Arc] = Field(min_length=1)
    """The arcs source → plant and plant → zone ($/ML, ML/day)."""
    solver: SolverOptions = SolverOptions()
    """HiGHS settings."""

    @model_validator(mode="after")
    def _check_network(self) -> RoutingScenario:
        """Ids are unique; every arc joins known nodes in the order source → plant → zone."""
        role: dict[str, str] = {}
        for table in ("sources", "plants", "zones"):
            for i, node in enumerate(getattr(self, table)):
                if node.id in role:
                    raise FieldError(
                        f"{table}[{i}].id", "an id not used by another node", repr(node.id)
                    )
                role[node.id] = table[:-1]
        seen: set[tuple[str, str]] = set()
        for i, arc in enumerate(self.arcs):
            for end, node in (("from", arc.from_), ("to", arc.to)):
                if node not in role:
                    raise FieldError(
                        f"arcs[{i}].{end}", "the id of a source, plant or zone", repr(node)
                    )
            pair = (role[arc.from_], role[arc.to])
            if pair not in ALLOWED_ARCS:
                raise FieldError(
                    f"arcs[{i}]",
                    "an arc from a source to a plant or from a plant to a zone",
                    f"{pair[0]} {arc.from_!r} → {pair[1]} {arc.to!r}",
                )
            if (arc.from_, arc.to) in seen:
                raise FieldError(
                    f"arcs[{i}]", "one arc per pair of nodes", f"{arc.from_} → {arc.to} again"
                )
            seen.add((arc.from_, arc.to))
        return self
