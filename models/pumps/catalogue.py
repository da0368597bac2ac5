"""Reading a pump catalogue: a CSV file with columns ``name,power_kw,capex,efficiency,max_head_m``.

``power_kw`` is the rated electrical power ``W_k`` (kW), ``capex`` the capital cost ``C_k``,
``efficiency`` the wire-to-water efficiency ``η_k`` in (0, 1], ``max_head_m`` the largest head
the pump can add (its shut-off head, m). ``max_head_m`` may be left out of an older catalogue:
every size then gets :data:`DEFAULT_MAX_HEAD_M`, with a warning. Rows keep the file order.
Every problem is an :class:`~wdnopt.models.errors.InputError` naming the file, row and field.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

from wdnopt.models.csv_table import read_csv_table
from wdnopt.models.errors import InputError
from wdnopt.models.pumps.costs import Catalogue, PumpSize, check_catalogue
from wdnopt.models.resources import data_file

DEFAULT_CATALOGUE = data_file("pumps", "catalogue.csv")
"""The shipped catalogue (``pumps/catalogue.csv`` of the package ``wdnopt.data``)."""

logger = logging.getLogger(__name__)

COLUMNS = ("name", "power_kw", "capex", "efficiency")
"""Required columns."""

DEFAULT_MAX_HEAD_M = 60.0
"""Maximum head (m) of every size of a catalogue without a ``max_head_m`` column."""


def load_catalogue(path: str | Path = DEFAULT_CATALOGUE) -> Catalogue:
    """Read and check a catalogue file (:func:`~wdnopt.models.pumps.costs.check_catalogue`)."""
    path = Path(path)
    rows = read_csv_table(path, field="catalogue")
    sizes = []
    for i, row in enumerate(rows, start=1):
        for column in COLUMNS:
            if column not in row:
                raise InputError.single(
                    "a value (this column is required)", field=column, file=path, row=i
                )
        values = {c: _number(row, c, path, i) for c in (*COLUMNS[1:], "max_head_m") if c in row}
        max_head = values.get("max_head_m", DEFAULT_MAX_HEAD_M)
        sizes.append(
            PumpSize(
                row["name"], values["power_kw"], values["capex"], values["efficiency"], max_head
            )
        )
    if rows and "max_head_m" not in rows[0]:
        logger.warning(
            "%s: no max_head_m column; every size limited to %g m of head", path, DEFAULT_MAX_HEAD_M
        )
    return check_catalogue(sizes, file=path)


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
