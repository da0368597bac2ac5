"""What-if at speed: build a routing model once, change it, re-solve warm.

:class:`RoutingWhatIf` builds the model of a network once, with its demands, source limits
(capacities or fixed supplies) and plant capacities as mutable Pyomo Params, and keeps one
persistent HiGHS solver. A change sends HiGHS only what changed (row bounds for demands and
limits, column bounds for arc capacities, column costs for prices) and the re-solve starts from
the previous basis. Every :meth:`RoutingWhatIf.solve` returns the full
:class:`~wdnopt.solvers.routing.solve.RoutingResult` of the network as changed (certificate, tables,
diagnosis when the demands cannot be met)::

    from wdnopt.solvers.routing.whatif import RoutingWhatIf

    what_if = RoutingWhatIf(scenario)
    base = what_if.solve()
    what_if.update(demand=what_if.net.demand * 1.1)
    busier = what_if.solve()
    what_if.outage("plant", "P1")
    without_p1 = what_if.solve()
    what_if.reset()

An outage puts a source's capacity (or fixed supply), a plant's capacity or an arc's capacity
to zero; upgrade options of the element out of service are not changed (rebuild with
:func:`~wdnopt.solvers.routing.resilience.without` for that).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import numpy as np
import pyomo.environ as pyo

from wdnopt.models.routing.builder import build_routing_model, define_cost_objective
from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.routing.schema import RoutingScenario
from wdnopt.models.schema import SolverOptions
from wdnopt.solvers.highs import solve_with_highs
from wdnopt.solvers.routing.solve import RoutingResult, _kw, _network, make_solver, read_result

log = logging.getLogger(__name__)

KINDS = ("source", "plant", "arc")

UPDATE_FLAGS = (
    "check_for_new_or_removed_constraints",
    "check_for_new_or_removed_vars",
    "check_for_new_or_removed_params",
    "check_for_new_objective",
    "update_constraints",
    "update_vars",
    "update_named_expressions",
    "update_objective",
)
"""Automatic checks of the persistent interface switched off: every change is sent
explicitly (Params through ``update_parameters``, bounds and the objective by name)."""


class RoutingWhatIf:
    """A routing model built once and re-solved after changes (see the module docstring)."""

    def __init__(
        self,
        problem: RoutingScenario | RoutingNetwork,
        *,
        options: SolverOptions | None = None,
        season: str | None = None,
    ) -> None:
        net, scenario_options = _network(problem, season)
        self._base = net
        self._net = net
        self._kw = _kw(options or scenario_options or SolverOptions())
        t0 = time.perf_counter()
        self._h = build_routing_model(net, mutable=True)
        self.build_s = time.perf_counter() - t0
        """Time to build the model once, seconds."""
        self._solver: Any = make_solver(self._kw, milp=net.has_binaries, persistent=True)
        updates = self._solver.config.auto_updates
        for flag in UPDATE_FLAGS:
            setattr(updates, flag, False)
        updates.update_parameters = True
        self._changed_vars: list[Any] = []
        self._new_objective = False

    @property
    def net(self) -> RoutingNetwork:
        """The network as changed so far."""
        return self._net

    # ----------------------------------------------------------------- changes

    def update(
        self,
        *,
        demand: np.ndarray | None = None,
        source_capacity: np.ndarray | None = None,
        plant_capacity: np.ndarray | None = None,
        arc_capacity: np.ndarray | None = None,
        arc_cost: np.ndarray | None = None,
        price_factor: np.ndarray | None = None,
    ) -> None:
        """Change any of: zone demands (ML/day per zone, or ML per period and zone with a
        schedule), source capacities or fixed supplies, plant capacities, arc capacities
        (ML/day; ``inf`` for none), arc pumping costs ($/ML at the reference price) and the
        tariff factor of each period."""
        net = self._net
        changes: dict[str, Any] = {}
        if demand is not None:
            changes.update(self._demand(np.asarray(demand, dtype=float)))
        if source_capacity is not None:
            cap = self._check(source_capacity, net.n_sources, "source_capacity")
            changes["source_capacity"] = cap
            if net.source_supply is not None:
                changes["source_supply"] = np.where(net.fixed_supply, cap, np.nan)
            for s, value in enumerate(cap.tolist()):
                self._h.model.source_limit[s] = value
        if plant_capacity is not None:
            cap = self._check(plant_capacity, net.n_plants, "plant_capacity")
            changes["plant_capacity"] = cap
            for p, value in enumerate(cap.tolist()):
                self._h.model.plant_limit[p] = value
        if arc_capacity is not None:
            changes["arc_capacity"] = self._check(arc_capacity, net.n_arcs, "arc_capacity")
        if arc_cost is not None:
            changes["arc_cost"] = self._check(arc_cost, net.n_arcs, "arc_cost")
        if price_factor is not None:
            if net.schedule is None:
                raise ValueError("price_factor needs a network with a schedule")
            factor = self._check(price_factor, net.n_periods, "price_factor")
            schedule = changes.get("schedule", net.schedule)
            changes["schedule"] = replace(schedule, price_factor=factor)
        self._net = replace(net, **changes)
        if demand is not None and self._net.zone_capacity is not None:
            room = self._net.surplus_room().ravel()
            for k, var in self._h.surplus.items():
                var.setub(float(room[k]) if np.isfinite(room[k]) else None)
                self._changed_vars.append(var)
        if arc_capacity is not None:
            self._set_arc_bounds(np.flatnonzero(changes["arc_capacity"] != net.arc_capacity))
        if arc_cost is not None or price_factor is not None:
            self._new_objective = True

    def outage(self, kind: str, element: str | int) -> None:
        """Put one source, plant or arc out of service (capacity or fixed supply 0). An arc is
        named ``"FROM → TO"`` or by its index."""
        index = self.index(kind, element)
        net = self._net
        field = {"source": "source_capacity", "plant": "plant_capacity", "arc": "arc_capacity"}
        values = getattr(net, field[kind]).copy()
        values[index] = 0.0
        self.update(**{field[kind]: values})

    def reset(self) -> None:
        """Back to the network the object was built from."""
        base, net = self._base, self._net
        self.update(
            demand=base.period_demand if base.schedule is not None else base.demand,
            source_capacity=base.source_capacity,
            plant_capacity=base.plant_capacity,
            arc_capacity=base.arc_capacity,
            arc_cost=base.arc_cost if not np.array_equal(base.arc_cost, net.arc_cost) else None,
            price_factor=(
                base.price_factor
                if base.schedule is not None
                and not np.array_equal(base.price_factor, net.price_factor)
                else None
            ),
        )
        self._net = base

    def index(self, kind: str, element: str | int) -> int:
        """Index of a source, plant or arc given by id (``"FROM → TO"`` for an arc) or
        index."""
        net = self._net
        if kind not in KINDS:
            raise ValueError(f"unknown element kind {kind!r}: one of {', '.join(KINDS)}")
        if isinstance(element, int):
            return element
        if kind == "source":
            names = list(net.source_ids)
        elif kind == "plant":
            names = list(net.plant_ids)
        else:
            ids = net.node_ids
            names = [f"{ids[i]} → {ids[j]}" for i, j in zip(net.tail, net.head, strict=True)]
        if element not in names:
            raise ValueError(f"no {kind} {element!r}")
        return names.index(element)

    # ------------------------------------------------------------------ solve

    def solve(self) -> RoutingResult:
        """Re-solve the network as changed; the full result."""
        h = self._h
        if self._changed_vars:
            # once each: HiGHS refuses a bounds change that names a column twice
            unique = list({id(v): v for v in self._changed_vars}.values())
            self._solver.update_variables(unique)
            self._changed_vars = []
        if self._new_objective:
            h.model.del_component(h.model.cost)
            define_cost_objective(replace(h, net=self._net))
            self._solver.set_objective(h.model.cost)
            self._new_objective = False
        milp = self._net.has_binaries
        report, sens = solve_with_highs(h.model, solver=self._solver, duals=not milp)
        fixed = _binaries(h.model) if milp else []
        try:
            return read_result(replace(h, net=self._net), report, sens, 0.0, self._kw)
        finally:
            for var in fixed:  # read_result fixed them for the duals of a MILP: undo
                var.unfix()
                var.domain = pyo.Binary

    # -------------------------------------------------------------- internals

    def _check(self, values: Any, n: int, name: str) -> np.ndarray:
        out = np.array(values, dtype=float).reshape(-1)
        if out.shape != (n,):
            raise ValueError(f"{name}: {n} values expected, got {out.size}")
        return out

    def _demand(self, demand: np.ndarray) -> dict[str, Any]:
        net = self._net
        if net.schedule is None:
            per_period = self._check(demand, net.n_zones, "demand")[None, :]
            changes: dict[str, Any] = {"demand": per_period[0]}
        else:
            if demand.ndim == 1:  # ML/day spread as the current profile
                total = net.period_demand.sum(axis=0)
                share = np.where(total > 0, net.period_demand / np.where(total > 0, total, 1), 0)
                per_period = share * self._check(demand, net.n_zones, "demand")[None, :]
            else:
                per_period = demand
                if per_period.shape != net.period_demand.shape:
                    raise ValueError(
                        f"demand: shape {net.period_demand.shape} expected, got {demand.shape}"
                    )
            changes = {
                "demand": per_period.sum(axis=0),
                "schedule": replace(net.schedule, demand=per_period),
            }
        param = self._h.model.demand_ml
        for k, value in enumerate(per_period.ravel().tolist()):
            param[k] = value
        return changes

    def _set_arc_bounds(self, arcs: np.ndarray) -> None:
        net, h = self._net, self._h
        cap = net.arc_capacity
        if net.expansion is not None:
            cap = cap + net.expansion.extra_capacity(net.n_arcs, "arc")
        if net.quality is not None:
            cap = np.where(net.arc_closed, 0.0, cap)
        for t, days in enumerate(net.period_days.tolist()):
            for a in arcs.tolist():
                var = h.flow[t * net.n_arcs + a]
                var.setub(float(cap[a]) * days if np.isfinite(cap[a]) else None)
                self._changed_vars.append(var)


def _binaries(model: pyo.ConcreteModel) -> list[Any]:
    return [v for v in model.component_data_objects(pyo.Var) if v.is_binary()]
