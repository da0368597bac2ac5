"""The tables of a routing result as columns, made pandas DataFrames only when asked for.

Importing pandas costs about as much as Pyomo and HiGHS together, while a solve on the command
line only prints its tables: a :class:`Table` keeps each column as it was computed (a NumPy
array or a list) and builds the DataFrame, once, on the first :meth:`Table.frame`. Its
:meth:`Table.records` are what ``DataFrame.to_dict(orient="records")`` gives (Python numbers,
strings and booleans), without pandas.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


class Table:
    """Named columns of equal length; :meth:`frame` is the pandas DataFrame of them."""

    __slots__ = ("_columns", "_frame")

    def __init__(self, columns: Mapping[str, Any] | None = None) -> None:
        self._columns: dict[str, Any] = dict(columns or {})
        self._frame: pd.DataFrame | None = None

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]], names: Sequence[str]) -> Table:
        """A table of ``rows`` (one value per name, in order)."""
        return cls({name: [row[i] for row in rows] for i, name in enumerate(names)})

    def __getstate__(self) -> dict[str, Any]:
        return {"columns": self._columns}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._columns = state["columns"]
        self._frame = None

    @property
    def names(self) -> list[str]:
        """The column names, in order."""
        return list(self._columns)

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def __len__(self) -> int:
        if not self._columns:
            return 0
        return len(next(iter(self._columns.values())))

    @property
    def empty(self) -> bool:
        """Whether the table has no rows (or no columns), as ``DataFrame.empty``."""
        return not self._columns or len(self) == 0

    def column(self, name: str) -> np.ndarray:
        """One column as a NumPy array."""
        return np.asarray(self._columns[name])

    def records(self) -> list[dict[str, Any]]:
        """One dict per row, with Python values (as ``DataFrame.to_dict(orient="records")``)."""
        lists = {name: _python_list(values) for name, values in self._columns.items()}
        return [dict(zip(lists, row, strict=True)) for row in zip(*lists.values(), strict=True)]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records())

    def frame(self) -> pd.DataFrame:
        """The table as a pandas DataFrame (built on the first call, then the same object)."""
        if self._frame is None:
            import pandas as pd  # start-up: pandas only when a DataFrame is asked for

            self._frame = pd.DataFrame(self._columns)
        return self._frame

    def __repr__(self) -> str:
        return f"Table({len(self)} rows: {', '.join(self.names)})"


def _python_list(values: Any) -> list[Any]:
    """A column as a list of Python values (NumPy scalars converted)."""
    array = values if isinstance(values, np.ndarray) else np.asarray(values)
    if array.dtype.kind in "biuf":  # numbers as pandas would type the column
        return array.tolist()
    return [v.item() if isinstance(v, np.generic) else v for v in values]
