"""EPANET with constant-power pumps agrees with the linear tree model p_v + B_v."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wdnopt.models.pumps.catalogue import load_catalogue
from wdnopt.models.pumps.costs import RHO_G
from wdnopt.models.pumps.hydraulics import read_network
from wdnopt.models.pumps.instance import tree_instance
from wdnopt.models.pumps.tree import check_placement
from wdnopt.solvers.pumps.verify import verify_placement

DATA = Path(__file__).resolve().parents[2] / "data" / "networks"


def random_placement(tree, catalogue, rng, count: int, max_head: float = 80.0) -> dict[int, int]:
    gains = tree.head_gain(catalogue)
    options = [(int(v), k) for v in tree.candidates for k in range(len(catalogue))
               if gains[v, k] <= max_head]  # fmt: skip
    placement: dict[int, int] = {}
    for i in rng.choice(len(options), size=min(count, len(options)), replace=False):
        placement.setdefault(*options[i])
    return placement


@pytest.mark.parametrize(
    ("stem", "factor", "trials"), [("tree_100", 2.6, 6), ("tree_1747", 2.4, 2)]
)
def test_simulated_pressures_equal_the_linear_model(stem: str, factor: float, trials: int) -> None:
    wn = read_network(DATA / f"{stem}.inp")
    catalogue = load_catalogue()
    tree = tree_instance(wn, factor)
    assert tree.deficient.any()
    rng = np.random.default_rng(7)
    for _ in range(trials):
        placement = random_placement(tree, catalogue, rng, count=max(3, tree.n // 60))
        result = verify_placement(wn, tree, placement, catalogue)
        linear = check_placement(tree, placement, catalogue)
        wet = tree.checked & (tree.flow > 0)
        assert np.max(np.abs(result.pressure[wet] - linear.pressure[wet])) < 0.01
        assert result.max_model_error < 0.01
        clear = np.abs(linear.pressure - tree.p_min) > 0.01  # not on the threshold
        assert set(result.below_min[clear[result.below_min]]) == set(
            linear.below_min[clear[linear.below_min]]
        )
        assert len(result.pumps) == len(placement)


def test_one_pump_adds_its_head_and_fixes_the_deficit() -> None:
    """Lift every deficient node of tree_100 with pumps on the root's children: verified."""
    wn = read_network(DATA / "tree_100.inp")
    catalogue = load_catalogue()
    tree = tree_instance(wn, 2.6)
    need = tree.p_min - tree.pressure[tree.checked].min()
    kids = tree.children(0)
    placement = {}
    for v in kids:
        heads = catalogue.hydraulic_kw / (RHO_G * tree.flow[v])
        ok = np.flatnonzero(heads >= need + 0.5)
        placement[int(v)] = int(ok[0])
    result = verify_placement(wn, tree, placement, catalogue)
    assert result.verified and result.min_margin > 0
    v = int(kids[0])
    gain = result.pressure[v] - tree.pressure[v]
    expected = catalogue.hydraulic_kw[placement[v]] / (RHO_G * tree.flow[v])
    assert gain == pytest.approx(expected, abs=5e-3)
    assert result.mean_slack > 0
