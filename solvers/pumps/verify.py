"""The one check of a plan: insert constant-power pumps in the user's network, simulate, judge.

A plan is a set of :class:`~wdnopt.models.pumps.network.PlannedPump` (a tree placement
``{v: k}`` is the plan "size ``k`` on ``e_v`` at ``v``'s parent"). In a copy of the network
(looped or not) each pump's pipe is **re-attached, not split**: a new junction ``X`` (zero
demand, at the elevation and position of the pump's ``upstream`` node) takes that node's place
at the pipe's end, and an EPANET constant-power pump ``upstream → X`` is added. The pipe
keeps its length, diameter, roughness and minor loss. On a tree, where the flow ``q_v`` does
not change, the pump adds

.. math:: H_{v,k} = \\frac{\\eta_k W_k}{\\rho g\\, q_v}

between ``a(v)`` and the link, and the simulated pressure must be ``p_u + B_u``
(:meth:`~wdnopt.models.pumps.tree.TreeInstance.boost`) at every node ``u``. On a looped network
the pump's flow, hence its head, changes and loops share its boost: the **model error** (largest
``|simulated − predicted|`` at checked junctions) says how far the algorithm's own model was off.

**The verdict** (:attr:`Verification.verified`): the plan *holds on the network* when EPANET
converges, every checked junction is within ``[P_min, P_max]`` (to :data:`DEFAULT_TOL`), and
every new pump runs forward (flow above :data:`~wdnopt.models.pumps.hydraulics.FLOW_ROUNDOFF`)
within its catalogue size's maximum head: its head in EPANET, and its constant-power head
``η W / (ρ g q)`` at its flow, are at most that head (at flows below ``η W / (ρ g H_max)``
EPANET leaves the constant-power law, so a head it reports there is not the pump's).

**Curve pumps.** A size with a head curve (:mod:`~wdnopt.models.pumps.curves`) is inserted
as an EPANET ``HEAD`` pump with that curve (its points in ``[CURVES]``, L/s and m), which EPANET
fits as the same power function ``h = A − B q^C`` the tree model uses: on a tree the pump adds
``h_k(q_v)``. It fails the check when it runs backwards or without flow, or at or beyond the
curve's zero-head flow ``Q_max`` (where EPANET extrapolates the curve below zero head).

**Power unit.** wntr takes a ``POWER`` pump's parameter in W (SI; it writes kW or hp into the
``.inp``). EPANET computes the head of a constant-power pump as ``8.814 P/q`` in ft, hp and cfs,
i.e. with a specific weight of 62.4 lb/ft³ after its unit conversions, which in an LPS file is
``γ_E`` = :data:`EPANET_RHO_G` ≈ 9.80232 kN/m³ instead of ρg = 9.80665 kN/m³ (0.044 % apart).
So that EPANET adds exactly the model's head, each pump is given the power
``η_k W_k · γ_E / (ρ g)`` (kW, ×1000 in W), and the copy is written in LPS. The price of the
placement is untouched: it uses ``W_k`` (:func:`~wdnopt.models.pumps.costs.price_placement`).

**Two engines, one network.** :func:`verify_placement_simulator` builds the pumped copy with
wntr (:func:`with_pumps`) and runs wntr's ``EpanetSimulator``: the reference, about 0.3–0.8 s on
a 1,747-node tree. :class:`Verifier` writes the network once per demand factor and hour and, per
placement, edits that ``.inp`` text and solves it in the EPANET toolkit
(:class:`~wdnopt.models.pumps.hydraulics.PumpedNetworkSolver`): the same pumps, names and
powers, about 20 ms. Its pressures are read in double precision where the simulator's binary
output holds single precision, so the two differ by the latter's rounding (a few µm).

:func:`verify_placement` uses a :class:`Verifier` from a small cache of its own in each thread
of each process, keyed by the network object (held weakly), the demand factor and the hour, and
checked against :func:`~wdnopt.models.pumps.hydraulics.network_signature` at every call, so
an edited network, another network or another factor never reuses a stale ``.inp``.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import wntr
from wntr.epanet.util import FlowUnits, HydParam, from_si

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.collector import paused_gc
from wdnopt.models.pumps.costs import RHO_G, Catalogue, Placement
from wdnopt.models.pumps.curves import LPS_PER_M3S
from wdnopt.models.pumps.hydraulics import (
    FLOW_ROUNDOFF,
    PumpedNetworkSolver,
    PumpedState,
    PumpSpec,
    network_signature,
    simulate,
)
from wdnopt.models.pumps.network import PRESSURE_TOL, PlannedPump, planned_pumps
from wdnopt.models.pumps.tree import TreeInstance, assess_pressures

logger = logging.getLogger(__name__)

EPANET_RHO_G = 0.7457 * 1000 / (8.814 * 0.3048 * 28.317)
"""Specific weight (kN/m³) implied by EPANET's constant-power pump in an LPS file:
``8.814`` ft·(cfs)/hp, 0.7457 kW/hp, 0.3048 m/ft, 28.317 L/s per cfs."""

DEFAULT_TOL = PRESSURE_TOL
"""Pressure tolerance (m) when comparing simulated pressures with ``P_min`` and ``P_max``."""

CACHE_SIZE = 4
"""Verifiers kept per thread by :func:`verify_placement` (least recently used dropped)."""


@dataclass(frozen=True)
class Verification:
    """The EPANET run of a plan on the network and what it says about the plan."""

    pressure: np.ndarray
    """Simulated pressure at every node of the tree model (same indices), m."""
    linear_pressure: np.ndarray
    """The model's prediction at the same nodes, m (NaN where there is none)."""
    below_min: np.ndarray
    """Checked nodes still below ``P_min − tol`` (indices)."""
    above_max: np.ndarray
    """Checked nodes above ``P_max + tol`` (indices; empty without a ceiling)."""
    min_margin: float
    """Smallest ``P_v − P_min`` over checked nodes, m."""
    mean_slack: float
    """Mean ``(P_v − P_min)/P_min`` over the nodes deficient before placement (0 if none)."""
    max_model_error: float
    """Largest ``|P_v − predicted_v|`` over checked nodes with flow, m (NaN: no prediction)."""
    verified: bool
    """The verdict: the plan holds on the network. EPANET converged, no checked node is below
    ``P_min`` or above ``P_max`` (within ``tol``), and every new pump runs forward within its
    head range."""
    pumps: dict[PlannedPump, str] = field(default_factory=dict)
    """Each planned pump → the name of the pump inserted for it."""
    pump_flow: dict[str, float] = field(default_factory=dict)
    """Flow of each inserted pump (by name), m³/s."""
    pump_head: dict[str, float] = field(default_factory=dict)
    """Head each inserted pump adds (by name), m."""
    pump_faults: tuple[str, ...] = ()
    """Pumps that run backwards, without flow, or above their maximum head, in words."""
    converged: bool = True
    """False when EPANET reports the network unbalanced, unstable or disconnected."""

    def failing(self, tree: TreeInstance, limit: int | None = None) -> list[tuple[str, float]]:
        """Checked junctions below ``P_min``: ``(name, shortfall m)``, the worst first."""
        short = [(tree.node_names[int(v)], float(tree.p_min - self.pressure[v]))
                 for v in self.below_min]  # fmt: skip
        short.sort(key=lambda t: -t[1])
        return short[:limit] if limit is not None else short


def _checked_placement(
    tree: TreeInstance, placement: Placement, catalogue: Catalogue
) -> list[tuple[int, int]]:
    """The placement's ``(v, k)`` in node order; :class:`InputError` for a root or bad size."""
    out = []
    for v, k in sorted(placement.items()):
        if not (0 <= v < tree.n) or tree.parent[v] < 0 or not (0 <= k < len(catalogue)):
            raise InputError.single(
                "a placement on a non-root node with a catalogue size",
                field="placement",
                got=f"node {v}, size {k}",
            )
        out.append((int(v), int(k)))
    return out


def pump_power_w(catalogue: Catalogue, k: int) -> float:
    """The constant power (W) given to EPANET for a size-``k`` pump: ``η_k W_k · γ_E / (ρ g)``."""
    return float(catalogue.hydraulic_kw[k]) * EPANET_RHO_G / RHO_G * 1000.0


def _fresh_name(base: str, taken: set[str] | frozenset[str]) -> str:
    name, i = base, 0
    while name in taken:
        i += 1
        name = f"{base}_{i}"
    return name


def plan_names(
    pumps: Sequence[PlannedPump], taken: set[str] | frozenset[str]
) -> list[tuple[str, str]]:
    """``(junction, pump)`` names of each planned pump: ``X{i}``/``BP{i}`` (1-based, in the
    given order) with ``_1``, ``_2``, … where the network already uses the name."""
    used = set(taken)
    out = []
    for i, _ in enumerate(pumps, start=1):
        x_name, pump_name = _fresh_name(f"X{i}", used), _fresh_name(f"BP{i}", used)
        used.update((x_name, pump_name))
        out.append((x_name, pump_name))
    return out


def pump_specs(
    pumps: Sequence[PlannedPump],
    catalogue: Catalogue,
    taken: set[str] | frozenset[str],
    elevation: Mapping[str, float],
    curves_taken: frozenset[str] = frozenset(),
) -> list[PumpSpec]:
    """The EPANET pumps of a plan: names (not among ``taken``), ends, power as wntr writes it
    (or, for a curve pump, its head curve, named apart from ``curves_taken``).

    ``elevation`` gives each node's elevation (a reservoir's head). Names, powers and curves
    are those of :func:`with_pumps`.
    """
    _check_sizes(pumps, catalogue)
    specs = []
    used_curves = set(curves_taken)
    for pump, (x_name, pump_name) in zip(pumps, plan_names(pumps, taken), strict=True):
        curve = catalogue.sizes[pump.size].curve
        power, curve_name = "", ""
        if curve is None:
            power = str(from_si(FlowUnits.LPS, pump_power_w(catalogue, pump.size), HydParam.Power))
        else:
            curve_name = _fresh_name(pump_name, used_curves)
            used_curves.add(curve_name)
        specs.append(
            PumpSpec(
                link=pump.pipe,
                parent=pump.upstream,
                junction=x_name,
                pump=pump_name,
                elevation=float(elevation[pump.upstream]),
                power=power,
                curve=curve_name,
                points=curve.points if curve is not None else (),
            )
        )
    return specs


def _check_sizes(pumps: Sequence[PlannedPump], catalogue: Catalogue) -> None:
    for pump in pumps:
        if not (0 <= pump.size < len(catalogue)):
            raise InputError.single(
                "a pump of a catalogue size",
                field="placement",
                got=f"size {pump.size} on pipe {pump.pipe!r}",
            )


def with_pumps(
    wn: wntr.network.WaterNetworkModel,
    pumps: Sequence[PlannedPump],
    catalogue: Catalogue,
) -> tuple[wntr.network.WaterNetworkModel, dict[PlannedPump, str]]:
    """A copy of ``wn`` with a pump for every planned pump (the reference way): constant power,
    or a ``HEAD`` pump with its size's head curve (points in L/s, given to wntr in m³/s)."""
    _check_sizes(pumps, catalogue)
    used_curves = set(wn.curve_name_list)
    out = copy.deepcopy(wn)
    out.options.hydraulic.inpfile_units = "LPS"
    names: dict[PlannedPump, str] = {}
    taken = set(wn.node_name_list) | set(wn.link_name_list)
    for pump, (x_name, pump_name) in zip(pumps, plan_names(pumps, taken), strict=True):
        link = out.get_link(pump.pipe)
        node = out.get_node(pump.upstream)
        elevation = getattr(node, "elevation", None)
        if elevation is None:  # a reservoir
            elevation = node.base_head
        out.add_junction(x_name, base_demand=0.0, elevation=elevation, coordinates=node.coordinates)
        x_node = out.get_node(x_name)
        if link.start_node_name == pump.upstream:
            link.start_node = x_node
        elif link.end_node_name == pump.upstream:
            link.end_node = x_node
        else:
            raise ValueError(f"pipe {pump.pipe!r} does not end at {pump.upstream!r}")
        curve = catalogue.sizes[pump.size].curve
        if curve is None:
            power_w = pump_power_w(catalogue, pump.size)
            out.add_pump(
                pump_name, pump.upstream, x_name, pump_type="POWER", pump_parameter=power_w
            )
        else:
            curve_name = _fresh_name(pump_name, used_curves)
            used_curves.add(curve_name)
            points = [(q / LPS_PER_M3S, h) for q, h in curve.points]
            out.add_curve(curve_name, "HEAD", points)
            out.add_pump(
                pump_name, pump.upstream, x_name, pump_type="HEAD", pump_parameter=curve_name
            )
        names[pump] = pump_name
    return out, names


def pump_fault(
    name: str, pump: PlannedPump, catalogue: Catalogue, q: float, h: float, tol: float
) -> str | None:
    """Why a new pump running at flow ``q`` (m³/s) adding ``h`` m breaks the rules, or None:
    no forward flow; a curve pump at or beyond its zero-head flow; a constant-power pump below
    its least flow :math:`c_k / H^{max}_k` (it would need more than its maximum head there) or
    adding more than its maximum head (``tol`` m of room)."""
    size = catalogue.sizes[pump.size]
    max_head = float(catalogue.max_head_m[pump.size])
    power = float(catalogue.hydraulic_kw[pump.size]) / RHO_G  # c_k: the head is c_k / q
    if not q > FLOW_ROUNDOFF:
        return f"{name} on pipe {pump.pipe} has no forward flow ({1000 * q:.3g} L/s)"
    if size.curve is not None:
        if q >= size.curve.max_flow:  # beyond its curve: no head (EPANET extrapolates below 0)
            return (
                f"{name} on pipe {pump.pipe} runs at {1000 * q:.3g} L/s, beyond the "
                f"{size.curve.max_flow_lps:.3g} L/s where the curve of {size.name} gives no head"
            )
        return None
    if power / q > max_head + tol:
        # below its least flow: a constant-power pump would need more than its maximum head
        # there (EPANET's own head at such flows leaves the constant-power law)
        return (
            f"{name} on pipe {pump.pipe} runs at {1000 * q:.3g} L/s, below the "
            f"{1000 * power / max_head:.3g} L/s {size.name} needs to stay within its "
            f"{max_head:g} m maximum head"
        )
    if h > max_head + tol:
        return (
            f"{name} on pipe {pump.pipe} adds {h:.2f} m, above the {max_head:g} m "
            f"maximum head of {size.name}"
        )
    return None


def _verification(
    tree: TreeInstance,
    pumps: Sequence[PlannedPump],
    catalogue: Catalogue,
    pressure: np.ndarray,
    names: dict[PlannedPump, str],
    pump_flow: dict[str, float],
    pump_head: dict[str, float],
    converged: bool,
    predicted: np.ndarray | None,
    tol: float,
) -> Verification:
    """What the simulated ``pressure`` (by tree node) and pump runs say about the plan."""
    limits = assess_pressures(tree, pressure, tol=tol)
    if predicted is None:
        predicted = np.full(tree.n, np.nan)
        error = float("nan")
    else:
        wet = np.asarray(tree.checked, dtype=bool) & (np.asarray(tree.flow) > 0)
        diff = np.abs(pressure[wet] - predicted[wet])
        error = float(diff.max()) if diff.size else 0.0
    faults = []
    for pump, name in names.items():
        q, h = pump_flow.get(name, 0.0), pump_head.get(name, 0.0)
        fault = pump_fault(name, pump, catalogue, q, h, tol)
        if fault is not None:
            faults.append(fault)
    result = Verification(
        pressure=pressure,
        linear_pressure=predicted,
        below_min=limits.below_min,
        above_max=limits.above_max,
        min_margin=limits.min_margin,
        mean_slack=limits.mean_slack,
        max_model_error=error,
        verified=converged and not (len(limits.below_min) or len(limits.above_max) or faults),
        pumps=names,
        pump_flow=pump_flow,
        pump_head=pump_head,
        pump_faults=tuple(faults),
        converged=converged,
    )
    logger.info(
        "%s: %d pump(s), %d node(s) below P_min, %d pump fault(s), model error %.2g m",
        tree.name,
        len(names),
        len(limits.below_min),
        len(faults),
        result.max_model_error,
    )
    return result


def tree_plan(
    tree: TreeInstance, placement: Placement, catalogue: Catalogue
) -> tuple[tuple[PlannedPump, ...], np.ndarray]:
    """The plan of a tree placement (checked) and the tree model's prediction of it."""
    _checked_placement(tree, placement, catalogue)
    return planned_pumps(tree, dict(placement)), predicted_pressure(tree, placement, catalogue)


def predicted_pressure(
    tree: TreeInstance, placement: Placement, catalogue: Catalogue
) -> np.ndarray:
    """The tree model's prediction of a placement: ``p_v + B_v``."""
    return np.asarray(tree.pressure, dtype=float) + tree.boost(placement, catalogue)


def verify_pumps_simulator(
    wn: wntr.network.WaterNetworkModel,
    tree: TreeInstance,
    pumps: Sequence[PlannedPump],
    catalogue: Catalogue,
    *,
    predicted: np.ndarray | None = None,
    tol: float = DEFAULT_TOL,
) -> Verification:
    """The reference engine: a wntr copy with pumps (:func:`with_pumps`), ``EpanetSimulator``.

    Same arguments and result as :func:`verify_pumps`; slower (copy, write, binary output).
    """
    pumped, names = with_pumps(wn, pumps, catalogue)
    state = simulate(pumped, tree.demand_factor, tree.meta.get("hour"))
    pressure = state.pressure.reindex(list(tree.node_names)).to_numpy(dtype=float)
    flow = {name: float(state.flow[name]) for name in names.values()}
    head = {
        name: float(state.head[pumped.get_link(name).end_node_name])
        - float(state.head[pumped.get_link(name).start_node_name])
        for name in names.values()
    }
    return _verification(tree, pumps, catalogue, pressure, names, flow, head, True, predicted, tol)


def verify_placement_simulator(
    wn: wntr.network.WaterNetworkModel,
    tree: TreeInstance,
    placement: Placement,
    catalogue: Catalogue,
    *,
    tol: float = DEFAULT_TOL,
) -> Verification:
    """:func:`verify_pumps_simulator` of a tree placement, with the tree model's prediction."""
    pumps, predicted = tree_plan(tree, placement, catalogue)
    return verify_pumps_simulator(wn, tree, pumps, catalogue, predicted=predicted, tol=tol)


class Verifier:
    """Verifies plans on one network at one demand factor and hour, ~15 ms each.

    The network is written once (:class:`~wdnopt.models.pumps.hydraulics.PumpedNetworkSolver`,
    files in a temporary directory of its own); ``wn`` must not be edited while the verifier is
    in use. One verifier serves one thread at a time (calls are serialised by a lock).
    """

    def __init__(
        self,
        wn: wntr.network.WaterNetworkModel,
        factor: float,
        hour: int | None = None,
        *,
        signature: int | None = None,
    ) -> None:
        self._solver = PumpedNetworkSolver(wn, factor, hour, signature=signature)
        self.network = wn.name
        self.factor = self._solver.factor
        self.hour = self._solver.hour
        self._last: tuple[tuple[PumpSpec, ...], PumpedState] | None = None

    def run(
        self, pumps: Sequence[PlannedPump], catalogue: Catalogue
    ) -> tuple[PumpedState, dict[PlannedPump, str]]:
        """The network's steady state with the planned pumps, and each pump's name.

        The same pumps (names, pipes, powers) as the run before are not simulated again: the
        state of that run is returned (the network is the same: see :func:`cached_verifier`).
        """
        specs = tuple(
            pump_specs(
                pumps,
                catalogue,
                self._solver.names,
                self._solver.elevation,
                self._solver.curve_names,
            )
        )
        last = self._last
        if last is not None and last[0] == specs:
            state = last[1]
        else:
            state = self._solver.run(specs)
            self._last = (specs, state)
        return state, {p: s.pump for p, s in zip(pumps, specs, strict=True)}

    def verify_pumps(
        self,
        tree: TreeInstance,
        pumps: Sequence[PlannedPump],
        catalogue: Catalogue,
        *,
        predicted: np.ndarray | None = None,
        tol: float = DEFAULT_TOL,
    ) -> Verification:
        """Simulate the network with the planned pumps; ``tree`` is a model of it at this
        verifier's demand factor (and hour, when ``tree.meta['hour']`` is set)."""
        return self.check(tree, pumps, catalogue, predicted=predicted, tol=tol)[0]

    def check(
        self,
        tree: TreeInstance,
        pumps: Sequence[PlannedPump],
        catalogue: Catalogue,
        *,
        predicted: np.ndarray | None = None,
        tol: float = DEFAULT_TOL,
    ) -> tuple[Verification, PumpedState]:
        """:meth:`verify_pumps` and the steady state it judged."""
        hour = tree.meta.get("hour")
        if tree.demand_factor != self.factor or (hour is not None and hour != self.hour):
            raise ValueError(
                f"tree {tree.name} at factor {tree.demand_factor:g}, hour {hour}: this verifier "
                f"is for factor {self.factor:g}, hour {self.hour}"
            )
        with paused_gc():  # see :mod:`~wdnopt.models.pumps.collector`
            state, names = self.run(pumps, catalogue)
            pressure = state.pressure.reindex(list(tree.node_names)).to_numpy(dtype=float)
        verdict = _verification(
            tree,
            pumps,
            catalogue,
            pressure,
            names,
            state.pump_flow,
            state.pump_head,
            state.converged,
            predicted,
            tol,
        )
        return verdict, state

    def verify(
        self,
        tree: TreeInstance,
        placement: Placement,
        catalogue: Catalogue,
        *,
        tol: float = DEFAULT_TOL,
    ) -> Verification:
        """:meth:`verify_pumps` of a tree placement, with the tree model's prediction."""
        pumps, predicted = tree_plan(tree, placement, catalogue)
        return self.verify_pumps(tree, pumps, catalogue, predicted=predicted, tol=tol)

    def close(self) -> None:
        self._solver.close()

    def __enter__(self) -> Verifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Cache(threading.local):
    """Per-thread verifiers: key ``(id(wn), factor, hour)`` → (weak ``wn``, signature, verifier)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.entries: OrderedDict[
            tuple[int, float, int | None], tuple[weakref.ref, int, Verifier]
        ] = OrderedDict()


_CACHE = _Cache()


def clear_verifier_cache() -> None:
    """Drop this thread's cached verifiers (and their temporary files)."""
    for _, _, verifier in _CACHE.entries.values():
        verifier.close()
    _CACHE.entries.clear()


def cached_verifier(
    wn: wntr.network.WaterNetworkModel, factor: float, hour: int | None = None
) -> Verifier:
    """This thread's :class:`Verifier` for ``wn`` at ``factor`` and ``hour``, made if needed.

    Reused only for the same network object whose
    :func:`~wdnopt.models.pumps.hydraulics.network_signature` is unchanged.
    """
    if _CACHE.pid != os.getpid():  # a forked process: the parent's files are not ours
        _CACHE.entries = OrderedDict()
        _CACHE.pid = os.getpid()
    key = (id(wn), float(factor), hour)
    with paused_gc():
        signature = network_signature(wn)
    entry = _CACHE.entries.get(key)
    if entry is not None:
        ref, old_signature, verifier = entry
        if ref() is wn and old_signature == signature:
            _CACHE.entries.move_to_end(key)
            return verifier
        del _CACHE.entries[key]
        verifier.close()
        logger.debug("%s at factor %g: network changed, verifier rebuilt", wn.name, factor)
    with paused_gc():
        verifier = Verifier(wn, factor, hour, signature=signature)
    _CACHE.entries[key] = (weakref.ref(wn), signature, verifier)
    while len(_CACHE.entries) > CACHE_SIZE:
        _, (_, _, dropped) = _CACHE.entries.popitem(last=False)
        dropped.close()
    return verifier


def verify_placement(
    wn: wntr.network.WaterNetworkModel,
    tree: TreeInstance,
    placement: Placement,
    catalogue: Catalogue,
    *,
    tol: float = DEFAULT_TOL,
) -> Verification:
    """Simulate ``wn`` with the pumps of a tree placement at the tree's demand factor.

    ``tree`` must be a model of ``wn`` (e.g. from
    :func:`~wdnopt.models.pumps.instance.tree_instance`); its hour (``meta['hour']``) and
    demand factor are used. Runs on a cached :class:`Verifier` (see the module's notes);
    :func:`verify_placement_simulator` is the reference engine.
    """
    _checked_placement(tree, placement, catalogue)
    verifier = cached_verifier(wn, tree.demand_factor, tree.meta.get("hour"))
    return verifier.verify(tree, placement, catalogue, tol=tol)


def verify_pumps(
    wn: wntr.network.WaterNetworkModel,
    tree: TreeInstance,
    pumps: Sequence[PlannedPump],
    catalogue: Catalogue,
    *,
    predicted: np.ndarray | None = None,
    tol: float = DEFAULT_TOL,
) -> Verification:
    """Simulate ``wn`` with the planned pumps (cached :class:`Verifier`); pressures are read
    at the nodes of the model ``tree`` and compared with its limits and ``predicted``."""
    verifier = cached_verifier(wn, tree.demand_factor, tree.meta.get("hour"))
    return verifier.verify_pumps(tree, pumps, catalogue, predicted=predicted, tol=tol)
