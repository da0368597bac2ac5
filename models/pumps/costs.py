"""The pump catalogue and the one cost function that prices every placement.

A size-``k`` pump has rated electrical power ``W_k`` (kW), capital cost ``C_k`` and efficiency
``η_k``. It runs 24×7 at full load, so over a lifetime of ``L`` years at discount rate ``i`` and
energy price ``price`` ($/kWh):

.. math::

    O_k = W_k \\cdot 8760 \\cdot \\mathrm{price} \\cdot A, \\qquad
    A = \\frac{1 - (1+i)^{-L}}{i} \\quad (A = L \\text{ when } i = 0), \\qquad
    \\mathrm{TCO}_k = C_k + O_k .

A **curve pump** (a size with a head curve, :mod:`~wdnopt.models.pumps.curves`) runs at its
operating point instead: on a pipe of flow ``q`` it adds ``h_k(q)`` and draws
``P_k(q) = ρ g q h_k(q) / η_k`` kW, so its energy bill, priced per kW like the above,
depends on where it is:

.. math:: O_k(q) = P_k(q) \\cdot 8760 \\cdot \\mathrm{price} \\cdot A ,

and ``W_k`` is then only the motor's rating (shown in tables). A curve pump where it cannot run
(``q ≤ 0`` or ``q ≥ Q_max``) is priced at its rating, ``O_k = W_k · 8760 · price · A``.

Every algorithm's answer is priced by :func:`price_placement`, never by its own arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.curves import HeadCurve
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
    ``η_k W_k / (ρ g q)`` grows without bound as ``q → 0``; no model uses a pump above this.
    A curve pump's is its curve's shut-off head ``A``."""
    curve: HeadCurve | None = None
    """The head curve of a curve pump; ``None`` for a constant-power pump (the default)."""

    def head(self, q: np.ndarray) -> np.ndarray:
        """The head (m) this size adds at flows ``q`` (m³/s); 0 where it cannot run: ``q ≤ 0``,
        above its maximum head (constant power), at or beyond ``Q_max`` (a curve)."""
        q = np.asarray(q, dtype=float)
        ok = q > 0
        safe = np.where(ok, q, 1.0)
        if self.curve is None:
            gain = (1.0 / (RHO_G * safe)) * (self.power_kw * self.efficiency)
            return np.where(ok & (gain <= self.max_head_m), gain, 0.0)
        gain = self.curve.head(safe)
        return np.where(ok & (gain > 0), gain, 0.0)

    def power_at(self, q: np.ndarray) -> np.ndarray:
        """Electrical power (kW) at flows ``q`` (m³/s): ``W_k`` for a constant-power pump; for
        a curve pump ``ρ g q h_k(q) / η_k`` where it runs, ``W_k`` where it cannot."""
        q = np.asarray(q, dtype=float)
        if self.curve is None:
            return np.full(q.shape, self.power_kw)
        h = self.head(q)
        return np.where(h > 0, RHO_G * q * h / self.efficiency, self.power_kw)


@dataclass(frozen=True)
class Catalogue:
    """The pump sizes an algorithm may choose from (in file order)."""

    sizes: tuple[PumpSize, ...]

    def __len__(self) -> int:
        return len(self.sizes)

    @property
    def is_curve(self) -> np.ndarray:
        """True for each curve pump (a size with a head curve)."""
        return np.array([s.curve is not None for s in self.sizes], dtype=bool)

    @property
    def has_curves(self) -> bool:
        """True when some size is a curve pump."""
        return any(s.curve is not None for s in self.sizes)

    def head_at(self, q: np.ndarray) -> np.ndarray:
        """``H[v, k]``: the head (m) of each size at each flow ``q_v`` (m³/s); 0 where the size
        cannot run there (:meth:`PumpSize.head`)."""
        q = np.asarray(q, dtype=float)
        return np.stack([s.head(q) for s in self.sizes], axis=-1)

    def power_at(self, q: np.ndarray) -> np.ndarray:
        """``P[v, k]``: electrical power (kW) of each size at each flow
        (:meth:`PumpSize.power_at`)."""
        q = np.asarray(q, dtype=float)
        return np.stack([s.power_at(q) for s in self.sizes], axis=-1)

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
        if s.curve is not None:
            largest = RHO_G * s.curve.max_hydraulic_kw_per_rho_g / s.efficiency
            if largest > s.power_kw * (1 + 1e-9):
                raise InputError.single(
                    f"a rated power covering the curve's largest electrical power "
                    f"ρ g q h(q)/η = {largest:.4g} kW",
                    field="power_kw",
                    got=repr(s.power_kw),
                    file=file,
                    row=i,
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
        """Cost ``c_k`` of one pump of each size under ``objective`` (a curve pump's energy at
        its rating)."""
        return self._costs(catalogue.capex, self.size_opex(catalogue), objective)

    def flow_costs(
        self, catalogue: Catalogue, flow: np.ndarray, objective: Objective
    ) -> np.ndarray:
        """``c[v, k]``: cost of one size-``k`` pump on a pipe of flow ``q_v`` (m³/s) under
        ``objective``. For a constant-power size every row is ``c_k``; for a curve size the
        energy is at the operating point, ``O_k(q_v) = P_k(q_v) · opex_per_kw``."""
        q = np.asarray(flow, dtype=float)
        costs = np.broadcast_to(
            self.size_costs(catalogue, objective), (q.size, len(catalogue))
        ).copy()
        curved = np.flatnonzero(catalogue.is_curve)
        if curved.size and objective != "capex":
            opex = catalogue.power_at(q)[:, curved] * self.opex_per_kw
            costs[:, curved] = self._costs(catalogue.capex[curved], opex, objective)
        return costs

    @staticmethod
    def _costs(capex: np.ndarray, opex: np.ndarray, objective: Objective) -> np.ndarray:
        if objective == "capex":
            return capex
        if objective == "opex":
            return opex
        if objective == "tco":
            return capex + opex
        raise ValueError(f"unknown objective {objective!r}; expected one of {OBJECTIVES}")


@dataclass(frozen=True)
class PlacementCost:
    """The price of a placement, split."""

    capex: float
    opex: float
    n_pumps: int
    total_kw: float
    """Sum of electrical power, kW: rated power, or a curve pump's at its operating point."""

    @property
    def tco(self) -> float:
        return self.capex + self.opex

    def of(self, objective: Objective) -> float:
        return {"capex": self.capex, "opex": self.opex, "tco": self.tco}[objective]


def price_placement(
    placement: Placement,
    catalogue: Catalogue,
    cost_model: CostModel,
    flows: Mapping[int, float] | None = None,
) -> PlacementCost:
    """The one cost function: capex, opex (NPV) and TCO of a set of pumps.

    ``flows`` gives the operating flow (m³/s) of each pump (by the placement's keys); it is
    needed when the catalogue has curve pumps, whose energy is at that flow (module notes).
    """
    ks = np.fromiter(placement.values(), dtype=int, count=len(placement))
    if len(ks) and catalogue.is_curve[ks].any():
        if flows is None:
            raise ValueError("a placement with curve pumps is priced at their operating flows")
        q = np.array([float(flows[key]) for key in placement], dtype=float)
        power = float(catalogue.power_at(q)[np.arange(len(ks)), ks].sum())
    else:
        power = catalogue.power_kw[ks].sum() if len(ks) else 0.0
    capex = catalogue.capex[ks].sum() if len(ks) else 0.0
    return PlacementCost(
        capex=float(capex),
        opex=float(power * cost_model.opex_per_kw),
        n_pumps=len(ks),
        total_kw=float(power),
    )
