"""The exact convex reformulation of booster placement on a looped network (content, co-content).

``looped-exact.md`` of the design notes. For a fixed plan, the steady state of a network of
monotone links (:mod:`.laws`) with fixed demands is the unique flow that balances mass and puts
every link on its law. With :math:`\\Phi_e` the content and :math:`\\Psi_e` the co-content of
link ``e``, Fenchel–Young summed over the links gives, for every flow ``q`` that balances mass
and all heads ``h`` (fixed heads ``H_r`` at reservoirs and tanks, demands ``d_j``):

.. math:: \\sum_e \\big[\\Phi_e(q_e) + \\Psi_e(h_a - h_b)\\big]
    + \\sum_j d_j h_j - \\sum_r H_r\\, \\mathrm{out}_r \\;\\ge\\; 0,

because :math:`\\sum_e (h_a - h_b) q_e = \\sum_r H_r \\mathrm{out}_r - \\sum_j d_j h_j` under mass
balance; equality holds exactly when every link is on its law. So the convex constraint
"``≤ 0``" stands in exactly for all the hydraulic equations.

**Placement.** On a candidate pipe ``e`` (a pump at its upstream end ``u``, forward flow
``f = σ q``, forward head drop ``δ = h_u − h_d``) the choice ``k`` (``0``: no pump; ``k ≥ 1``: a
catalogue size) changes the law. The flow and the drop are split by choice, each with its
binary :math:`y_{e,k}` (:math:`\\sum_k y_{e,k} = 1`), and each choice's content and co-content
enter as perspectives :math:`y\\,\\Phi(f_k/y)`, so a choice not taken contributes nothing.
A constant-power size adds the content :math:`-c_k \\ln f`; a curve size
:math:`h_k(f) = A - B f^C` adds :math:`-\\int_0^f h_k = -(A f - B f^{C+1}/(C+1))`, convex on
``f ≥ 0`` for every ``C > 0`` (its derivative :math:`-h_k` increases), on flows up to its
zero-head flow ``Q_max``.

The constraint is a sum of one-dimensional convex terms, each ``t ≥ y F(x / y)`` with its own
epigraph variable ``t``; :func:`tangent` gives the linear cuts of the outer approximation
(tangents of ``F``, valid under-estimators everywhere), :mod:`wdnopt.solvers.pumps.content_oa`
adds them where the relaxation's solution sits. With every term exact, the model's plans are
exactly the plans whose EPANET state keeps every checked junction within its limits and every
new pump within its maximum head, so the MILP's bound is a valid lower bound at every step.

**The energy row.** Both models also carry the energy balance of :mod:`.energy` (Tellegen:
the pumps' power covers the pipes' dissipation and the lift of the demands), implied by the
laws for every integer plan but not by the perspective terms of a fractional one, where it
cuts the relaxation's cheap "share of a pump" lifts.

**What the bound rests on**, reported with every answer (:func:`assumptions`):

- the head envelope of :func:`~.relaxation.head_box` (no junction's head moves by more than the
  heads the plan's pumps can add; a property of monotone networks, an assumption where
  regulating valves sit);
- regulating valves (PRV, PSV, PBV, FCV, GPV) are not monotone links: their energy term
  :math:`(h_a - h_b) q` is relaxed by its McCormick under-estimators on the head and flow
  bounds (valid, no assumption, but loose);
- existing pumps off in the unpumped state stay off; tanks hold their initial level; demands are
  demand-driven (emitters are not modelled).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pyomo.environ as pyo

from wdnopt.models.pumps import relaxation as rx
from wdnopt.models.pumps.costs import RHO_G, Catalogue
from wdnopt.models.pumps.curves import si_coefficients
from wdnopt.models.pumps.energy import boundary_terms, define_energy, set_energy_state
from wdnopt.models.pumps.laws import (
    CheckValveLaw,
    CurvePumpedPipeLaw,
    CurvePumpLaw,
    Friction,
    Law,
    PipeLaw,
    PowerPumpLaw,
    PumpedPipeLaw,
    TablePumpLaw,
)
from wdnopt.models.pumps.network import PlannedPump

CONTENT_SLACK = 1e-8
"""Room (m·m³/s) in the content constraint for EPANET's own accuracy, per unit of
:math:`\\sum_j d_j |h_j|` (the scale of the constraint's terms)."""

START_POINTS = 5
"""Tangent points per term at the start (more are added where the relaxation sits)."""

START_POINTS_LARGE = 3
"""Tangent points per term at the start on models of more than :data:`LARGE_TERMS` terms."""

LARGE_TERMS = 5_000

Kind = Literal["content", "co"]


@dataclass(frozen=True, eq=False)
class Term:
    """One convex term ``t ≥ y F(x / y)`` (``y`` absent: ``t ≥ F(x)``).

    ``F`` is the law's content (``kind = "content"``, ``x`` a flow) or co-content (``"co"``,
    ``x`` a head drop); ``[lo, hi]`` is the range of ``x / y`` on the law."""

    kind: Kind
    law: Law
    t: object
    x: object
    y: object | None
    lo: float
    hi: float
    link: str
    choice: int
    """``-1`` for a link with no choice; else the choice (0: no pump, ``k + 1``: size ``k``)."""

    @property
    def key(self) -> tuple[str, str, int]:
        """``(kind, link, choice)``: the same term in every model built for the network."""
        return (self.kind, self.link, self.choice)

    def value(self, p: float) -> float:
        return self.law.content(p) if self.kind == "content" else self.law.co(p)

    def slope(self, p: float) -> float:
        return self.law.phi(p) if self.kind == "content" else self.law.inverse(p)

    def clamp(self, p: float) -> float:
        return min(max(p, self.lo), self.hi)


def tangent(term: Term, p: float) -> tuple[float, float]:
    """``(a, b)`` of the cut :math:`t \\ge a\\,x + b\\,y` (``y = 1`` when absent), the tangent of
    ``F`` at ``p`` in perspective form:

    .. math:: t \\ge F'(p)\\, x + \\big(F(p) - F'(p)\\, p\\big)\\, y .

    ``F`` is convex, so the cut is below ``y F(x/y)`` for every ``x`` and ``y > 0`` (and is
    ``0`` at ``x = y = 0``)."""
    p = term.clamp(p)
    a = term.slope(p)
    return a, term.value(p) - a * p


@dataclass(frozen=True, eq=False)
class ContentModel:
    """A built content model: the Pyomo model and how to read it."""

    model: pyo.ConcreteModel
    data: rx.NetworkData
    bounds: rx.Bounds
    candidates: tuple[rx.Candidate, ...]
    terms: tuple[Term, ...]
    laws: dict[str, Law]
    slack: float
    """Right-hand side of the content constraint (see :data:`CONTENT_SLACK`)."""
    valves: tuple[str, ...] = ()
    start_points: dict[int, list[float]] = field(default_factory=dict)

    def plan(self, y: dict[tuple[int, int], float] | None = None) -> tuple[PlannedPump, ...]:
        """The pumps of a solution (``y > 0.5``; default the model's values)."""
        m = self.model
        out = []
        for i, c in enumerate(self.candidates):
            for k in c.sizes:
                value = y[i, k] if y is not None else pyo.value(m.y[i, k])
                if value > 0.5:
                    out.append(PlannedPump(c.pipe, c.upstream, k))
        return tuple(sorted(out))


def link_laws(data: rx.NetworkData) -> dict[str, Law]:
    """The law of every open link with one (pipes, check valves, TCVs, running pumps); the
    regulating valves have none (:func:`define_valves`)."""
    laws: dict[str, Law] = {}
    for e in data.links:
        kind = data.kind[e]
        if kind in ("pipe", "tcv"):
            laws[e] = PipeLaw(Friction(data.laws[e]))
        elif kind == "cv":
            laws[e] = CheckValveLaw(Friction(data.laws[e]))
        elif kind == "pump" and e in data.curve_points:
            pts = sorted(data.curve_points[e])
            laws[e] = TablePumpLaw(tuple(p[0] for p in pts), tuple(p[1] for p in pts))
        elif kind == "pump":
            a, b, c = data.curves[e]
            laws[e] = CurvePumpLaw(a, b, c)
        elif kind == "power":
            laws[e] = PowerPumpLaw(data.power[e])
    return laws


def pump_constants(catalogue: Catalogue, p_tol: float) -> tuple[np.ndarray, np.ndarray]:
    """``c_k = η_k W_k / (ρ g)`` and the least flow ``c_k / (H^{max}_k + tol)`` at which size
    ``k`` runs within its maximum head (the check's own tolerance ``tol``); for a curve size
    the least flow is 0 (it runs at any forward flow below its ``Q_max``)."""
    c = catalogue.hydraulic_kw / RHO_G
    h_max = np.asarray(catalogue.max_head_m, dtype=float)
    q_min = np.where(np.isfinite(h_max), c / (h_max + p_tol), c / 1e4)
    return c, np.where(catalogue.is_curve, 0.0, q_min)


def flow_caps(catalogue: Catalogue) -> np.ndarray:
    """The largest flow at which each size runs, m³/s: ``Q_max`` of a curve size (zero head),
    ``inf`` for a constant-power size."""
    return np.array(
        [math.inf if s.curve is None else s.curve.max_flow for s in catalogue.sizes], dtype=float
    )


def choice_law(pipe: PipeLaw | CheckValveLaw, catalogue: Catalogue, k: int, c_k: float) -> Law:
    """The law of a candidate pipe with a size-``k`` pump: :class:`~.laws.PumpedPipeLaw`
    (constant power ``c_k``) or :class:`~.laws.CurvePumpedPipeLaw` (its head curve, whose
    content term is the pipe's plus :math:`-\\int_0^f h_k = -(A f - B f^{C+1}/(C+1))`)."""
    curve = catalogue.sizes[k].curve
    if curve is None:
        return PumpedPipeLaw(pipe.friction, c_k)
    return CurvePumpedPipeLaw(pipe.friction, *si_coefficients(curve))


def build_content_model(
    data: rx.NetworkData,
    bounds: rx.Bounds,
    cands: list[tuple[str, str, int]],
    catalogue: Catalogue,
    costs: np.ndarray,
    *,
    p_tol: float = 0.0,
    max_cost: float | None = None,
) -> ContentModel:
    """The content MILP (before any cut beyond the start points): a flat list of ``define_*``
    calls. ``bounds`` are the flow bounds and head bounds (m) every plan's state lies in;
    ``p_tol`` (m) widens the pressure limits and the pumps' head limits by the check's own
    tolerance, so no plan the check accepts is cut off; sizes dearer than ``max_cost`` are
    left out (:func:`~.relaxation.affordable`)."""
    m = pyo.ConcreteModel(name="content")
    m.cons = pyo.ConstraintList()
    laws = link_laws(data)
    chosen = candidate_sizes(data, bounds, cands, catalogue, p_tol, costs, max_cost)
    define_heads(m, data, bounds, p_tol)
    define_flows(m, data, bounds)
    rx.define_balance(m, data)
    terms: list[Term] = []
    define_plain_terms(m, data, bounds, laws, {c.pipe for c in chosen}, terms)
    define_choices(m, data, bounds, chosen, laws, catalogue, p_tol, terms)
    define_valves(m, data, bounds, laws)
    slack = define_content(m, data, terms)
    define_energy(m, data, bounds, chosen, catalogue, laws)
    define_cost(m, chosen, costs)
    model = ContentModel(
        model=m, data=data, bounds=bounds, candidates=tuple(chosen), terms=tuple(terms),
        laws=laws, slack=slack,
        valves=tuple(e for e in data.links if e not in laws),
    )  # fmt: skip
    define_start_cuts(model)
    return model


def candidate_sizes(
    data: rx.NetworkData,
    bounds: rx.Bounds,
    cands: list[tuple[str, str, int]],
    catalogue: Catalogue,
    p_tol: float,
    costs: np.ndarray | None = None,
    max_cost: float | None = None,
) -> list[rx.Candidate]:
    """Candidates with the sizes that can run on them: size ``k`` needs a forward flow of at
    least :math:`q^{min}_k` (:func:`pump_constants`) and below its :func:`flow_caps` within
    the pipe's flow bounds; with ``costs`` (by size, or by candidate and size), sizes dearer
    than ``max_cost`` are left out (:func:`~.relaxation.affordable`)."""
    _, q_min = pump_constants(catalogue, p_tol)
    caps = flow_caps(catalogue)
    table = None if costs is None else rx.cost_table(costs, len(cands), len(catalogue))
    out = []
    for i, (pipe, up, sign) in enumerate(cands):
        lo, hi = bounds.q_lo[pipe], bounds.q_hi[pipe]
        f_lo, f_hi = (lo, hi) if sign > 0 else (-hi, -lo)
        sizes = tuple(
            k for k in range(len(catalogue)) if q_min[k] < f_hi and f_lo < caps[k] and f_hi > 0
        )
        if table is not None:
            sizes = rx.affordable(sizes, table[i], max_cost)
        out.append(rx.Candidate(pipe, up, sign, sizes))
    return out


def define_heads(m: pyo.ConcreteModel, data: rx.NetworkData, bounds: rx.Bounds, p_tol: float):
    """Junction heads within their bounds, m (:func:`~.relaxation.head_box`: the pressure
    limits at checked junctions, widened by the check's tolerance, the envelope elsewhere).
    Reservoirs and tanks hold their heads (constants)."""
    m.J = pyo.Set(initialize=data.junctions, ordered=True)
    m.h = pyo.Var(m.J, bounds=lambda _m, j: (bounds.h_lo[j], bounds.h_hi[j]))


def _head(m: pyo.ConcreteModel, data: rx.NetworkData, node: str):
    fixed = data.fixed.get(node)
    return fixed if fixed is not None else m.h[node]


def define_flows(m: pyo.ConcreteModel, data: rx.NetworkData, bounds: rx.Bounds) -> None:
    """Flows :math:`q_e \\in [\\underline q_e, \\overline q_e]` of every open link (m³/s) and
    its head drop :math:`\\Delta_e = h_a - h_b` (a variable with its defining row)."""
    m.L = pyo.Set(initialize=data.links, ordered=True)
    m.q = pyo.Var(m.L, bounds=lambda _m, e: (bounds.q_lo[e], bounds.q_hi[e]))
    m.dh = pyo.Var(m.L)
    for e in data.links:
        a, b = data.ends[e]
        m.cons.add(m.dh[e] == _head(m, data, a) - _head(m, data, b))


def _range(law: Law, lo: float, hi: float) -> tuple[float, float]:
    return law.phi(lo), law.phi(hi)


def define_plain_terms(
    m: pyo.ConcreteModel,
    data: rx.NetworkData,
    bounds: rx.Bounds,
    laws: dict[str, Law],
    with_choice: set[str],
    terms: list[Term],
) -> None:
    """For every link with a law and no pump choice: the terms :math:`t \\ge \\Phi_e(q_e)`
    and :math:`s \\ge \\Psi_e(\\Delta_e)`."""
    names = [e for e in data.links if e in laws and e not in with_choice]
    m.PL = pyo.Set(initialize=names, ordered=True)
    m.tq = pyo.Var(m.PL)
    m.td = pyo.Var(m.PL)
    for e in names:
        law = laws[e]
        lo, hi = max(bounds.q_lo[e], law.lo), bounds.q_hi[e]
        if isinstance(law, PowerPumpLaw):
            lo = max(lo, 1e-9)
        d_lo, d_hi = _range(law, lo, hi)
        if isinstance(law, PipeLaw):  # the drop lies on the law's range
            m.dh[e].setlb(d_lo)
            m.dh[e].setub(d_hi)
        if isinstance(law, (CheckValveLaw, CurvePumpLaw, TablePumpLaw)):
            d_lo = -1e4  # shut: any head against it
        if isinstance(law, PowerPumpLaw):
            d_hi = min(d_hi, -1e-9)
        terms.append(Term("content", law, m.tq[e], m.q[e], None, lo, hi, e, -1))
        terms.append(Term("co", law, m.td[e], m.dh[e], None, d_lo, d_hi, e, -1))


def define_choices(
    m: pyo.ConcreteModel,
    data: rx.NetworkData,
    bounds: rx.Bounds,
    chosen: list[rx.Candidate],
    laws: dict[str, Law],
    catalogue: Catalogue,
    p_tol: float,
    terms: list[Term],
) -> None:
    """The choices on candidate pipe ``e`` (forward flow :math:`f \\in [l, u]`, ``σ`` its sign):

    .. math::
        y_{e,0} + \\sum_k y_{e,k} = 1, \\qquad \\sigma q_e = \\sum_{k \\ge 0} f_{e,k},
        \\qquad \\sigma \\Delta_e = \\sum_{k \\ge 0} \\delta_{e,k},

        l\\, y_{e,0} \\le f_{e,0} \\le u\\, y_{e,0}, \\qquad
        q^{min}_k y_{e,k} \\le f_{e,k} \\le u_k\\, y_{e,k},

        \\varphi_k(q^{min}_k)\\, y_{e,k} \\le \\delta_{e,k} \\le \\varphi_k(u_k)\\, y_{e,k}

    (the same for ``k = 0`` on ``[l, u]``; :math:`u_k = \\min(u, Q^{max}_k)`,
    :func:`flow_caps`), and the terms :math:`y\\Phi_k(f/y)`, :math:`y\\Psi_k(\\delta/y)` of
    each choice: ``k = 0`` the pipe's law, ``k ≥ 1`` the pipe with the size-``k`` pump
    (:func:`choice_law`: constant power, or a head curve with content term
    :math:`-\\int_0^f h_k`)."""
    c_all, q_min = pump_constants(catalogue, p_tol)
    caps = flow_caps(catalogue)
    keys = [(i, k) for i, c in enumerate(chosen) for k in c.sizes]
    m.Y = pyo.Set(initialize=keys, dimen=2, ordered=True)
    m.y = pyo.Var(m.Y, domain=pyo.Binary)
    ch = [(i, k) for i, c in enumerate(chosen) for k in (-1, *c.sizes)]
    m.CH = pyo.Set(initialize=ch, dimen=2, ordered=True)
    m.y0 = pyo.Var(range(len(chosen)), bounds=(0.0, 1.0))
    m.f = pyo.Var(m.CH)
    m.dd = pyo.Var(m.CH)
    m.tf = pyo.Var(m.CH)
    m.tdd = pyo.Var(m.CH)
    for i, c in enumerate(chosen):
        pipe = laws[c.pipe]
        assert isinstance(pipe, PipeLaw | CheckValveLaw)
        lo, hi = bounds.q_lo[c.pipe], bounds.q_hi[c.pipe]
        f_lo, f_hi = (lo, hi) if c.sign > 0 else (-hi, -lo)
        f_lo = max(f_lo, pipe.lo)
        m.cons.add(m.y0[i] + sum(m.y[i, k] for k in c.sizes) == 1)
        m.cons.add(c.sign * m.q[c.pipe] == sum(m.f[i, k] for k in (-1, *c.sizes)))
        m.cons.add(c.sign * m.dh[c.pipe] == sum(m.dd[i, k] for k in (-1, *c.sizes)))
        for k in (-1, *c.sizes):
            if k < 0:
                law: Law = pipe
                yv, lo_k, hi_k = m.y0[i], f_lo, f_hi
            else:
                law = choice_law(pipe, catalogue, k, float(c_all[k]))
                yv, lo_k, hi_k = m.y[i, k], float(q_min[k]), min(f_hi, float(caps[k]))
            d_lo, d_hi = _range(law, lo_k, hi_k)
            m.cons.add(m.f[i, k] >= lo_k * yv)
            m.cons.add(m.f[i, k] <= hi_k * yv)
            if isinstance(pipe, CheckValveLaw) and k < 0:
                d_lo = -1e4  # a check valve shut holds any reverse head
            m.cons.add(m.dd[i, k] >= d_lo * yv)
            m.cons.add(m.dd[i, k] <= d_hi * yv)
            terms.append(Term("content", law, m.tf[i, k], m.f[i, k], yv, lo_k, hi_k, c.pipe, k + 1))
            terms.append(Term("co", law, m.tdd[i, k], m.dd[i, k], yv, d_lo, d_hi, c.pipe, k + 1))


def define_valves(
    m: pyo.ConcreteModel, data: rx.NetworkData, bounds: rx.Bounds, laws: dict[str, Law]
) -> None:
    """Regulating valves (no monotone law): the energy term :math:`w_v` stands for
    :math:`\\Delta_v q_v` and is bounded below by its McCormick under-estimators

    .. math:: w_v \\ge \\underline\\Delta q_v + \\underline q \\Delta_v - \\underline\\Delta
        \\underline q, \\qquad w_v \\ge \\overline\\Delta q_v + \\overline q \\Delta_v -
        \\overline\\Delta \\overline q,

    and by 0 for a PRV or PSV (flow forward, head lost). Valid for every state: a loose but
    assumption-free relaxation."""
    names = [e for e in data.links if e not in laws]
    m.V = pyo.Set(initialize=names, ordered=True)
    m.wv = pyo.Var(m.V)
    for e in names:
        a, b = data.ends[e]
        lo_h = {**bounds.h_lo, **data.fixed}
        hi_h = {**bounds.h_hi, **data.fixed}
        d_lo, d_hi = lo_h[a] - hi_h[b], hi_h[a] - lo_h[b]
        q_lo, q_hi = bounds.q_lo[e], bounds.q_hi[e]
        m.cons.add(m.wv[e] >= d_lo * m.q[e] + q_lo * m.dh[e] - d_lo * q_lo)
        m.cons.add(m.wv[e] >= d_hi * m.q[e] + q_hi * m.dh[e] - d_hi * q_hi)
        if data.kind[e] == "forward":
            m.cons.add(m.wv[e] >= 0)


def define_content(m: pyo.ConcreteModel, data: rx.NetworkData, terms: list[Term]) -> float:
    """The content constraint (module notes), with the valves' energy terms:

    .. math:: \\sum_{\\text{terms}} t + \\sum_j d_j h_j - \\sum_r H_r\\, \\mathrm{out}_r
        + \\sum_v w_v \\le \\epsilon

    (:math:`\\mathrm{out}_r = \\sum_{e \\in out(r)} q_e - \\sum_{e \\in in(r)} q_e`;
    ``ε`` = :data:`CONTENT_SLACK` times :math:`\\sum_j |d_j| \\overline{|h_j|}`). Returns ``ε``."""
    fixed = data.fixed
    lifted, outflow = boundary_terms(m, data)
    scale = sum(abs(d) * max(abs(m.h[j].lb), abs(m.h[j].ub)) for j, d in data.demand.items())
    scale += sum(abs(fixed[r]) for r in fixed) * 1e-3
    slack = CONTENT_SLACK * max(scale, 1.0)
    m.content = pyo.Constraint(
        expr=sum(t.t for t in terms) + lifted - outflow + sum(m.wv[e] for e in m.V) <= slack
    )
    return slack


def define_cost(m: pyo.ConcreteModel, chosen: list[rx.Candidate], costs: np.ndarray) -> None:
    """The objective :math:`\\min \\sum_{e,k} c_{e,k} y_{e,k}` and the budget row
    :math:`\\sum c_{e,k} y_{e,k} \\le B` (``B`` set by the solver: strictly below the
    incumbent); ``costs`` is ``c_k`` by size or ``c[e, k]`` (:func:`~.relaxation.cost_table`)."""
    table = rx.cost_table(costs, len(chosen), np.shape(costs)[-1])
    total = sum(float(table[i, k]) * m.y[i, k] for i, k in m.Y)
    m.cost = pyo.Objective(expr=total, sense=pyo.minimize)
    m.budget = pyo.Constraint(expr=total <= 1e20 if len(m.Y) else pyo.Constraint.Skip)


def start_points(term: Term, state: float | None, n: int = START_POINTS) -> list[float]:
    """Where a term's first tangents go: ``n`` points spread over its range (geometrically on
    a one-signed range), and the unpumped state's value."""
    lo, hi = term.lo, term.hi
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        pts = [lo if math.isfinite(lo) else hi]
    elif lo > 0:
        pts = list(np.geomspace(lo, hi, n))
    elif hi < 0:
        pts = list(-np.geomspace(-hi, -lo, n))
    else:
        pts = list(np.linspace(lo, hi, n))
    if state is not None:
        pts.append(term.clamp(state))
    return sorted({float(p) for p in pts if math.isfinite(p)})


def define_start_cuts(model: ContentModel, points: Points | None = None) -> None:
    """The first tangents of every term, and at ``points`` (by term key) where earlier models
    were cut. The content term ``t ≥ yΦ(f/y)`` and the co-content term ``s ≥ yΨ(δ/y)`` of a
    link or choice take theirs at the same flows ``f_0`` (:func:`start_points` of the flow
    range): :math:`t \\ge \\varphi(f_0) f + (\\Phi(f_0) - \\varphi(f_0) f_0) y` and, since
    :math:`\\Psi'(\\varphi(f_0)) = f_0`, :math:`s \\ge f_0\\, \\delta - \\Phi(f_0)\\, y` (no
    inversion of the law)."""
    m, data = model.model, model.data
    m.start = pyo.ConstraintList()
    flows: dict[tuple[str, int], list[float]] = {}
    n = START_POINTS_LARGE if len(model.terms) > LARGE_TERMS else START_POINTS
    for term in model.terms:
        if term.kind != "content":
            continue
        q0 = data.state_flow.get(term.link)
        if term.choice >= 0 and q0 is not None:
            cand = next(c for c in model.candidates if c.pipe == term.link)
            q0 = cand.sign * q0
        flows[term.link, term.choice] = start_points(term, q0, n)
    for n, term in enumerate(model.terms):
        y = 1.0 if term.y is None else term.y
        base = flows.get((term.link, term.choice), [])
        extra = (points or {}).get(term.key, [])
        model.start_points[n] = base + extra
        for f0 in base:
            if term.kind == "content":
                a, b = tangent(term, f0)
            else:
                a, b = f0, -term.law.content(f0)
            m.start.add(term.t >= a * term.x + b * y)
        for p in extra:
            a, b = tangent(term, p)
            m.start.add(term.t >= a * term.x + b * y)


def assumptions(net, data: rx.NetworkData, envelope: float) -> tuple[str, ...]:
    """What a bound of the content model rests on, in words (reported with the answer)."""
    wn = net.wn
    valves = [e for e in data.links if data.kind[e] in ("forward", "free")]
    out = [
        f"head envelope {envelope:.4g} m: no junction's head moves by more than the heads the "
        "plan's pumps can add"
        + (
            f" (assumed: regulating valves {', '.join(valves[:5])}"
            f"{' …' if len(valves) > 5 else ''} are not monotone links)"
            if valves
            else " (holds for networks of pipes, check valves and pumps)"
        )
    ]
    if valves:
        out.append(
            "regulating valves relaxed: their energy term bounded by McCormick under-estimators "
            "(valid, no setting assumed)"
        )
    off = [name for name, _ in wn.pumps() if name not in data.kind]
    if off:
        out.append(f"existing pumps off in the unpumped state stay off: {', '.join(off[:5])}"
                   + (" …" if len(off) > 5 else ""))  # fmt: skip
    if wn.num_tanks:
        out.append("tanks hold their initial levels (one steady state)")
    if any((j.emitter_coefficient or 0.0) > 0 for _, j in wn.junctions()):
        out.append("emitters are not modelled (demand-driven steady state)")
    return tuple(out)


Points = dict[tuple[str, str, int], list[float]]
"""Term key → the points its tangents were taken at (carried from one model to the next)."""


def add_content(
    relax: rx.Relaxation, catalogue: Catalogue, points: Points, *, p_tol: float = 0.0
) -> ContentModel:
    r"""Add the content constraint to a built relaxation of :mod:`.relaxation` (the combined
    model: both families of constraints, so at least as strong as either). It uses that
    model's heads ``h``, flows ``q``, choices ``y`` and pump flows ``w``:

    .. math:: f_{e,k} = w_{e,k} \;(k \ge 1), \qquad f_{e,0} = \sigma q_e - \sum_k w_{e,k},
        \qquad y_{e,0} = 1 - \sum_k y_{e,k},

    the drops split by choice (:func:`define_choices`), the terms of every link
    (:func:`define_plain_terms`), the valves (:func:`define_valves`) and the content row
    (:func:`define_content`), with tangents at :func:`start_points` and at ``points``.
    Returns the combined model as a :class:`ContentModel` (its terms, for cutting where a
    solution violates them)."""
    m, data, bounds = relax.model, relax.data, relax.bounds
    m.cons = pyo.ConstraintList()
    laws = link_laws(data)
    terms: list[Term] = []
    m.dh = pyo.Var(m.L)
    for e in data.links:
        a, b = data.ends[e]
        m.cons.add(m.dh[e] == _head(m, data, a) - _head(m, data, b))
    with_choice = {c.pipe for c in relax.candidates}
    define_plain_terms(m, data, bounds, laws, with_choice, terms)
    c_all, q_min = pump_constants(catalogue, p_tol)
    caps = flow_caps(catalogue)
    chosen = list(relax.candidates)
    ch = [(i, k) for i, c in enumerate(chosen) for k in (-1, *c.sizes)]
    m.CH = pyo.Set(initialize=ch, dimen=2, ordered=True)
    m.y0 = pyo.Var(range(len(chosen)), bounds=(0.0, 1.0))
    m.f0 = pyo.Var(range(len(chosen)))
    m.dd = pyo.Var(m.CH)
    m.tf = pyo.Var(m.CH)
    m.tdd = pyo.Var(m.CH)
    for i, c in enumerate(chosen):
        pipe = laws[c.pipe]
        lo, hi = bounds.q_lo[c.pipe], bounds.q_hi[c.pipe]
        f_lo, f_hi = (lo, hi) if c.sign > 0 else (-hi, -lo)
        f_lo = max(f_lo, pipe.lo)
        m.cons.add(m.y0[i] + sum(m.y[i, k] for k in c.sizes) == 1)
        m.cons.add(m.f0[i] == c.sign * m.q[c.pipe] - sum(m.w[i, k] for k in c.sizes))
        m.cons.add(c.sign * m.dh[c.pipe] == sum(m.dd[i, k] for k in (-1, *c.sizes)))
        for k in (-1, *c.sizes):
            if k < 0:
                law: Law = pipe
                yv, xv, lo_k, hi_k = m.y0[i], m.f0[i], f_lo, f_hi
            else:
                law = choice_law(pipe, catalogue, k, float(c_all[k]))
                yv, xv = m.y[i, k], m.w[i, k]
                lo_k, hi_k = float(q_min[k]), min(f_hi, float(caps[k]))
            d_lo, d_hi = _range(law, lo_k, hi_k)
            if k < 0:
                m.cons.add(xv >= lo_k * yv)
                m.cons.add(xv <= f_hi * yv)
            if isinstance(pipe, CheckValveLaw) and k < 0:
                d_lo = -1e4
            m.cons.add(m.dd[i, k] >= d_lo * yv)
            m.cons.add(m.dd[i, k] <= d_hi * yv)
            terms.append(Term("content", law, m.tf[i, k], xv, yv, lo_k, hi_k, c.pipe, k + 1))
            terms.append(Term("co", law, m.tdd[i, k], m.dd[i, k], yv, d_lo, d_hi, c.pipe, k + 1))
    define_valves(m, data, bounds, laws)
    slack = define_content(m, data, terms)
    define_energy(m, data, bounds, chosen, catalogue, laws)
    model = ContentModel(model=m, data=data, bounds=bounds, candidates=tuple(chosen),
                         terms=tuple(terms), laws=laws, slack=slack)  # fmt: skip
    define_start_cuts(model, points)
    return model


def set_state(
    m: pyo.ConcreteModel,
    data: rx.NetworkData,
    candidates: tuple[rx.Candidate, ...],
    terms: list[Term] | tuple[Term, ...],
    pumps: tuple[PlannedPump, ...],
    head: dict[str, float],
    flow: dict[str, float],
) -> None:
    """Set the content variables of ``m`` (a content model, or a relaxation with the content
    constraint added) to a simulated state of the plan ``pumps``: heads by node, flows by
    link. Every epigraph variable takes its term's true value, so a model that is a valid
    relaxation has no violated row there (the tests' check)."""
    h = {**head, **data.fixed}
    for j in data.junctions:
        m.h[j].set_value(head[j], skip_validation=True)
    for e in data.links:
        a, b = data.ends[e]
        m.q[e].set_value(flow.get(e, 0.0), skip_validation=True)
        m.dh[e].set_value(h[a] - h[b], skip_validation=True)
    chosen = {(p.pipe, p.upstream): p.size for p in pumps}
    for i, c in enumerate(candidates):
        k_on = chosen.get((c.pipe, c.upstream), -1)
        a, b = data.ends[c.pipe]
        f, d = c.sign * flow.get(c.pipe, 0.0), c.sign * (h[a] - h[b])
        m.y0[i].set_value(1.0 if k_on < 0 else 0.0, skip_validation=True)
        for k in c.sizes:
            m.y[i, k].set_value(1.0 if k == k_on else 0.0, skip_validation=True)
            if hasattr(m, "f"):
                m.f[i, k].set_value(f if k == k_on else 0.0, skip_validation=True)
        if hasattr(m, "f"):
            m.f[i, -1].set_value(f if k_on < 0 else 0.0, skip_validation=True)
        else:
            m.f0[i].set_value(f if k_on < 0 else 0.0, skip_validation=True)
        for k in (-1, *c.sizes):
            m.dd[i, k].set_value(d if k == k_on else 0.0, skip_validation=True)
    for term in terms:
        y = 1.0 if term.y is None else float(term.y.value)
        x = float(term.x.value)
        term.t.set_value(y * term.value(x / y) if y > 0.5 else 0.0, skip_validation=True)
    for e in m.V:
        m.wv[e].set_value(float(m.dh[e].value) * float(m.q[e].value), skip_validation=True)
    set_energy_state(m, data, head, flow)
