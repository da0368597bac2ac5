"""What the routing builder returns: the Pyomo model and typed maps to its variables.

Readers of a solved model (the result tables, the what-if re-solver, benchmarks) go through
this handle, never through attributes left on the Pyomo model. Variables of period :math:`t`
are keyed :math:`t \\cdot n + i` (:math:`n` arcs, plants or zones), as in the builder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyomo.environ as pyo

from wdnopt.models.routing.schedule import Levels

if TYPE_CHECKING:
    from wdnopt.models.routing.network import RoutingNetwork


@dataclass(frozen=True, eq=False)
class ExpansionVars:
    """Binaries of the expansion choices, element index → variable (empty when none)."""

    build_arc: dict[int, Any] = field(default_factory=dict)
    build_plant: dict[int, Any] = field(default_factory=dict)
    upgrade_arc: dict[int, Any] = field(default_factory=dict)
    upgrade_plant: dict[int, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class RoutingModel:
    """A built routing model and its index sets."""

    model: pyo.ConcreteModel
    net: RoutingNetwork
    flow: tuple[Any, ...]
    """Flow variables :math:`x_{a,t}`, position :math:`t \\cdot A + a`."""
    on: dict[int, Any]
    """Plant on/off binaries :math:`y_{p,t}`, key :math:`t \\cdot P + p` (committed plants)."""
    expansion: ExpansionVars
    levels: Levels
    """Storage levels :math:`L_{v,t}` and start levels."""
    shortage: dict[int, Any] = field(default_factory=dict)
    """Elastic model only: shortage :math:`s_{z,t}`, key :math:`t \\cdot Z + z`."""
    untaken: dict[int, Any] = field(default_factory=dict)
    """Elastic model only: fixed supply not taken :math:`u_{s,t}`, key :math:`t \\cdot S + s`."""
    surplus: dict[int, Any] = field(default_factory=dict)
    """Surplus :math:`e_{z,t}` of the zones that allow one, key :math:`t \\cdot Z + z`."""
    peak: Any = None
    """Peak pumping power :math:`\\hat P` (kW) when there is a demand charge."""
    elastic: bool = False

    def flows(self) -> np.ndarray:
        """Flow values of a solved model, ML, shape (periods, arcs)."""
        net = self.net
        flow = np.array([x.value or 0.0 for x in self.flow], dtype=float)
        return flow.reshape(net.n_periods, net.n_arcs)

    def level_values(self) -> np.ndarray | None:
        """Storage levels at the end of each period, ML, shape (periods, nodes) (nan: none)."""
        if not self.levels.var:
            return None
        out = np.full((self.net.n_periods, self.net.n_nodes), np.nan)
        for (t, v), var in self.levels.var.items():
            out[t, v] = var.value or 0.0
        return out

    def values(self, var_map: dict[int, Any], n: int) -> np.ndarray:
        """Values of a ``key → variable`` map as an array of ``n`` (0 where no variable)."""
        out = np.zeros(n)
        for k, v in var_map.items():
            out[k] = v.value or 0.0
        return out
