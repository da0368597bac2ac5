"""The linear model of a network around its steady state (``linearise``): on a tree a head
added on a pipe raises every junction below it by that head and no other (an independent
route: the tree's structure), and solving the candidates in blocks gives the same model as
solving them all at once (the blocks keep memory to nodes × block on large networks)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from wdnopt.models.pumps import linear_network
from wdnopt.models.pumps.catalogue import load_catalogue
from wdnopt.models.pumps.generator import generate_looped, generate_tree
from wdnopt.models.pumps.hydraulics import simulate


def model_of(wn, factor: float):
    state = simulate(wn, factor, 0)
    junctions = list(wn.junction_name_list)
    candidates = [p for p in wn.pipe_name_list if abs(float(state.flow[p])) > 1e-9]
    return linear_network.linearise(
        wn, state.head, state.flow, None, junctions, candidates, load_catalogue()
    )


def test_on_a_tree_a_pump_lifts_exactly_the_junctions_below_it() -> None:
    wn = generate_tree(60, 7)
    model = model_of(wn, 1.5)
    (root,) = wn.reservoir_name_list
    tree = nx.bfs_tree(wn.to_graph().to_undirected(), root)  # every pipe, flow or not
    for e, pipe in enumerate(model.pipes):
        link = wn.get_link(pipe)
        ends = {link.start_node_name, link.end_node_name}
        (down,) = ends - {model.upstream[e]}
        assert tree.has_edge(model.upstream[e], down)  # the flow leaves the reservoir's side
        below = {down} | nx.descendants(tree, down)
        expected = np.array([1.0 if j in below else 0.0 for j in model.junctions])
        np.testing.assert_allclose(model.sensitivity[:, e], expected, atol=1e-6)


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_blocks_of_candidates_give_the_same_model(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    wn = generate_looped(150, 3).wn
    whole = model_of(wn, 2.0)
    monkeypatch.setattr(linear_network, "CHUNK", chunk)
    blocks = model_of(wn, 2.0)
    assert whole.pipes == blocks.pipes and len(whole.pipes) > chunk
    np.testing.assert_allclose(blocks.sensitivity, whole.sensitivity, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(blocks.head, whole.head, rtol=1e-12, atol=1e-12)


def test_the_model_stops_between_blocks_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    wn = generate_looped(150, 3).wn
    state = simulate(wn, 2.0, 0)
    candidates = [p for p in wn.pipe_name_list if abs(float(state.flow[p])) > 1e-9]
    monkeypatch.setattr(linear_network, "CHUNK", 10)
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 2  # two blocks done, then the time is up

    with pytest.raises(linear_network.Stopped, match="after 20 of"):
        linear_network.linearise(
            wn, state.head, state.flow, None, list(wn.junction_name_list), candidates,
            load_catalogue(), stop=stop,
        )  # fmt: skip
