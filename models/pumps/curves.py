"""Head curves of booster pumps: EPANET's power function through one or three points.

A curve pump of size ``k`` adds, at a flow ``q`` through it, the head

.. math:: h_k(q) = A_k - B_k\\, q^{C_k} \\qquad (0 \\le q \\le Q_{max,k} = (A_k/B_k)^{1/C_k})

with ``q`` in L/s and heads in m (the units of an LPS ``.inp`` file, where EPANET fits the
curve). The coefficients are EPANET 2.2's (``findpumpparams`` and ``powercurve`` in
``src/validate.c`` of OpenWaterAnalytics/EPANET), so that the tree model and EPANET agree:

- **one point** (design flow ``Q_d``, design head ``H_d``): shut-off head
  ``h_0 = 1.33334 H_d`` (EPANET's rounding of ``4/3``), zero head at ``q_2 = 2 Q_d``; with
  ``C`` below this is ``C = ln(h_0/(h_0 − H_d))/ln 2 ≈ 2``, i.e. ``h = A − B q²``, ``A = 4/3·H_d``,
  ``B = A/(2 Q_d)²``;
- **three points** ``(0, h_0), (q_1, h_1), (q_2, h_2)``: EPANET fits a power function only when
  the first point is at zero flow (otherwise it makes a piecewise-linear custom curve, which
  this model does not use), so the first flow must be 0.

Then ``A = h_0``, ``C = ln((h_0 − h_2)/(h_0 − h_1)) / ln(q_2/q_1)``, ``B = (h_0 − h_1)/q_1^C``.
EPANET's validity checks are kept as they are: ``h_0 ≥ τ``, ``h_0 − h_1 ≥ τ``,
``h_1 − h_2 ≥ τ``, ``q_1 ≥ τ``, ``q_2 − q_1 ≥ τ`` (``τ`` = 1e-6 in file units) and
``0 < C ≤ 20``; a curve failing them is EPANET's error 227, here an
:class:`~wdnopt.models.errors.InputError`.

A curve pump at the flow ``q`` (m³/s) draws the electrical power

.. math:: P_k(q) = \\rho g\\, q\\, h_k(q) / \\eta_k \\quad [\\mathrm{kW}],

which is largest at ``q^* = (A/(B(C+1)))^{1/C}`` (L/s), where ``q h(q) = q^* A C/(C+1)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

EPANET_SHUTOFF_RATIO = 1.33334
"""EPANET's shut-off head of a one-point curve, as a multiple of the design head."""
EPANET_TINY = 1e-6
"""EPANET's least difference between the heads and flows of a curve (file units)."""
EPANET_MAX_EXPONENT = 20.0
"""EPANET's largest exponent ``C`` of a power-function curve."""
LPS_PER_M3S = 1000.0
SLOPE_FLOOR_LPS = 1e-3
"""Flow (L/s) below which :meth:`HeadCurve.slope` is taken at this flow."""


class CurveError(ValueError):
    """A curve EPANET refuses (its error 227): the message says which rule fails."""


@dataclass(frozen=True)
class HeadCurve:
    """``h(q) = A − B q^C`` (q in L/s, h in m), with the points EPANET is given."""

    points: tuple[tuple[float, float], ...]
    """The curve's points as written in ``[CURVES]``: ``(flow L/s, head m)``, one or three."""
    a: float
    """Shut-off head ``A``, m."""
    b: float
    """``B``, m per (L/s)^C."""
    c: float
    """Exponent ``C``."""

    @property
    def max_flow_lps(self) -> float:
        """``Q_max = (A/B)^{1/C}``: the flow of zero head, L/s."""
        return float((self.a / self.b) ** (1.0 / self.c))

    @property
    def max_flow(self) -> float:
        """``Q_max`` in m³/s."""
        return self.max_flow_lps / LPS_PER_M3S

    def head(self, q: np.ndarray | float) -> np.ndarray:
        """``h(|q|)`` in m at flows ``q`` in m³/s (the formula as is: negative beyond
        ``Q_max``)."""
        lps = np.asarray(q, dtype=float) * LPS_PER_M3S
        return self.a - self.b * np.abs(lps) ** self.c

    def slope(self, q: np.ndarray | float) -> np.ndarray:
        """``h'(|q|) = −C B |q|^{C−1}`` in m per m³/s at flows ``q`` in m³/s (flows under
        :data:`SLOPE_FLOOR_LPS` L/s are taken at that flow: for ``C < 1`` the slope is
        unbounded at zero flow)."""
        lps = np.maximum(np.abs(np.asarray(q, dtype=float)) * LPS_PER_M3S, SLOPE_FLOOR_LPS)
        return -self.c * self.b * lps ** (self.c - 1.0) * LPS_PER_M3S

    @property
    def max_hydraulic_kw_per_rho_g(self) -> float:
        """Largest ``q h(q)`` over the curve, m³/s·m (at ``q^*``): the hydraulic power / ρg."""
        q_star = (self.a / (self.b * (self.c + 1))) ** (1.0 / self.c)
        return float(q_star / LPS_PER_M3S * self.a * self.c / (self.c + 1))


def power_curve(
    h0: float, h1: float, h2: float, q1: float, q2: float
) -> tuple[float, float, float]:
    """EPANET's ``powercurve``: ``(A, B, C)`` through ``(0, h0), (q1, h1), (q2, h2)`` (L/s, m),
    or :class:`CurveError` naming the rule that fails."""
    rules = (
        (h0 >= EPANET_TINY, "a positive shut-off head"),
        (h0 - h1 >= EPANET_TINY, "heads falling with flow (h at the first flow below shut-off)"),
        (h1 - h2 >= EPANET_TINY, "heads falling with flow (h at the last flow below the middle)"),
        (q1 >= EPANET_TINY, "a positive middle flow"),
        (q2 - q1 >= EPANET_TINY, "flows rising along the curve"),
    )
    for ok, expected in rules:
        if not ok:  # NaN fails every comparison
            raise CurveError(expected)
    c = math.log((h0 - h2) / (h0 - h1)) / math.log(q2 / q1)
    if not 0.0 < c <= EPANET_MAX_EXPONENT:
        raise CurveError(f"a power-function exponent in (0, {EPANET_MAX_EXPONENT:g}] (got {c:.3g})")
    b = (h0 - h1) / q1**c
    return h0, b, c


def epanet_power_function(points: Sequence[tuple[float, float]]) -> bool:
    """EPANET 2.2 fits ``A − B q^C`` to a pump curve of one point, or of three whose first
    flow is zero; any other curve it interpolates linearly between its points."""
    return len(points) == 1 or (len(points) == 3 and points[0][0] == 0.0)


def epanet_coefficients(points: Sequence[tuple[float, float]]) -> tuple[float, float, float]:
    """``(A, B, C)`` of the power function EPANET fits through a pump curve of one point (its
    shut-off head :data:`EPANET_SHUTOFF_RATIO` times the design head, no head at twice the
    design flow) or of three from zero flow, in the points' own units; :class:`CurveError`
    for any other curve or one that breaks EPANET's rules."""
    if not epanet_power_function(points):
        raise CurveError(
            "a first point at zero flow (its shut-off head): EPANET fits a power function only then"
        )
    if len(points) == 1:
        ((q, h),) = points
        return power_curve(EPANET_SHUTOFF_RATIO * h, h, 0.0, q, 2.0 * q)
    (_, h0), (q1, h1), (q2, h2) = points
    return power_curve(h0, h1, h2, q1, q2)


def one_point_curve(design_flow_lps: float, design_head_m: float) -> HeadCurve:
    """EPANET's single-point curve through the design point (module notes)."""
    points = ((design_flow_lps, design_head_m),)
    a, b, c = epanet_coefficients(points)
    return HeadCurve(points=points, a=a, b=b, c=c)


def three_point_curve(points: tuple[tuple[float, float], ...]) -> HeadCurve:
    """EPANET's power function through three points ``(q, h)`` (L/s, m), the first at q = 0."""
    a, b, c = epanet_coefficients(points)
    return HeadCurve(points=tuple(points), a=a, b=b, c=c)


def si_coefficients(curve: HeadCurve) -> tuple[float, float, float]:
    """``(A, B', C)`` of the same curve with the flow in m³/s: :math:`h(q) = A - B' q^C`,
    :math:`B' = B \\cdot 1000^C` (the models of looped networks work in m³/s)."""
    return curve.a, curve.b * LPS_PER_M3S**curve.c, curve.c
