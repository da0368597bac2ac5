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
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field

import numpy as np
import wntr

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.costs import RHO_G, Catalogue, Placement
from wdnopt.models.pumps.hydraulics import simulate
from wdnopt.models.pumps.tree import TreeInstance

logger = logging.getLogger(__name__)

EPANET_RHO_G = 0.7457 * 1000 / (8.814 * 0.3048 * 28.317)
"""Specific weight (kN/m³) implied by EPANET's constant-power pump in an LPS file:
``8.814`` ft·(cfs)/hp, 0.7457 kW/hp, 0.3048 m/ft, 28.317 L/s per cfs."""

DEFAULT_TOL = 5e-3
"""Pressure tolerance (m) when comparing simulated pressures with ``P_min`` and ``P_max``."""


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


def with_pumps(
    wn: wntr.network.WaterNetworkModel,
    tree: TreeInstance,
    placement: Placement,
    catalogue: Catalogue,
) -> tuple[wntr.network.WaterNetworkModel, dict[int, str]]:
    """A copy of ``wn`` with a constant-power pump on ``e_v`` for every ``v`` of the placement."""
    out = copy.deepcopy(wn)
    out.options.hydraulic.inpfile_units = "LPS"
    hydraulic_kw = catalogue.hydraulic_kw
    names: dict[int, str] = {}
    for v, k in sorted(placement.items()):
        if not (0 <= v < tree.n) or tree.parent[v] < 0 or not (0 <= k < len(catalogue)):
            raise InputError.single(
                "a placement on a non-root node with a catalogue size",
                field="placement",
                got=f"node {v}, size {k}",
            )
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
        power_w = hydraulic_kw[k] * EPANET_RHO_G / RHO_G * 1000.0
        out.add_pump(pump_name, parent, x_name, pump_type="POWER", pump_parameter=power_w)
        names[v] = pump_name
    return out, names


def _fresh(wn: wntr.network.WaterNetworkModel, base: str) -> str:
    name, i = base, 0
    while name in wn.node_name_list or name in wn.link_name_list:
        i += 1
        name = f"{base}_{i}"
    return name


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
    demand factor are used.
    """
    pumped, names = with_pumps(wn, tree, placement, catalogue)
    state = simulate(pumped, tree.demand_factor, tree.meta.get("hour"))
    pressure = state.pressure.reindex(list(tree.node_names)).to_numpy(dtype=float)
    linear = np.asarray(tree.pressure, dtype=float) + tree.boost(placement, catalogue)
    checked = np.asarray(tree.checked, dtype=bool)
    below = np.flatnonzero(checked & (pressure < tree.p_min - tol))
    if tree.p_max is not None:
        above = np.flatnonzero(checked & (pressure > tree.p_max + tol))
    else:
        above = np.array([], dtype=int)
    margins = pressure[checked] - tree.p_min
    was = np.asarray(tree.deficient, dtype=bool)
    slack = (pressure[was] - tree.p_min) / tree.p_min
    wet = checked & (np.asarray(tree.flow) > 0)
    error = np.abs(pressure[wet] - linear[wet])
    result = Verification(
        pressure=pressure,
        linear_pressure=linear,
        below_min=below,
        above_max=above,
        min_margin=float(margins.min()) if margins.size else float("inf"),
        mean_slack=float(slack.mean()) if slack.size else 0.0,
        max_model_error=float(error.max()) if error.size else 0.0,
        verified=not (len(below) or len(above)),
        pumps=names,
    )
    logger.info(
        "%s: %d pump(s), %d node(s) below P_min, model error %.2g m",
        tree.name,
        len(names),
        len(below),
        result.max_model_error,
    )
    return result
