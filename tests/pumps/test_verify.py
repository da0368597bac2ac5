"""EPANET with constant-power pumps agrees with the linear tree model p_v + B_v."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.catalogue import load_catalogue
from wdnopt.models.pumps.costs import RHO_G, Catalogue
from wdnopt.models.pumps.hydraulics import SteadyStateSolver, read_network
from wdnopt.models.pumps.instance import tree_instance
from wdnopt.models.pumps.network import planned_pumps
from wdnopt.models.pumps.tree import check_placement
from wdnopt.solvers.pumps.verify import (
    DEFAULT_TOL,
    Verifier,
    cached_verifier,
    clear_verifier_cache,
    verify_placement,
    verify_placement_simulator,
    with_pumps,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "networks"


def random_placement(tree, catalogue, rng, count: int, max_head: float = 80.0) -> dict[int, int]:
    gains = tree.head_gain(catalogue)
    options = [(int(v), k) for v in tree.candidates for k in range(len(catalogue))
               if 0 < gains[v, k] <= max_head]  # fmt: skip
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
    """Lift every deficient node of tree_100 with pumps on the root's children: verified.

    The catalogue's maximum heads are lifted here (one child carries 2.8 L/s, where only a
    pump above its maximum head lifts 27 m): this test is about the head EPANET adds."""
    wn = read_network(DATA / "tree_100.inp")
    catalogue = Catalogue(tuple(replace(s, max_head_m=np.inf) for s in load_catalogue().sizes))
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


# --- the fast engine against the reference ----------------------------------------------------

F32 = 2.0**-24
"""Half a float32 ulp, relative. The simulator's binary output holds single precision: its
pressure is head − elevation rounded to float32 (each of the three within ``F32`` of its own
size), where the toolkit reads the pressure in double precision."""


def float32_noise(wn, tree, pressure: np.ndarray) -> np.ndarray:
    """Bound on the simulator's rounding of ``pressure`` (m) at the tree's nodes."""
    elevation = np.array(
        [getattr(n, "elevation", None) or getattr(n, "base_head", 0.0)
         for n in map(wn.get_node, tree.node_names)]
    )  # fmt: skip
    p = np.abs(pressure)
    return F32 * (2 * p + 2 * np.abs(elevation)) + 1e-9


def assert_same_verification(fast, ref, tree, wn, *, threshold: float = 1e-4) -> None:
    assert np.all(np.abs(fast.pressure - ref.pressure) <= float32_noise(wn, tree, ref.pressure))
    assert np.array_equal(fast.linear_pressure, ref.linear_pressure)
    assert fast.pumps == ref.pumps
    assert fast.min_margin == pytest.approx(ref.min_margin, abs=threshold)
    assert fast.mean_slack == pytest.approx(ref.mean_slack, abs=1e-6)
    assert fast.max_model_error == pytest.approx(ref.max_model_error, abs=1e-4)
    # the flags agree wherever a pressure is not within float32 noise of a limit
    near = np.abs(ref.pressure - (tree.p_min - DEFAULT_TOL)) < threshold
    if tree.p_max is not None:
        near |= np.abs(ref.pressure - (tree.p_max + DEFAULT_TOL)) < threshold
    for attr in ("below_min", "above_max"):
        a, b = getattr(fast, attr), getattr(ref, attr)
        assert set(a[~near[a]]) == set(b[~near[b]])
    if not near[tree.checked].any():
        assert fast.verified == ref.verified


@pytest.mark.parametrize(
    ("stem", "factor", "trials", "p_max"),
    [("tree_100", 2.6, 5, None), ("tree_100", 2.6, 3, 40.0), ("tree_1747", 2.4, 2, None)],
)
def test_fast_engine_equals_the_simulator(
    stem: str, factor: float, trials: int, p_max: float | None
) -> None:
    wn = read_network(DATA / f"{stem}.inp")
    catalogue = load_catalogue()
    tree = tree_instance(wn, factor, p_max=p_max)
    rng = np.random.default_rng(11)
    with Verifier(wn, factor, tree.meta["hour"]) as verifier:
        for t in range(trials):
            placement = random_placement(tree, catalogue, rng, count=max(3, tree.n // 40) * (t + 1))
            ref = verify_placement_simulator(wn, tree, placement, catalogue)
            fast = verifier.verify(tree, placement, catalogue)
            assert_same_verification(fast, ref, tree, wn)
            assert np.array_equal(verify_placement(wn, tree, placement, catalogue).pressure,
                                  fast.pressure)  # fmt: skip
        assert_same_verification(
            verifier.verify(tree, {}, catalogue),
            verify_placement_simulator(wn, tree, {}, catalogue),
            tree,
            wn,
        )


def test_fast_engine_equals_epanet_on_the_pumped_copy_in_double_precision() -> None:
    """The edited .inp text is the network with_pumps builds: the same EPANET solution."""
    wn = read_network(DATA / "tree_1747.inp")
    catalogue = load_catalogue()
    tree = tree_instance(wn, 2.4)
    placement = random_placement(tree, catalogue, np.random.default_rng(5), count=60)
    fast = verify_placement(wn, tree, placement, catalogue)
    pumped, names = with_pumps(wn, planned_pumps(tree, placement), catalogue)
    assert names == fast.pumps
    with SteadyStateSolver(pumped, tree.meta["hour"]) as solver:
        exact = solver.solve(tree.demand_factor).pressure.reindex(list(tree.node_names))
    assert np.max(np.abs(fast.pressure - exact.to_numpy())) < 1e-9


def test_cache_follows_the_network_the_factor_and_edits() -> None:
    wn = read_network(DATA / "tree_100.inp")
    catalogue = load_catalogue()
    low, high = tree_instance(wn, 2.2), tree_instance(wn, 2.6)
    placement = random_placement(high, catalogue, np.random.default_rng(2), count=3)
    placement = {v: k for v, k in placement.items() if low.flow[v] > 0}
    clear_verifier_cache()
    for tree in (low, high, low):
        assert_same_verification(
            verify_placement(wn, tree, placement, catalogue),
            verify_placement_simulator(wn, tree, placement, catalogue),
            tree,
            wn,
        )
    assert cached_verifier(wn, 2.6, high.meta["hour"]) is cached_verifier(
        wn, 2.6, high.meta["hour"]
    )
    # an edit in place: a narrower pipe on the path to a pumped node
    before = cached_verifier(wn, 2.6, high.meta["hour"])
    first = verify_placement(wn, high, placement, catalogue)
    v = max(placement)
    pipe = wn.get_link(high.pipe_names[v])
    pipe.diameter *= 0.8
    edited = verify_placement(wn, high, placement, catalogue)
    assert cached_verifier(wn, 2.6, high.meta["hour"]) is not before
    assert edited.pressure[v] < first.pressure[v] - 1e-3
    assert_same_verification(
        edited, verify_placement_simulator(wn, high, placement, catalogue), high, wn
    )
    # another network object with the same content: its own entry, the same answer
    other = read_network(DATA / "tree_100.inp")
    pipe.diameter /= 0.8
    again = verify_placement(other, high, placement, catalogue)
    assert np.array_equal(again.pressure, first.pressure)
    clear_verifier_cache()


def test_threads_use_verifiers_of_their_own() -> None:
    wn = read_network(DATA / "tree_100.inp")
    catalogue = load_catalogue()
    tree = tree_instance(wn, 2.6)
    rng = np.random.default_rng(3)
    placements = [random_placement(tree, catalogue, rng, count=4) for _ in range(8)]
    serial = [verify_placement(wn, tree, p, catalogue).pressure for p in placements]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda p: verify_placement(wn, tree, p, catalogue).pressure,
                                 placements))  # fmt: skip
    for a, b in zip(serial, parallel, strict=True):
        assert np.array_equal(a, b)


def test_bad_placements_and_mismatched_trees_are_refused() -> None:
    wn = read_network(DATA / "tree_100.inp")
    catalogue = load_catalogue()
    tree = tree_instance(wn, 2.6)
    with pytest.raises(InputError):
        verify_placement(wn, tree, {0: 0}, catalogue)  # the root
    with pytest.raises(InputError):
        verify_placement(wn, tree, {int(tree.candidates[0]): len(catalogue)}, catalogue)
    with Verifier(wn, 2.2, tree.meta["hour"]) as verifier, pytest.raises(ValueError):
        verifier.verify(tree, {}, catalogue)


_INHERITED: list = []  # (wn, tree, catalogue, placements), set before the fork


def _pressure_in_child(i: int) -> np.ndarray:
    wn, tree, catalogue, placements = _INHERITED[0]  # the parent's objects, cache entry and all
    return verify_placement(wn, tree, placements[i], catalogue).pressure


def test_forked_processes_make_their_own_verifiers() -> None:
    """A child forked after the parent has cached a verifier makes its own files; the parent's
    temporary directory outlives the children."""
    import multiprocessing

    wn = read_network(DATA / "tree_100.inp")
    catalogue = load_catalogue()
    tree = tree_instance(wn, 2.6)
    rng = np.random.default_rng(4)
    placements = [random_placement(tree, catalogue, rng, count=4) for _ in range(4)]
    serial = [verify_placement(wn, tree, p, catalogue).pressure for p in placements]
    parent_dir = Path(cached_verifier(wn, 2.6, tree.meta["hour"])._solver._dir)
    _INHERITED[:] = [(wn, tree, catalogue, placements)]
    try:
        with multiprocessing.get_context("fork").Pool(2) as pool:
            forked = pool.map(_pressure_in_child, range(len(placements)))
    finally:
        _INHERITED.clear()
    for a, b in zip(serial, forked, strict=True):
        assert np.array_equal(a, b)
    assert parent_dir.is_dir()
    assert np.array_equal(verify_placement(wn, tree, placements[0], catalogue).pressure, serial[0])
