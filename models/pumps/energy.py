"""The energy balance of a steady state (Tellegen), as one linear row of the placement models.

For heads ``h`` and flows ``q`` that balance mass (demands ``d_j`` at junctions, fixed heads
``H_r`` at reservoirs and tanks with net outflows ``out_r``), Tellegen's theorem gives

.. math:: \\sum_e (h_a - h_b)\\, q_e = \\sum_r H_r\\, \\mathrm{out}_r - \\sum_j d_j h_j .

Split by kind of link: a pipe (or a check valve, or a throttle valve) dissipates
:math:`D_e(q) = q\\,\\varphi_e(q) = |q|\\,\\ell_e(|q|) \\ge 0`, convex; a pump on it delivers
:math:`g f` (its gain times its forward flow); a regulating valve dissipates :math:`w_v =
\\Delta_v q_v`; an existing pump delivers :math:`p_e = (h_b - h_a) q_e`. So every state of
every plan has

.. math:: \\sum_{e,k} \\bar P_k\\, y_{e,k} + \\sum_{e \\in \\text{pumps}} p_e \\;\\ge\\;
    \\sum_{e \\in \\text{pipes}} D_e(q_e) + \\sum_v w_v + \\sum_j d_j h_j
    - \\sum_r H_r\\, \\mathrm{out}_r - \\epsilon ,

with :math:`\\bar P_k` a bound on the hydraulic power size ``k`` delivers
(:func:`size_power`), :math:`p_e` below the existing pump's power curve
(:func:`existing_power`) and below the planes in its flow and gain of :func:`power_plane`,
each :math:`D_e` bounded below by tangent lines (:func:`dissipation_lines`) and ``ε`` the
room for EPANET's accuracy (:data:`ENERGY_SLACK`).

Why it matters: the relaxation's fractional pump choices mix the states of "no pump" and
"pump" on a pipe (perspective terms, one per choice), which lets a share ``y`` of a size lift
the whole pipe's flow by ``y H^{max}_k`` whatever that flow is, for ``y`` times its price. No
real pump does that: the row makes the pumps pay, in power, for every metre they lift every
cubic metre by. Measured at 60 s (``benchmarks/bench_milp_network.py --relaxations combined
--networks "Hanoi,Jilin including water quality"``; one run each, runs spread by a few points):
Hanoi's certified gap 58 % → 11–13 %, Jilin's 36 % → 14 %.
"""

from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo

from wdnopt.models.pumps import relaxation as rx
from wdnopt.models.pumps.costs import RHO_G, Catalogue
from wdnopt.models.pumps.head_loss import HeadLoss

ENERGY_SLACK = 2e-4
"""Room in the row, as a share of the unpumped state's energy throughput (its pipes'
dissipation plus its pumps' power): EPANET's heads sit off the head-loss laws by a little, and
the identity's residual in its states is about 1e-5 of the dissipation (measured on Net1,
Net2, Net3, Anytown, Hanoi, Jilin, Balerma, ky10)."""

POWER_ROOM = 0.01
"""Share by which a pump's power may exceed its bound in EPANET's converged state."""

SIZE_ROOM = 1e-3
"""Share by which a new constant-power size's power ``q g`` may exceed ``c_k`` in EPANET's
state: at most 7.4e-5 measured (the warm start's plans on Hanoi, Jilin, Net2, Net3, Anytown;
EPANET's heads are single precision). Each unit of room is power the relaxation gets free on
every pump it places, so this room is ten times smaller than :data:`POWER_ROOM`, which covers
a curve's operating point (4.4e-4 measured on ky10's existing pumps)."""

DISSIPATION_POINTS = 9
"""Tangent lines per pipe on its flow interval (and one at the unpumped state's flow)."""

GRID = 801
"""Points on which each line is checked against the function it bounds (and moved down)."""


def size_power(catalogue: Catalogue) -> np.ndarray:
    """:math:`\\bar P_k` (m·m³/s): ``c_k = η W / (ρ g)`` of a constant-power size, the largest
    :math:`f\\,h_k(f)` of a curve size :math:`h_k = A - B f^C` (at
    :math:`f^* = (A / (B (C+1)))^{1/C}`: :math:`A f^* C/(C+1)`), with :data:`SIZE_ROOM` and
    :data:`POWER_ROOM` respectively."""
    out = np.asarray(catalogue.hydraulic_kw, dtype=float) / RHO_G * (1.0 + SIZE_ROOM)
    for k, size in enumerate(catalogue.sizes):
        if size.curve is not None:
            out[k] = size.curve.max_hydraulic_kw_per_rho_g * (1.0 + POWER_ROOM)
    return out


def _under(f, a: float, b: float, grid: np.ndarray) -> float:
    """``b`` moved down so that ``a x + b ≤ f(x)`` on the grid."""
    excess = float(np.max(a * grid + b - f(grid), initial=0.0))
    return b - max(excess, 0.0)


def dissipation(law: HeadLoss, q):
    """:math:`D(q) = |q|\\,\\ell(|q|)`, the head a pipe loses times its flow (m·m³/s; ``q``
    a flow or an array of flows)."""
    x = np.abs(np.asarray(q, dtype=float))
    return x * law(x)


def pipe_flows(data: rx.NetworkData, e: str, lo: float, hi: float) -> tuple[float, float]:
    """The flows pipe ``e`` can carry within ``[lo, hi]`` (a check valve's only forward)."""
    return (max(lo, 0.0), hi) if data.kind[e] == "cv" else (lo, hi)


def dissipation_grid(lo: float, hi: float) -> np.ndarray:
    """The flows on which a line is checked against :math:`D`: evenly spread over ``[lo, hi]``
    and geometrically towards 0 on each side (where Darcy–Weisbach changes regime, at flows far
    smaller than the interval's spacing on a wide interval), 0 itself when inside."""
    parts = [np.linspace(lo, hi, GRID)]
    if hi > 0:
        parts.append(np.geomspace(max(hi * 1e-9, 1e-12), hi, GRID))
    if lo < 0:
        parts.append(-np.geomspace(max(-lo * 1e-9, 1e-12), -lo, GRID))
    if lo <= 0 <= hi:
        parts.append(np.zeros(1))
    grid = np.concatenate(parts)
    return np.unique(grid[(grid >= lo) & (grid <= hi)])


def dissipation_line(law: HeadLoss, t: float, grid: np.ndarray) -> tuple[float, float]:
    """``(a, b)``: the tangent of :math:`D(q) = |q|\\,\\ell(|q|)` at ``t ≠ 0``,
    :math:`D'(t) = \\mathrm{sign}(t)\\,(\\ell(|t|) + |t|\\,\\ell'(|t|))`, moved down where it passes
    ``D`` on ``grid`` (so valid also where EPANET's law is not convex, as Darcy–Weisbach between
    its flow regimes, and whatever the error of the numerical derivative)."""
    m = abs(t)
    slope = float(law(m)) + m * law.slope(m)
    a = slope if t > 0 else -slope
    b = float(dissipation(law, t)) - a * t
    return a, _under(lambda x: dissipation(law, x), a, b, grid)


def dissipation_lines(
    law: HeadLoss, lo: float, hi: float, state: float
) -> list[tuple[float, float]]:
    """``(a, b)`` with :math:`a q + b \\le D(q)` on ``[lo, hi]``: the lines of
    :func:`dissipation_line` at :data:`DISSIPATION_POINTS` flows and at ``state``."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return []
    grid = dissipation_grid(lo, hi)
    points = list(np.linspace(lo, hi, DISSIPATION_POINTS))
    if lo <= state <= hi:
        points.append(state)
    return [dissipation_line(law, t, grid) for t in sorted({float(p) for p in points})
            if abs(t) >= 1e-12]  # fmt: skip


def _power_peaks(law, lo: float, hi: float) -> list[float]:
    """Flows in ``[lo, hi]`` where an existing pump's power :math:`p(q) = q\\,H(q)` can peak:
    the ends; :math:`q^* = (A / (B (C+1)))^{1/C}` of a power-function curve (``p`` concave);
    the points of a curve EPANET interpolates and the vertex of each segment's parabola."""
    flows = [lo, hi]
    if all(hasattr(law, k) for k in ("a", "b", "cexp")) and law.b > 0:
        flows.append((law.a / (law.b * (law.cexp + 1.0))) ** (1.0 / law.cexp))
    if hasattr(law, "flows"):
        flows.extend(law.flows)
        for i in range(len(law.flows) - 1):
            slope = law._slope(i)
            if slope < 0:  # q (H_i + s (q - Q_i)) peaks at (s Q_i - H_i) / (2 s)
                flows.append((slope * law.flows[i] - law.heads[i]) / (2.0 * slope))
    return [q for q in flows if lo <= q <= hi]


def existing_power(law, lo: float, hi: float) -> tuple[float, list[tuple[float, float]]]:
    """An existing pump's power :math:`p(q) = -q\\,\\varphi(q)` on ``[max(lo, 0), hi]``: its
    largest value (at :func:`_power_peaks`, where each piece of ``p``, concave, peaks; with
    :data:`POWER_ROOM`) and, for a power-function curve (:math:`p = A q - B q^{C+1}`, concave),
    its tangents ``(a, b)`` with :math:`p \\le a q + b`."""
    lo = max(lo, 0.0)
    if not math.isfinite(hi) or hi <= lo:
        return 0.0, []
    peak = max(-q * law.phi(q) for q in [*_power_peaks(law, max(lo, 1e-9), hi)])
    top = max(peak, 0.0) * (1.0 + POWER_ROOM)
    lines = []
    if all(hasattr(law, k) for k in ("a", "b", "cexp")):
        a_, b_, c_ = law.a, law.b, law.cexp
        for t in np.linspace(lo, hi, 5):
            slope = a_ - b_ * (c_ + 1.0) * t**c_
            value = a_ * t - b_ * t ** (c_ + 1.0)
            lines.append((slope, value - slope * t + POWER_ROOM * abs(value)))
    return top, lines


def power_plane(law, q0: float) -> tuple[float, float, float] | None:
    """The plane :math:`p \\le g_0\\, q + q_0\\, g - q_0 g_0 + \\rho` (``(a, b, c)`` with
    :math:`p \\le a q + b g + c`) on an existing pump's power :math:`p = q g`, ``g`` its head
    gain, at the point :math:`(q_0, g_0 = -\\varphi(q_0))` of its curve; None where the curve
    is undefined (a constant-power pump at ``q0 = 0``).

    Valid in every state because the gain never rises with the flow: on the curve
    :math:`q g - (g_0 q + q_0 g - q_0 g_0) = (q - q_0)(g - g_0) \\le 0`, and a pump shut off
    (``q = 0``, asked for a gain above its shut-off head, so :math:`g \\ge g_0`) has
    :math:`p = 0 \\le q_0 (g - g_0)`. The lines of :func:`existing_power` bound ``p`` by its
    flow alone, as if the pump sat on its curve; a relaxation can run it below the curve (a
    gain its flow does not give) and still be credited the curve's power. The plane at the
    relaxation's own flow gives exactly :math:`q g` there. ``ρ`` is :data:`POWER_ROOM` of
    :math:`|q_0 g_0|`, for EPANET's state sitting on the curve only to its accuracy."""
    if q0 < 0.0:
        return None
    try:
        g0 = -float(law.phi(q0))
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    if not math.isfinite(g0):
        return None
    return g0, q0, -q0 * g0 + POWER_ROOM * abs(q0 * g0)


def power_planes(
    law, lo: float, hi: float, state: float | None
) -> list[tuple[float, float, float]]:
    """:func:`power_plane` at :data:`DISSIPATION_POINTS` flows over ``[max(lo, 0), hi]`` and at
    the unpumped state's flow."""
    lo = max(lo, 0.0)
    if not math.isfinite(hi) or hi < lo:
        return []
    points = [*np.linspace(lo, hi, DISSIPATION_POINTS)]
    if state is not None and lo <= state <= hi:
        points.append(state)
    return [p for q0 in points if (p := power_plane(law, float(q0))) is not None]


def state_throughput(data: rx.NetworkData) -> float:
    """The unpumped state's energy throughput (m·m³/s): its pipes' dissipation plus its pumps'
    power, the scale of :data:`ENERGY_SLACK`."""
    h = {**data.state_head, **data.fixed}
    total = 0.0
    for e in data.links:
        a, b = data.ends[e]
        q = data.state_flow.get(e, 0.0)
        total += abs((h.get(a, 0.0) - h.get(b, 0.0)) * q)
    return total


def boundary_terms(m: pyo.ConcreteModel, data: rx.NetworkData) -> tuple[object, object]:
    """:math:`\\sum_j d_j h_j` and :math:`\\sum_r H_r\\, \\mathrm{out}_r` (``out_r`` the net
    outflow of fixed head ``r``, a sum of the flows ``m.q`` of its links): the two sides of
    Tellegen's identity that the boundary holds, shared by this row and the content row."""
    fixed = data.fixed
    outflow = []
    for e in data.links:
        a, b = data.ends[e]
        if a in fixed and a not in data.demand:
            outflow.append(fixed[a] * m.q[e])
        if b in fixed and b not in data.demand:
            outflow.append(-fixed[b] * m.q[e])
    lifted = sum(d * m.h[j] for j, d in data.demand.items() if d != 0.0)
    return lifted, sum(outflow)


def define_energy(
    m: pyo.ConcreteModel,
    data: rx.NetworkData,
    bounds: rx.Bounds,
    candidates: tuple[rx.Candidate, ...] | list[rx.Candidate],
    catalogue: Catalogue,
    laws: dict,
) -> None:
    """Add the energy row of the module notes to a model with heads ``m.h``, flows ``m.q``,
    choices ``m.y[i, k]`` and the valves' energy terms ``m.wv`` (:func:`.content.define_valves`):
    dissipation variables ``m.diss`` (pipes), existing pumps' power ``m.pe``, their lines, and
    the row ``m.energy``."""
    pipes = [e for e in data.links if data.kind[e] in ("pipe", "cv", "tcv")]
    pumps = [e for e in data.links if data.kind[e] in ("pump", "power") and e in laws]
    m.energy_cuts = pyo.ConstraintList()
    m.diss = pyo.Var(pipes, bounds=(0.0, None))
    m.pe = pyo.Var(pumps)
    for e in pipes:
        lo, hi = pipe_flows(data, e, bounds.q_lo[e], bounds.q_hi[e])
        for a, b in dissipation_lines(data.laws[e], lo, hi, data.state_flow.get(e, 0.0)):
            m.energy_cuts.add(m.diss[e] >= a * m.q[e] + b)
    for e in pumps:
        top, lines = existing_power(laws[e], bounds.q_lo[e], bounds.q_hi[e])
        m.pe[e].setub(top)
        for a, b in lines:
            m.energy_cuts.add(m.pe[e] <= a * m.q[e] + b)
        state = data.state_flow.get(e)
        for a, b, c in power_planes(laws[e], bounds.q_lo[e], bounds.q_hi[e], state):
            m.energy_cuts.add(m.pe[e] <= a * m.q[e] - b * m.dh[e] + c)  # g = -dh
    power = size_power(catalogue)
    delivered = sum(float(power[k]) * m.y[i, k] for i, c in enumerate(candidates)
                    for k in c.sizes)  # fmt: skip
    lifted, outflow = boundary_terms(m, data)
    valves = sum(m.wv[v] for v in m.V) if hasattr(m, "V") else 0.0
    slack = ENERGY_SLACK * max(state_throughput(data), 1e-6)
    m.energy = pyo.Constraint(
        expr=delivered + sum(m.pe[e] for e in pumps)
        >= sum(m.diss[e] for e in pipes) + valves + lifted - outflow - slack
    )


def set_energy_state(m: pyo.ConcreteModel, data: rx.NetworkData, head: dict, flow: dict) -> None:
    """Set ``m.diss`` and ``m.pe`` to their values in a simulated state (the tests' check that
    the row accepts every state of a plan that holds)."""
    h = {**head, **data.fixed}
    for e in m.diss:
        q = flow.get(e, 0.0)
        m.diss[e].set_value(float(dissipation(data.laws[e], q)), skip_validation=True)
    for e in m.pe:
        a, b = data.ends[e]
        m.pe[e].set_value((h[b] - h[a]) * flow.get(e, 0.0), skip_validation=True)
