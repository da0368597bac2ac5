"""Head-loss laws of EPANET 2.2 in SI units, and linear under- and over-estimators of them.

A pipe of length ``L``, diameter ``D`` and area ``A`` loses, at flow ``q ≥ 0`` (m³/s),

.. math:: \\varphi(q) = \\varphi_f(q) + m q^2, \\qquad m = \\frac{K}{2 g A^2}

(``K`` its minor-loss coefficient) with the friction loss ``φ_f`` of the network's formula:

- Hazen–Williams: :math:`\\varphi_f = r q^{1.852}`,
  :math:`r = 4.727\\, L_{ft} / (C^{1.852} D_{ft}^{4.871})` in EPANET's US units, i.e.
  :math:`r = 10.6668\\, L / (C^{1.852} D^{4.871})` in SI;
- Darcy–Weisbach: :math:`\\varphi_f = f(q)\\, \\frac{L}{2 g D A^2}\\, q^2` with EPANET 2.2's
  friction factor: Hagen–Poiseuille ``64/Re`` below Re 2000, Swamee–Jain above Re 4000, Dunlop's
  cubic interpolation between;
- Chezy–Manning: :math:`\\varphi_f = 10.3299\\, n^2 L q^2 / D^{5.33}`.

For ``q < 0`` the loss is :math:`-\\varphi(-q)` (an odd function). A throttle control valve is
a minor loss only (``K`` its setting).

:func:`under_line` and :func:`over_line` give linear bounds of a one-signed law on an interval
``[lo, hi] ⊂ [0, ∞)``: a tangent at ``t`` moved down (and a chord moved up) by the largest
amount the law falls below it (rises above it) on a fine grid, plus :data:`CUT_SLACK`. For a
convex law (every law above, but Darcy–Weisbach in its transition zone) the move is only the
slack: the bounds are valid for every flow in the interval, so a relaxation built from them never
cuts off a state EPANET can reach (within EPANET's own accuracy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    import wntr

G_EPANET = 32.2 * 0.3048
"""EPANET's gravity in m/s² (it computes in feet with g = 32.2 ft/s²)."""

NU_WATER = 1.1e-5 * 0.3048**2
"""EPANET's kinematic viscosity of water at relative viscosity 1, m²/s."""

HW_SI = 4.727 * 0.3048**4.871 / (0.3048**3) ** 1.852
"""EPANET's Hazen–Williams coefficient in SI units (m, m³/s): ≈ 10.6668."""

CM_SI = 4.66 * 0.3048**5.33 / (0.3048**3) ** 2
"""EPANET's Chezy–Manning coefficient in SI units: ≈ 10.3299."""

CUT_SLACK = 1e-4
"""Metres every linear bound of a head loss (or a pump's head) is loosened by, beyond what its
grid check finds: room for EPANET's own accuracy."""

REL_SLACK = 1e-4
"""Share of the law's largest value on the interval added to :data:`CUT_SLACK`."""

GRID = 513
"""Points of the grid a linear bound is checked on."""

Formula = Literal["H-W", "D-W", "C-M"]

# EPANET 2.2's Darcy–Weisbach constants (hydraul.c)
_A1 = 1000.0 * np.pi
_A2 = 500.0 * np.pi
_A8 = 5.74 * (np.pi / 4.0) ** 0.9
_A9 = -2.0 / np.log(10.0)
_AB = 5.74 / 4000.0**0.9
_AC = -2.0 * 0.9 * 2.0 / np.log(10.0) * _AB


@dataclass(frozen=True)
class HeadLoss:
    """The head-loss law of one link, for flows of one sign (``q ≥ 0``)."""

    formula: Formula
    r: float
    """Friction resistance (H-W, C-M: of ``q^n``; D-W: ``L/(2 g D A²)``)."""
    minor: float
    """``m`` of the minor loss ``m q²``."""
    diameter: float = 1.0
    roughness: float = 0.0
    """Relative roughness ``ε/D`` (Darcy–Weisbach only)."""
    viscosity: float = NU_WATER

    def __call__(self, q: np.ndarray | float) -> np.ndarray:
        """``φ(q)`` for ``q ≥ 0`` (m)."""
        q = np.abs(np.asarray(q, dtype=float))
        if self.formula == "H-W":
            friction = self.r * q**1.852
        elif self.formula == "C-M":
            friction = self.r * q**2
        else:
            friction = self._darcy(q)
        return friction + self.minor * q * q

    def _darcy(self, q: np.ndarray) -> np.ndarray:
        shape = q.shape
        q = np.atleast_1d(q)
        s = self.viscosity * self.diameter
        w = q / s
        f = np.empty_like(q)
        lam = w <= _A2
        with np.errstate(divide="ignore", invalid="ignore"):
            # laminar: f r q² = 16 π s r q
            f[lam] = 0.0
            turb = w >= _A1
            y1 = _A8 / np.power(np.maximum(w[turb], 1e-300), 0.9)
            y2 = self.roughness / 3.7 + y1
            y3 = _A9 * np.log(y2)
            f[turb] = 1.0 / (y3 * y3)
            mid = ~lam & ~turb
            y2 = self.roughness / 3.7 + _AB
            y3 = _A9 * np.log(y2)
            fa = 1.0 / (y3 * y3)
            fb = (2.0 + _AC / (y2 * y3)) * fa
            rr = w[mid] / _A2
            x1 = 7.0 * fa - fb
            x2 = 0.128 - 17.0 * fa + 2.5 * fb
            x3 = -0.128 + 13.0 * fa - (fb + fb)
            x4 = 0.032 - 3.0 * fa + 0.5 * fb
            f[mid] = x1 + rr * (x2 + rr * (x3 + rr * x4))
        out = f * self.r * q * q
        out[lam] = 16.0 * np.pi * s * self.r * q[lam]
        return out.reshape(shape)

    def slope(self, q: float) -> float:
        """``φ'(q)`` by a central difference (one-sided at 0)."""
        h = max(abs(q) * 1e-6, 1e-10)
        lo = max(q - h, 0.0)
        return float((self(q + h) - self(lo)) / (q + h - lo))

    def inverse(self, head: float, q_max: float = 1e3) -> float:
        """The flow ``q ≥ 0`` with ``φ(q) = head`` (bisection; ``q_max`` if beyond)."""
        if head <= 0:
            return 0.0
        lo, hi = 0.0, q_max
        if float(self(hi)) <= head:
            return hi
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if float(self(mid)) < head:
                lo = mid
            else:
                hi = mid
            if hi - lo <= 1e-12 * max(hi, 1.0):
                break
        return hi


def pipe_law(link: wntr.network.Link, formula: str, viscosity: float = NU_WATER) -> HeadLoss:
    """The :class:`HeadLoss` of a pipe (or a throttle control valve) of ``wn``.

    ``formula`` is ``wn.options.hydraulic.headloss``; ``viscosity`` in m²/s."""
    d = float(link.diameter)
    area = np.pi * d * d / 4.0
    if link.link_type == "Valve":  # TCV: its setting is a minor-loss coefficient
        k = float(link.initial_setting or 0.0) + float(getattr(link, "minor_loss", 0.0) or 0.0)
        return HeadLoss("C-M", 0.0, k / (2 * G_EPANET * area * area), d)
    minor = float(link.minor_loss) / (2 * G_EPANET * area * area)
    length, rough = float(link.length), float(link.roughness)
    name = formula.upper()
    if name.startswith("H"):
        return HeadLoss("H-W", HW_SI * length / (rough**1.852 * d**4.871), minor, d)
    if name.startswith("C"):
        return HeadLoss("C-M", CM_SI * rough**2 * length / d**5.33, minor, d)
    return HeadLoss(
        "D-W", length / (2 * G_EPANET * d * area * area), minor, d, rough / d, viscosity
    )


def _grid(lo: float, hi: float) -> np.ndarray:
    return np.linspace(lo, hi, GRID)


def _slack(values: np.ndarray) -> float:
    return CUT_SLACK + REL_SLACK * float(np.max(np.abs(values), initial=0.0))


def under_line(law: HeadLoss, t: float, lo: float, hi: float) -> tuple[float, float]:
    """``(a, b)`` with ``a q + b ≤ φ(q)`` on ``[lo, hi]``: the tangent at ``t``, moved down."""
    a = law.slope(t)
    b = float(law(t)) - a * t
    grid = _grid(lo, hi)
    values = law(grid)
    excess = float(np.max(a * grid + b - values, initial=0.0))
    return a, b - max(excess, 0.0) - _slack(values)


def over_line(law: HeadLoss, lo: float, hi: float) -> tuple[float, float]:
    """``(a, b)`` with ``φ(q) ≤ a q + b`` on ``[lo, hi]``: the chord, moved up."""
    f_lo, f_hi = float(law(lo)), float(law(hi))
    a = (f_hi - f_lo) / (hi - lo) if hi > lo else 0.0
    b = f_lo - a * lo
    grid = _grid(lo, hi)
    values = law(grid)
    excess = float(np.max(values - (a * grid + b), initial=0.0))
    return a, b + max(excess, 0.0) + _slack(values)
