"""The one cost breakdown of a routing solution, computed from the decisions alone.

:func:`cost_breakdown` runs once per answer, inside the certificate
(:func:`~wdnopt.models.routing.certificate.certify`), which keeps it: the certificate's
recomputed objective, the result's cost totals and every cost column of the result tables read
this one breakdown, so the totals a report prints and the objective the checker confirms cannot
drift apart.

With flows :math:`x_{a,t}` (ML), levels and on/off decisions:

- pumping :math:`c_a f_t x_{a,t}` per arc and period;
- treatment :math:`(t_{j(a)} + q_a) x_{a,t}` per arc and period (treatment at the plant the
  arc enters, quality premium);
- surplus :math:`\\pi_z e_{z,t}` per zone and period, :math:`e_{z,t}` what the zone keeps
  beyond its demand;
- running :math:`\\lambda_t F_p y_{p,t}` per period;
- expansion :math:`\\sum B b + \\sum G g` for the day;
- demand charge :math:`c_{peak} \\hat P` with :math:`\\hat P = \\max_t \\sum_a P_{a,t}`, the
  day's peak pumping power, :math:`P_{a,t} = e_a x_{a,t} / h_t` kW (:math:`e_a` kWh/ML,
  :math:`h_t` hours).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from wdnopt.models.routing.certificate import RoutingDecisions
    from wdnopt.models.routing.network import RoutingNetwork


COST_PARTS: dict[str, str] = {
    "pumping": "pumping",
    "treatment": "treatment",
    "fixed": "running",
    "expansion": "expansion",
    "surplus": "surplus",
    "demand_charge": "demand charge",
}
"""The parts of the day's cost (:meth:`CostBreakdown.parts`) by key, as the JSON output names
them, and how a report names each."""

ALWAYS_SHOWN = ("pumping", "treatment")
"""Parts every report shows; the others only when not 0."""


@dataclass(frozen=True)
class CostBreakdown:
    """Costs of one solution, $ (per period and element, and their day totals in $/day)."""

    pumping: np.ndarray
    """Pumping cost of each arc in each period, shape (periods, arcs)."""
    treatment: np.ndarray
    """Treatment and quality premium carried by each arc in each period, shape
    (periods, arcs)."""
    surplus: np.ndarray
    """Cost of each zone's surplus in each period, shape (periods, zones)."""
    fixed: np.ndarray
    """Fixed running cost of the plants in each period, shape (periods,)."""
    expansion: float
    """Annualised cost of what is built or upgraded, $/day."""
    demand_charge: float = 0.0
    """Price of the day's peak pumping power, $/day."""
    peak_kw: float | None = None
    """The day's peak pumping power, kW (arcs of known energy only; None when no arc's energy
    is known)."""

    @property
    def by_period(self) -> np.ndarray:
        """Cost of each period (expansion excluded: it is not a cost of any one period)."""
        return (
            self.pumping.sum(axis=1)
            + self.treatment.sum(axis=1)
            + self.surplus.sum(axis=1)
            + self.fixed
        )

    @property
    def pumping_total(self) -> float:
        return float(self.pumping.sum())

    @property
    def treatment_total(self) -> float:
        return float(self.treatment.sum())

    @property
    def surplus_total(self) -> float:
        return float(self.surplus.sum())

    @property
    def fixed_total(self) -> float:
        return float(self.fixed.sum())

    def parts(self) -> dict[str, float]:
        """The day's cost by part (:data:`COST_PARTS`), $/day."""
        return {
            "pumping": self.pumping_total,
            "treatment": self.treatment_total,
            "fixed": self.fixed_total,
            "expansion": self.expansion,
            "surplus": self.surplus_total,
            "demand_charge": self.demand_charge,
        }

    def shown(self) -> dict[str, float]:
        """The parts a report shows: :data:`ALWAYS_SHOWN`, and the others when not 0."""
        return {k: v for k, v in self.parts().items() if k in ALWAYS_SHOWN or v}

    @property
    def total(self) -> float:
        return (
            self.pumping_total
            + self.treatment_total
            + self.surplus_total
            + self.fixed_total
            + self.expansion
            + self.demand_charge
        )


def zone_surplus(net: RoutingNetwork, received: np.ndarray) -> np.ndarray:
    """What each zone keeps beyond its demand in each period, ML (0 at exact zones):
    :math:`e_{z,t} = \\max(0, r_{z,t} - D_{z,t})`, ``received`` :math:`r` of shape
    (periods, zones)."""
    extra = np.maximum(received - net.period_demand, 0.0)
    return extra * net.surplus_allowed[None, :]


def energy_kwh(net: RoutingNetwork, flow: np.ndarray) -> np.ndarray:
    """Pumping energy of each arc in each period, :math:`e_a x_{a,t}` kWh, shape
    (periods, arcs); nan on arcs of unknown energy."""
    flow = np.asarray(flow, dtype=float).reshape(net.n_periods, net.n_arcs)
    e = net.arc_energy if net.arc_energy is not None else np.full(net.n_arcs, np.nan)
    return flow * e[None, :]


def pumping_power(net: RoutingNetwork, flow: np.ndarray) -> np.ndarray:
    """Pumping power of each period, :math:`\\sum_a e_a x_{a,t} / h_t` kW (arcs of known
    energy), shape (periods,)."""
    hours = net.period_days * 24.0
    return np.nansum(energy_kwh(net, flow), axis=1) / hours


def choice(x: np.ndarray | None, n: int) -> np.ndarray:
    """A decision vector, 0 where it is None or nan."""
    return np.zeros(n) if x is None else np.nan_to_num(np.asarray(x, dtype=float), nan=0.0)


def expansion_choices(
    net: RoutingNetwork, d: RoutingDecisions
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(decision, $/day) pairs of the four kinds of expansion options (existing elements are
    'built' at no cost)."""
    ex = net.expansion
    if ex is None:
        return []
    n_a, n_p = net.n_arcs, net.n_plants
    arc_b = np.where(np.isnan(ex.arc_build_cost), 1.0, choice(d.arc_built, n_a))
    plant_b = np.where(np.isnan(ex.plant_build_cost), 1.0, choice(d.plant_built, n_p))
    return [
        (
            choice(d.arc_upgraded, n_a),
            np.nan_to_num(ex.arc_upgrade_cost) * ~np.isnan(ex.arc_upgrade_capacity),
        ),
        (
            choice(d.plant_upgraded, n_p),
            np.nan_to_num(ex.plant_upgrade_cost) * ~np.isnan(ex.plant_upgrade_capacity),
        ),
        (arc_b, np.nan_to_num(ex.arc_build_cost)),
        (plant_b, np.nan_to_num(ex.plant_build_cost)),
    ]


def plant_on(net: RoutingNetwork, d: RoutingDecisions) -> np.ndarray:
    """On (1) / off (0) of every plant in every period (1 where there is no decision)."""
    on = np.ones((net.n_periods, net.n_plants))
    cm = net.commitment
    if cm is not None and cm.committed.any() and d.on is not None:
        on = np.where(cm.committed[None, :], d.on, 1.0)
    return on


def cost_breakdown(
    net: RoutingNetwork, flow: np.ndarray, d: RoutingDecisions, received: np.ndarray
) -> CostBreakdown:
    """The costs of ``flow`` (shape (periods, arcs), ML) and the decisions ``d``;
    ``received`` is what each zone receives net in each period (shape (periods, zones))."""
    flow = np.asarray(flow, dtype=float).reshape(net.n_periods, net.n_arcs)
    pumping = flow * net.arc_cost[None, :] * net.price_factor[:, None]
    treatment = flow * net.arc_treatment[None, :]
    surplus = np.zeros((net.n_periods, net.n_zones))
    if net.surplus_cost is not None:
        surplus = zone_surplus(net, received) * np.nan_to_num(net.surplus_cost)[None, :]
    fixed = np.zeros(net.n_periods)
    cm = net.commitment
    if cm is not None and cm.committed.any():
        on = np.round(plant_on(net, d))
        fixed = (net.period_days[:, None] * cm.fixed_cost[None, :] * on).sum(axis=1)
    expansion = float(sum(c @ np.round(x) for x, c in expansion_choices(net, d)))
    peak = None
    if net.arc_energy is not None and net.n_arcs:
        peak = float(pumping_power(net, flow).max())
    return CostBreakdown(
        pumping=pumping,
        treatment=treatment,
        surplus=surplus,
        fixed=fixed,
        expansion=expansion,
        demand_charge=net.demand_charge * (peak or 0.0),
        peak_kw=peak,
    )
