"""The pump placement problem every algorithm takes: a tree, a catalogue, costs, an objective."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from wdnopt.models.pumps.costs import Catalogue, CostModel, Objective
from wdnopt.models.pumps.tree import TreeInstance


@dataclass(frozen=True, eq=False)
class PumpProblem:
    """One instance of booster pump placement."""

    tree: TreeInstance
    catalogue: Catalogue
    cost_model: CostModel
    objective: Objective = "tco"

    @cached_property
    def size_costs(self) -> np.ndarray:
        """``c_k`` of each catalogue size under the objective."""
        return self.cost_model.size_costs(self.catalogue, self.objective)

    @cached_property
    def head_gain(self) -> np.ndarray:
        """``H[v, k]`` in m (see :meth:`TreeInstance.head_gain`)."""
        return self.tree.head_gain(self.catalogue)
