"""Booster pumps on the network the user gave (looped or not): its state, checked junctions, plans.

See ``real-networks.md`` of the design notes. The problem lives on the user's EPANET network at
one demand factor ``f`` and hour ``h`` (one demand-driven steady state, existing pumps, valves
and tanks as in the file):

- **Checked junctions** (:func:`checked_junctions`): the junctions with a positive base demand
  (``checked = "demand"``, the default: what a customer sees) or every junction
  (``checked = "all"``). Never checked, whatever the choice, each with its reason in
  :attr:`NetworkState.excluded`: the suction and discharge nodes of existing pumps (a pump
  station's own nodes), junctions with a negative demand (inflows into the network, not
  customers), and junctions no water flows through (every link at them carries
  ``|Q| ≤`` :data:`~.hydraulics.FLOW_ROUNDOFF` and they have no demand).
- **A plan** is a set of :class:`PlannedPump`: a catalogue size on a pipe, inserted at the end
  ``upstream`` of the pipe and pushing water away from it (the re-attachment of
  :mod:`~.hydraulics`: a new junction takes ``upstream``'s place at that end of the pipe).
- **Candidate pipes** carry ``|Q| > ε`` in the state the plan is built on; the pump goes in
  the direction of that flow.

**The linear model of a state** (:func:`tree_model`). Every algorithm of wdnopt places pumps on a
:class:`~.tree.TreeInstance`. On a real network that tree is the *flow tree of a steady state*:
each junction keeps the link that brings it the largest inflow (:mod:`.flowtree`), its pressure
is the network's own pressure in that state and its ``q_v`` the flow of that link in the real
network. The model says that a pump on ``e_v`` adds ``η W / (ρ g q_v)`` at ``v`` and below.
On a tree network this is exact (the tree is the network). On a looped network it is a linear
model around the state: loops share a pump's boost with their neighbours and change its flow,
so the plan must be checked, and repaired, on the network itself.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import wntr

from wdnopt.models.pumps.flowtree import flow_tree_parents
from wdnopt.models.pumps.hydraulics import FLOW_ROUNDOFF, SteadyState, inner_list
from wdnopt.models.pumps.plausibility import check_plausible
from wdnopt.models.pumps.tree import P_MIN_DEFAULT, TreeInstance

logger = logging.getLogger(__name__)

PRESSURE_TOL = 5e-3
"""Metres by which a checked junction may miss ``P_min`` (or ``P_max``) and a new pump its
maximum head in the check of a plan (EPANET's own accuracy): a plan within it holds, so every
lower-bounding model widens its limits by it."""

REGULATING_VALVES = frozenset({"PRV", "PSV", "PBV", "FCV"})
"""Valves that hold a pressure, a head loss or a flow: a boost upstream does not pass them."""

CheckedJunctions = Literal["demand", "all"]
"""Which junctions the pressure limits apply to (see the module notes)."""


@dataclass(frozen=True, order=True)
class PlannedPump:
    """A booster pump of catalogue size ``size`` on ``pipe``, inserted at its end ``upstream``."""

    pipe: str
    upstream: str
    """The end of the pipe the pump is inserted at; water flows from it through the pump."""
    size: int
    """Catalogue size index."""


@dataclass(frozen=True, eq=False)
class NetworkState:
    """The user's network at one demand factor and hour, without new pumps."""

    wn: wntr.network.WaterNetworkModel
    """The network as the user gave it (never modified)."""
    state: SteadyState
    """Its steady state at ``factor`` and ``hour``."""
    checked: frozenset[str]
    """Junctions where ``P_min`` (and ``P_max``) apply."""
    excluded: dict[str, str] = field(default_factory=dict)
    """Junctions never checked, with the reason (pump station node, inflow, no flow)."""
    looped: bool = True
    """False when the open links form a forest with one source per part (a tree network)."""
    p_min: float = P_MIN_DEFAULT
    p_max: float | None = None

    @property
    def factor(self) -> float:
        return self.state.demand_factor

    @property
    def hour(self) -> int:
        return self.state.hour

    @property
    def name(self) -> str:
        return str(self.wn.name)

    def deficient(self, pressure: pd.Series | None = None) -> list[str]:
        """Checked junctions below ``P_min`` (in the given pressures, default the state's)."""
        p = self.state.pressure if pressure is None else pressure
        names = sorted(self.checked)
        values = p.reindex(names).to_numpy(dtype=float)
        return [n for n, v in zip(names, values, strict=True) if not v >= self.p_min]


def checked_junctions(
    wn: wntr.network.WaterNetworkModel, flow: pd.Series, which: CheckedJunctions = "demand"
) -> tuple[frozenset[str], dict[str, str]]:
    """The checked junctions of ``wn`` and the reason each other junction is not checked.

    ``flow`` (by link, m³/s) is the steady state's: a junction no water flows through is not
    checked.
    """
    excluded: dict[str, str] = {}
    for _, pump in wn.pumps():
        excluded.setdefault(pump.start_node_name, "suction node of an existing pump")
        excluded.setdefault(pump.end_node_name, "discharge node of an existing pump")
    wet: set[str] = set()
    flows = dict(zip(flow.index, flow.to_numpy(dtype=float).tolist(), strict=True))
    for name, link in wn.links():
        if abs(flows.get(name, 0.0)) > FLOW_ROUNDOFF:
            wet.update((link.start_node_name, link.end_node_name))
    checked = set()
    for name, junction in wn.junctions():
        if name in excluded:
            continue
        base = sum(d.base_value for d in inner_list(junction.demand_timeseries_list))
        if base < 0:
            excluded[name] = "negative demand (an inflow, not a customer)"
        elif name not in wet:
            excluded[name] = "no flow through it"
        elif which == "all" or base > 0:
            checked.add(name)
    junctions = set(wn.junction_name_list)
    excluded = {n: r for n, r in excluded.items() if n in junctions}
    return frozenset(checked), excluded


def is_looped(wn: wntr.network.WaterNetworkModel) -> bool:
    """True unless the open links form a forest with at most one reservoir or tank per part."""
    names = list(wn.node_name_list)
    at = {n: i for i, n in enumerate(names)}
    root = list(range(len(names)))

    def find(u: int) -> int:
        while root[u] != u:
            root[u] = root[root[u]]
            u = root[u]
        return u

    closed = wntr.network.LinkStatus.Closed
    sources = set(wn.reservoir_name_list) | set(wn.tank_name_list)
    has_source = [n in sources for n in names]
    for _, link in wn.links():
        if link.initial_status == closed:
            continue
        a, b = find(at[link.start_node_name]), find(at[link.end_node_name])
        if a == b or (has_source[a] and has_source[b]):
            return True
        root[a] = b
        has_source[b] = has_source[a] or has_source[b]
    return False


def network_state(
    wn: wntr.network.WaterNetworkModel,
    state: SteadyState,
    *,
    p_min: float = P_MIN_DEFAULT,
    p_max: float | None = None,
    checked: CheckedJunctions = "demand",
) -> NetworkState:
    """The :class:`NetworkState` of ``wn`` in its steady state ``state``.

    A network whose pipe data or heads are absurd is an :class:`~wdnopt.models.errors.InputError`
    naming the pipes or links (:func:`~.plausibility.check_plausible`).
    """
    check_plausible(wn, state.head)
    names, excluded = checked_junctions(wn, state.flow, checked)
    net = NetworkState(
        wn=wn,
        state=state,
        checked=names,
        excluded=excluded,
        looped=is_looped(wn),
        p_min=p_min,
        p_max=p_max,
    )
    logger.info(
        "%s at factor %g: %d checked junction(s), %d deficient, %d never checked",
        wn.name,
        state.demand_factor,
        len(names),
        len(net.deficient()),
        len(excluded),
    )
    return net


def tree_model(
    net: NetworkState,
    pressure: pd.Series,
    flow: pd.Series,
    *,
    blocked: frozenset[str] = frozenset(),
    meta: dict | None = None,
) -> TreeInstance:
    """The linear tree model of ``net.wn`` in a state with these pressures and flows.

    Nodes are every node of the network (roots: reservoirs and tanks); each junction's parent
    link is its flow-tree link in that state (:func:`~.flowtree.flow_tree_parents`). ``q_v`` is
    the flow of that link towards ``v`` when the link is a pipe, not in ``blocked`` (pipes
    that already hold a new pump), and carries more than :data:`~.hydraulics.FLOW_ROUNDOFF`
    towards ``v``; elsewhere ``q_v = 0``: no pump can go on ``e_v``. Checked nodes are
    ``net.checked``. A junction with no path to a source in the state (behind closed links) is
    a root of its own part. A junction whose flow-tree link is a regulating valve
    (:data:`REGULATING_VALVES`) is a root of the model: the valve sets its head, so a pump
    above the valve does not lift it (the model errs on the safe side for a valve that is
    fully open in the state).
    """
    wn = net.wn
    parents = flow_tree_parents(wn, flow, strict=False)
    children: dict[str, list[tuple[str, str]]] = {}
    for v, link_name in parents.items():
        link = wn.get_link(link_name)
        up = link.end_node_name if link.start_node_name == v else link.start_node_name
        children.setdefault(up, []).append((v, link_name))
    names: list[str] = []
    parent: list[int] = []
    links: list[str | None] = []
    q: list[float] = []
    index: dict[str, int] = {}
    cut_off = [j for j in wn.junction_name_list if j not in parents]  # no path to a source
    for root in list(wn.reservoir_name_list) + list(wn.tank_name_list) + cut_off:
        if root in index:
            continue
        index[root] = len(names)
        names.append(root)
        parent.append(-1)
        links.append(None)
        q.append(0.0)
        queue = deque([root])
        while queue:
            u = queue.popleft()
            for v, link_name in sorted(children.get(u, [])):
                if v in index:
                    continue
                link = wn.get_link(link_name)
                towards = float(flow.get(link_name, 0.0))
                if link.start_node_name != u:
                    towards = -towards
                index[v] = len(names)
                names.append(v)
                queue.append(v)
                if link.link_type == "Valve" and link.valve_type in REGULATING_VALVES:
                    parent.append(-1)  # the valve holds v's head: a boost above stops there
                    links.append(None)
                    q.append(0.0)
                    continue
                pumpable = link.link_type == "Pipe" and link_name not in blocked
                parent.append(index[u])
                links.append(link_name)
                q.append(towards if pumpable and towards > FLOW_ROUNDOFF else 0.0)
    p = pressure.reindex(names).to_numpy(dtype=float)
    return TreeInstance(
        name=f"{wn.name}@{net.factor:g}",
        node_names=tuple(names),
        parent=np.array(parent, dtype=np.int64),
        pipe_names=tuple(links),
        flow=np.array(q),
        pressure=p,
        checked=np.array([n in net.checked for n in names], dtype=bool),
        p_min=net.p_min,
        p_max=net.p_max,
        demand_factor=net.factor,
        meta={"network": wn.name, "hour": net.hour, **(meta or {})},
    )


def planned_pumps(tree: TreeInstance, placement: dict[int, int]) -> tuple[PlannedPump, ...]:
    """The pumps of a tree placement ``{v: k}``: size ``k`` on ``e_v``, at ``v``'s parent."""
    return tuple(
        sorted(
            PlannedPump(
                pipe=str(tree.pipe_names[v]),
                upstream=tree.node_names[int(tree.parent[v])],
                size=int(k),
            )
            for v, k in placement.items()
        )
    )
