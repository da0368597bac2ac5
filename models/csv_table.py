"""CSV tables referenced by scenario files (a catalogue, a demand table): read and checked
before anything else runs, every error naming the file, the row or the column."""

from __future__ import annotations

import csv
from pathlib import Path

from wdnopt.models.errors import InputError


def read_csv_table(path: Path, *, where: str = "", field: str = "") -> list[dict[str, str]]:
    """Records of a CSV file with a header row; empty cells are left out (defaults apply)."""
    if not path.is_file():
        raise InputError.single(
            f"a CSV file at {path}", field=field, got="no such file", file=where or None
        )
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames:
                raise InputError.single("a header row naming the columns", file=path)
            names = [n.strip() for n in reader.fieldnames]
            if "" in names:
                raise InputError.single(
                    "a name for every column of the header",
                    got=f"column {names.index('') + 1}",
                    file=path,
                )
            doubles = sorted({n for n in names if names.count(n) > 1})
            if doubles:
                raise InputError.single(
                    "each column once in the header", field=doubles[0], got="repeated", file=path
                )
            rows = []
            for i, row in enumerate(reader, start=1):
                if None in row:
                    raise InputError.single(
                        f"{len(reader.fieldnames)} cells as in the header",
                        got=f"{len(reader.fieldnames) + len(row[None])}",  # type: ignore[index]
                        file=path,
                        row=i,
                    )
                rows.append({k.strip(): v.strip() for k, v in row.items() if v and v.strip()})
            return rows
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError.single(f"a readable UTF-8 CSV file ({exc})", file=path) from None
