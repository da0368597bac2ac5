"""Link laws of a steady state as convex functions: content, co-content and their derivatives.

Each link ``e`` of a network carries a flow ``q`` and has a head-loss law
``h_a − h_b = φ(q)``, non-decreasing in ``q`` (``looped-exact.md`` of the design notes). Its
**content** is :math:`\\Phi(q) = \\int_0^q \\varphi`, and its **co-content** the convex conjugate

.. math:: \\Psi(\\Delta) = \\sup_q \\; \\Delta q - \\Phi(q)
    = \\Delta\\, \\varphi^{-1}(\\Delta) - \\Phi(\\varphi^{-1}(\\Delta)),

whose derivative is :math:`\\varphi^{-1}`. Both are convex; Fenchel–Young gives
:math:`\\Phi(q) + \\Psi(\\Delta) \\ge \\Delta q`, with equality exactly on the law.

The laws (``q`` in m³/s, heads in m):

- :class:`PipeLaw`: a pipe or a throttle valve, odd: :math:`\\varphi(q) = \\mathrm{sign}(q)\\,
  \\ell(|q|)` with ``ℓ`` EPANET's head loss (:mod:`.head_loss`);
- :class:`CheckValveLaw`: the same for ``q ≥ 0``; shut (``q = 0``) under any reverse head;
- :class:`PumpedPipeLaw`: a pipe with a new constant-power pump at its upstream end, in the
  pump's direction: :math:`\\varphi(f) = \\ell(f) - c/f` on ``f > 0`` (``c = P/(ρ g)``), content
  :math:`\\Phi_\\ell(f) - c \\ln f`;
- :class:`CurvePumpedPipeLaw`: a pipe with a new curve pump :math:`h(f) = A - B f^C` at its
  upstream end: :math:`\\varphi(f) = \\ell(f) - A + B f^C` on ``f ≥ 0``, content
  :math:`\\Phi_\\ell(f) - (A f - B f^{C+1}/(C+1))` (convex for every ``C > 0``: ``φ`` increases);
- :class:`CurvePumpLaw`: an existing pump on its curve :math:`A - B q^C`:
  :math:`\\varphi(q) = -A + B q^C` on ``q ≥ 0`` (closed when asked for more than ``A``);
- :class:`PowerPumpLaw`: an existing constant-power pump, :math:`\\varphi(q) = -c/q`.

Every law gives ``phi``, ``content``, ``inverse`` (the flow with ``φ(q) = Δ``, in its domain)
and ``co`` (the co-content); the outer approximation of :mod:`.content` takes tangents of both.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from wdnopt.models.pumps.head_loss import HeadLoss

_GL_X, _GL_W = np.polynomial.legendre.leggauss(24)
"""Gauss–Legendre nodes and weights on [−1, 1] (the Darcy–Weisbach content)."""

Q_HUGE = 1e3
"""Largest flow (m³/s) an inverse searches up to."""


def _bisect_increasing(f, target: float, lo: float, hi: float, log: bool = False) -> float:
    """``x`` in ``[lo, hi]`` with ``f(x) = target`` for an increasing ``f`` (clamped ends):
    Brent's method on the bracket (in ``log x`` when ``log``)."""
    f_hi = f(hi) - target
    if f_hi <= 0:
        return hi
    f_lo = f(lo) - target
    if f_lo >= 0:
        return lo
    from scipy.optimize import brentq  # only when a law is inverted (seconds to import)

    if log and lo > 0:
        y = brentq(lambda u: f(math.exp(u)) - target, math.log(lo), math.log(hi),
                   xtol=1e-13, rtol=1e-12, maxiter=200)  # fmt: skip
        return math.exp(y)
    return brentq(lambda x: f(x) - target, lo, hi, xtol=1e-15, rtol=1e-12, maxiter=200)


@dataclass(frozen=True)
class Friction:
    """``ℓ(q)`` for ``q ≥ 0`` and its integral, fast for scalars."""

    law: HeadLoss

    def loss(self, q: float) -> float:
        q = abs(q)
        law = self.law
        if law.formula == "H-W":
            return law.r * q**1.852 + law.minor * q * q
        if law.formula == "C-M":
            return (law.r + law.minor) * q * q
        return float(law(q))

    def integral(self, q: float) -> float:
        """:math:`\\int_0^{|q|} \\ell`."""
        q = abs(q)
        law = self.law
        if law.formula == "H-W":
            return law.r * q**2.852 / 2.852 + law.minor * q**3 / 3.0
        if law.formula == "C-M":
            return (law.r + law.minor) * q**3 / 3.0
        # Darcy–Weisbach: piecewise smooth (laminar, transition, turbulent): split at the kinks
        s = law.viscosity * law.diameter
        cuts = sorted({0.0, q, *(x for x in (500.0 * math.pi * s, 1000.0 * math.pi * s) if x < q)})
        total = 0.0
        for a, b in itertools.pairwise(cuts):
            x = 0.5 * (b - a) * _GL_X + 0.5 * (a + b)
            total += 0.5 * (b - a) * float(np.dot(_GL_W, law(x)))
        return total

    def inverse(self, head: float) -> float:
        """``q ≥ 0`` with ``ℓ(q) = head``."""
        if head <= 0:
            return 0.0
        law = self.law
        if law.formula == "H-W" and law.minor == 0.0:
            return (head / law.r) ** (1 / 1.852) if law.r > 0 else Q_HUGE
        if law.formula == "C-M":
            k = law.r + law.minor
            return math.sqrt(head / k) if k > 0 else Q_HUGE
        return _bisect_increasing(self.loss, head, 0.0, Q_HUGE)


class Law:
    """A monotone link law (see the module notes)."""

    lo: float = -math.inf
    """Least flow of the law's domain (``0`` for one-way links; open at ``0`` for pumps)."""

    def phi(self, q: float) -> float:
        raise NotImplementedError

    def content(self, q: float) -> float:
        raise NotImplementedError

    def inverse(self, d: float) -> float:
        raise NotImplementedError

    def co(self, d: float) -> float:
        """:math:`\\Psi(\\Delta) = \\Delta q - \\Phi(q)` at :math:`q = \\varphi^{-1}(\\Delta)`."""
        q = self.inverse(d)
        return d * q - self.content(q)


@dataclass(frozen=True)
class PipeLaw(Law):
    """A pipe (or throttle control valve): odd in ``q``."""

    friction: Friction

    def phi(self, q: float) -> float:
        return math.copysign(self.friction.loss(q), q)

    def content(self, q: float) -> float:
        return self.friction.integral(q)

    def inverse(self, d: float) -> float:
        return math.copysign(self.friction.inverse(abs(d)), d)


@dataclass(frozen=True)
class CheckValveLaw(Law):
    """A pipe with a check valve: ``q ≥ 0``; any reverse head keeps it shut."""

    friction: Friction
    lo: float = 0.0

    def phi(self, q: float) -> float:
        return self.friction.loss(max(q, 0.0))

    def content(self, q: float) -> float:
        return self.friction.integral(max(q, 0.0))

    def inverse(self, d: float) -> float:
        return self.friction.inverse(d) if d > 0 else 0.0


@dataclass(frozen=True)
class PumpedPipeLaw(Law):
    """A pipe with a new constant-power pump in series: ``f > 0`` in the pump's direction.

    ``c`` is the hydraulic power over ``ρ g`` (m·m³/s): the pump adds ``c/f``."""

    friction: Friction
    c: float
    lo: float = 0.0

    def phi(self, f: float) -> float:
        f = max(f, 1e-300)
        return self.friction.loss(f) - self.c / f

    def content(self, f: float) -> float:
        return self.friction.integral(f) - self.c * math.log(max(f, 1e-300))

    def inverse(self, d: float) -> float:
        hi = max(self.c / max(-d, 1e-9), 1e-9)
        while self.phi(hi) < d and hi < Q_HUGE:
            hi *= 4.0
        lo = min(self.c / (abs(d) + self.phi(hi) + self.c / hi + 1e-9), hi)
        while self.phi(lo) > d and lo > 1e-15:
            lo /= 4.0
        return _bisect_increasing(self.phi, d, lo, hi, log=True)


@dataclass(frozen=True)
class CurvePumpedPipeLaw(Law):
    """A pipe with a new curve pump in series: ``f ≥ 0`` in the pump's direction.

    The pump adds :math:`h(f) = A - B f^C` (``f`` in m³/s, :func:`~.curves.si_coefficients`),
    so :math:`\\varphi(f) = \\ell(f) - A + B f^C` and the content is
    :math:`\\Phi_\\ell(f) - A f + B f^{C+1}/(C+1)`, the pipe's content plus the pump's
    :math:`-\\int_0^f h`."""

    friction: Friction
    a: float
    b: float
    cexp: float
    lo: float = 0.0

    def phi(self, f: float) -> float:
        f = max(f, 0.0)
        return self.friction.loss(f) - self.a + self.b * f**self.cexp

    def content(self, f: float) -> float:
        f = max(f, 0.0)
        pump = self.a * f - self.b * f ** (self.cexp + 1) / (self.cexp + 1)
        return self.friction.integral(f) - pump

    def inverse(self, d: float) -> float:
        if d <= -self.a:
            return 0.0
        hi = 1e-3
        while self.phi(hi) < d and hi < Q_HUGE:
            hi *= 4.0
        return _bisect_increasing(self.phi, d, 0.0, hi)


@dataclass(frozen=True)
class CurvePumpLaw(Law):
    """An existing pump on its head curve ``A − B q^C`` (``q ≥ 0``)."""

    a: float
    b: float
    cexp: float
    lo: float = 0.0

    def phi(self, q: float) -> float:
        return -self.a + self.b * max(q, 0.0) ** self.cexp

    def content(self, q: float) -> float:
        q = max(q, 0.0)
        return -self.a * q + self.b * q ** (self.cexp + 1) / (self.cexp + 1)

    def inverse(self, d: float) -> float:
        if d <= -self.a or self.b <= 0:
            return 0.0 if d <= -self.a else Q_HUGE
        return ((d + self.a) / self.b) ** (1.0 / self.cexp)


@dataclass(frozen=True)
class PowerPumpLaw(Law):
    """An existing constant-power pump: ``φ(q) = −c/q`` on ``q > 0``."""

    c: float
    lo: float = 0.0

    def phi(self, q: float) -> float:
        return -self.c / max(q, 1e-300)

    def content(self, q: float) -> float:
        return -self.c * math.log(max(q, 1e-300))

    def inverse(self, d: float) -> float:
        return self.c / max(-d, 1e-12)


@dataclass(frozen=True)
class TablePumpLaw(Law):
    """An existing pump on a multi-point head curve, as EPANET 2.2 reads one: the head is
    interpolated linearly between the points ``(Q_i, H_i)`` (falling) and the end segments are
    extended. :math:`\\varphi(q) = -H(q)` on ``q ≥ 0``; its content is piecewise quadratic."""

    flows: tuple[float, ...]
    heads: tuple[float, ...]
    lo: float = 0.0

    def _segment(self, q: float) -> int:
        i = 0
        while i < len(self.flows) - 2 and q > self.flows[i + 1]:
            i += 1
        return i

    def _slope(self, i: int) -> float:
        dq = self.flows[i + 1] - self.flows[i]
        return (self.heads[i + 1] - self.heads[i]) / dq if dq > 0 else 0.0

    def _head(self, q: float) -> float:
        i = self._segment(q)
        return self.heads[i] + self._slope(i) * (q - self.flows[i])

    def phi(self, q: float) -> float:
        return -self._head(max(q, 0.0))

    def content(self, q: float) -> float:
        q = max(q, 0.0)
        knots = [0.0, *(x for x in self.flows[1:-1] if 0.0 < x < q), q]
        total = 0.0
        for a, b in itertools.pairwise(knots):
            total += -0.5 * (self._head(a) + self._head(b)) * (b - a)
        return total

    def inverse(self, d: float) -> float:
        if d <= self.phi(0.0):
            return 0.0
        hi = max(self.flows[-1], 1e-6)
        while self.phi(hi) < d and hi < Q_HUGE:
            hi *= 2.0
        return _bisect_increasing(self.phi, d, 0.0, hi)
