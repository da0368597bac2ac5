"""A job's report as one self-contained HTML page (``GET /reports/{id}?format=html``).

The page is drawn from the JSON report: a headline (status and total cost with its unit), the
figures when they were drawn (inline PNG), then every part of the report in order: its numbers
as a two-column table, each list of records (plants, zones, flows, the pumps of a plan...) as a
table, nested parts (seasons, demand factors) as sections. Every value is escaped.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 1.6rem; }
h3 { font-size: 1rem; margin-top: 1.2rem; }
img { max-width: 100%; }
table { border-collapse: collapse; margin: 0.4rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; }
th { background: #eef2f5; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.headline { font-size: 1.25rem; font-weight: 600; }
.status-optimal { color: #0a6b2d; } .status-infeasible { color: #a4161a; }
"""


def number(value: Any) -> str:
    """A value as a reader wants it: whole numbers without decimals, others to 2 or 4 places."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "–"
        if abs(value - round(value)) < 1e-9 * max(1.0, abs(value)):
            return f"{round(value):,}"
        return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4g}"
    return str(value)


def cost_unit(report: dict[str, Any]) -> str:
    """The unit of the report's objective."""
    if report.get("kind") == "routing":
        return "$ for the day" if "periods" in report else "$/day"
    return report.get("objective_kind") or ""


def headline(report: dict[str, Any]) -> str:
    """``optimal: total cost 989 $/day`` (or the status alone when there is no objective)."""
    status = str(report.get("status", "")) if "seasons" not in report else "by season"
    if report.get("objective") is None:
        return status
    unit = cost_unit(report)
    label = "total cost" if report.get("kind") == "routing" else f"objective ({unit})"
    tail = f" {unit}" if report.get("kind") == "routing" else ""
    return f"{status}: {label} {number(report['objective'])}{tail}"


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _records(value: Any) -> bool:
    """A list of flat records: drawn as one table."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(r, dict) and all(_is_scalar(v) for v in r.values()) for r in value)
    )


def _cell(value: Any) -> str:
    css = ' class="num"' if isinstance(value, int | float) and not isinstance(value, bool) else ""
    return f"<td{css}>{escape(number(value))}</td>"


def _table(records: list[dict[str, Any]], caption: str) -> str:
    columns: list[str] = []
    for record in records:
        columns.extend(k for k in record if k not in columns)
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    rows = "".join("<tr>" + "".join(_cell(r.get(c)) for c in columns) + "</tr>" for r in records)
    return (
        f'<table data-table="{escape(caption)}"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _section(obj: dict[str, Any], level: int) -> str:
    parts = []
    scalars = {k: v for k, v in obj.items() if _is_scalar(v)}
    if scalars:
        rows = "".join(f"<tr><th>{escape(k)}</th>{_cell(v)}</tr>" for k, v in scalars.items())
        parts.append(f'<table class="summary">{rows}</table>')
    h = f"h{min(level, 6)}"
    for key, value in obj.items():
        if _is_scalar(value):
            continue
        if _records(value):
            parts.append(f"<{h}>{escape(key)}</{h}>" + _table(value, key))
        elif isinstance(value, dict):
            parts.append(f"<{h}>{escape(key)}</{h}>" + _section(value, level + 1))
        elif isinstance(value, list) and value:
            for i, item in enumerate(value):
                title = f"{key} [{i + 1}]"
                if isinstance(item, dict) and "demand_factor" in item:
                    title = f"{key}: demand factor {item['demand_factor']:g}"
                body = _section(item, level + 1) if isinstance(item, dict) else escape(str(item))
                parts.append(f"<{h}>{escape(title)}</{h}>" + body)
    return "\n".join(parts)


def _figures(figures: dict[str, str]) -> str:
    if not figures:
        return ""
    return "<h2>figures</h2>" + "".join(
        f'<figure><img alt="{escape(name)}" src="data:image/png;base64,{escape(data)}">'
        f"<figcaption>{escape(name)}</figcaption></figure>"
        for name, data in figures.items()
    )


def report_page(
    job: dict[str, Any], report: dict[str, Any], figures: dict[str, str] | None = None
) -> str:
    """The whole page of one job's report; ``figures`` (file name → PNG in base64) are drawn
    after the headline."""
    title = report.get("name") or report.get("scenario") or job.get("name") or job["id"]
    status = str(report.get("status", ""))
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(str(title))}: wdnopt report</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(str(title))}</h1>"
        f'<p class="headline status-{escape(status)}" id="headline">{escape(headline(report))}</p>'
        f"<p>{escape(report.get('kind', ''))} job {escape(job['id'])}, finished "
        f"{escape(str(job.get('finished_at') or ''))}</p>"
        f"{_figures(figures or {})}{_section(report, 2)}</body></html>"
    )
