"""The MILP relaxation of booster pump placement on a looped network: a certified lower bound.

The true problem (``real-networks.md``): choose at most one catalogue size ``k`` per candidate
pipe ``e`` (a pump at its upstream end ``u_e``, pushing away from it) so that EPANET's steady
state of the network with the pumps has every checked junction within ``[P_min, P_max]`` and
every new pump running forward within its maximum head, at least cost. This module builds a
MILP whose feasible set contains the EPANET state of every such plan (within the head box
below), so its optimum is a lower bound on the optimum of the true problem.

**Variables.** Heads ``h_v`` of junctions (reservoirs and tanks hold their heads of the state),
flows ``q_e`` of every open link (positive from its start node to its end node), pump choices
``y_{e,k} ∈ {0,1}``, pump heads ``g_{e,k} ≥ 0`` and ``w_{e,k} = y_{e,k} f_e`` (the pump's flow;
``f_e = σ_e q_e`` is the flow away from ``u_e``, ``σ_e = ±1``).

**Constraints** (one family per function below, each with its formula):

- mass balance at every junction (:func:`_balance`);
- the head loss of each pipe, :math:`h_a - h_b + \\sigma_e \\sum_k g_{e,k} = \\Delta_e`,
  with :math:`\\Delta_e` bounded by tangents of the law below and its chord above on the flow
  bounds, split by a direction binary where the flow can take both signs (:func:`_pipes`);
- existing pumps (their curves, with an on/off binary) and valves (:func:`_pumps`,
  :func:`_valves`);
- a new pump of hydraulic power ``P_k`` has :math:`g = c_k / w` with :math:`c_k = P_k/(\\rho g)`
  on :math:`w \\in [c_k/H^{max}_k, \\bar f_e]` (:func:`_new_pumps`); a new curve pump
  :math:`g = h_k(w) = A_k - B_k w^{C_k}` on :math:`w \\in [0, Q^{max}_k]`, below its tangents
  and above its secants when ``C ≥ 1`` (concave), below its secants when ``C < 1``
  (:func:`_curve_pump`);
- pressure limits at the checked junctions; the cost :math:`\\sum c_{e,k} y_{e,k}` (``c_k``
  for a constant-power size; a curve size's energy priced at its pipe's unpumped flow, as
  :meth:`~wdnopt.models.pumps.problem.PumpProblem.price_pumps` prices it).

**What "valid" rests on.** Every bound of the model follows from the head envelope of
:func:`head_box`: checked junctions between ``P_min`` and ``P_max`` (the problem's own limits),
and no junction's head moved by a plan by more than ``E`` from the unpumped state, ``E`` the sum
of the maximum heads of as many pumps as the incumbent's cost allows (a no-gain property of
networks of monotone elements; an assumption only where regulating valves sit). Flow bounds
follow from it (a pipe cannot lose more head than its ends' envelopes allow) and are tightened
by bound tightening on the relaxation itself. Existing pumps off in the unpumped state stay off.
The tests check that the relaxation accepts the simulated state of every plan that holds on
small networks (all placements enumerated) and of sampled plans on Net3.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo

from wdnopt.models.pumps.costs import RHO_G, Catalogue
from wdnopt.models.pumps.curve_cuts import Line, SiCurve, curve_lines
from wdnopt.models.pumps.curves import epanet_coefficients, epanet_power_function
from wdnopt.models.pumps.head_loss import (
    CUT_SLACK,
    NU_WATER,
    HeadLoss,
    over_line,
    pipe_law,
    under_line,
)
from wdnopt.models.pumps.hydraulics import FLOW_ROUNDOFF
from wdnopt.models.pumps.laws import TablePumpLaw
from wdnopt.models.pumps.network import PRESSURE_TOL, NetworkState, PlannedPump

logger = logging.getLogger(__name__)

TANGENTS = 5
"""Tangent points per law at the start (more are added where the relaxation's flows sit)."""

Q_CAP = 100.0
"""Largest flow (m³/s) any bound starts from."""

DIRECTION_MIN = 1e-6
"""A bound closer to 0 than this (m³/s) counts as 0 when deciding a flow's sign."""


@dataclass(frozen=True)
class Candidate:
    """A pipe a new pump may go on."""

    pipe: str
    upstream: str
    sign: int
    """+1 when ``upstream`` is the pipe's start node (the pump pushes start → end), else −1."""
    sizes: tuple[int, ...]
    """Catalogue sizes that can run on it within their maximum heads and the flow bounds."""


@dataclass(frozen=True, eq=False)
class NetworkData:
    """What the relaxation needs of a network state, read once."""

    junctions: tuple[str, ...]
    fixed: dict[str, float]
    """Reservoirs and tanks → their heads in the state, m."""
    elevation: dict[str, float]
    demand: dict[str, float]
    """Junction → demand in the state, m³/s."""
    links: tuple[str, ...]
    """Open links (closed pipes and valves, and pumps off in the state, are left out)."""
    ends: dict[str, tuple[str, str]]
    kind: dict[str, str]
    """Link → ``pipe``, ``cv`` (a pipe with a check valve), ``tcv``, ``pump``, ``power``
    (a constant-power pump), ``forward`` (a PRV or PSV: flow only start → end) or ``free``
    (another valve: no head relation)."""
    laws: dict[str, HeadLoss]
    """Pipes and TCVs → their head-loss law."""
    curves: dict[str, tuple[float, float, float]]
    """Existing head-curve pumps → ``(A, B, C)`` of ``A − B q^C``."""
    power: dict[str, float]
    """Existing constant-power pumps → ``P/(ρ g)`` (m·m³/s)."""
    checked: frozenset[str]
    p_min: float
    p_max: float | None
    state_head: dict[str, float]
    state_flow: dict[str, float]
    curve_points: dict[str, tuple[tuple[float, float], ...]] = field(default_factory=dict)
    """Existing pumps on a curve EPANET interpolates (two points, more than three, or three
    whose first flow is not zero) → its points ``(Q, H)`` (such a pump has no ``curves``
    entry)."""


def network_data(net: NetworkState) -> NetworkData:
    """Read the network and its unpumped state (``net``) for the relaxation."""
    wn, state = net.wn, net.state
    import wntr  # lazy: seconds to import, and only looped networks reach here

    closed = wntr.network.LinkStatus.Closed
    formula = wn.options.hydraulic.headloss
    nu = NU_WATER * float(wn.options.hydraulic.viscosity or 1.0)
    fixed = {n: float(state.head[n]) for n in wn.reservoir_name_list + wn.tank_name_list}
    junctions = tuple(wn.junction_name_list)
    links, ends, kind, laws, curves, power = [], {}, {}, {}, {}, {}
    points: dict[str, tuple[tuple[float, float], ...]] = {}
    for name, link in wn.links():
        q = float(state.flow.get(name, 0.0))
        if link.link_type == "Pipe":
            if link.initial_status == closed:
                continue
            kind[name] = "cv" if link.check_valve else "pipe"
            laws[name] = pipe_law(link, formula, nu)
        elif link.link_type == "Pump":
            if abs(q) <= FLOW_ROUNDOFF or link.initial_status == closed:
                continue  # off in the state: stays off
            if link.pump_type == "POWER":
                kind[name] = "power"
                power[name] = float(link.power) / 1000.0 / RHO_G
            else:
                kind[name] = "pump"
                curve = link.get_pump_curve()
                pts = tuple((float(a), float(b)) for a, b in curve.points)
                if epanet_power_function(pts):  # EPANET's own fit (wntr's differs slightly)
                    curves[name] = epanet_coefficients(pts)
                else:  # EPANET interpolates the points (its custom curve)
                    points[name] = pts
        else:
            if link.initial_status == closed:
                continue
            vt = link.valve_type
            if vt == "TCV":
                kind[name] = "tcv"
                laws[name] = pipe_law(link, formula, nu)
            elif vt in ("PRV", "PSV"):
                kind[name] = "forward"
            else:
                kind[name] = "free"
        links.append(name)
        ends[name] = (link.start_node_name, link.end_node_name)
    return NetworkData(
        junctions=junctions,
        fixed=fixed,
        elevation={n: float(wn.get_node(n).elevation) for n in junctions},
        demand={n: float(state.demand[n]) for n in junctions},
        links=tuple(links),
        ends=ends,
        kind=kind,
        laws=laws,
        curves=curves,
        power=power,
        checked=net.checked,
        p_min=net.p_min,
        p_max=net.p_max,
        state_head={n: float(v) for n, v in state.head.items()},
        state_flow={n: float(v) for n, v in state.flow.items()},
        curve_points=points,
    )


def candidates(data: NetworkData) -> list[tuple[str, str, int]]:
    """Candidate pipes: ``(pipe, upstream, sign)`` of every pipe with flow in the state."""
    out = []
    for name in data.links:
        if data.kind[name] not in ("pipe", "cv"):
            continue
        q = data.state_flow.get(name, 0.0)
        if abs(q) <= FLOW_ROUNDOFF:
            continue
        a, b = data.ends[name]
        out.append((name, a, 1) if q > 0 else (name, b, -1))
    return out


@dataclass(frozen=True)
class HeadBox:
    """The head envelope of every junction, m: the states the bound is certified for."""

    low: dict[str, float]
    high: dict[str, float]
    envelope: float
    """``E``: how far (m) a plan may move a junction's pressure from the unpumped state."""

    @property
    def span(self) -> float:
        """Largest head difference between two nodes inside the box."""
        return max(self.high.values(), default=0.0) - min(self.low.values(), default=0.0)


def affordable_head(
    heads: np.ndarray, costs: np.ndarray | None, n: int, budget: float | None
) -> float:
    """The largest total maximum head that at most ``n`` pumps (one per candidate pipe) can
    add at a total cost of at most ``budget``: the LP bound of the knapsack

    .. math:: \\max \\sum_k H_k n_k \\quad \\text{s.t.} \\quad \\sum_k n_k \\le n, \\quad
        \\sum_k c_k n_k \\le B, \\quad n_k \\ge 0,

    ``n_k`` the pumps of size ``k`` (``H_k`` its maximum head, ``c_k`` its cost). Its LP
    optimum is at least the integer one, so it bounds every plan that costs at most ``B``.
    Without a budget (or costs): the ``n`` largest heads, sizes repeated."""
    heads = np.where(np.isfinite(heads), heads, 1e3).astype(float)
    n = max(int(n), 0)
    if n == 0 or not len(heads):
        return 0.0
    if budget is None or costs is None or not np.isfinite(budget):
        return float(n * heads.max())
    from scipy.optimize import linprog  # lazy: only with a budget (scipy.optimize is slow to load)

    costs = np.maximum(np.asarray(costs, dtype=float), 0.0)
    res = linprog(
        -heads,
        A_ub=np.vstack([np.ones_like(heads), costs]),
        b_ub=[float(n), max(float(budget), 0.0)],
        bounds=[(0, None)] * len(heads),
        method="highs",
    )
    if res.status != 0:
        return float(n * heads.max())
    return float(min(-res.fun * (1 + 1e-9) + 1e-9, n * heads.max()))


def head_box(
    data: NetworkData,
    catalogue: Catalogue,
    n_max: int | None = None,
    envelope: float | None = None,
    *,
    costs: np.ndarray | None = None,
    budget: float | None = None,
) -> HeadBox:
    """The head envelope of the module notes, per junction ``j``:

    .. math::
        z_j + \\underline p_j \\le h_j \\le z_j + \\overline p_j, \\qquad
        \\underline p_j = P_{min} \\;(j \\text{ checked}), \\;
        p^0_j - E \\;(\\text{else}), \\qquad
        \\overline p_j = \\min(p^0_j + E, P_{max})

    with ``p⁰`` the unpumped state's pressures and ``E`` (default) the largest total maximum
    head of at most ``n_max`` pumps (default one per candidate pipe) costing at most ``budget``
    together (:func:`affordable_head`; with no budget, ``n_max`` times the largest head). In a
    network of monotone elements (pipes, check valves, pumps with falling curves) with fixed
    demands, head sources ``g_1, …, g_n`` added in series move no head by
    more than :math:`\\sum_i g_i`; regulating valves are not monotone elements, so on networks
    with them the envelope is an assumption (reported with the bound).
    """
    heads = np.asarray(catalogue.max_head_m, dtype=float)
    n = len(candidates(data)) if n_max is None else max(int(n_max), 0)
    e = float(envelope) if envelope is not None else affordable_head(heads, costs, n, budget)
    low, high = {}, {}
    for j in data.junctions:
        z = data.elevation[j]
        p0 = data.state_head.get(j, z) - z
        hi = p0 + e
        if j in data.checked:  # the check's limits, with its tolerance
            lo = data.p_min - PRESSURE_TOL
            if data.p_max is not None:
                hi = min(hi, data.p_max + PRESSURE_TOL)
            hi = max(hi, lo)
        else:
            lo = p0 - e
        low[j], high[j] = z + lo, z + hi
    for name, h in data.fixed.items():
        low[name] = high[name] = h
    return HeadBox(low=low, high=high, envelope=e)


@dataclass
class Bounds:
    """Flow bounds by link (m³/s) and per-junction head bounds."""

    q_lo: dict[str, float]
    q_hi: dict[str, float]
    h_lo: dict[str, float]
    h_hi: dict[str, float]


def initial_bounds(
    data: NetworkData, box: HeadBox, cands: list[tuple[str, str, int]], catalogue: Catalogue
) -> Bounds:
    """Flow bounds from the envelope. A link's head difference :math:`h_a - h_b` moves by at
    most ``E`` from the unpumped state's :math:`\\Delta^0_e` (the no-gain property of
    :func:`head_box`), and a pipe loses :math:`h_a - h_b + \\sigma_e g_e` with
    :math:`0 \\le g_e \\le G` (``G`` the largest maximum head) on a candidate, so

    .. math:: \\varphi_e^{-1}(\\Delta^0_e - E - [\\sigma_e < 0] G) \\le q_e \\le
        \\varphi_e^{-1}(\\Delta^0_e + E + [\\sigma_e > 0] G)

    (``φ⁻¹`` odd, increasing); also within what the ends' envelopes allow. An existing pump's
    gain moves by at most ``E`` as well, which bounds its flow on its curve."""
    heads = np.asarray(catalogue.max_head_m, dtype=float)
    top = float(np.max(np.where(np.isfinite(heads), heads, 200.0)))
    sign_of = {c[0]: c[2] for c in cands}
    q_lo, q_hi = {}, {}
    cap_all = 0.0
    lo_h, hi_h, e_env = box.low, box.high, box.envelope
    h0 = data.state_head

    def reach(e: str) -> float:
        a, b = data.ends[e]
        return max(hi_h[a] - lo_h[b], hi_h[b] - lo_h[a], 0.0)

    def change(e: str) -> tuple[float, float]:
        a, b = data.ends[e]
        d0 = h0[a] - h0[b]
        return d0 - e_env, d0 + e_env

    for name in data.links:
        law = data.laws.get(name)
        if law is None:
            continue
        cap = law.inverse(reach(name) + (top if name in sign_of else 0.0), Q_CAP)
        lo_l, hi_l = change(name)
        s = sign_of.get(name, 0)
        lo_l -= top if s < 0 else 0.0
        hi_l += top if s > 0 else 0.0
        lo = float(np.sign(lo_l)) * law.inverse(abs(lo_l), Q_CAP)
        hi = float(np.sign(hi_l)) * law.inverse(abs(hi_l), Q_CAP)
        q_lo[name], q_hi[name] = max(lo, -cap), min(hi, cap)
        cap_all = max(cap_all, cap)
    for name in data.links:
        k = data.kind[name]
        if k in ("pipe", "tcv"):
            continue
        cap = cap_all if cap_all > 0 else Q_CAP
        if k == "cv":
            q_lo[name] = 0.0
            q_hi[name] = max(q_hi[name], 0.0)
        elif k == "pump":
            lo_l, hi_l = change(name)  # the gain h_b − h_a lies in [−hi_l, −lo_l]
            least_gain = max(-hi_l, -reach(name))
            if name in data.curve_points:  # the flow where the interpolated head falls to it
                pts = sorted(data.curve_points[name])
                table = TablePumpLaw(tuple(x for x, _ in pts), tuple(y for _, y in pts))
                most = table.inverse(-least_gain) if table.phi(Q_CAP) > -least_gain else cap
            else:
                a, b, c = data.curves[name]
                most = ((a - least_gain) / b) ** (1.0 / c) if b > 0 and a > least_gain else cap
            q_lo[name], q_hi[name] = 0.0, min(most, Q_CAP)
        elif k == "power":
            q_lo[name], q_hi[name] = data.power[name] / max(reach(name), 1e-6), cap
        elif k == "forward":
            q_lo[name], q_hi[name] = 0.0, cap
        else:
            q_lo[name], q_hi[name] = -cap, cap
    h_lo = {j: box.low[j] for j in data.junctions}
    h_hi = {j: box.high[j] for j in data.junctions}
    return Bounds(q_lo=q_lo, q_hi=q_hi, h_lo=h_lo, h_hi=h_hi)


def usable_sizes(
    catalogue: Catalogue, forward_hi: float, forward_lo: float = -math.inf
) -> tuple[int, ...]:
    """Sizes that can run on a candidate of forward flows ``[forward_lo, forward_hi]``: a
    constant-power size when its least flow within its maximum head, ``c_k / H^{max}_k``, is
    below ``forward_hi``; a curve size when ``forward_hi > 0`` and ``forward_lo`` is below its
    zero-head flow ``Q_max``."""
    c = catalogue.hydraulic_kw / RHO_G
    q_min = c / (np.asarray(catalogue.max_head_m, dtype=float) + PRESSURE_TOL)
    out = []
    for k, size in enumerate(catalogue.sizes):
        if size.curve is None:
            ok = q_min[k] < forward_hi
        else:
            ok = forward_hi > 0 and forward_lo < size.curve.max_flow
        if ok:
            out.append(k)
    return tuple(out)


def affordable(
    sizes: tuple[int, ...], costs: np.ndarray, max_cost: float | None
) -> tuple[int, ...]:
    """The sizes of ``sizes`` that cost at most ``max_cost`` (``costs`` by size, on one
    candidate; None: all). A plan holding a dearer size costs more than ``max_cost``, so a
    model that seeks plans cheaper than an incumbent of that cost needs no column for it:
    fewer columns and rows, the same optimum and the same bound."""
    if max_cost is None:
        return sizes
    return tuple(k for k in sizes if float(costs[k]) <= max_cost)


def cost_table(costs: np.ndarray, n: int, sizes: int) -> np.ndarray:
    """``c[i, k]``, the cost of size ``k`` on candidate ``i``: ``costs`` as given when it is
    such a table (a curve pump is priced at its pipe's flow), else one row ``c_k`` per
    candidate."""
    return np.broadcast_to(np.asarray(costs, dtype=float), (n, sizes))


@dataclass(frozen=True, eq=False)
class Relaxation:
    """A built relaxation: the Pyomo model and how to read it."""

    model: pyo.ConcreteModel
    data: NetworkData
    bounds: Bounds
    box: HeadBox
    candidates: tuple[Candidate, ...]
    costs: np.ndarray
    """``c[i, k]``: the cost of size ``k`` on candidate ``i``."""
    tangents: dict[str, list[float]] = field(default_factory=dict)
    """Link → the flows (≥ 0, by side) its tangents were taken at (for refinement)."""
    by_pipe: dict[str, int] = field(default_factory=dict)
    """Candidate pipe → its index in :attr:`candidates`."""
    segments: dict[tuple[str, int], tuple[float, float]] = field(default_factory=dict)
    """(link, segment) → the segment's flow interval."""
    pump_segments: dict[tuple[int, int, int], tuple[float, float]] = field(default_factory=dict)
    """(candidate, size, segment) → the segment's pump-flow interval (several segments only)."""

    def plan(self) -> tuple[PlannedPump, ...]:
        """The pumps of the model's current solution (``y > 0.5``)."""
        m = self.model
        out = []
        for i, c in enumerate(self.candidates):
            for k in c.sizes:
                if pyo.value(m.y[i, k]) > 0.5:
                    out.append(PlannedPump(c.pipe, c.upstream, k))
        return tuple(sorted(out))

    def flows(self) -> dict[str, float]:
        return {n: float(pyo.value(self.model.q[n])) for n in self.data.links}


def _tangent_points(lo: float, hi: float, around: float | None) -> list[float]:
    """Points in ``[lo, hi]`` (both ≥ 0): geometric spread plus ``around``."""
    if hi <= 0:
        return []
    start = max(lo, hi * 1e-3)
    pts = list(np.geomspace(start, hi, TANGENTS)) if hi > start else [hi]
    if around is not None and lo <= around <= hi:
        pts.append(around)
    return sorted(set(float(p) for p in pts if p > 0))


def build_relaxation(
    data: NetworkData,
    bounds: Bounds,
    box: HeadBox,
    cands: list[tuple[str, str, int]],
    catalogue: Catalogue,
    costs: np.ndarray,
    *,
    tangents: dict[str, list[float]] | None = None,
    budget: float | None = None,
    max_cost: float | None = None,
) -> Relaxation:
    """The relaxation on these bounds (see the module notes); ``costs`` is ``c_k`` by size or
    ``c[i, k]`` by candidate and size (:func:`cost_table`); ``tangents`` adds flows to take
    tangents at, by link; ``budget`` caps the cost (plans dearer than the incumbent are of no
    interest: the bound stays valid for the optimum); sizes dearer than ``max_cost`` on their
    candidate are left out (:func:`affordable`)."""
    m = pyo.ConcreteModel(name="pump_relaxation")
    tangents = {k: list(v) for k, v in (tangents or {}).items()}
    m.J = pyo.Set(initialize=list(data.junctions), ordered=True)
    m.L = pyo.Set(initialize=list(data.links), ordered=True)
    m.h = pyo.Var(m.J, bounds=lambda m, j: (bounds.h_lo[j], bounds.h_hi[j]))
    m.q = pyo.Var(m.L, bounds=lambda m, e: (bounds.q_lo[e], bounds.q_hi[e]))
    built = []
    costs = cost_table(costs, len(cands), len(catalogue))
    for i, (name, up, sign) in enumerate(cands):
        lo, hi = bounds.q_lo[name], bounds.q_hi[name]
        forward_lo, forward_hi = (lo, hi) if sign > 0 else (-hi, -lo)
        sizes = affordable(usable_sizes(catalogue, forward_hi, forward_lo), costs[i], max_cost)
        built.append(Candidate(name, up, sign, sizes))
    pairs = [(i, k) for i, c in enumerate(built) for k in c.sizes]
    m.y = pyo.Var(pairs, domain=pyo.Binary)
    m.g = pyo.Var(pairs, domain=pyo.NonNegativeReals)
    m.w = pyo.Var(pairs, domain=pyo.NonNegativeReals)
    m.cuts = pyo.ConstraintList()
    m.ys = pyo.Var(pyo.Any, dense=False, domain=pyo.Binary)
    m.ws = pyo.Var(pyo.Any, dense=False, domain=pyo.NonNegativeReals)
    m.gs = pyo.Var(pyo.Any, dense=False, domain=pyo.NonNegativeReals)
    m.cost = pyo.Objective(expr=sum(float(costs[i, k]) * m.y[i, k] for i, k in pairs))
    if budget is not None and pairs:
        total = sum(float(costs[i, k]) * m.y[i, k] for i, k in pairs)
        m.budget = pyo.Constraint(expr=total <= budget)
    relax = Relaxation(
        m, data, bounds, box, tuple(built), np.asarray(costs), tangents,
        {c.pipe: i for i, c in enumerate(built)},
    )  # fmt: skip
    _balance(relax)
    _pipes(relax)
    _pumps(relax)
    _valves(relax)
    _new_pumps(relax, catalogue)
    _no_gain(relax)
    return relax


def node_head(relax: Relaxation, node: str) -> object:
    """``h_v``: a variable of a junction, the fixed head of a reservoir or tank."""
    if node in relax.data.fixed:
        return relax.data.fixed[node]
    return relax.model.h[node]


def _balance(relax: Relaxation) -> None:
    """Mass balance (:func:`define_balance`)."""
    define_balance(relax.model, relax.data)


def define_balance(m: pyo.ConcreteModel, data: NetworkData) -> None:
    """Mass balance: :math:`\\sum_{e \\in \\delta^-(v)} q_e - \\sum_{e \\in \\delta^+(v)} q_e
    = d_v` at every junction ``v`` of ``m.J`` (inflow minus outflow is its demand), on the
    flows ``m.q``; the links at each junction are listed once."""
    into: dict[str, list[str]] = {j: [] for j in data.junctions}
    out: dict[str, list[str]] = {j: [] for j in data.junctions}
    for e in data.links:
        a, b = data.ends[e]
        if a in out:
            out[a].append(e)
        if b in into:
            into[b].append(e)

    def rule(m: pyo.ConcreteModel, j: str) -> object:
        if not into[j] and not out[j]:
            return pyo.Constraint.Skip
        return sum(m.q[e] for e in into[j]) - sum(m.q[e] for e in out[j]) == data.demand[j]

    m.balance = pyo.Constraint(m.J, rule=rule)


def link_loss(relax: Relaxation, e: str) -> object:
    """:math:`\\Delta_e = h_a - h_b + \\sigma_e \\sum_k g_{e,k}`: the head the link loses."""
    a, b = relax.data.ends[e]
    expr = node_head(relax, a) - node_head(relax, b)
    i = relax.by_pipe.get(e)
    if i is not None:
        c = relax.candidates[i]
        expr = expr + c.sign * sum(relax.model.g[i, k] for k in c.sizes)
    return expr


def _segments(lo: float, hi: float, breaks: list[float]) -> list[tuple[float, float]]:
    """``[lo, hi]`` cut at 0 (when both signs are possible) and at the breakpoints inside."""
    cuts = {lo, hi}
    if lo < -DIRECTION_MIN and hi > DIRECTION_MIN:
        cuts.add(0.0)
    span = hi - lo
    for b in breaks:
        if lo + 1e-3 * span < b < hi - 1e-3 * span and all(abs(b - c) > 1e-3 * span for c in cuts):
            cuts.add(b)
    points = sorted(cuts)
    return [(points[i], points[i + 1]) for i in range(len(points) - 1)] or [(lo, hi)]


def _pipes(relax: Relaxation) -> None:
    """Head loss of pipes and throttle valves, :math:`\\Delta_e \\approx \\varphi_e(q_e)`.

    The flow interval ``[l, u]`` is cut at 0 (when both signs are possible) and at the
    refinement's breakpoints into segments :math:`[b_s, b_{s+1}]`, one binary :math:`u_s` each
    (none when there is one segment): :math:`\\sum_s u_s = 1`, :math:`q = \\sum_s q_s`,
    :math:`\\Delta = \\sum_s \\Delta_s`, :math:`b_s u_s \\le q_s \\le b_{s+1} u_s` and, on a
    segment of forward flow (mirrored for reverse flow),

    .. math:: \\Delta_s \\ge a_t q_s + c_t u_s \\;(\\text{tangents}), \\qquad
        \\Delta_s \\le \\alpha_s q_s + \\beta_s u_s \\;(\\text{the segment's chord})

    (perspective forms: a segment not taken contributes 0). A pipe with a check valve has only
    forward segments and one more, shut: :math:`q = 0`, :math:`-(H^{hi} - H^{lo}) u \\le
    \\Delta \\le 0` (it may hold any head against the flow).
    """
    data, m, b = relax.data, relax.model, relax.bounds
    rows: list[tuple[str, int, float, float]] = []  # (link, segment, low, high)
    shut: list[str] = []
    for e in data.links:
        if data.kind[e] not in ("pipe", "cv", "tcv"):
            continue
        lo, hi = b.q_lo[e], b.q_hi[e]
        if data.kind[e] == "cv":
            lo = max(lo, 0.0)
            shut.append(e)
        for s, (a, c) in enumerate(_segments(lo, hi, relax.tangents.get(f"break:{e}", []))):
            rows.append((e, s, a, c))
    keys = [(e, s) for e, s, _, _ in rows]
    m.SEG = pyo.Set(initialize=keys, dimen=2, ordered=True)
    m.qs = pyo.Var(m.SEG)
    m.ds = pyo.Var(m.SEG)
    count: dict[str, int] = {}
    for e, _, _, _ in rows:
        count[e] = count.get(e, 0) + 1
    several = [(e, s) for e, s, _, _ in rows if count[e] > 1 or e in shut]
    m.u = pyo.Var(several, domain=pyo.Binary)
    m.CV = pyo.Set(initialize=shut, ordered=True)
    m.shut = pyo.Var(m.CV, domain=pyo.Binary)
    m.dshut = pyo.Var(m.CV, bounds=(-relax.box.span, 0.0))
    by_link: dict[str, list[tuple[int, float, float]]] = {}
    for e, s, a, c in rows:
        by_link.setdefault(e, []).append((s, a, c))
        relax.segments[e, s] = (a, c)
    for e, segs in by_link.items():
        law = data.laws[e]
        loss = link_loss(relax, e)
        is_cv = e in shut
        flows = sum(m.qs[e, s] for s, _, _ in segs)
        losses = sum(m.ds[e, s] for s, _, _ in segs)
        if is_cv:
            m.cuts.add(losses + m.dshut[e] == loss)
            m.cuts.add(m.dshut[e] >= -relax.box.span * m.shut[e])
            m.cuts.add(sum(m.u[e, s] for s, _, _ in segs) + m.shut[e] == 1)
        else:
            m.cuts.add(losses == loss)
            if len(segs) > 1:
                m.cuts.add(sum(m.u[e, s] for s, _, _ in segs) == 1)
        m.cuts.add(flows == m.q[e])
        fwd_top = max(b.q_hi[e], 0.0)
        rev_top = max(-b.q_lo[e], 0.0)
        state = data.state_flow.get(e, 0.0)
        extra = relax.tangents.get(e, [])
        for s, a, c in segs:
            on = m.u[e, s] if (e, s) in m.u else 1.0  # noqa: SIM401 (a Pyomo Var)
            qv, dv = m.qs[e, s], m.ds[e, s]
            m.cuts.add(qv >= a * on)
            m.cuts.add(qv <= c * on)
            forward = a >= 0
            sign = 1.0 if forward else -1.0
            top = fwd_top if forward else rev_top
            s_lo, s_hi = (a, c) if forward else (-c, -a)  # the segment in |q|
            if s_hi - s_lo <= 1e-12:  # a fixed flow: the law's value, within the slack
                mid = float(law(s_hi))
                slack = CUT_SLACK + 1e-4 * mid
                m.cuts.add(sign * dv >= (mid - slack) * on)
                m.cuts.add(sign * dv <= (mid + slack) * on)
                continue
            pts = [t for t in _tangent_points(0.0, top, abs(state)) if t > 0]
            pts += [abs(t) for t in extra if (t > 0) == forward and 0 < abs(t) <= top]
            for t in sorted(set(pts)):
                ta, tb = under_line(law, t, 0.0, top)
                m.cuts.add(sign * dv >= ta * sign * qv + tb * on)
            ca, cb = over_line(law, s_lo, s_hi)
            m.cuts.add(sign * dv <= ca * sign * qv + cb * on)


def _pumps(relax: Relaxation) -> None:
    """Existing pumps running in the state, gain :math:`\\gamma = h_b - h_a`, on/off binary ``o``,
    :math:`0 \\le q \\le \\bar q o`; each line :math:`\\gamma \\lessgtr a q + b` holds where
    ``o = 1`` and is switched off by :math:`\\pm M(1-o)` (``M`` the head box's height).

    - Power function :math:`A - B q^C`: the lines of :func:`~.curve_cuts.curve_lines` (tangents
      from above and the secant from below for a concave curve, ``C ≥ 1``; the secant from
      above only for a convex one).
    - A curve EPANET interpolates (:func:`head_envelope`): the upper concave and lower convex
      envelopes of its knots on ``[0, q̄]``, exact bounds of a piecewise-linear head.
    - Constant power :math:`\\gamma = c/q` (convex): tangents below and the chord above.
    """
    data, m, b = relax.data, relax.model, relax.bounds
    names = [e for e in data.links if data.kind[e] in ("pump", "power")]
    m.P = pyo.Set(initialize=names, ordered=True)
    m.on = pyo.Var(m.P, domain=pyo.Binary)
    big = relax.box.span
    for e in names:
        a_node, b_node = data.ends[e]
        gain = node_head(relax, b_node) - node_head(relax, a_node)
        lo, hi = max(b.q_lo[e], 0.0), b.q_hi[e]
        m.cuts.add(m.q[e] <= hi * m.on[e])
        m.cuts.add(m.q[e] >= lo * m.on[e])
        off = big * (1 - m.on[e])
        if data.kind[e] == "pump":
            if e in data.curve_points:
                lines = head_envelope(data.curve_points[e], lo, hi, CUT_SLACK)
            else:
                extra = [t for t in relax.tangents.get(f"curve:{e}", []) if lo <= t <= hi]
                points = sorted(set(_tangent_points(lo, hi, abs(data.state_flow[e])) + extra))
                room = CUT_SLACK + CURVE_ROOM * data.curves[e][0]  # as for new curve pumps
                lines = curve_lines(SiCurve(*data.curves[e]), lo, hi, points, room)
            for line in lines:
                if line.upper:
                    m.cuts.add(gain <= line.a * m.q[e] + line.b + off)
                else:
                    m.cuts.add(gain >= line.a * m.q[e] + line.b - off)
        else:
            c = data.power[e]
            lo = max(lo, 1e-9)
            for t in _tangent_points(lo, hi, abs(data.state_flow[e])):
                m.cuts.add(gain >= 2 * c / t - c / t**2 * m.q[e] - CUT_SLACK - off)
            m.cuts.add(gain <= c / lo + c / hi - c / (lo * hi) * m.q[e] + CUT_SLACK + off)


def head_envelope(
    points: tuple[tuple[float, float], ...], lo: float, hi: float, room: float
) -> list[Line]:
    """Lines bounding a head EPANET interpolates between ``points`` ``(Q, H)`` (its end
    segments extended) on ``[lo, hi]``: the head is piecewise linear with knots at the points'
    flows, so the upper concave envelope of its values at ``lo``, ``hi`` and the knots between
    bounds it from above and the lower convex envelope from below, each widened by ``room``."""
    pts = sorted(points)
    law = TablePumpLaw(tuple(x for x, _ in pts), tuple(y for _, y in pts))
    xs = sorted({lo, hi, *(x for x, _ in pts if lo < x < hi)})
    ys = [-law.phi(x) for x in xs]
    if len(xs) == 1:
        return [Line(True, 0.0, ys[0] + room), Line(False, 0.0, ys[0] - room)]
    out = [Line(True, a, b + room) for a, b in _hull(xs, ys, upper=True)]
    return out + [Line(False, a, b - room) for a, b in _hull(xs, ys, upper=False)]


def _hull(xs: list[float], ys: list[float], *, upper: bool) -> list[tuple[float, float]]:
    """``(slope, intercept)`` of the segments of the upper concave (``upper``) or lower convex
    envelope of the points ``(xs, ys)``, ``xs`` increasing (a monotone chain)."""
    sign = 1.0 if upper else -1.0
    chain: list[tuple[float, float]] = []
    for x, y in zip(xs, ys, strict=True):
        while len(chain) >= 2:
            (x1, y1), (x2, y2) = chain[-2], chain[-1]
            # drop the middle point when it lies on the wrong side of the chord
            if sign * ((y2 - y1) * (x - x1) - (y - y1) * (x2 - x1)) <= 0:
                chain.pop()
            else:
                break
        chain.append((x, y))
    lines = []
    for (x1, y1), (x2, y2) in itertools.pairwise(chain):
        a = (y2 - y1) / (x2 - x1)
        lines.append((a, y1 - a * x1))
    return lines


def _valves(relax: Relaxation) -> None:
    """Regulating valves: a PRV or PSV passes flow forward only (``q ≥ 0``, in its bounds);
    the others hold no head relation here (a valid, loose relaxation)."""


NO_GAIN_SLACK = 1e-3
"""Metres of EPANET accuracy allowed in :func:`_no_gain`."""


def _no_gain(relax: Relaxation) -> None:
    """Heads move together, by no more than the pumps add: with :math:`G = \\sum_{e,k} g_{e,k}`
    and a free shift ``s``,

    .. math:: s \\le h_v - h^0_v \\le s + G \\;\\; (v \\text{ a junction}), \\qquad
        s \\le 0 \\le s + G

    (fixed heads do not move): every head change of the plan lies in one interval of width
    ``G`` that holds 0, the no-gain property of :func:`head_box`."""
    m, data = relax.model, relax.data
    if not len(m.g):
        return
    total = sum(m.g[i] for i in m.g)
    m.shift = pyo.Var(bounds=(-relax.box.envelope - NO_GAIN_SLACK, 0.0))
    for j in data.junctions:
        h0 = data.state_head[j]
        m.cuts.add(m.h[j] - h0 >= m.shift - NO_GAIN_SLACK)
        m.cuts.add(m.h[j] - h0 <= m.shift + total + NO_GAIN_SLACK)
    m.cuts.add(m.shift + total >= -NO_GAIN_SLACK)


GAIN_SLACK = 1e-2
"""Room, as a share of the head ``c_k / t`` at each tangent point, in the cuts from below on a
new pump's head ``c_k / w``:
EPANET's converged state can sit off the constant-power law (measured: a size-0 pump at
2.8 L/s on Net3 at 2.5 times its demands ran at 19.78 m where ``c/w`` is 19.87 m, 0.44 %
below), and a plan that holds must never be cut off."""


def _new_pumps(relax: Relaxation, catalogue: Catalogue) -> None:
    """New pumps on candidate ``e`` (forward flow :math:`f_e = \\sigma_e q_e \\in [l, u]`).

    .. math::
        \\sum_k y_{e,k} \\le 1, \\quad q^{min}_k y_{e,k} \\le w_{e,k} \\le u\\, y_{e,k}, \\quad
        f_e - u(1 - \\textstyle\\sum_k y) \\le \\sum_k w_{e,k} \\le f_e - l(1 - \\sum_k y),

        g_{e,k} \\ge \\frac{2 c_k}{t} y_{e,k} - \\frac{c_k}{t^2} w_{e,k} \\;(\\text{tangents}),
        \\qquad g_{e,k} \\le \\Big(\\frac{c_k}{q^{min}_k} + \\frac{c_k}{u}\\Big) y_{e,k}
        - \\frac{c_k}{q^{min}_k u} w_{e,k} \\;(\\text{chord}),

    with :math:`c_k = P_k/(\\rho g)` and :math:`q^{min}_k = c_k / H^{max}_k` (a pump chosen runs
    forward within its maximum head). With ``y = 0`` every term is 0. Curve sizes take the
    rows of :func:`_curve_pump` instead of the last two lines.
    """
    m, b = relax.model, relax.bounds
    c_all = catalogue.hydraulic_kw / RHO_G
    h_max = np.asarray(catalogue.max_head_m, dtype=float)
    for i, c in enumerate(relax.candidates):
        if not c.sizes:
            continue
        lo_q, hi_q = b.q_lo[c.pipe], b.q_hi[c.pipe]
        f_lo, f_hi = (lo_q, hi_q) if c.sign > 0 else (-hi_q, -lo_q)
        flow = c.sign * m.q[c.pipe]
        total_y = sum(m.y[i, k] for k in c.sizes)
        total_w = sum(m.w[i, k] for k in c.sizes)
        m.cuts.add(total_y <= 1)
        m.cuts.add(total_w <= flow - f_lo * (1 - total_y))
        m.cuts.add(total_w >= flow - f_hi * (1 - total_y))
        extra = relax.tangents.get(f"pump:{c.pipe}", [])
        for k in c.sizes:
            curve = catalogue.sizes[k].curve
            if curve is not None:
                _curve_pump(relax, i, c, k, SiCurve.of(curve), f_lo, f_hi)
                continue
            ck = float(c_all[k])
            qmin = ck / (h_max[k] + PRESSURE_TOL) if math.isfinite(h_max[k]) else ck / 1e4
            slack = CUT_SLACK + 1e-4 * ck / qmin
            pts = [float(t) for t in np.geomspace(qmin, f_hi, TANGENTS)] + [
                t for t in extra if qmin <= t <= f_hi
            ]
            breaks = [
                float(np.sqrt(qmin * f_hi)),
                *relax.tangents.get(f"pbreak:{c.pipe}:{k}", []),
            ]
            for yv, wv, gv, a, bb in _pump_parts(relax, i, k, _segments(qmin, f_hi, breaks)):
                m.cuts.add(wv >= a * yv)
                m.cuts.add(wv <= bb * yv)
                for t in pts:  # EPANET's head may sit a share GAIN_SLACK below c/t there
                    room = CUT_SLACK + GAIN_SLACK * ck / t
                    m.cuts.add(gv >= (2 * ck / t - room) * yv - ck / t**2 * wv)
                m.cuts.add(gv <= (ck / a + ck / bb + slack) * yv - ck / (a * bb) * wv)
                m.cuts.add(gv <= (h_max[k] + PRESSURE_TOL + slack) * yv)


def _pump_parts(
    relax: Relaxation, i: int, k: int, segs: list[tuple[float, float]]
) -> list[tuple[object, object, object, float, float]]:
    """``(y, w, g, a, b)`` of each segment ``[a, b]`` of a pump's flow: the size's own
    variables when there is one segment; else one binary ``y_s`` (and ``w_s``, ``g_s``) per
    segment, :math:`y = \\sum_s y_s`, :math:`w = \\sum_s w_s`, :math:`g = \\sum_s g_s`."""
    m = relax.model
    if len(segs) == 1:
        ((a, b),) = segs
        return [(m.y[i, k], m.w[i, k], m.g[i, k], a, b)]
    parts = []
    for s_, (a, b) in enumerate(segs):
        key = (i, k, s_)
        relax.pump_segments[key] = (a, b)
        m.ys[key] = 0
        m.ws[key] = 0
        m.gs[key] = 0
        parts.append((m.ys[key], m.ws[key], m.gs[key], a, b))
    m.cuts.add(m.y[i, k] == sum(p[0] for p in parts))
    m.cuts.add(m.w[i, k] == sum(p[1] for p in parts))
    m.cuts.add(m.g[i, k] == sum(p[2] for p in parts))
    return parts


CURVE_ROOM = 1e-4
"""Room, as a share of the shut-off head ``A``, in the cuts on a curve pump's head (EPANET's
converged state sits on the curve within its accuracy)."""


def _curve_pump(
    relax: Relaxation, i: int, c: Candidate, k: int, curve: SiCurve, f_lo: float, f_hi: float
) -> None:
    """A curve size ``k`` on candidate ``c`` (forward flow :math:`f \\in [f_l, f_u]`): the pump
    runs forward below its zero-head flow, on :math:`[l, u] = [\\max(f_l, 0),
    \\min(f_u, Q^{max}_k)]`, cut at the refinement's breakpoints into segments
    :math:`[a_s, b_s]` (:func:`_pump_parts`); on each

    .. math::
        a_s y_s \\le w_s \\le b_s y_s, \\qquad 0 \\le g_s \\le (A_k + r)\\, y_s,

        g_s \\le \\big(h_k(t) - h_k'(t)\\, t + r\\big) y_s + h_k'(t)\\, w_s
        \\;(\\text{tangents, } t \\in [l, u]), \\qquad
        g_s \\ge \\big(h_k(a_s) - \\alpha_s a_s - r\\big) y_s + \\alpha_s w_s
        \\;(\\text{secant}, \\alpha_s = \\tfrac{h_k(b_s) - h_k(a_s)}{b_s - a_s})

    for concave :math:`h_k = A_k - B_k q^{C_k}` (``C ≥ 1``; for ``C < 1`` only
    :math:`g_s \\le` the secant, :mod:`.curve_cuts`), ``r`` = :data:`CURVE_ROOM` · ``A_k``
    plus the cut slack. With ``y = 0`` every term is 0."""
    m = relax.model
    lo, hi = max(f_lo, 0.0), min(f_hi, curve.max_flow)
    room = CUT_SLACK + CURVE_ROOM * curve.a
    state = c.sign * relax.data.state_flow.get(c.pipe, 0.0)
    pts = _tangent_points(lo, hi, state if state > 0 else None)
    pts += [t for t in relax.tangents.get(f"ctan:{c.pipe}:{k}", []) if lo <= t <= hi]
    segs = _segments(lo, hi, relax.tangents.get(f"pbreak:{c.pipe}:{k}", []))
    for yv, wv, gv, a, b in _pump_parts(relax, i, k, segs):
        m.cuts.add(wv >= a * yv)
        m.cuts.add(wv <= b * yv)
        m.cuts.add(gv <= (curve.a + room) * yv)
        for line in curve_lines(curve, a, b, pts, room):
            rhs = line.a * wv + line.b * yv
            m.cuts.add(gv <= rhs if line.upper else gv >= rhs)


def plan_values(
    relax: Relaxation,
    pumps: tuple[PlannedPump, ...],
    head: dict[str, float],
    flow: dict[str, float],
    pump_flow: dict[PlannedPump, float],
    pump_head: dict[PlannedPump, float],
) -> None:
    """Set the model's variables to a simulated state of a plan (for checking that the
    relaxation accepts it): heads by node, flows by link, each pump's flow and head."""
    m, data = relax.model, relax.data
    for j in data.junctions:
        m.h[j].set_value(head[j], skip_validation=True)
    for e in data.links:
        m.q[e].set_value(flow.get(e, 0.0), skip_validation=True)
    chosen = {(p.pipe, p.upstream): p for p in pumps}
    for i, c in enumerate(relax.candidates):
        p = chosen.get((c.pipe, c.upstream))
        for k in c.sizes:
            on = p is not None and p.size == k
            m.y[i, k].set_value(1.0 if on else 0.0, skip_validation=True)
            m.w[i, k].set_value(pump_flow[p] if on else 0.0, skip_validation=True)
            m.g[i, k].set_value(pump_head[p] if on else 0.0, skip_validation=True)
    for (e, seg), var in m.qs.items():
        var.set_value(0.0, skip_validation=True)
        m.ds[e, seg].set_value(0.0, skip_validation=True)
        if (e, seg) in m.u:
            m.u[e, seg].set_value(0.0, skip_validation=True)
    segs_of: dict[str, list[tuple[int, float, float]]] = {}
    for e, seg in m.qs:
        segs_of.setdefault(e, []).append(seg)
    for e, segs in segs_of.items():
        q = flow.get(e, 0.0)
        loss = float(pyo.value(link_loss(relax, e)))
        if e in m.CV:
            closed = q <= FLOW_ROUNDOFF
            m.shut[e].set_value(1.0 if closed else 0.0, skip_validation=True)
            m.dshut[e].set_value(min(loss, 0.0) if closed else 0.0, skip_validation=True)
            if closed:
                continue
        pick = min(segs, key=lambda sg: _outside(q, *relax.segments[e, sg]))
        m.qs[e, pick].set_value(q, skip_validation=True)
        m.ds[e, pick].set_value(loss, skip_validation=True)
        if (e, pick) in m.u:
            m.u[e, pick].set_value(1.0, skip_validation=True)
    for key, var in m.ys.items():
        i, k, seg = key
        var.set_value(0.0, skip_validation=True)
        m.ws[key].set_value(0.0, skip_validation=True)
        m.gs[key].set_value(0.0, skip_validation=True)
    for (i, k), yv in m.y.items():
        if yv.value and yv.value > 0.5:
            keys = [key for key in m.ys if key[0] == i and key[1] == k]
            if keys:
                w = m.w[i, k].value
                pick = min(keys, key=lambda key: _outside(w, *relax.pump_segments[key]))
                m.ys[pick].set_value(1.0, skip_validation=True)
                m.ws[pick].set_value(w, skip_validation=True)
                m.gs[pick].set_value(m.g[i, k].value, skip_validation=True)
    for e in m.P:
        m.on[e].set_value(1.0 if flow.get(e, 0.0) > FLOW_ROUNDOFF else 0.0, skip_validation=True)
    if hasattr(m, "shift"):
        moved = [head[j] - data.state_head[j] for j in data.junctions]
        m.shift.set_value(min(0.0, *moved), skip_validation=True)


def _outside(x: float, lo: float, hi: float) -> float:
    """How far ``x`` lies outside ``[lo, hi]`` (0 inside)."""
    return max(lo - x, x - hi, 0.0)


def violations(relax: Relaxation, tol: float = 0.0) -> list[tuple[str, float]]:
    """Constraints the model's current values break by more than ``tol``, worst first, and
    variables out of their bounds (with the amount)."""
    out = []
    for con in relax.model.component_data_objects(pyo.Constraint, active=True):
        body = pyo.value(con.body)
        lo = pyo.value(con.lower) if con.has_lb() else None
        up = pyo.value(con.upper) if con.has_ub() else None
        amount = max((lo - body) if lo is not None else 0.0, (body - up) if up is not None else 0.0)
        if amount > tol:
            out.append((con.name, float(amount)))
    for var in relax.model.component_data_objects(pyo.Var):
        v = var.value
        if v is None:
            continue
        amount = max(
            (var.lb - v) if var.lb is not None else 0.0, (v - var.ub) if var.ub is not None else 0.0
        )
        if amount > tol:
            out.append((var.name, float(amount)))
    return sorted(out, key=lambda t: -t[1])


def no_good(relax: Relaxation, pumps: tuple[PlannedPump, ...]) -> None:
    """Exclude exactly this plan (it was simulated and does not hold, so it is infeasible):
    :math:`\\sum_{(e,k) \\in P} y_{e,k} - \\sum_{(e,k) \\notin P} y_{e,k} \\le |P| - 1`.
    A pump of ``P`` with no column (a size left out, a pipe in the other direction) keeps
    the left side below ``|P|``: the model cannot give that plan, and the row cuts off none."""
    m = relax.model
    inside = {(p.pipe, p.upstream, p.size) for p in pumps}
    terms_in, terms_out = [], []
    for i, c in enumerate(relax.candidates):
        for k in c.sizes:
            (terms_in if (c.pipe, c.upstream, k) in inside else terms_out).append(m.y[i, k])
    if terms_in or terms_out:
        m.cuts.add(sum(terms_in) - sum(terms_out) <= len(inside) - 1)
