"""What a command wrote in an ``--out`` folder, read back (:func:`load_results`): its
``summary.json`` and its tables, for any command (a routing solve, a pump placement, a sweep)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from wdnopt.extras import installed
from wdnopt.models.errors import InputError


@dataclass(frozen=True, eq=False)
class SavedResults:
    """What a command wrote in an ``--out`` folder, read back: ``summary`` (``summary.json``)
    and every table (``tables``, by file stem: ``plants``, ``zones``, ``flows``, ... for a
    routing solve; ``pumps_2.5`` for a pump placement; ``results``, ``gaps`` for a sweep)."""

    folder: Path
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def status(self) -> str | None:
        return self.summary.get("status")

    @property
    def objective(self) -> float | None:
        return self.summary.get("objective")

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def _repr_html_(self) -> str:
        keys = ("command", "kind", "scenario", "status", "objective", "bound", "gap")
        rows = "".join(
            f"<tr><th>{k}</th><td>{html.escape(str(self.summary.get(k)))}</td></tr>"
            for k in keys
            if k in self.summary
        )
        names = ", ".join(html.escape(n) for n in self.tables)
        return f"<table>{rows}</table><p>{html.escape(str(self.folder))}: {names}</p>"


def load_results(folder: str | Path) -> SavedResults:
    """Read back an ``--out`` folder of ``wdnopt solve`` or ``wdnopt compare`` (its
    ``summary.json`` and its tables; a sweep's results from ``results.parquet``, typed, when
    pyarrow is installed, else from ``results.csv``)."""
    folder = Path(folder)
    path = folder / "summary.json"
    if not path.is_file():
        raise InputError.single(
            "an output folder of wdnopt (with its summary.json)", got="no summary.json", file=folder
        )
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError.single(f"valid JSON ({exc})", file=path) from None
    tables = {p.stem: pd.read_csv(p) for p in sorted(folder.glob("*.csv"))}
    if (folder / "results.parquet").is_file() and installed("parquet"):  # typed columns
        tables["results"] = pd.read_parquet(folder / "results.parquet")
    return SavedResults(folder, summary, tables)
