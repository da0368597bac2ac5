"""How a routing result shows itself: a one-line repr and a small HTML table for notebooks."""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wdnopt.solvers.routing.solve import RoutingResult

MAX_HTML_ROWS = 20
"""Plants listed in a notebook's view (more: the first ones and a count)."""


def _money(value: float | None) -> str:
    return "–" if value is None else f"{value:,.2f}"


def _amount(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.6g}" if isinstance(value, float) else str(value)


def counts(result: RoutingResult) -> dict[str, int]:
    """The sizes a repr shows: plants, zones, arcs, arcs in use, binding capacities, periods."""
    flows = result.table("flows")
    used = int((flows.column("flow") > 1e-9).sum()) if len(flows) else 0
    periods = result.table("periods")
    return {
        "plants": len(result.table("plants")),
        "zones": len(result.table("zones")),
        "arcs": len(flows),
        "arcs in use": used,
        "binding": len(result.table("binding")),
        "periods": len(periods) if len(periods) else 1,
    }


def result_repr(result: RoutingResult) -> str:
    """``RoutingResult('name', optimal, objective 1,234.50 $/day, ...)``: one line."""
    n = counts(result)
    parts = [
        repr(result.name or "routing"),
        str(result.status),
        f"objective {_money(result.objective)} $/day",
        f"{n['plants']} plants, {n['zones']} zones, {n['arcs']} arcs ({n['arcs in use']} in use)",
        f"{n['binding']} binding",
    ]
    if n["periods"] > 1:
        parts.append(f"{n['periods']} periods")
    shortfall = result.total_shortfall
    if shortfall > 0:
        parts.append(f"shortfall {shortfall:,.6g}")
    return f"RoutingResult({', '.join(parts)})"


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
        for k, v in pairs
    )


def result_html(result: RoutingResult) -> str:
    """A notebook's view: status, cost, shortfall and sizes, then the plants' table."""
    n = counts(result)
    unit = "ML" if n["periods"] > 1 else "ML/day"
    summary = [
        ("status", str(result.status)),
        ("objective", f"{_money(result.objective)} $/day"),
        ("unmet demand", f"{result.total_shortfall:,.6g} {unit}"),
        ("plants · zones · arcs in use", f"{n['plants']} · {n['zones']} · {n['arcs in use']}"),
        ("binding capacities", str(n["binding"])),
    ]
    if result.message:
        summary.append(("message", result.message))
    title = html.escape(result.name or "routing")
    out = [f"<table><caption><b>{title}</b></caption>{_rows(summary)}</table>"]
    plants = result.table("plants")
    if len(plants):
        names = plants.names
        head = "".join(f"<th>{html.escape(c)}</th>" for c in names)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_amount(row[c]))}</td>" for c in names) + "</tr>"
            for row in plants.records()[:MAX_HTML_ROWS]
        )
        out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        if len(plants) > MAX_HTML_ROWS:
            out.append(f"<p>… {len(plants) - MAX_HTML_ROWS} more plants</p>")
    return "".join(out)
