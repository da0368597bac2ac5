"""The pump placement problem every algorithm takes: a tree, a catalogue, costs, an objective."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from wdnopt.models.pumps.costs import (
    Catalogue,
    CostModel,
    Objective,
    Placement,
    PlacementCost,
    price_placement,
)
from wdnopt.models.pumps.network import NetworkState, PlannedPump
from wdnopt.models.pumps.tree import TreeInstance

Mode = Literal["network", "flow-tree"]
"""How a network is modelled: ``network`` (plans must hold on the network as given; the
default) or ``flow-tree`` (the paper's reading: solve on the flow tree derived at the solve
factor, then check the plan on the network)."""


@dataclass(frozen=True, eq=False)
class PumpProblem:
    """One instance of booster pump placement.

    ``tree`` is the model every algorithm places pumps on; ``network``, when given, is the
    user's network at the same demand factor and hour, where every plan is checked (on a tree
    network the two coincide). Without ``network`` (a bare tree instance) the tree is taken as
    the network.
    """

    tree: TreeInstance
    catalogue: Catalogue
    cost_model: CostModel
    objective: Objective = "tco"
    network: NetworkState | None = None
    mode: Mode = "network"

    @cached_property
    def size_costs(self) -> np.ndarray:
        """``c_k`` of each catalogue size under the objective."""
        return self.cost_model.size_costs(self.catalogue, self.objective)

    @cached_property
    def node_costs(self) -> np.ndarray:
        """``c[v, k]``: cost of a size-``k`` pump on ``e_v`` under the objective (n × K). Every
        row is :attr:`size_costs` for constant-power sizes; a curve pump's energy is at its
        operating point ``q_v`` (:meth:`~wdnopt.models.pumps.costs.CostModel.flow_costs`)."""
        if not self.catalogue.has_curves:
            return np.broadcast_to(self.size_costs, (self.tree.n, len(self.catalogue)))
        return self.cost_model.flow_costs(self.catalogue, self.tree.flow, self.objective)

    @cached_property
    def head_gain(self) -> np.ndarray:
        """``H[v, k]`` in m (see :meth:`TreeInstance.head_gain`)."""
        return self.tree.head_gain(self.catalogue)

    def price(self, placement: Placement) -> PlacementCost:
        """:func:`~wdnopt.models.pumps.costs.price_placement` of a tree placement ``{v: k}``,
        each pump at the flow ``q_v`` of its pipe."""
        flows = {v: float(self.tree.flow[v]) for v in placement}
        return price_placement(placement, self.catalogue, self.cost_model, flows)

    def price_pumps(self, pumps: Sequence[PlannedPump]) -> PlacementCost:
        """:func:`~wdnopt.models.pumps.costs.price_placement` of a plan, each pump at the flow
        of its pipe (:meth:`pump_flows`; only read when the catalogue has curve pumps)."""
        sizes = {i: p.size for i, p in enumerate(pumps)}
        if not self.catalogue.has_curves:
            return price_placement(sizes, self.catalogue, self.cost_model)
        flows = dict(enumerate(self.pump_flows(pumps).tolist()))
        return price_placement(sizes, self.catalogue, self.cost_model, flows)

    def pump_flows(self, pumps: Sequence[PlannedPump]) -> np.ndarray:
        """The flow (m³/s) each pump is priced at: the tree's ``q_v`` on a pipe of the tree
        (inserted at ``v``'s parent), else the magnitude of the network's unpumped flow."""
        tree = self.tree
        at = {
            (tree.pipe_names[v], tree.node_names[int(tree.parent[v])]): v
            for v in range(tree.n)
            if tree.parent[v] >= 0
        }
        flows = np.zeros(len(pumps))
        for i, p in enumerate(pumps):
            v = at.get((p.pipe, p.upstream))
            if v is not None:
                flows[i] = float(tree.flow[v])
            elif self.network is not None:
                flows[i] = abs(float(self.network.state.flow[p.pipe]))
            else:
                raise ValueError(f"no flow for a pump on pipe {p.pipe!r}: not a pipe of the tree")
        return flows

    def pump_costs(self, pumps: Sequence[PlannedPump]) -> np.ndarray:
        """``c[i, k]``: cost under the objective of a size-``k`` pump where pump ``i`` sits (its
        pipe and end; its own size is not read), priced as :meth:`price_pumps` prices it. Every
        row is :attr:`size_costs` for constant-power sizes."""
        if not self.catalogue.has_curves:
            return np.broadcast_to(self.size_costs, (len(pumps), len(self.catalogue)))
        return self.cost_model.flow_costs(self.catalogue, self.pump_flows(pumps), self.objective)
