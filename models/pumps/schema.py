"""The pump placement scenario: a network, demand factors, pressure limits, pumps and money.

Units: pressures in m of water (or psi where the field says so), demand factors are plain
multipliers of every junction demand, power in kW, money in one currency throughout.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from wdnopt.models.errors import FieldError
from wdnopt.models.pumps.catalogue import DEFAULT_CATALOGUE
from wdnopt.models.pumps.costs import CostModel
from wdnopt.models.pumps.hydraulics import ShippedName
from wdnopt.models.pumps.tree import P_MIN_DEFAULT
from wdnopt.models.schema import (
    DemandFactor,
    Hour,
    NonNegative,
    Pressure,
    RelPath,
    SchemaModel,
    SolverOptions,
)

M_PER_PSI = 0.70307
"""Metres of water per psi (the factor behind ``P_MIN_DEFAULT``)."""


class GeneratedTree(SchemaModel):
    """A synthetic tree network (:mod:`wdnopt.models.pumps.generator`)."""

    nodes: Annotated[int, Field(ge=1, le=1_000_000)]
    """Number of junctions (one reservoir is added)."""
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0
    """Seed of the random generator: the same seed gives the same tree."""


class NetworkSource(SchemaModel):
    """Where the network comes from: exactly one of ``file``, ``shipped``, ``generator``."""

    file: RelPath | None = None
    """An EPANET ``.inp`` file (relative to the scenario file)."""
    shipped: ShippedName | None = None
    """The name of a network shipped with wntr."""
    generator: GeneratedTree | None = None
    """A generated tree."""

    _where: ClassVar[tuple[str, str]] = (
        "network",
        "exactly one of network.file, network.shipped, network.generator",
    )
    """The field an error names, and what it expects there."""

    @model_validator(mode="after")
    def _exactly_one(self) -> NetworkSource:
        given = [k for k in ("file", "shipped", "generator") if getattr(self, k) is not None]
        if len(given) != 1:
            field, expected = self._where
            raise FieldError(field, expected, ", ".join(given) if given else "none")
        return self

    @property
    def label(self) -> str:
        if self.file is not None:
            return str(self.file)
        if self.shipped is not None:
            return self.shipped
        assert self.generator is not None
        return f"generated tree ({self.generator.nodes} junctions, seed {self.generator.seed})"


class Costs(SchemaModel):
    """Money (paper VII-A): energy price, pump lifetime, discount rate."""

    energy_price: NonNegative = 0.12
    """Price of electricity, money per kWh."""
    lifetime_years: Annotated[float, Field(gt=0, le=1000)] = 15.0
    """Life of a pump, years."""
    discount_rate: Annotated[float, Field(ge=0, le=1)] = 0.05
    """Yearly discount rate of the energy bill's NPV (0: no discounting)."""

    def cost_model(self) -> CostModel:
        return CostModel(
            energy_price=self.energy_price,
            lifetime_years=self.lifetime_years,
            discount_rate=self.discount_rate,
        )


OPTIONS_RENAMED = (
    "per-algorithm options as [options.NAME] tables: rename each [algorithms.NAME] table to "
    "[options.NAME] (algorithms = [...] is the list of algorithms a comparison runs)"
)
"""What a scenario that still writes ``[algorithms.NAME]`` tables is told."""


class PumpSettings(SchemaModel):
    """The settings a pump placement and a pump comparison share, with one meaning, one unit
    and one default in both (a comparison hands them to each of its placements)."""

    mode: Literal["network", "flow-tree"] = "network"
    """``network``: every plan must hold on the network as given (looped or not), checked and
    repaired there. ``flow-tree``: the paper's reading, for replicating it: solve on the flow
    tree of the network derived at each demand factor; plans are still checked on the network."""
    checked: Literal["demand", "all"] = "demand"
    """Junctions where the pressure limits apply: ``demand`` (positive base demand) or ``all``.
    Pump station nodes, inflow (negative-demand) junctions and junctions without flow never
    count."""
    repair: bool | None = None
    """Repair every plan on the network (EPANET in the loop: add pumps where it falls short,
    then drop and shrink pumps it does not need). Default: on in ``network`` mode, off in
    ``flow-tree`` mode."""
    hour: Hour | None = None
    """Hour of the demand patterns to solve (none: the peak-demand hour of the day)."""
    p_min: Pressure = P_MIN_DEFAULT
    """Minimum service pressure, m (default 21.3 psi = 14.976 m)."""
    p_min_psi: Pressure | None = None
    """Minimum service pressure in psi, instead of ``p_min`` (1 psi = 0.70307 m)."""
    p_max: Pressure | None = None
    """Optional pressure ceiling, m."""
    catalogue: RelPath = DEFAULT_CATALOGUE
    """Pump catalogue CSV (``name,power_kw,capex,efficiency``); default the shipped one."""
    costs: Costs = Costs()
    """Energy price ($/kWh), lifetime (years), discount rate."""
    solver: SolverOptions = SolverOptions()
    """HiGHS settings (``time_limit`` in s, ``rel_gap``, ``threads``), for every algorithm that
    has an option of the same name and does not set it in ``[options.NAME]``; in a comparison,
    ``threads`` defaults to 1 per run, since runs go in parallel."""
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Options per algorithm, e.g. ``[options.ga] generations = 200``: checked against the
    algorithm's options when the placement is requested (``wdnopt solve --help`` lists the
    algorithms); they win over ``[solver]``, and ``--time-limit`` wins over both."""

    @model_validator(mode="before")
    @classmethod
    def _options_renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("algorithms"), dict):
            tables = ", ".join(f"[algorithms.{name}]" for name in data["algorithms"])
            raise FieldError("algorithms", OPTIONS_RENAMED, tables or "a table")
        return data

    @model_validator(mode="after")
    def _check_pressures(self) -> PumpSettings:
        check_pressure_limits(self)
        return self

    @property
    def pressure_min(self) -> float:
        """``P_min`` in m (from ``p_min_psi`` when given)."""
        return pressure_min(self)

    def cost_model(self) -> CostModel:
        return self.costs.cost_model()

    @property
    def repairs(self) -> bool:
        """Whether plans are repaired on the network (``repair``, or the mode's default)."""
        return self.mode == "network" if self.repair is None else self.repair


class PumpPlacementScenario(PumpSettings):
    """Place booster pumps on a network so that every checked junction gets ``P_min``."""

    kind: Literal["pump_placement"] = "pump_placement"
    """Scenario kind; ``pump_placement`` for this schema."""
    name: str = ""
    """Short name shown in reports."""
    description: str = ""
    """What the scenario represents."""
    network: NetworkSource
    """The network: ``file``, ``shipped`` or ``generator`` (exactly one)."""
    demand_factors: list[DemandFactor] = Field(min_length=1)
    """Factors applied to every junction demand; one problem per factor."""
    objective: Literal["opex", "capex", "tco"] = "tco"
    """What is minimised: ``opex`` (NPV of energy), ``capex`` or ``tco`` (their sum)."""


def pressure_min(scenario: Any) -> float:
    """``P_min`` in m of a scenario with ``p_min`` (m) and optional ``p_min_psi``."""
    if scenario.p_min_psi is not None:
        return scenario.p_min_psi * M_PER_PSI
    return scenario.p_min


def check_pressure_limits(scenario: Any) -> None:
    """``p_min`` or ``p_min_psi`` (not both); a ceiling ``p_max`` above ``P_min``."""
    if scenario.p_min_psi is not None and "p_min" in scenario.model_fields_set:
        raise FieldError("p_min_psi", "either p_min (m) or p_min_psi, not both")
    low = pressure_min(scenario)
    if scenario.p_max is not None and scenario.p_max <= low:
        raise FieldError("p_max", f"a ceiling above p_min = {low:.3f} m", repr(scenario.p_max))
