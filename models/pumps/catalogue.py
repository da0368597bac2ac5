"""Reading a pump catalogue: a CSV file with columns ``name,power_kw,capex,efficiency``.

``power_kw`` is the rated electrical power ``W_k`` (kW), ``capex`` the capital cost ``C_k``,
``efficiency`` the wire-to-water efficiency ``η_k`` in (0, 1]. Rows keep the file order.
Every problem is an :class:`~wdnopt.models.errors.InputError` naming the file, row and field.
"""

from __future__ import annotations

import math
from pathlib import Path

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.costs import Catalogue, PumpSize, check_catalogue

DEFAULT_CATALOGUE = Path(__file__).resolve().parents[2] / "data" / "pumps" / "catalogue.csv"
"""The shipped catalogue (``data/pumps/catalogue.csv`` of the checkout)."""

COLUMNS = ("name", "power_kw", "capex", "efficiency")


def load_catalogue(path: str | Path = DEFAULT_CATALOGUE) -> Catalogue:
    """Read and check a catalogue file (:func:`~wdnopt.models.pumps.costs.check_catalogue`)."""
    from wdnopt.models.scenario import read_csv_table  # scenario imports the pump schema

    path = Path(path)
    rows = read_csv_table(path, field="catalogue")
    sizes = []
    for i, row in enumerate(rows, start=1):
        values: dict[str, float] = {}
        for column in COLUMNS:
            if column not in row:
                raise InputError.single(
                    "a value (this column is required)", field=column, file=path, row=i
                )
            if column == "name":
                continue
            try:
                values[column] = float(row[column])
            except ValueError:
                raise InputError.single(
                    "a number", field=column, got=repr(row[column]), file=path, row=i
                ) from None
            if not math.isfinite(values[column]):
                raise InputError.single(
                    "a finite number", field=column, got=repr(row[column]), file=path, row=i
                )
        sizes.append(
            PumpSize(row["name"], values["power_kw"], values["capex"], values["efficiency"])
        )
    return check_catalogue(sizes, file=path)
