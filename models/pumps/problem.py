"""The pump placement problem every algorithm takes: a tree, a catalogue, costs, an objective."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from wdnopt.models.pumps.costs import Catalogue, CostModel, Objective
from wdnopt.models.pumps.network import NetworkState
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
    def head_gain(self) -> np.ndarray:
        """``H[v, k]`` in m (see :meth:`TreeInstance.head_gain`)."""
        return self.tree.head_gain(self.catalogue)
