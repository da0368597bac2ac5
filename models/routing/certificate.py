"""The one checker of routing solutions: a certificate computed from the decisions alone.

It needs no solver: given the network, the flows of every period and the other decisions (plant
on/off, expansion choices, storage levels), it recomputes every constraint and the objective, so
that any algorithm's answer (the Pyomo model, a direct HiGHS call, network simplex) is judged
the same way.

:data:`FAMILIES` ties every constraint family of the Pyomo model (each row component, and each
variable whose bounds are constraints) to the certificate field that checks it, or says why
none does; the result tables read duals through it (:func:`priced_rows`). A new family of the
builder without its entry here fails ``tests/routing/test_certificate_families.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from wdnopt.models.routing.costs import (
    CostBreakdown,
    choice,
    cost_breakdown,
    expansion_choices,
    plant_on,
)
from wdnopt.models.routing.network import RoutingNetwork


@dataclass(frozen=True)
class RoutingDecisions:
    """The decisions beside the flows; None where the network has no such decision."""

    on: np.ndarray | None = None
    """Plant on (1) / off (0) per period, shape (periods, plants); None: every plant may run."""
    arc_built: np.ndarray | None = None
    """1 for a built candidate arc, shape (arcs,) (ignored for existing arcs)."""
    plant_built: np.ndarray | None = None
    """1 for a built candidate plant, shape (plants,)."""
    arc_upgraded: np.ndarray | None = None
    """1 where an arc's upgrade is taken, shape (arcs,)."""
    plant_upgraded: np.ndarray | None = None
    """1 where a plant's upgrade is taken, shape (plants,)."""
    level: np.ndarray | None = None
    """Storage level at the end of each period, ML, shape (periods, nodes) (nan: no storage)."""


VIOLATIONS = (
    "negative_flow",
    "arc_capacity",
    "source_capacity",
    "plant_capacity",
    "plant_balance",
    "demand",
    "supply",
    "balance",
    "zone_capacity",
    "storage",
    "quality",
    "on_off",
    "ramping",
)
"""The violation fields of :class:`RoutingCertificate`: every one is named by a family of
:data:`FAMILIES`, and :meth:`RoutingCertificate.worst` is their maximum."""


@dataclass(frozen=True)
class RoutingCertificate:
    """Violations (ML or ML/day, ≥ 0) of each family and the costs recomputed ($/day)."""

    negative_flow: float
    arc_capacity: float
    source_capacity: float
    plant_capacity: float
    plant_balance: float
    """Largest |inflow + storage release − outflow| at a plant."""
    demand: float
    """Largest gap between what a zone receives and its demand: any gap at an exact zone, a
    shortfall at a zone that allows a surplus (0 in an elastic answer only if none)."""
    costs: CostBreakdown
    """The one cost breakdown of the answer (computed here, once; every cost total and cost
    column of a result reads it)."""
    supply: float = 0.0
    """Largest |outflow − fixed supply| of a fixed-supply source."""
    balance: float = 0.0
    """Largest |inflow − outflow − level change| at a storage or junction."""
    zone_capacity: float = 0.0
    """Largest surplus of a zone beyond what it accepts (or at a zone that allows none), ML."""
    storage: float = 0.0
    """Largest excursion of a level outside [0, capacity] or below its end level, ML."""
    quality: float = 0.0
    """Largest flow on an arc closed by a quality class."""
    on_off: float = 0.0
    """Largest breach of on/off consistency: throughput below the minimum while on, above 0
    while off, on/off or expansion values not 0 or 1, a running candidate plant not built."""
    ramping: float = 0.0
    """Largest change of a throughput rate beyond the plant's ramp limit, ML/day."""

    @property
    def cost(self) -> float:
        """The objective recomputed from the decisions, $/day (:attr:`CostBreakdown.total`)."""
        return self.costs.total

    def worst(self) -> float:
        """The largest violation of any family (:data:`VIOLATIONS`)."""
        return max(getattr(self, name) for name in VIOLATIONS)

    def ok(self, tol: float = 1e-6) -> bool:
        """True when every violation is within ``tol``."""
        return self.worst() <= tol


Priced = Literal["source", "plant", "zone", "arc", "ramp", "storage", "zone_capacity"]
"""What a family's duals (rows) or reduced costs (bounds) price in the result tables: the value
of one more ML/day of a source's, a plant's, an arc's or a zone's capacity, of a ramp limit or
of one more ML of storage; ``zone`` is the marginal cost of a zone's demand."""


@dataclass(frozen=True)
class Family:
    """One constraint family of the routing model and what accounts for it."""

    component: str
    """The Pyomo component the builder names it by."""
    kind: Literal["rows", "bounds"]
    """``rows``: a Constraint; ``bounds``: the bounds of a variable (its domain included)."""
    checked_by: tuple[str, ...]
    """Certificate fields that account for it: violations (:data:`VIOLATIONS`) or cost parts
    (``costs.<field>`` of :class:`CostBreakdown`); empty only with :attr:`why`."""
    why: str = ""
    """Why no certificate field accounts for it (when :attr:`checked_by` is empty)."""
    prices: Priced | None = None
    """What its duals (or reduced costs) are read for in the result tables."""


FAMILIES: tuple[Family, ...] = (
    # rows
    Family("source_capacity", "rows", ("source_capacity",), prices="source"),
    Family("source_supply", "rows", ("supply",)),
    Family("plant_balance", "rows", ("plant_balance",)),
    Family("plant_capacity", "rows", ("plant_capacity", "on_off"), prices="plant"),
    Family("plant_min", "rows", ("on_off",)),
    Family("plant_on_cap", "rows", ("plant_capacity", "on_off")),
    Family("plant_build", "rows", ("plant_capacity", "on_off")),
    Family("arc_capacity", "rows", ("arc_capacity",), prices="arc"),
    Family("arc_build", "rows", ("arc_capacity",)),
    Family("node_balance", "rows", ("balance",)),
    Family("demand", "rows", ("demand",), prices="zone"),
    Family("plant_ramp", "rows", ("ramping",), prices="ramp"),
    Family("peak", "rows", ("costs.demand_charge",)),
    Family("end_level", "rows", ("storage",)),
    Family(
        "shortage_cap",
        "rows",
        (),
        why="holds phase 2 of the infeasibility diagnosis at phase 1's least shortage: a "
        "choice among elastic answers, not a rule of the network (what is short is reported "
        "as the demand, supply and storage violations)",
    ),
    # bounds
    Family("flow", "bounds", ("negative_flow", "arc_capacity", "quality"), prices="arc"),
    Family("level", "bounds", ("storage",), prices="storage"),
    Family("surplus", "bounds", ("zone_capacity",), prices="zone_capacity"),
    Family("peak_power", "bounds", ("costs.demand_charge",)),
    Family("plant_on", "bounds", ("on_off",)),
    Family("build_arc", "bounds", ("on_off",)),
    Family("build_plant", "bounds", ("on_off",)),
    Family("upgrade_arc", "bounds", ("on_off",)),
    Family("upgrade_plant", "bounds", ("on_off",)),
    Family("shortage", "bounds", ("demand",)),
    Family("untaken", "bounds", ("supply",)),
    Family("end_deficit", "bounds", ("storage",)),
)
"""Every constraint family of the routing model (:mod:`~wdnopt.models.routing.builder` and
the modules it calls; ``shortage_cap`` is the diagnosis's,
:func:`~wdnopt.models.routing.builder.define_shortage_cap`) and the
certificate fields that check it. The elastic variables (``shortage``, ``untaken``,
``end_deficit``) are checked by the fields that report what they leave undone."""

FAMILY: dict[str, Family] = {f.component: f for f in FAMILIES}
""":data:`FAMILIES` by component name."""


def priced_rows(model: Any, what: Priced) -> Any | None:
    """The row component whose duals price ``what`` (per :data:`FAMILIES`), or None when the
    model (or no model) has none."""
    if model is None:
        return None
    for family in FAMILIES:
        if family.kind == "rows" and family.prices == what:
            return getattr(model, family.component, None)
    return None


def node_sums(net: RoutingNetwork, flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inflow and outflow of every node (ML, summed over the periods when ``flow`` has more
    than one row)."""
    flow = np.asarray(flow, dtype=float).reshape(-1, net.n_arcs).sum(axis=0)
    inflow = np.bincount(net.head, weights=flow, minlength=net.n_nodes)
    outflow = np.bincount(net.tail, weights=flow, minlength=net.n_nodes)
    return inflow, outflow


def period_sums(net: RoutingNetwork, flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inflow and outflow of every node in every period, shape (periods, nodes)."""
    flow = np.asarray(flow, dtype=float).reshape(net.n_periods, net.n_arcs)
    n_t, n_v = flow.shape[0], net.n_nodes
    rows = np.repeat(np.arange(n_t), net.n_arcs)
    inflow = np.bincount(
        rows * n_v + np.tile(net.head, n_t), weights=flow.ravel(), minlength=n_t * n_v
    ).reshape(n_t, n_v)
    outflow = np.bincount(
        rows * n_v + np.tile(net.tail, n_t), weights=flow.ravel(), minlength=n_t * n_v
    ).reshape(n_t, n_v)
    return inflow, outflow


def _worst(x: np.ndarray) -> float:
    return float(max(0.0, np.max(x))) if np.size(x) else 0.0


def _release(net: RoutingNetwork, level: np.ndarray | None) -> np.ndarray:
    """What each node's storage releases in each period, :math:`L_{t-1} - L_t` (ML)."""
    out = np.zeros((net.n_periods, net.n_nodes))
    if net.storage is None:
        return out
    for v, _cap, start, _end in net.storage.nodes(net):
        lv = level[:, v] if level is not None else np.full(net.n_periods, start)
        prev = np.concatenate([[start], lv[:-1]])
        out[:, v] = prev - lv
    return out


def received(net: RoutingNetwork, flow: np.ndarray, level: np.ndarray | None) -> np.ndarray:
    """What each zone receives net in each period: inflow − outflow + storage release, ML,
    shape (periods, zones)."""
    inflow, outflow = period_sums(net, flow)
    z = net.zones
    return inflow[:, z] - outflow[:, z] + _release(net, level)[:, z]


def certify(
    net: RoutingNetwork, flow: np.ndarray, decisions: RoutingDecisions | None = None
) -> RoutingCertificate:
    """Check conservation, capacities, demands, supplies, storage, quality, on/off, ramping;
    recompute the cost from ``flow`` (shape (arcs,) or (periods, arcs), ML per period) and
    ``decisions``."""
    d = decisions or RoutingDecisions()
    n_t, n_a, n_p = net.n_periods, net.n_arcs, net.n_plants
    flow = np.asarray(flow, dtype=float).reshape(n_t, n_a)
    lam = net.period_days[:, None]
    inflow, outflow = period_sums(net, flow)
    p0, z0 = net.plant_offset, net.zone_offset
    plant_in = inflow[:, p0:z0]
    release = _release(net, d.level)
    ex = net.expansion
    got = received(net, flow, d.level)
    costs = cost_breakdown(net, flow, d, got)

    # capacities (with upgrades and candidates)
    arc_cap = net.arc_capacity.copy()
    plant_cap = net.plant_capacity.copy()
    binary_err = 0.0
    if ex is not None:
        arc_up, plant_up, arc_b, plant_b = (x for x, _ in expansion_choices(net, d))
        arc_cap = arc_cap + ex.extra_capacity(n_a, "arc") * arc_up
        plant_cap = plant_cap + ex.extra_capacity(n_p, "plant") * plant_up
        arc_cap = np.where(arc_b > 0.5, arc_cap, 0.0)
        plant_cap = np.where(plant_b > 0.5, plant_cap, 0.0)
        binary_err = max(_worst(np.abs(x - np.round(x))) for x, _ in expansion_choices(net, d))
    finite = np.isfinite(arc_cap)

    # plant on/off
    on_off = binary_err
    cm = net.commitment
    if cm is not None and cm.committed.any():
        on = plant_on(net, d)
        on_off = max(on_off, _worst(np.abs(on - np.round(on))))
        on = np.round(on)
        on_off = max(
            on_off,
            _worst(lam * cm.min_throughput[None, :] * on - plant_in),
            _worst(plant_in * (1 - on)),
        )
        if ex is not None:
            plant_b = np.where(np.isnan(ex.plant_build_cost), 1.0, choice(d.plant_built, n_p))
            # a committed candidate plant runs only if built (the others have no on/off)
            ran = (on - np.round(plant_b)[None, :])[:, cm.committed]
            on_off = max(on_off, _worst(ran))

    # storage
    storage = 0.0
    if net.storage is not None and net.storage.nodes(net):
        for v, cap, start, end in net.storage.nodes(net):
            col = d.level[:, v] if d.level is not None else np.full(n_t, start)
            storage = max(storage, _worst(-col), _worst(col - cap), _worst(end - col[-1:]))

    # ramping
    ramping = 0.0
    if net.schedule is not None and n_t > 1:
        rate = plant_in / lam
        jump = np.abs(np.diff(rate, axis=0)) - net.schedule.ramp[None, :]
        ramping = _worst(jump[:, np.isfinite(net.schedule.ramp)])

    # sources: capacity, or a fixed supply taken whole
    sent = outflow[:, :p0] - inflow[:, :p0]
    fixed = net.fixed_supply
    supply = 0.0
    if fixed.any():
        assert net.source_supply is not None
        want = lam * np.nan_to_num(net.source_supply)[None, :]
        supply = _worst(np.abs(sent - want)[:, fixed])
    gap = got - net.period_demand
    demand = _worst(np.where(net.surplus_allowed[None, :], -gap, np.abs(gap)))
    zone_cap = _worst(gap - net.surplus_room()) if net.zone_capacity is not None else 0.0
    s0 = net.storage_offset
    other = inflow[:, s0:] - outflow[:, s0:] + release[:, s0:]
    return RoutingCertificate(
        negative_flow=_worst(-flow),
        arc_capacity=_worst(flow[:, finite] - lam * arc_cap[None, finite]),
        source_capacity=_worst((sent - lam * net.source_capacity[None, :])[:, ~fixed]),
        plant_capacity=_worst(plant_in - lam * plant_cap[None, :]),
        plant_balance=float(np.abs(plant_in + release[:, p0:z0] - outflow[:, p0:z0]).max())
        if n_p
        else 0.0,
        demand=demand,
        costs=costs,
        supply=supply,
        balance=_worst(np.abs(other)),
        zone_capacity=zone_cap,
        storage=storage,
        quality=_worst(flow[:, net.arc_closed]) if net.quality is not None else 0.0,
        on_off=on_off,
        ramping=ramping,
    )
