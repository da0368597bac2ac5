"""The repair round's cover MILP (built as matrices, solved by HiGHS from the greedy cover)
against enumeration of every placement on small linear models."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from wdnopt.models.pumps.linear_network import LinearNetwork, cover_milp, greedy_cover
from wdnopt.solvers.pumps.repair import solve_cover


def model_of(seed: int) -> tuple[LinearNetwork, np.ndarray, dict[int, float], np.ndarray]:
    """Five junctions, four pipes, two sizes: sensitivities in [−0.3, 1] (a pump may pull a
    junction down), two deficient junctions and one that must stay above its floor."""
    rng = np.random.default_rng(seed)
    sens = rng.uniform(-0.3, 1.0, (5, 4))
    head = rng.uniform(5.0, 30.0, (4, 2))
    net = LinearNetwork(
        junctions=tuple(f"J{i}" for i in range(5)),
        pipes=tuple(f"P{e}" for e in range(4)),
        upstream=tuple(f"N{e}" for e in range(4)),
        flow=np.ones(4),
        sensitivity=sens,
        head=head,
    )
    need = np.array([rng.uniform(5, 25), rng.uniform(5, 25), -3.0, -8.0, -1.0])
    floors = {2: -3.0}
    costs = np.array([10.0, 25.0])
    return net, need, floors, costs


def enumerate_cover(net, need, floors, costs, penalty):
    """The least ``Σ c + M Σ shortfall`` over every placement (a pipe: no pump or one size),
    keeping the floor rows, in the model's own terms."""
    gain = net.sensitivity[:, :, None] * net.head[None, :, :]
    best = (np.inf, ())
    for combo in itertools.product([None, 0, 1], repeat=len(net.pipes)):
        chosen = tuple((e, k) for e, k in enumerate(combo) if k is not None)
        lift = sum((gain[:, e, k] for e, k in chosen), np.zeros(len(need)))
        if any(lift[j] < floors[j] - 1e-9 for j in floors):
            continue
        short = np.maximum(need - lift, 0.0)[need > 0].sum()
        value = sum(costs[k] for _, k in chosen) + penalty * short
        best = min(best, (value, chosen))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_cover_milp_finds_the_enumerated_optimum(seed: int) -> None:
    net, need, floors, costs = model_of(seed)
    penalty = 1000.0
    cover = cover_milp(net, need, floors, {}, costs, penalty)
    chosen = solve_cover(cover, greedy_cover(cover, need), 10.0)
    best, _ = enumerate_cover(net, need, floors, costs, penalty)
    dense = net.sensitivity[:, :, None] * net.head[None, :, :]  # the model, by another route
    lift = sum((dense[:, e, k] for e, k in chosen), np.zeros(len(need)))
    value = sum(costs[k] for _, k in chosen) + penalty * np.maximum(need - lift, 0)[need > 0].sum()
    assert all(lift[j] >= floors[j] - 1e-6 for j in floors)
    assert len({e for e, _ in chosen}) == len(chosen)  # one size per pipe
    assert value == pytest.approx(best, rel=0.02, abs=1e-6)  # HiGHS stops at a 2 % gap


@pytest.mark.parametrize("seed", range(6))
def test_the_columns_carry_the_gains_of_the_dense_model(seed: int) -> None:
    """Only the (pipe, size) columns are formed; each holds ``S[j, e] · H[e, k]`` (terms under
    TERM_MIN dropped), and the greedy cover is one size per pipe with the lift the dense model
    gives."""
    net, need, floors, costs = model_of(seed)
    cover = cover_milp(net, need, floors, {}, costs, 1000.0)
    dense = net.sensitivity[:, :, None] * net.head[None, :, :]
    assert cover.gain.shape == (len(need), len(cover.pairs))
    for c, (e, k) in enumerate(cover.pairs):
        expected = np.where(np.abs(dense[:, e, k]) >= 1e-3, dense[:, e, k], 0.0)
        np.testing.assert_allclose(cover.gain[:, c], expected)
    chosen = greedy_cover(cover, need)
    assert len({e for e, _ in chosen}) == len(chosen)
    np.testing.assert_allclose(
        cover.change(chosen),
        sum((dense[:, e, k] for e, k in chosen), np.zeros(len(need))),
        atol=1e-3 * max(len(chosen), 1),
    )
