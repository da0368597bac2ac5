"""Network expansion: candidate arcs and plants, and capacity upgrades, chosen by the model.

A candidate (an arc or plant with a ``build_cost``) exists only if built: binary :math:`b`,
annualised cost :math:`B` $/day. An upgrade (a pumping station or parallel main on an arc, an
extension of a plant) adds :math:`\\Delta U` ML/day of capacity if chosen: binary :math:`g`,
cost :math:`G` $/day. The decisions are made once for the whole day (every period shares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from wdnopt.models.routing.handle import ExpansionVars

if TYPE_CHECKING:
    from wdnopt.models.routing.handle import RoutingModel
    from wdnopt.models.routing.network import RoutingNetwork


@dataclass(frozen=True, eq=False)
class Expansion:
    """Expansion options; ``nan`` where an element has none."""

    arc_build_cost: np.ndarray
    """$/day to build each candidate arc (nan: the arc exists), shape (arcs,)."""
    arc_upgrade_capacity: np.ndarray
    """ML/day an upgrade adds to each arc (nan: no upgrade), shape (arcs,)."""
    arc_upgrade_cost: np.ndarray
    """$/day of each arc's upgrade, shape (arcs,)."""
    plant_build_cost: np.ndarray
    """$/day to build each candidate plant (nan: the plant exists), shape (plants,)."""
    plant_upgrade_capacity: np.ndarray
    """ML/day an upgrade adds to each plant (nan: no upgrade), shape (plants,)."""
    plant_upgrade_cost: np.ndarray
    """$/day of each plant's upgrade, shape (plants,)."""

    @property
    def candidate_arcs(self) -> np.ndarray:
        return np.flatnonzero(~np.isnan(self.arc_build_cost))

    @property
    def upgradable_arcs(self) -> np.ndarray:
        return np.flatnonzero(~np.isnan(self.arc_upgrade_capacity))

    @property
    def candidate_plants(self) -> np.ndarray:
        return np.flatnonzero(~np.isnan(self.plant_build_cost))

    @property
    def upgradable_plants(self) -> np.ndarray:
        return np.flatnonzero(~np.isnan(self.plant_upgrade_capacity))

    def extra_capacity(self, n: int, which: str) -> np.ndarray:
        """Upgrade capacity of every arc or plant (0 where none)."""
        cap = self.arc_upgrade_capacity if which == "arc" else self.plant_upgrade_capacity
        return np.nan_to_num(cap, nan=0.0) if cap.size else np.zeros(n)


def define_expansion_choices(m: pyo.ConcreteModel, net: RoutingNetwork) -> ExpansionVars:
    """Binaries :math:`b_a, b_p` (build a candidate) and :math:`g_a, g_p` (take an upgrade),
    element index → variable (empty when there are no such options)."""
    out = ExpansionVars()
    ex = net.expansion
    if ex is None:
        return out
    for name, idx in (
        ("build_arc", ex.candidate_arcs),
        ("build_plant", ex.candidate_plants),
        ("upgrade_arc", ex.upgradable_arcs),
        ("upgrade_plant", ex.upgradable_plants),
    ):
        keys = idx.tolist()
        if not keys:
            continue
        var = pyo.Var(keys, domain=pyo.Binary)
        setattr(m, name, var)
        getattr(out, name).update({k: var[k] for k in keys})
    return out


def arc_bound(net: RoutingNetwork) -> np.ndarray:
    """A bound :math:`M_{a,t}` on each arc's flow in each period, ML, shape (periods, arcs).

    Its capacity (with upgrade) :math:`\\lambda_t (u_a + \\Delta U_a)` where it has one;
    else what can leave the arc's tail in the period: :math:`\\lambda_t S_s` from a source,
    :math:`\\lambda_t (K_p + \\Delta K_p) + C_p` from a plant (its treatment and what its
    clear-water tank of :math:`C_p` ML releases), and from any other node all the water there
    is, :math:`\\lambda_t \\sum_s S_s + \\sum_v C_v` (every source and every storage
    emptied; a flow without circulation carries no more on any arc)."""
    ex = net.expansion
    cap = net.arc_capacity.copy()
    if ex is not None:
        cap = cap + ex.extra_capacity(net.n_arcs, "arc")
    lam = net.period_days[:, None]
    tank = np.zeros(net.n_nodes)
    if net.storage is not None:
        tank = np.nan_to_num(net.storage.capacity, nan=0.0)
    rate = np.concatenate(
        [
            net.source_capacity,
            net.plant_capacity_max,
            np.full(net.n_nodes - net.zone_offset, float(net.source_capacity.sum())),
        ]
    )
    volume = np.zeros(net.n_nodes)
    volume[net.plant_offset : net.zone_offset] = tank[net.plant_offset : net.zone_offset]
    volume[net.zone_offset :] = float(tank.sum())
    tail_bound = lam * rate[net.tail][None, :] + volume[net.tail][None, :]
    return np.where(np.isfinite(cap)[None, :], lam * cap[None, :], tail_bound)


def define_arc_expansion(h: RoutingModel) -> None:
    """Upgradable arcs: :math:`x_{a,t} \\le \\lambda_t (u_a + \\Delta U_a\\, g_a)`
    (``arc_capacity``). Candidate arcs: :math:`x_{a,t} \\le M_{a,t}\\, b_a`
    (``arc_build``), :math:`M_{a,t}` the bound of :func:`arc_bound` (ML).
    Index :math:`t \\cdot A + a`.
    """
    net, upgrade_arc, build_arc = h.net, h.expansion.upgrade_arc, h.expansion.build_arc
    if not (upgrade_arc or build_arc):
        return
    ex = net.expansion
    assert ex is not None
    xs, lam, n_a, m = h.flow, net.period_days, net.n_arcs, h.model
    upgrade_rows, build_rows = {}, {}
    bound = arc_bound(net)
    for t, days in enumerate(lam.tolist()):
        for a, g in upgrade_arc.items():
            k = t * n_a + a
            delta = float(ex.arc_upgrade_capacity[a]) * days
            expr = LinearExpression(args=[xs[k], MonomialTermExpression((-delta, g))])
            upgrade_rows[k] = expr <= float(net.arc_capacity[a]) * days
        for a, b in build_arc.items():
            k = t * n_a + a
            big = float(bound[t, a])
            build_rows[k] = LinearExpression(args=[xs[k], MonomialTermExpression((-big, b))]) <= 0
    if upgrade_rows:
        m.arc_capacity = pyo.Constraint(list(upgrade_rows), rule=lambda _, k: upgrade_rows[k])
    if build_rows:
        m.arc_build = pyo.Constraint(list(build_rows), rule=lambda _, k: build_rows[k])


def expansion_cost_terms(h: RoutingModel) -> list[tuple[float, object]]:
    """Objective terms :math:`\\sum B\\, b + \\sum G\\, g` ($/day) as (coefficient, variable)."""
    ex, v = h.net.expansion, h.expansion
    if ex is None:
        return []
    terms = [(float(ex.arc_build_cost[a]), x) for a, x in v.build_arc.items()]
    terms += [(float(ex.plant_build_cost[p]), x) for p, x in v.build_plant.items()]
    terms += [(float(ex.arc_upgrade_cost[a]), x) for a, x in v.upgrade_arc.items()]
    terms += [(float(ex.plant_upgrade_cost[p]), x) for p, x in v.upgrade_plant.items()]
    return [(c, v) for c, v in terms if c != 0]
