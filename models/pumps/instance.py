"""From a tree network (EPANET) to the :class:`~wdnopt.models.pumps.tree.TreeInstance` at a factor.

**Tree layout.** The open links of the network (status not ``CLOSED``) must form a forest in
which every component holds exactly one reservoir or tank, its root ``r``. Orienting every link
away from its root gives each other node ``v`` one parent ``a(v)`` and one incoming link
``e_v``. Nodes are numbered roots first, then breadth-first, so ``a(v) < v``. A cycle, or two
sources in one component (a path between them carries flow both ways), makes the network
*looped*: its problems are built by :func:`problem_at` (network or flow-tree mode).

**At a demand factor** ``f`` one steady state of the tree gives ``p_v`` (m) and, for the link
``e_v`` of flow ``Q_e`` (m³/s, start → end),

.. math:: q_v = \\sigma_v Q_{e_v}, \\qquad \\sigma_v = +1 \\text{ if } e_v \\text{ runs }
    a(v) \\to v, \\ -1 \\text{ otherwise,}

which demand-driven hydraulics make equal to the total demand of the subtree of ``v``, so
``q_v ≥ 0`` (a negative ``q_v`` means negative demands, which the model does not cover).
Flows up to :data:`~.hydraulics.FLOW_ROUNDOFF` and reverse flows up to :data:`REVERSE_FLOW`
(solver noise, e.g. behind a pump at shut-off) are set to 0: no pump goes on such a link.

**Checked nodes** are the junctions, except the suction node ``a(v)`` of an existing pump
``e_v``; reservoirs and tanks are never checked.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import wntr

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.catalogue import load_catalogue
from wdnopt.models.pumps.collector import paused_gc
from wdnopt.models.pumps.costs import Catalogue, Objective
from wdnopt.models.pumps.flowtree import flow_tree
from wdnopt.models.pumps.generator import generate_tree
from wdnopt.models.pumps.hydraulics import (
    FLOW_ROUNDOFF,
    SteadyState,
    SteadyStateSolver,
    read_network,
    simulate,
)
from wdnopt.models.pumps.network import network_state, tree_model
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.schema import PumpPlacementScenario
from wdnopt.models.pumps.tree import P_MIN_DEFAULT, TreeInstance

logger = logging.getLogger(__name__)

REVERSE_FLOW = 1e-4
"""A flow towards the source larger than this (m³/s, 0.1 L/s) is an error; smaller is noise."""


@dataclass(frozen=True, eq=False)
class TreeLayout:
    """The structure of a tree network: roots first, every parent before its children."""

    node_names: tuple[str, ...]
    parent: np.ndarray
    """Parent index, −1 for a root."""
    link_names: tuple[str | None, ...]
    """Name of ``e_v`` (None for a root)."""
    sign: np.ndarray
    """``σ_v``: +1 where ``e_v`` runs parent → child in the file, −1 where reversed, 0 at roots."""
    checked: np.ndarray
    """Junctions that are not the suction node of an existing pump."""


def _looped(network: str, detail: str) -> InputError:
    return InputError.single(
        "a tree network (no loops, one reservoir or tank per connected part)",
        field="network",
        got=f"{network}: {detail}",
    )


def tree_layout(wn: wntr.network.WaterNetworkModel) -> TreeLayout:
    """The tree layout of ``wn``; :class:`InputError` if it is looped or not connected."""
    closed = wntr.network.LinkStatus.Closed
    node_list = list(wn.node_name_list)
    at = {name: i for i, name in enumerate(node_list)}
    adj: list[list[tuple[str, int, int]]] = [[] for _ in node_list]
    for name, link in wn.links():
        if link.initial_status != closed:
            a, b = at[link.start_node_name], at[link.end_node_name]
            adj[a].append((name, b, +1))
            adj[b].append((name, a, -1))
    roots = list(wn.reservoir_name_list) + list(wn.tank_name_list)
    index = [-1] * len(node_list)  # tree number of each node of wn, −1 until reached
    names: list[str] = []
    parent: list[int] = []
    links: list[str | None] = []
    sign: list[int] = []
    for root in roots:
        r = at[root]
        if index[r] >= 0:
            raise _looped(
                wn.name,
                f"sources {names[_root_of(index[r], parent)]!r} and {root!r} are connected",
            )
        index[r] = len(names)
        names.append(root)
        parent.append(-1)
        links.append(None)
        sign.append(0)
        queue = deque([r])
        while queue:
            u = queue.popleft()
            came = links[index[u]]
            for link, v, s in adj[u]:
                if link == came:
                    continue
                if index[v] >= 0:
                    raise _looped(wn.name, f"link {link!r} closes a loop at node {node_list[v]!r}")
                index[v] = len(names)
                names.append(node_list[v])
                parent.append(index[u])
                links.append(link)
                sign.append(s)
                queue.append(v)
    missing = [n for n, i in zip(node_list, index, strict=True) if i < 0]
    if missing:
        raise InputError.single(
            "every node connected to a reservoir or tank through open links",
            field="network",
            got=f"{wn.name}: {len(missing)} node(s) without a source, e.g. {missing[:5]}",
        )
    parent_arr = np.array(parent, dtype=np.int64)
    junctions = set(wn.junction_name_list)
    checked = np.array([n in junctions for n in names], dtype=bool)
    pumps = set(wn.pump_name_list)
    for v, link in enumerate(links):
        if link in pumps:
            checked[parent_arr[v]] = False
    return TreeLayout(
        node_names=tuple(names),
        parent=parent_arr,
        link_names=tuple(links),
        sign=np.array(sign, dtype=np.int64),
        checked=checked,
    )


def _root_of(v: int, parent: list[int]) -> int:
    while parent[v] >= 0:
        v = parent[v]
    return v


def tree_instance(
    wn: wntr.network.WaterNetworkModel,
    factor: float = 1.0,
    *,
    hour: int | None = None,
    p_min: float = P_MIN_DEFAULT,
    p_max: float | None = None,
    layout: TreeLayout | None = None,
    state: SteadyState | None = None,
    meta: dict | None = None,
) -> TreeInstance:
    """The tree instance of the tree network ``wn`` at demand factor ``factor``.

    Simulates ``wn`` (unless ``state`` is given) and reads ``p_v`` and ``q_v``.
    """
    layout = layout if layout is not None else tree_layout(wn)
    state = state if state is not None else simulate(wn, factor, hour)
    return _instance(wn.name, layout, state, p_min, p_max, meta or {})


def _instance(
    name: str,
    layout: TreeLayout,
    state: SteadyState,
    p_min: float,
    p_max: float | None,
    meta: dict,
) -> TreeInstance:
    nonroot = layout.parent >= 0
    link_flow = state.flow.reindex([n for n in layout.link_names if n is not None]).to_numpy()
    flow = np.zeros(len(layout.node_names))
    flow[nonroot] = link_flow * layout.sign[nonroot]
    worst = int(np.argmin(flow))
    if flow[worst] < -REVERSE_FLOW:
        raise InputError.single(
            "flow from the source towards every node (no negative demands)",
            field="network",
            got=f"{name}: link {layout.link_names[worst]!r} carries {flow[worst]:.3g} m³/s "
            "towards its source",
        )
    flow = np.where(flow > FLOW_ROUNDOFF, flow, 0.0)
    pressure = state.pressure.reindex(list(layout.node_names)).to_numpy(dtype=float)
    return TreeInstance(
        name=f"{name}@{state.demand_factor:g}",
        node_names=layout.node_names,
        parent=layout.parent.copy(),
        pipe_names=layout.link_names,
        flow=flow,
        pressure=pressure,
        checked=layout.checked.copy(),
        p_min=p_min,
        p_max=p_max,
        demand_factor=state.demand_factor,
        meta={"network": name, "hour": state.hour, **meta},
    )


def tree_instances(
    wn: wntr.network.WaterNetworkModel,
    factors: list[float],
    *,
    hour: int | None = None,
    p_min: float = P_MIN_DEFAULT,
    p_max: float | None = None,
    meta: dict | None = None,
) -> list[TreeInstance]:
    """One tree instance per demand factor; the network is opened once (toolkit engine)."""
    layout = tree_layout(wn)
    out = []
    with SteadyStateSolver(wn, hour) as solver:
        for f in factors:
            state = solver.solve(f)
            out.append(_instance(wn.name, layout, state, p_min, p_max, meta or {}))
    return out


def write_network(wn: wntr.network.WaterNetworkModel, path: str | Path) -> Path:
    """Write ``wn`` as an EPANET ``.inp`` file (in the network's own units)."""
    path = Path(path)
    wntr.network.write_inpfile(wn, str(path), units=wn.options.hydraulic.inpfile_units)
    return path


# --- from a scenario: the one problem factory -----------------------------------------------


def load_network(scenario: PumpPlacementScenario) -> wntr.network.WaterNetworkModel:
    """The scenario's network as the user gave it: read from a file, shipped or generated."""
    source = scenario.network
    with paused_gc():  # see :mod:`.collector`
        if source.generator is not None:
            return generate_tree(source.generator.nodes, source.generator.seed)
        return read_network(source.file if source.file is not None else source.shipped)


def problem_at(
    scenario: PumpPlacementScenario,
    wn: wntr.network.WaterNetworkModel,
    state: SteadyState,
    catalogue: Catalogue,
    objective: Objective | None = None,
) -> PumpProblem:
    """The problem of ``scenario`` on ``wn`` in its steady state ``state`` (one demand factor).

    ``network`` mode: the model is the flow tree of ``state`` over the network's own pressures
    and flows (:func:`~.network.tree_model`). ``flow-tree`` mode: the flow tree derived in
    ``state`` is re-simulated as a network of its own at the same factor (the paper's reading).
    Either way the plans are checked on ``wn`` (``problem.network``).
    """
    net = network_state(
        wn, state, p_min=scenario.pressure_min, p_max=scenario.p_max, checked=scenario.checked
    )
    meta = {
        "source": scenario.network.label,
        "mode": scenario.mode,
        "catalogue": str(scenario.catalogue),
    }
    if not net.looped:  # the network is its own tree: the same model in both modes
        tree = tree_instance(wn, state.demand_factor, state=state, meta=meta)
    elif scenario.mode == "network":
        tree = tree_model(net, state.pressure, state.flow, meta=meta)
    else:
        reduced = flow_tree(wn, state.demand_factor, state.hour, state=state)
        tree = tree_instance(reduced, state.demand_factor, hour=state.hour, meta=meta)
    if not (net.looped and scenario.mode == "network"):
        tree = dataclasses.replace(
            tree,
            checked=np.array([n in net.checked for n in tree.node_names], dtype=bool),
            p_min=net.p_min,
            p_max=net.p_max,
        )
    return PumpProblem(
        tree=tree,
        catalogue=catalogue,
        cost_model=scenario.cost_model(),
        objective=objective or scenario.objective,
        network=net,
        mode=scenario.mode,
    )


def build_problems(
    scenario: PumpPlacementScenario,
    *,
    wn: wntr.network.WaterNetworkModel | None = None,
    factors: list[float] | None = None,
    objective: Objective | None = None,
) -> list[PumpProblem]:
    """One :class:`PumpProblem` per demand factor (the scenario's, or ``factors``), in order.

    The one problem factory of the CLI and the harness. ``wn`` may be given to reuse a
    network already read for this scenario.
    """
    catalogue = load_catalogue(scenario.catalogue)
    wn = wn if wn is not None else load_network(scenario)
    factors = list(scenario.demand_factors) if factors is None else factors
    with paused_gc():  # see :mod:`.collector`
        with SteadyStateSolver(wn, scenario.hour) as solver:
            states = [solver.solve(f) for f in factors]
        problems = [problem_at(scenario, wn, s, catalogue, objective) for s in states]
    logger.info(
        "%s: %d problem(s) (%s mode), %d nodes, %s deficient",
        scenario.name or wn.name,
        len(problems),
        scenario.mode,
        problems[0].tree.n,
        [int(p.tree.deficient.sum()) for p in problems],
    )
    return problems
