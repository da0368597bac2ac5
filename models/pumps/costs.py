"""The pump catalogue and the one cost function that prices every placement.

A size-``k`` pump has rated electrical power ``W_k`` (kW), capital cost ``C_k`` and efficiency
``η_k``. It runs 24×7 at full load, so over a lifetime of ``L`` years at discount rate ``i`` and
energy price ``price`` ($/kWh):

.. math::

    O_k = W_k \\cdot 8760 \\cdot \\mathrm{price} \\cdot A, \\qquad
    A = \\frac{1 - (1+i)^{-L}}{i} \\quad (A = L \\text{ when } i = 0), \\qquad
    \\mathrm{TCO}_k = C_k + O_k .

Every algorithm's answer is priced by :func:`price_placement`, never by its own arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from wdnopt.models.errors import InputError
from wdnopt.models.schema import MAX_MAGNITUDE

Objective = Literal["opex", "capex", "tco"]
OBJECTIVES: tuple[Objective, ...] = ("opex", "capex", "tco")

RHO_G = 9.80665
"""Specific weight of water, kN/m³ (ρ g with ρ = 1000 kg/m³)."""

Placement = Mapping[int, int]
"""A placement: node index ``v`` → catalogue size index ``k`` (a pump on ``v``'s incoming pipe)."""


@dataclass(frozen=True)
class PumpSize:
    """One catalogue entry."""

    name: str
    power_kw: float
    """Rated electrical power ``W_k``, kW."""
    capex: float
    """Capital cost ``C_k``."""
    efficiency: float
    """Wire-to-water efficiency ``η_k`` in (0, 1]."""
    max_head_m: float = float("inf")
    """Largest head the pump can add (its shut-off head), m. A constant-power pump's head
    ``η_k W_k / (ρ g q)`` grows without bound as ``q → 0``; no model uses a pump above this."""


@dataclass(frozen=True)
class Catalogue:
    """The pump sizes an algorithm may choose from (in file order)."""

    sizes: tuple[PumpSize, ...]

    def __len__(self) -> int:
        return len(self.sizes)

    @property
    def power_kw(self) -> np.ndarray:
        return np.array([s.power_kw for s in self.sizes], dtype=float)

    @property
    def capex(self) -> np.ndarray:
        return np.array([s.capex for s in self.sizes], dtype=float)

    @property
    def efficiency(self) -> np.ndarray:
        return np.array([s.efficiency for s in self.sizes], dtype=float)

    @property
    def max_head_m(self) -> np.ndarray:
        """Maximum head of each size, m (+inf where the catalogue gives none)."""
        return np.array([s.max_head_m for s in self.sizes], dtype=float)

    @property
    def hydraulic_kw(self) -> np.ndarray:
        """Hydraulic power ``η_k W_k`` (kW) each size delivers to the water."""
        return self.power_kw * self.efficiency


MAX_POWER_KW = 1e6
"""Largest rated power of a catalogue size, kW (a thousand megawatts)."""
MAX_HEAD_M = 10_000.0
"""Largest maximum head of a catalogue size, m."""


def check_catalogue(sizes: list[PumpSize], *, file: str | Path | None = None) -> Catalogue:
    """A catalogue with at least one size, unique names, power in (0, :data:`MAX_POWER_KW`] kW,
    capex in [0, :data:`~wdnopt.models.schema.MAX_MAGNITUDE`], efficiency in (0, 1] and a
    maximum head in (0, :data:`MAX_HEAD_M`] m (or none: ``inf``, for sizes built in code)."""
    if not sizes:
        raise InputError.single("at least one pump size", file=file)
    names: set[str] = set()
    for i, s in enumerate(sizes, start=1):
        if s.name in names:
            raise InputError.single(
                "a unique size name", field="name", got=s.name, file=file, row=i
            )
        names.add(s.name)
        for field, ok, expected in (
            ("power_kw", 0 < s.power_kw <= MAX_POWER_KW, f"a power in (0, {MAX_POWER_KW:g}] kW"),
            ("capex", 0 <= s.capex <= MAX_MAGNITUDE, f"a capex in [0, {MAX_MAGNITUDE:g}]"),
            ("efficiency", 0 < s.efficiency <= 1, "an efficiency in (0, 1]"),
            (
                "max_head_m",
                0 < s.max_head_m <= MAX_HEAD_M or s.max_head_m == np.inf,
                f"a maximum head in (0, {MAX_HEAD_M:g}] m",
            ),
        ):
            if not ok:  # NaN fails every comparison
                raise InputError.single(
                    expected, field=field, got=repr(getattr(s, field)), file=file, row=i
                )
    return Catalogue(tuple(sizes))


@dataclass(frozen=True)
class CostModel:
    """Money: energy price, lifetime and discount rate (paper VII-A)."""

    energy_price: float = 0.12
    """Price of electricity, $/kWh."""
    lifetime_years: float = 15.0
    """Life of a pump, years (the paper's 15)."""
    discount_rate: float = 0.05
    """Yearly discount rate for the NPV of the energy bill (0 = no discounting)."""
    hours_per_year: float = 8760.0
    """Running hours a year (24×7 at full load)."""

    @property
    def annuity(self) -> float:
        """``A = (1 − (1+i)^−L) / i``: present value of 1 a year for ``L`` years."""
        i, life = self.discount_rate, self.lifetime_years
        if i == 0:
            return life
        return (1 - (1 + i) ** -life) / i

    @property
    def opex_per_kw(self) -> float:
        """NPV of running one kW of rated power for the lifetime."""
        return self.hours_per_year * self.energy_price * self.annuity

    def size_opex(self, catalogue: Catalogue) -> np.ndarray:
        """``O_k`` for every size."""
        return catalogue.power_kw * self.opex_per_kw

    def size_costs(self, catalogue: Catalogue, objective: Objective) -> np.ndarray:
        """Cost ``c_k`` of one pump of each size under ``objective``."""
        if objective == "capex":
            return catalogue.capex
        if objective == "opex":
            return self.size_opex(catalogue)
        if objective == "tco":
            return catalogue.capex + self.size_opex(catalogue)
        raise ValueError(f"unknown objective {objective!r}; expected one of {OBJECTIVES}")


@dataclass(frozen=True)
class PlacementCost:
    """The price of a placement, split."""

    capex: float
    opex: float
    n_pumps: int
    total_kw: float
    """Sum of rated electrical power, kW."""

    @property
    def tco(self) -> float:
        return self.capex + self.opex

    def of(self, objective: Objective) -> float:
        return {"capex": self.capex, "opex": self.opex, "tco": self.tco}[objective]


def price_placement(
    placement: Placement, catalogue: Catalogue, cost_model: CostModel
) -> PlacementCost:
    """The one cost function: capex, opex (NPV) and TCO of a set of pumps."""
    ks = np.fromiter(placement.values(), dtype=int, count=len(placement))
    power = catalogue.power_kw[ks].sum() if len(ks) else 0.0
    capex = catalogue.capex[ks].sum() if len(ks) else 0.0
    return PlacementCost(
        capex=float(capex),
        opex=float(power * cost_model.opex_per_kw),
        n_pumps=len(ks),
        total_kw=float(power),
    )
