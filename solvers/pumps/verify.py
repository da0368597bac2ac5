"""Verify a placement in EPANET: insert constant-power pumps, simulate, read the pressures.

A placement ``{v: k}`` puts a size-``k`` pump on the incoming link ``e_v`` of node ``v``. In a
copy of the tree network each such link is **re-attached, not split**: a new junction ``X_v``
(zero demand, at the parent's elevation and position) takes the place of the parent ``a(v)``
at the link's parent end, and an EPANET constant-power pump ``a(v) → X_v`` is added. The link
keeps its length, diameter, roughness and minor loss, so its head loss at the (unchanged) flow
``q_v`` stays the same, and the pump adds

.. math:: H_{v,k} = \\frac{\\eta_k W_k}{\\rho g\\, q_v}

between ``a(v)`` and the link. On a tree the simulated pressure must then be ``p_u + B_u``
(:meth:`~wdnopt.models.pumps.tree.TreeInstance.boost`) at every node ``u``.

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
(:class:`~wdnopt.solvers.pumps.fast_verify.PumpedNetworkSolver`): the same pumps, names and
powers, about 20 ms. Its pressures are read in double precision where the simulator's binary
output holds single precision, so the two differ by the latter's rounding (a few µm).

:func:`verify_placement` uses a :class:`Verifier` from a small cache of its own in each thread
of each process, keyed by the network object (held weakly), the demand factor and the hour, and
checked against :func:`~wdnopt.solvers.pumps.fast_verify.network_signature` at every call, so
an edited network, another network or another factor never reuses a stale ``.inp``.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import wntr
from wntr.epanet.util import FlowUnits, HydParam, from_si

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.costs import RHO_G, Catalogue, Placement
from wdnopt.models.pumps.hydraulics import simulate
from wdnopt.models.pumps.tree import TreeInstance, assess_pressures
from wdnopt.solvers.pumps.fast_verify import PumpedNetworkSolver, PumpSpec, network_signature

logger = logging.getLogger(__name__)

EPANET_RHO_G = 0.7457 * 1000 / (8.814 * 0.3048 * 28.317)
"""Specific weight (kN/m³) implied by EPANET's constant-power pump in an LPS file:
``8.814`` ft·(cfs)/hp, 0.7457 kW/hp, 0.3048 m/ft, 28.317 L/s per cfs."""

DEFAULT_TOL = 5e-3
"""Pressure tolerance (m) when comparing simulated pressures with ``P_min`` and ``P_max``."""

CACHE_SIZE = 4
"""Verifiers kept per thread by :func:`verify_placement` (least recently used dropped)."""


@dataclass(frozen=True)
class Verification:
    """The EPANET pressures of a placement and what they say about it."""

    pressure: np.ndarray
    """Simulated pressure at every node of the tree instance (same indices), m."""
    linear_pressure: np.ndarray
    """``p_v + B_v`` of the linear tree model, m."""
    below_min: np.ndarray
    """Checked nodes still below ``P_min − tol`` (indices)."""
    above_max: np.ndarray
    """Checked nodes above ``P_max + tol`` (indices; empty without a ceiling)."""
    min_margin: float
    """Smallest ``P_v − P_min`` over checked nodes, m."""
    mean_slack: float
    """Mean ``(P_v − P_min)/P_min`` over the nodes deficient before placement (0 if none)."""
    max_model_error: float
    """Largest ``|P_v − (p_v + B_v)|`` over checked nodes with flow, m."""
    verified: bool
    """True when no checked node is below ``P_min`` or above ``P_max`` (within ``tol``)."""
    pumps: dict[int, str] = field(default_factory=dict)
    """Node index → name of the pump inserted on its incoming link."""


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


def pump_specs(
    tree: TreeInstance,
    placement: Placement,
    catalogue: Catalogue,
    taken: set[str] | frozenset[str],
    elevation: Mapping[str, float],
) -> list[PumpSpec]:
    """The pumps of a placement: names (not among ``taken``), ends, power as wntr writes it.

    ``elevation`` gives each node's elevation (a reservoir's head). The names and powers are
    those of :func:`with_pumps`: ``X{v}`` and ``BP{v}`` (with ``_1``, ``_2``, … on a clash).
    """
    used = set(taken)
    specs = []
    for v, k in _checked_placement(tree, placement, catalogue):
        parent = tree.node_names[tree.parent[v]]
        x_name, pump_name = _fresh_name(f"X{v}", used), _fresh_name(f"BP{v}", used)
        used.update((x_name, pump_name))
        power_kw = from_si(FlowUnits.LPS, pump_power_w(catalogue, k), HydParam.Power)
        specs.append(
            PumpSpec(
                link=str(tree.pipe_names[v]),
                parent=parent,
                junction=x_name,
                pump=pump_name,
                elevation=float(elevation[parent]),
                power=str(power_kw),
            )
        )
    return specs


def with_pumps(
    wn: wntr.network.WaterNetworkModel,
    tree: TreeInstance,
    placement: Placement,
    catalogue: Catalogue,
) -> tuple[wntr.network.WaterNetworkModel, dict[int, str]]:
    """A copy of ``wn`` with a constant-power pump on ``e_v`` for every ``v`` of the placement."""
    out = copy.deepcopy(wn)
    out.options.hydraulic.inpfile_units = "LPS"
    names: dict[int, str] = {}
    for v, k in _checked_placement(tree, placement, catalogue):
        link_name = tree.pipe_names[v]
        parent = tree.node_names[tree.parent[v]]
        link = out.get_link(link_name)
        node = out.get_node(parent)
        elevation = getattr(node, "elevation", None)
        if elevation is None:  # a reservoir
            elevation = node.base_head
        x_name, pump_name = _fresh(out, f"X{v}"), _fresh(out, f"BP{v}")
        out.add_junction(x_name, base_demand=0.0, elevation=elevation, coordinates=node.coordinates)
        x_node = out.get_node(x_name)
        if link.start_node_name == parent:
            link.start_node = x_node
        else:
            link.end_node = x_node
        power_w = pump_power_w(catalogue, k)
        out.add_pump(pump_name, parent, x_name, pump_type="POWER", pump_parameter=power_w)
        names[v] = pump_name
    return out, names


def _fresh(wn: wntr.network.WaterNetworkModel, base: str) -> str:
    name, i = base, 0
    while name in wn.node_name_list or name in wn.link_name_list:
        i += 1
        name = f"{base}_{i}"
    return name


def _verification(
    tree: TreeInstance,
    placement: Placement,
    catalogue: Catalogue,
    pressure: np.ndarray,
    names: dict[int, str],
    tol: float,
) -> Verification:
    """What the simulated ``pressure`` (by tree node) says about the placement."""
    linear = np.asarray(tree.pressure, dtype=float) + tree.boost(placement, catalogue)
    limits = assess_pressures(tree, pressure, tol=tol)
    wet = np.asarray(tree.checked, dtype=bool) & (np.asarray(tree.flow) > 0)
    error = np.abs(pressure[wet] - linear[wet])
    result = Verification(
        pressure=pressure,
        linear_pressure=linear,
        below_min=limits.below_min,
        above_max=limits.above_max,
        min_margin=limits.min_margin,
        mean_slack=limits.mean_slack,
        max_model_error=float(error.max()) if error.size else 0.0,
        verified=not (len(limits.below_min) or len(limits.above_max)),
        pumps=names,
    )
    logger.info(
        "%s: %d pump(s), %d node(s) below P_min, model error %.2g m",
        tree.name,
        len(names),
        len(limits.below_min),
        result.max_model_error,
    )
    return result


def verify_placement_simulator(
    wn: wntr.network.WaterNetworkModel,
    tree: TreeInstance,
    placement: Placement,
    catalogue: Catalogue,
    *,
    tol: float = DEFAULT_TOL,
) -> Verification:
    """The reference engine: a wntr copy with pumps (:func:`with_pumps`), ``EpanetSimulator``.

    Same arguments and result as :func:`verify_placement`; slower (copy, write, binary output).
    """
    pumped, names = with_pumps(wn, tree, placement, catalogue)
    state = simulate(pumped, tree.demand_factor, tree.meta.get("hour"))
    pressure = state.pressure.reindex(list(tree.node_names)).to_numpy(dtype=float)
    return _verification(tree, placement, catalogue, pressure, names, tol)


class Verifier:
    """Verifies placements on one network at one demand factor and hour, ~15 ms each.

    The network is written once (:class:`~wdnopt.solvers.pumps.fast_verify.PumpedNetworkSolver`,
    files in a temporary directory of its own); ``wn`` must not be edited while the verifier is
    in use. One verifier serves one thread at a time (calls are serialised by a lock).
    """

    def __init__(
        self, wn: wntr.network.WaterNetworkModel, factor: float, hour: int | None = None
    ) -> None:
        self._solver = PumpedNetworkSolver(wn, factor, hour)
        self.network = wn.name
        self.factor = self._solver.factor
        self.hour = self._solver.hour

    def verify(
        self,
        tree: TreeInstance,
        placement: Placement,
        catalogue: Catalogue,
        *,
        tol: float = DEFAULT_TOL,
    ) -> Verification:
        """Simulate the network with the placement's pumps; ``tree`` is its instance at
        this verifier's demand factor (and hour, when ``tree.meta['hour']`` is set)."""
        hour = tree.meta.get("hour")
        if tree.demand_factor != self.factor or (hour is not None and hour != self.hour):
            raise ValueError(
                f"tree {tree.name} at factor {tree.demand_factor:g}, hour {hour}: this verifier "
                f"is for factor {self.factor:g}, hour {self.hour}"
            )
        specs = pump_specs(tree, placement, catalogue, self._solver.names, self._solver.elevation)
        pressure = self._solver.pressures(tree.node_names, specs)
        names = {v: s.pump for (v, _), s in zip(sorted(placement.items()), specs, strict=True)}
        return _verification(tree, placement, catalogue, pressure, names, tol)

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
    :func:`~wdnopt.solvers.pumps.fast_verify.network_signature` is unchanged.
    """
    if _CACHE.pid != os.getpid():  # a forked process: the parent's files are not ours
        _CACHE.entries = OrderedDict()
        _CACHE.pid = os.getpid()
    key = (id(wn), float(factor), hour)
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
    verifier = Verifier(wn, factor, hour)
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
    """Simulate the tree network ``wn`` with the placement's pumps at the tree's demand factor.

    ``tree`` must be the instance of ``wn`` (e.g. from
    :func:`~wdnopt.models.pumps.instance.tree_instance`); its hour (``meta['hour']``) and
    demand factor are used. Runs on a cached :class:`Verifier` (see the module's notes);
    :func:`verify_placement_simulator` is the reference engine.
    """
    _checked_placement(tree, placement, catalogue)
    verifier = cached_verifier(wn, tree.demand_factor, tree.meta.get("hour"))
    return verifier.verify(tree, placement, catalogue, tol=tol)
