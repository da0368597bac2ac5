"""The flow tree of a looped network: the branched network its steady state actually uses.

Given one steady state (demand factor ``f``, hour ``h``; see :mod:`.hydraulics`), every link
with flow ``|Q_e| > ε`` (:data:`~.hydraulics.FLOW_ROUNDOFF`) is oriented along its flow. Then:

1. **Parent link.** Each junction ``v`` keeps the one link that brings it the largest inflow,
   ``e_v = argmax { |Q_e| : e enters v }`` (a pipe, or an existing pump or valve). Links that
   enter a reservoir or tank are never kept: sources are roots.
   A junction on a circulation (flow round a loop, driven by a pump), or fed only from one,
   takes instead its largest inflow from a node that already reaches a source (repeated until
   nothing changes).
2. **Junctions without inflow** (dead ends with no demand, nodes behind closed links) are
   attached, breadth-first from the nodes already attached, through a link (of any status) to
   an attached neighbour; pumps, valves and check-valve pipes only in their own direction.
   A junction that still has no path to a source is an error.
3. **Parallel pipes are combined**: a kept pipe with other open pipes between the same two
   nodes, carrying flow the same way, gets the diameter of one pipe carrying them all
   (:func:`_combine_parallel_pipes`); parallel pumps and valves are not combined (the one of
   largest flow is kept).
4. **Everything else is removed** from a copy of the network: every link that is not a parent
   link, every reservoir or tank left without a link, and every control and rule (a control
   could reopen a removed link or switch a kept pump, and the tree must stay one steady state).
   Removing (rather than closing) the links makes the result a structural tree that any tool
   reads as one.
5. **Kept links are opened.** Kept pipes and pumps get status ``OPEN``; kept pressure-reducing,
   pressure-sustaining, pressure-breaker and flow-control valves get the fixed status ``OPEN``
   (EPANET then treats them as open links with their minor loss), because a regulating valve
   would cut the boost of a pump upstream of it and break the linear tree model of
   :mod:`.tree`. Throttle and general-purpose valves keep their setting.

Tanks stay fixed-head roots at their initial level. In the tree, with demand-driven
hydraulics, the flow of every link is the total demand below it, so re-simulating the tree
(which :func:`~wdnopt.models.pumps.instance.tree_instance` does at every demand factor) gives
its pressures.
"""

from __future__ import annotations

import copy
import logging
from collections import deque

import pandas as pd
import wntr

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.hydraulics import FLOW_ROUNDOFF, SteadyState, simulate

logger = logging.getLogger(__name__)


_REGULATING_VALVES = {"PRV", "PSV", "PBV", "FCV"}


def flow_tree_parents(
    wn: wntr.network.WaterNetworkModel, flow: pd.Series, *, strict: bool = True
) -> dict[str, str]:
    """Junction name → name of its parent link (steps 1 and 2 of the module docstring), for the
    link flows ``flow`` (m³/s by link name) of a steady state. A junction with no path to a
    source is an error when ``strict``, and left without a parent otherwise."""
    sources = set(wn.reservoir_name_list) | set(wn.tank_name_list)
    inflows: dict[str, list[tuple[float, str, str]]] = {}  # v -> [(|Q|, link, upstream)]
    for name, link in wn.links():
        q = float(flow.get(name, 0.0))
        if abs(q) <= FLOW_ROUNDOFF:
            continue
        up, down = (
            (link.start_node_name, link.end_node_name)
            if q > 0
            else (link.end_node_name, link.start_node_name)
        )
        if down not in sources:
            inflows.setdefault(down, []).append((abs(q), name, up))
    for links in inflows.values():
        links.sort(key=lambda t: (-t[0], t[1]))
    parents = {v: links[0][1] for v, links in inflows.items()}
    upstream = {v: links[0][2] for v, links in inflows.items()}

    # attached = reaches a source through parent links
    attached: set[str] = set(sources)
    for v in list(parents):
        path = []
        u = v
        while u not in attached and u in upstream and u not in path:
            path.append(u)
            u = upstream[u]
        if u in attached:
            attached.update(path)
    # junctions on a circulation (through a pump) or below one: largest inflow from an
    # attached node, repeated until nothing changes
    pending = {v for v in parents if v not in attached}
    for v in pending:
        del parents[v]
    changed = True
    while pending and changed:
        changed = False
        for v in sorted(pending):
            found = next((link for _, link, up in inflows[v] if up in attached), None)
            if found is not None:
                parents[v] = found
                attached.add(v)
                pending.discard(v)
                changed = True

    # breadth-first attachment of the rest
    queue = deque(sorted(attached))
    junctions = set(wn.junction_name_list)
    while queue:
        u = queue.popleft()
        for link_name in sorted(wn.get_links_for_node(u)):
            v = _other_end(wn, link_name, u)
            if v in attached or v not in junctions or not _can_feed(wn.get_link(link_name), u):
                continue
            parents[v] = link_name
            attached.add(v)
            queue.append(v)
    missing = sorted(junctions - attached)
    if missing and strict:
        raise InputError.single(
            "every junction connected to a reservoir or tank",
            field="network",
            got=f"{len(missing)} junction(s) with no path to a source, e.g. {missing[:5]}",
        )
    return parents


def _combine_parallel_pipes(
    wn: wntr.network.WaterNetworkModel, state: SteadyState, parents: dict[str, str]
) -> dict[str, float]:
    """Kept pipe → diameter of the one pipe that carries what it and its parallel pipes carry.

    Open pipes joining the same two nodes as a kept pipe, with flow the same way, are parallel
    to it. At the same head loss Hazen–Williams gives :math:`Q \\propto C D^{2.63} L^{-0.54}`
    (Darcy–Weisbach, friction factors alike: :math:`Q \\propto D^{2.5} L^{-0.5}`), so the kept
    pipe gets :math:`D = \\big(\\sum_i C_i D_i^{2.63} L_i^{-0.54}\\, L^{0.54} / C\\big)^{1/2.63}`
    and keeps its length, roughness and minor loss.
    """
    hazen = wn.options.hydraulic.headloss.upper().startswith("H")
    by_pair: dict[frozenset[str], list[str]] = {}
    for name, pipe in wn.pipes():
        if pipe.initial_status != wntr.network.LinkStatus.Closed:
            pair = frozenset((pipe.start_node_name, pipe.end_node_name))
            by_pair.setdefault(pair, []).append(name)
    out: dict[str, float] = {}
    for v, name in parents.items():
        link = wn.get_link(name)
        if link.link_type != "Pipe":
            continue
        pair = frozenset((link.start_node_name, link.end_node_name))
        others = [o for o in by_pair.get(pair, []) if o != name]
        if not others:
            continue
        group = [name] + [o for o in others if _flows_into(wn, state, o, v)]
        if len(group) == 1:
            continue
        pipes = [wn.get_link(n) for n in group]
        if hazen:
            total = sum(p.roughness * p.diameter**2.63 * p.length**-0.54 for p in pipes)
            out[name] = (total * link.length**0.54 / link.roughness) ** (1 / 2.63)
        else:
            total = sum(p.diameter**2.5 * p.length**-0.5 for p in pipes)
            out[name] = (total * link.length**0.5) ** (1 / 2.5)
        logger.info("flow tree: pipe %s carries its %d parallel pipe(s)", name, len(group) - 1)
    return out


def _flows_into(
    wn: wntr.network.WaterNetworkModel, state: SteadyState, link: str, node: str
) -> bool:
    """Does ``link`` carry more than round-off into ``node``?"""
    q = float(state.flow.get(link, 0.0))
    return abs(q) > FLOW_ROUNDOFF and (q > 0) == (wn.get_link(link).end_node_name == node)


def _can_feed(link: wntr.network.Link, upstream: str) -> bool:
    """Can ``link`` carry water away from node ``upstream``? Pumps, valves and check-valve
    pipes only in their own direction."""
    if link.link_type == "Pipe" and not link.check_valve:
        return True
    return link.start_node_name == upstream


def _other_end(wn: wntr.network.WaterNetworkModel, link_name: str, node: str) -> str:
    link = wn.get_link(link_name)
    return link.end_node_name if link.start_node_name == node else link.start_node_name


def flow_tree(
    wn: wntr.network.WaterNetworkModel,
    factor: float = 1.0,
    hour: int | None = None,
    *,
    state: SteadyState | None = None,
) -> wntr.network.WaterNetworkModel:
    """A copy of ``wn`` reduced to its flow tree in the steady state at ``factor`` and ``hour``.

    ``state`` may be given to reuse a steady state already computed for ``wn``.
    """
    if state is None:
        state = simulate(wn, factor, hour)
    parents = flow_tree_parents(wn, state.flow)
    keep = set(parents.values())
    tree = copy.deepcopy(wn)
    tree.name = f"{wn.name}-flowtree"
    for name in list(tree.control_name_list):
        tree.remove_control(name)
    for name in [n for n in tree.link_name_list if n not in keep]:
        tree.remove_link(name)
    used = {tree.get_link(n).start_node_name for n in keep} | {
        tree.get_link(n).end_node_name for n in keep
    }
    for name in list(tree.reservoir_name_list) + list(tree.tank_name_list):
        if name not in used:
            tree.remove_node(name)
    combined = _combine_parallel_pipes(wn, state, parents)
    for name, diameter in combined.items():
        tree.get_link(name).diameter = diameter
    for name in keep:
        link = tree.get_link(name)
        regulating = link.link_type == "Valve" and link.valve_type in _REGULATING_VALVES
        if regulating or link.link_type in ("Pipe", "Pump"):
            link.initial_status = wntr.network.LinkStatus.Open
    logger.info(
        "%s: flow tree keeps %d of %d links and %d of %d nodes",
        wn.name,
        tree.num_links,
        wn.num_links,
        tree.num_nodes,
        wn.num_nodes,
    )
    return tree
