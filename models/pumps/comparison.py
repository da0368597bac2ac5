"""The pump comparison scenario: a sweep of pump placement runs and what to compare.

A sweep is the product networks × demand factors × objectives × algorithms × seeds. Seeds
apply only to algorithms that take one (the GA); the others run once per network, factor and
objective. The settings a placement has too (pressures, hour, costs, catalogue, mode, checked
junctions, repair, ``[solver]``, ``[options.NAME]``) come from one base class,
:class:`~wdnopt.models.pumps.schema.PumpSettings`: one meaning, one unit, one default in both.

Algorithm names and their options are checked against the algorithm registry before any run
starts, by the sweep's plan (:mod:`wdnopt.solvers.pumps.sweep.plan`): models never import
solvers.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from wdnopt.models.errors import FieldError
from wdnopt.models.pumps.costs import Objective
from wdnopt.models.pumps.schema import NetworkSource, PumpPlacementScenario, PumpSettings
from wdnopt.models.schema import DemandFactor

SHARED_FIELDS = tuple(PumpSettings.model_fields)
"""Fields with the same meaning as in a ``pump_placement`` scenario (:class:`PumpSettings`)."""


class SweepNetwork(NetworkSource):
    """One network of the sweep: exactly one of ``file``, ``shipped``, ``generator``."""

    name: str | None = None
    """Label in tables, figures and file names (default: the file's stem, the shipped name,
    or ``tree<nodes>-s<seed>`` for a generated tree)."""

    _where: ClassVar[tuple[str, str]] = (
        "networks",
        "exactly one of file, shipped, generator for every network",
    )

    @property
    def key(self) -> str:
        """The network's label (see ``name``)."""
        if self.name:
            return self.name
        if self.file is not None:
            return self.file.stem
        if self.shipped is not None:
            return self.shipped
        assert self.generator is not None
        return f"tree{self.generator.nodes}-s{self.generator.seed}"


class PumpComparisonScenario(PumpSettings):
    """Compare pump placement algorithms over a sweep of networks, demands and objectives."""

    kind: Literal["pump_comparison"] = "pump_comparison"
    """Scenario kind; ``pump_comparison`` for this schema."""
    name: str = ""
    """Short name shown in reports and in the ``scenario`` column of the results."""
    description: str = ""
    """What the sweep is for."""
    networks: list[SweepNetwork] = Field(min_length=1)
    """The networks, e.g. ``networks = [{ file = "tree_100.inp" }, { shipped = "Net3" }]``
    (looped or tree networks)."""
    demand_factors: list[DemandFactor] = Field(min_length=1)
    """Factors applied to every junction demand (plain multipliers)."""
    objectives: list[Literal["opex", "capex", "tco"]] = Field(
        default_factory=lambda: ["opex", "tco"], min_length=1
    )
    """What each run minimises: ``opex`` (NPV of energy), ``capex`` and/or ``tco``."""
    algorithms: list[str] | None = Field(default=None, min_length=1)
    """Names of registered algorithms (``milp``, ``tree-dp``, ``min-opex``, ``approx-pump``,
    ``tree-pump``, ``ga``; ``wdnopt solve --help`` lists them); none: every one."""
    seeds: list[Annotated[int, Field(ge=0, le=2**32 - 1)]] = Field(
        default_factory=lambda: [0], min_length=1
    )
    """Seeds of the algorithms that take one (the GA); the others run once."""
    reference: str = "milp"
    """Exact algorithm whose proved optimum (or best bound) is the reference of the gaps; it is
    run even when ``algorithms`` does not list it."""
    verify: bool = True
    """Check every placement in an EPANET simulation (columns ``verified``, ``min_margin_m``,
    ``mean_slack``)."""
    pressure_curve_factors: list[DemandFactor] | None = None
    """Demand factors of the pressure curve figure (none: 1.0 to the largest factor of the
    sweep, step 0.05)."""

    @field_validator("networks")
    @classmethod
    def _networks_exist(cls, networks: list[SweepNetwork]) -> list[SweepNetwork]:
        seen: dict[str, int] = {}
        for i, network in enumerate(networks):
            if network.file is not None and not network.file.is_file():
                raise FieldError(
                    f"networks[{i}].file",
                    "an existing EPANET .inp file",
                    f"{network.file} (no such file)",
                )
            if network.key in seen:
                raise FieldError(
                    f"networks[{i}].name",
                    f"a label unique in the sweep (networks[{seen[network.key]}] is also "
                    f"{network.key!r}); set name = ...",
                )
            seen[network.key] = i
        return networks

    @field_validator("demand_factors", "objectives", "algorithms", "seeds")
    @classmethod
    def _unique(cls, values: list[Any] | None, info: Any) -> list[Any] | None:
        if values is not None:
            doubles = sorted({str(v) for v in values if values.count(v) > 1})
            if doubles:
                raise FieldError(info.field_name, "values without repeats", ", ".join(doubles))
        return values

    @model_validator(mode="after")
    def _check_catalogue(self) -> PumpComparisonScenario:
        if not self.catalogue.is_file():
            raise FieldError("catalogue", "an existing pump catalogue CSV", str(self.catalogue))
        return self

    def placement_scenario(self, network: int, objective: Objective) -> PumpPlacementScenario:
        """The ``pump_placement`` scenario of one network and objective, over every factor;
        its ``[solver] threads`` is 1 unless the sweep sets it (runs go in parallel)."""
        shared = {k: getattr(self, k) for k in SHARED_FIELDS if k in self.model_fields_set}
        if self.solver.threads is None:
            shared["solver"] = self.solver.model_copy(update={"threads": 1})
        source = self.networks[network]
        return PumpPlacementScenario(
            name=f"{self.name}:{source.key}" if self.name else source.key,
            network=NetworkSource(
                file=source.file, shipped=source.shipped, generator=source.generator
            ),
            demand_factors=list(self.demand_factors),
            objective=objective,
            **shared,
        )
