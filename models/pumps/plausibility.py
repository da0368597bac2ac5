"""Networks whose data make EPANET's answers absurd: refused before any placement work.

A pipe of 0.0001 mm (the placeholder diameter of design benchmarks, whose pipes are to be
chosen) makes EPANET's heads ±1e31 m, and a placement built on them reports a junction "short
by 3.0e31 m". Two checks, each naming the pipes or links responsible:

- **Pipe data** (:func:`implausible_pipes`), in SI as wntr holds them, each limit far outside
  what any water network uses (every network shipped with wntr and epyt passes, except the
  three design templates with placeholder diameters):

  - diameter at least :data:`DIAMETER_MIN` (0.1 mm; the narrowest pipe in those networks is
    1 mm, a dummy link);
  - length above 0 and at most :data:`LENGTH_MAX` (1,000 km; the longest is 17 km);
  - roughness by the headloss formula: Hazen–Williams ``C`` at least :data:`HW_C_MIN` (1;
    real pipes 30–160); Chezy–Manning ``n`` above 0 and at most :data:`MANNING_N_MAX` (1;
    real 0.009–0.03); Darcy–Weisbach ``ε`` at least 0, no upper limit (MICROPOLIS has a pipe
    of 8.3 ft roughness on 12 in, which EPANET solves; its friction factor is not monotone in
    ``ε/D``, and the heads' check below catches a roughness that breaks it);
  - every value finite.

- **EPANET's heads** (:func:`absurd_heads`) in the steady state without new pumps: finite and
  within :data:`HEAD_LIMIT` m (1,000 km of water). The links whose head loss exceeds it (or
  joins a non-finite head) are named.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
import wntr

from wdnopt.models.errors import InputError, Problem

DIAMETER_MIN = 1e-4
"""Narrowest pipe (m) accepted: 0.1 mm."""
LENGTH_MAX = 1e6
"""Longest pipe (m) accepted: 1,000 km."""
HW_C_MIN = 1.0
"""Smallest Hazen–Williams coefficient accepted."""
MANNING_N_MAX = 1.0
"""Largest Chezy–Manning coefficient accepted."""
HEAD_LIMIT = 1e6
"""Largest head (m, either sign) and head loss accepted in EPANET's steady state."""
NAMED_AT_MOST = 10
"""Pipes or links named one by one in an error; the rest are counted."""

_US_UNITS = frozenset({"CFS", "GPM", "MGD", "IMGD", "AFD"})
_M_PER_FT = 0.3048


def implausible_pipes(wn: wntr.network.WaterNetworkModel) -> list[Problem]:
    """One :class:`Problem` per pipe of ``wn`` whose diameter, length or roughness is outside
    the limits of the module notes (at most :data:`NAMED_AT_MOST`, then a count)."""
    us = str(wn.options.hydraulic.inpfile_units).upper() in _US_UNITS
    formula = str(wn.options.hydraulic.headloss).upper()
    pipes = list(wn.pipes())
    data = np.array([(p.diameter, p.length, p.roughness) for _, p in pipes], dtype=float).reshape(
        -1, 3
    )
    d, length, r = data.T
    with np.errstate(invalid="ignore"):
        fine = (
            (d >= DIAMETER_MIN) & (length > 0) & (length <= LENGTH_MAX) & np.isfinite(data).all(1)
        )
        if formula == "H-W":
            fine &= r >= HW_C_MIN
        elif formula == "D-W":
            fine &= r >= 0
        elif formula == "C-M":
            fine &= (r > 0) & (r <= MANNING_N_MAX)
    found: list[Problem] = []
    for i in np.flatnonzero(~fine):
        name, pipe = pipes[i]
        found.extend(_pipe_problems(wn.name, name, pipe, formula, us))
    return _capped(found, wn.name, "pipes")


def absurd_heads(wn: wntr.network.WaterNetworkModel, head: pd.Series) -> list[Problem]:
    """Problems naming the links of ``wn`` across which ``head`` (m, by node: EPANET's steady
    state) is not finite or differs by more than :data:`HEAD_LIMIT`; none when every head is
    finite and within :data:`HEAD_LIMIT`."""
    values = head.to_numpy(dtype=float)
    if np.isfinite(values).all() and (np.abs(values) <= HEAD_LIMIT).all():
        return []
    heads = head.to_dict()
    losses: list[tuple[float, str]] = []
    for name, link in wn.links():
        a, b = heads.get(link.start_node_name), heads.get(link.end_node_name)
        if a is None or b is None:
            continue
        loss = abs(a - b) if math.isfinite(a) and math.isfinite(b) else math.inf
        if not loss <= HEAD_LIMIT:
            losses.append((loss, name))
    if not losses:
        finite = np.isfinite(values)
        worst = np.abs(values[finite]).max() if finite.all() else math.nan
        return [
            Problem(
                "steady state",
                f"EPANET heads within ±{HEAD_LIMIT:.0e} m (check the network's data)",
                f"a head of {worst:.3g} m" if finite.all() else "a head that is not a number",
                wn.name,
            )
        ]
    found = [
        Problem(
            f"link {name}",
            "a head loss EPANET can solve for: check its diameter, length and roughness "
            f"(EPANET's heads without new pumps must stay within ±{HEAD_LIMIT:.0e} m)",
            f"a head loss of {loss:.3g} m",
            wn.name,
        )
        for loss, name in sorted(losses, reverse=True)
    ]
    return _capped(found, wn.name, "links")


def check_plausible(wn: wntr.network.WaterNetworkModel, head: pd.Series | None = None) -> None:
    """Raise :class:`InputError` naming the pipes (and, with EPANET's ``head``, the links)
    that make ``wn``'s hydraulics absurd."""
    problems = implausible_pipes(wn)
    if not problems and head is not None:
        problems = absurd_heads(wn, head)
    if problems:
        raise InputError(problems)


def _pipe_problems(
    network: str, name: str, pipe: wntr.network.Pipe, formula: str, us: bool
) -> Iterable[Problem]:
    """The problems of one pipe (diameter, length, roughness), in the file's units."""
    d, length, r = float(pipe.diameter), float(pipe.length), float(pipe.roughness)
    field = f"pipe {name}"
    if not (math.isfinite(d) and d >= DIAMETER_MIN):
        yield Problem(
            f"{field} diameter",
            f"a diameter of at least {_diameter(DIAMETER_MIN, us)} (a narrower pipe makes "
            "EPANET's heads absurd; a placeholder diameter?)",
            _diameter(d, us),
            network,
        )
    if not (math.isfinite(length) and 0 < length <= LENGTH_MAX):
        yield Problem(
            f"{field} length",
            f"a length above 0 and at most {_length(LENGTH_MAX, us)}",
            _length(length, us),
            network,
        )
    if formula == "H-W" and not (math.isfinite(r) and r >= HW_C_MIN):
        yield Problem(
            f"{field} roughness",
            f"a Hazen-Williams coefficient of at least {HW_C_MIN:g} (real pipes: 30 to 160)",
            f"{r:g}",
            network,
        )
    elif formula == "D-W" and not (math.isfinite(r) and 0 <= r <= d):
        yield Problem(
            f"{field} roughness",
            f"a Darcy-Weisbach roughness from 0 to the pipe's diameter ({_roughness(d, us)})",
            _roughness(r, us),
            network,
        )
    elif formula == "C-M" and not (math.isfinite(r) and 0 < r <= MANNING_N_MAX):
        yield Problem(
            f"{field} roughness",
            f"a Chezy-Manning coefficient above 0 and at most {MANNING_N_MAX:g} "
            "(real pipes: 0.009 to 0.03)",
            f"{r:g}",
            network,
        )


def _diameter(metres: float, us: bool) -> str:
    return f"{metres / 0.0254:.3g} in" if us else f"{metres * 1000:.3g} mm"


def _length(metres: float, us: bool) -> str:
    return f"{metres / _M_PER_FT:.4g} ft" if us else f"{metres:.4g} m"


def _roughness(metres: float, us: bool) -> str:
    """A Darcy-Weisbach roughness in the file's units (millifeet or mm)."""
    return f"{metres / _M_PER_FT * 1000:.3g} millifeet" if us else f"{metres * 1000:.3g} mm"


def _capped(found: list[Problem], network: str, kind: str) -> list[Problem]:
    """``found`` cut to :data:`NAMED_AT_MOST`, with a count of the rest."""
    if len(found) <= NAMED_AT_MOST:
        return found
    rest = len(found) - NAMED_AT_MOST
    more = Problem("", f"… and {rest} more problem(s) of {kind} like these", None, network)
    return [*found[:NAMED_AT_MOST], more]
