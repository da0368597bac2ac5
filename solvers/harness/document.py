"""The report of any sweep as a list of blocks (headings, paragraphs, tables, figures, code),
rendered to Markdown (:func:`to_markdown`) and to a self-contained HTML page (:func:`to_html`),
so the two always say the same thing; and the number formats reports share."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Block:
    kind: str
    """``h1``, ``h2``, ``p``, ``table``, ``figure``, ``code``."""
    text: str = ""
    table: pd.DataFrame | None = None
    path: str = ""
    """A figure's file, relative to the report (Markdown links it)."""
    data: str = ""
    """A figure's ``data:`` URI (HTML embeds it, so ``report.html`` stands alone)."""


CURRENCY = "$"
"""The unit of every cost in the report (the scenario's money: prices per kWh, capex)."""


def money(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return "–"
    return f"{float(x):,.0f}"


def percent(x: Any, digits: int = 2) -> str:
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if math.isinf(float(x)):
        return "∞"
    return f"{100 * float(x):.{digits}f} %"


def formatted(frame: pd.DataFrame, formats: dict[str, Callable[[Any], str]]) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        f = formats.get(column, lambda v: "–" if v is None or v is pd.NA else str(v))
        out[column] = [f(v) for v in out[column]]
    return out.astype(str)


def _md_table(table: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(cell(c) for c in table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def to_markdown(blocks: list[Block]) -> str:
    out = []
    for b in blocks:
        if b.kind == "h1":
            out.append(f"# {b.text}")
        elif b.kind == "h2":
            out.append(f"## {b.text}")
        elif b.kind == "p":
            out.append(b.text)
        elif b.kind == "table" and b.table is not None:
            out.append(_md_table(b.table))
        elif b.kind == "figure":
            out.append(f"![{b.text}]({b.path})\n\n*{b.text}*")
        elif b.kind == "code":
            out.append(f"```json\n{b.text}\n```")
    return "\n\n".join(out) + "\n"


def _inline(text: str) -> str:
    """HTML of a paragraph: escaped, with `code` spans."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


CSS = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.5rem 0 1.2rem; font-size: 0.88rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: right; }
th { background: #f3f3f3; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 1rem 0 2rem; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.9rem; color: #444; }
pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; }
"""


def to_html(blocks: list[Block]) -> str:
    title = next((b.text for b in blocks if b.kind == "h1"), "report")
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
    ]
    for b in blocks:
        if b.kind in ("h1", "h2"):
            out.append(f"<{b.kind}>{html.escape(b.text)}</{b.kind}>")
        elif b.kind == "p":
            out.append(f"<p>{_inline(b.text)}</p>")
        elif b.kind == "table" and b.table is not None:
            out.append(b.table.to_html(index=False, escape=True, border=0))
        elif b.kind == "figure":
            src = b.data or b.path
            out.append(
                f'<figure><img src="{html.escape(src)}" alt="{html.escape(b.text)}">'
                f"<figcaption>{html.escape(b.text)}</figcaption></figure>"
            )
        elif b.kind == "code":
            out.append(
                f"<details><summary>JSON</summary><pre>{html.escape(b.text)}</pre></details>"
            )
    out.append("</body></html>")
    return "\n".join(out) + "\n"
