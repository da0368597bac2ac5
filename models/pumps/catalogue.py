"""Reading a pump catalogue: a CSV file with columns ``name,power_kw,capex,efficiency,max_head_m``.

``power_kw`` is the rated electrical power ``W_k`` (kW), ``capex`` the capital cost ``C_k``,
``efficiency`` the wire-to-water efficiency ``η_k`` in (0, 1], ``max_head_m`` the largest head
the pump can add (its shut-off head, m). ``max_head_m`` may be left out of an older catalogue:
every size then gets :data:`DEFAULT_MAX_HEAD_M`, with a warning. Rows keep the file order.
Every problem is an :class:`~wdnopt.models.errors.InputError` naming the file, row and field.

**Curve pumps.** A row may give its size a head curve (:mod:`~wdnopt.models.pumps.curves`),
either a design point ``design_flow_lps,design_head_m`` (EPANET's one-point curve) or three
points ``q1_lps,h1_m,q2_lps,h2_m,q3_lps,h3_m`` (EPANET's power function; ``q1_lps`` is 0, the
shut-off head). Such a size is a curve pump: ``power_kw`` is its motor's rating (at least the
curve's largest electrical power) and ``max_head_m`` is its shut-off head (leave the cell
empty). Rows without these cells stay constant-power pumps.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

from wdnopt.models.csv_table import read_csv_table
from wdnopt.models.errors import InputError
from wdnopt.models.pumps.costs import Catalogue, PumpSize, check_catalogue
from wdnopt.models.pumps.curves import CurveError, HeadCurve, one_point_curve, three_point_curve
from wdnopt.models.resources import data_file

DEFAULT_CATALOGUE = data_file("pumps", "catalogue.csv")
"""The shipped catalogue (``pumps/catalogue.csv`` of the package ``wdnopt.data``)."""
CURVE_CATALOGUE = data_file("pumps", "curve_catalogue.csv")
"""The shipped example catalogue of curve pumps (``pumps/curve_catalogue.csv``)."""

logger = logging.getLogger(__name__)

COLUMNS = ("name", "power_kw", "capex", "efficiency")
"""Required columns."""

DEFAULT_MAX_HEAD_M = 60.0
"""Maximum head (m) of every size of a catalogue without a ``max_head_m`` column."""

DESIGN_POINT = ("design_flow_lps", "design_head_m")
"""Columns of a one-point head curve."""
THREE_POINTS = ("q1_lps", "h1_m", "q2_lps", "h2_m", "q3_lps", "h3_m")
"""Columns of a three-point head curve."""


def load_catalogue(path: str | Path = DEFAULT_CATALOGUE) -> Catalogue:
    """Read and check a catalogue file (:func:`~wdnopt.models.pumps.costs.check_catalogue`)."""
    path = Path(path)
    rows = read_csv_table(path, field="catalogue")
    sizes = []
    unlimited = []  # constant-power sizes without a maximum head of their own
    for i, row in enumerate(rows, start=1):
        for column in COLUMNS:
            if column not in row:
                raise InputError.single(
                    "a value (this column is required)", field=column, file=path, row=i
                )
        values = {c: _number(row, c, path, i) for c in (*COLUMNS[1:], "max_head_m") if c in row}
        curve = _curve(row, path, i)
        if curve is None:
            max_head = values.get("max_head_m", DEFAULT_MAX_HEAD_M)
            if "max_head_m" not in values:
                unlimited.append(row["name"])
        elif "max_head_m" in row:
            raise InputError.single(
                "no max_head_m for a curve pump (its maximum head is the curve's shut-off head)",
                field="max_head_m",
                got=row["max_head_m"],
                file=path,
                row=i,
            )
        else:
            max_head = curve.a
        sizes.append(
            PumpSize(
                row["name"],
                values["power_kw"],
                values["capex"],
                values["efficiency"],
                max_head,
                curve,
            )
        )
    if unlimited:
        logger.warning(
            "%s: no max_head_m for %s; %s limited to %g m of head", path, ", ".join(unlimited),
            "each" if len(unlimited) > 1 else "it", DEFAULT_MAX_HEAD_M,
        )  # fmt: skip
    return check_catalogue(sizes, file=path)


def _curve(row: dict[str, str], path: Path, i: int) -> HeadCurve | None:
    """The head curve of CSV row ``i`` (a design point or three points), or ``None``."""
    one = [c for c in DESIGN_POINT if c in row]
    three = [c for c in THREE_POINTS if c in row]
    if not one and not three:
        return None
    if one and three:
        raise InputError.single(
            "either a design point or three curve points, not both",
            field=three[0],
            got=row[three[0]],
            file=path,
            row=i,
        )
    columns = DESIGN_POINT if one else THREE_POINTS
    for column in columns:
        if column not in row:
            raise InputError.single(
                f"a value (a head curve needs {', '.join(columns)})",
                field=column,
                file=path,
                row=i,
            )
    v = [_number(row, c, path, i) for c in columns]
    try:
        if one:
            curve = one_point_curve(v[0], v[1])
        else:
            curve = three_point_curve(((v[0], v[1]), (v[2], v[3]), (v[4], v[5])))
        if not (curve.b > 0 and math.isfinite(curve.max_flow_lps) and curve.max_flow_lps > 0):
            raise CurveError("flows and heads of a size a pump can have (too large or too small)")
    except (CurveError, OverflowError, ZeroDivisionError) as exc:
        reason = exc if isinstance(exc, CurveError) else "flows and heads of a pump's size"
        got = ", ".join(f"{c}={row[c]}" for c in columns)
        raise InputError.single(
            f"a head curve EPANET accepts: {reason}",
            field=", ".join(columns),  # the rule is about the points together
            got=got,
            file=path,
            row=i,
        ) from None
    return curve


def _number(row: dict[str, str], column: str, path: Path, i: int) -> float:
    """The finite number in ``column`` of CSV row ``i``, or an :class:`InputError` naming it."""
    try:
        value = float(row[column])
    except ValueError:
        raise InputError.single(
            "a number", field=column, got=repr(row[column]), file=path, row=i
        ) from None
    if not math.isfinite(value):
        raise InputError.single(
            "a finite number", field=column, got=repr(row[column]), file=path, row=i
        )
    return value
