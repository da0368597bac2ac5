"""Small random pump problems shared by the heuristic tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from wdnopt.models.pumps.costs import CostModel, Objective
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.random_tree import random_catalogue, random_tree_instance


def small_problem(seed: int, objective: Objective = "tco", n: int = 10) -> PumpProblem:
    """A tiny random tree whose flows are scaled so that deficits need several pumps/sizes."""
    tree = random_tree_instance(n, seed, branching=0.5, max_deficit=40.0)
    tree = dataclasses.replace(tree, flow=tree.flow * (10 + 5 * (seed % 4)))
    return PumpProblem(tree, random_catalogue(3, seed), CostModel(), objective)


@pytest.fixture
def make_small() -> Callable[..., PumpProblem]:
    return small_problem
