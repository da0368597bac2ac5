"""Linear cuts on the head of a new curve pump, for the link-by-link relaxation.

A curve size on a candidate pipe (binary ``y``, pump flow ``w = y f`` with the pipe's forward
flow ``f``, head ``g``) must, when chosen, run on its curve (:mod:`.curves`, flows in m³/s)

.. math:: g = h(w) = A - B w^C, \\qquad l \\le w \\le u,

with ``[l, u]`` the part of ``[0, Q_{max}]`` the pipe's flow bounds allow. For ``C ≥ 1``
(EPANET's one-point curves have ``C ≈ 2``) ``h`` is concave on ``w ≥ 0``:

- :math:`g \\le h` is cut by tangents at points ``t``: :math:`g \\le h(t) + h'(t)(w - t)`,
  valid at every ``w`` since a concave function lies below each of its tangents;
- :math:`g \\ge h` is relaxed by the secant over ``[l, u]``:
  :math:`g \\ge h(l) + \\frac{h(u) - h(l)}{u - l}(w - l)` (the chord of a concave function
  lies below it between its ends).

EPANET also fits ``0 < C < 1``, where ``h`` is convex and unboundedly steep at ``w = 0``. Then
only :math:`g \\le` the secant is kept (the chord of a convex function lies above it). No cut
bounds ``g`` from below: EPANET's reported state sits on the tangent of the curve at its last
iterate's flow, below a convex curve, by metres where the curve is steep (measured: 1.5 m at
0.008 L/s on a curve of ``C ≈ 0.54``), so no tangent from below holds for every plan.

Each line :math:`g \\lessgtr a w + b` enters in perspective form :math:`g \\lessgtr a w + b y`
with ``room`` metres of EPANET accuracy: with ``y = 0`` (so ``w = 0``) it reads
:math:`g \\lessgtr 0` and with :math:`0 \\le g \\le (A + \\text{room})\\, y` the choice not taken
contributes nothing (the switch of the constant-power rows, no separate big-M needed).
"""

from __future__ import annotations

from dataclasses import dataclass

from wdnopt.models.pumps.curves import HeadCurve, si_coefficients


@dataclass(frozen=True)
class Line:
    """:math:`g \\le a\\, w + b\\, y` (``upper``) or :math:`g \\ge a\\, w + b\\, y`."""

    upper: bool
    a: float
    b: float


@dataclass(frozen=True)
class SiCurve:
    """A head curve with the flow in m³/s: :math:`h(q) = A - B q^C`."""

    a: float
    b: float
    c: float

    @classmethod
    def of(cls, curve: HeadCurve) -> SiCurve:
        return cls(*si_coefficients(curve))

    @property
    def concave(self) -> bool:
        """``h`` is concave on ``q ≥ 0`` exactly when ``C ≥ 1``."""
        return self.c >= 1.0

    @property
    def max_flow(self) -> float:
        """``Q_max``: the flow of zero head, m³/s."""
        return float((self.a / self.b) ** (1.0 / self.c))

    def head(self, q: float) -> float:
        return self.a - self.b * max(q, 0.0) ** self.c

    def slope(self, q: float) -> float:
        """:math:`h'(q) = -C B q^{C-1}` (``q > 0`` when ``C < 1``)."""
        if q > 0:
            return -self.c * self.b * q ** (self.c - 1.0)
        return -self.b if self.c == 1.0 else 0.0


def curve_lines(
    curve: SiCurve, lo: float, hi: float, points: list[float], room: float
) -> list[Line]:
    """The lines of the module notes, each widened by ``room`` m on its side: for a concave
    curve the tangents at ``points`` (from above) and the secant over ``[lo, hi]`` (from
    below); for a convex one the secant only (from above). An empty interval gives the value
    :math:`h(lo) + \\text{room}` from above (and, concave, :math:`h(lo) - \\text{room}` from
    below) instead of the secant."""
    out: list[Line] = []
    if curve.concave:
        for t in sorted(set(points)):
            s = curve.slope(t)
            out.append(Line(True, s, curve.head(t) - s * t + room))
    if hi - lo <= 1e-12:
        h = curve.head(lo)
        out.append(Line(True, 0.0, h + room))
        if curve.concave:
            out.append(Line(False, 0.0, h - room))
        return out
    s = (curve.head(hi) - curve.head(lo)) / (hi - lo)
    b = curve.head(lo) - s * lo
    out.append(Line(not curve.concave, s, b - room if curve.concave else b + room))
    return out
