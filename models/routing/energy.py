"""Pumping energy from head: what one ML lifted by H metres costs.

Lifting a volume :math:`V` by a head :math:`H` with a pump of wire-to-water efficiency
:math:`\\eta` takes :math:`E = \\rho g H V / \\eta`. For one ML (:math:`V = 1000\\,m^3`,
:math:`\\rho V = 10^6` kg) and :math:`g = 9.80665\\,m/s^2`:

.. math::

    E = \\frac{9.80665 \\cdot 10^6 \\, H}{\\eta} \\;\\mathrm{J}
      = \\frac{9.80665 \\cdot 10^6 \\, H}{3.6 \\cdot 10^6 \\, \\eta} \\;\\mathrm{kWh}
      \\approx 2.7241 \\, \\frac{H}{\\eta} \\;\\mathrm{kWh/ML}

so the pumping cost is :math:`2.7241 \\, H \\, \\pi / \\eta` $/ML at an energy price
:math:`\\pi` ($/kWh). Example: 50 m at 75 % efficiency and 0.15 $/kWh costs
:math:`2.7241 \\cdot 50 \\cdot 0.15 / 0.75 = 27.24` $/ML.
"""

from __future__ import annotations

import numpy as np

RHO_WATER = 1000.0
"""Density of water, kg/m³."""
G = 9.80665
"""Standard gravity, m/s²."""
M3_PER_ML = 1000.0
"""Cubic metres in one megalitre."""
J_PER_KWH = 3.6e6

KWH_PER_ML_PER_M = RHO_WATER * M3_PER_ML * G / J_PER_KWH
"""Energy to lift one ML by one metre at 100 % efficiency, kWh (≈ 2.7241)."""


def kwh_per_ml(head_m: np.ndarray | float, efficiency: np.ndarray | float) -> np.ndarray:
    """Energy to pump one ML against ``head_m`` metres at ``efficiency``, kWh/ML."""
    return KWH_PER_ML_PER_M * np.asarray(head_m, dtype=float) / np.asarray(efficiency, dtype=float)
