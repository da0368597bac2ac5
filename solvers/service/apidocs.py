"""``GET /docs``: the API as one plain HTML page, drawn on the server from the OpenAPI schema.

No script and nothing from another site: the page is the same offline, and no third-party
code ever runs on the origin that holds the web page's token. Each endpoint is listed with its
summary, its parameters (where, type, whether required, what they mean) and its answers; the
whole schema is at ``/openapi.json``.
"""

from __future__ import annotations

from html import escape
from typing import Any

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 70rem; padding: 0 1rem;
       color: #1b1b1b; }
h2 { font-size: 1.1rem; margin-top: 1.8rem; font-family: ui-monospace, monospace; }
.method { display: inline-block; min-width: 4.5rem; color: #fff; background: #3b6e8f;
          padding: 0.1rem 0.4rem; border-radius: 3px; }
table { border-collapse: collapse; margin: 0.4rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #eef2f5; }
code { font-family: ui-monospace, monospace; }
"""


def _type(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " or ".join(_type(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(repr(v) for v in schema["enum"])
    kind = str(schema.get("type", "any"))
    bounds = [
        f"{word} {schema[key]}"
        for key, word in (
            ("minimum", "≥"),
            ("exclusiveMinimum", ">"),
            ("maximum", "≤"),
            ("exclusiveMaximum", "<"),
        )
        if key in schema
    ]
    if schema.get("format"):
        kind += f" ({schema['format']})"
    return kind + (f", {', '.join(bounds)}" if bounds else "")


def _parameters(operation: dict[str, Any]) -> str:
    rows = []
    for p in operation.get("parameters", []):
        schema = p.get("schema", {})
        default = f" (default {schema['default']!r})" if "default" in schema else ""
        rows.append(
            f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p.get('in', ''))}</td>"
            f"<td>{escape(_type(schema))}</td><td>{'yes' if p.get('required') else 'no'}</td>"
            f"<td>{escape(p.get('description') or schema.get('description') or '')}"
            f"{escape(default)}</td></tr>"
        )
    body = operation.get("requestBody")
    if body:
        media = ", ".join(body.get("content", {}))
        rows.append(
            f"<tr><td>body</td><td>{escape(media)}</td><td></td>"
            f"<td>{'yes' if body.get('required') else 'no'}</td>"
            f"<td>{escape(body.get('description', ''))}</td></tr>"
        )
    if not rows:
        return ""
    head = "<tr><th>name</th><th>in</th><th>type</th><th>required</th><th>meaning</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _answers(operation: dict[str, Any]) -> str:
    items = "".join(
        f"<li><code>{escape(code)}</code> {escape(answer.get('description', ''))}</li>"
        for code, answer in operation.get("responses", {}).items()
    )
    return f"<ul>{items}</ul>" if items else ""


def api_page(openapi: dict[str, Any]) -> str:
    """The page of every endpoint of the schema ``openapi``."""
    info = openapi.get("info", {})
    title = escape(str(info.get("title", "API")))
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{title}: API</title><style>{STYLE}</style></head><body>",
        f"<h1>{title} {escape(str(info.get('version', '')))}</h1>",
        f"<p>{escape(str(info.get('summary') or info.get('description') or ''))}</p>",
        "<p>Every endpoint but <code>/</code>, <code>/health</code>, <code>/schema/…</code> and "
        "this page needs <code>Authorization: Bearer TOKEN</code>. Errors come as "
        '<code>{"detail": [{"field", "expected", "got", "message"}]}</code>. The schema: '
        '<a href="/openapi.json">/openapi.json</a>.</p>',
    ]
    for path, operations in openapi.get("paths", {}).items():
        for method, operation in operations.items():
            parts.append(
                f'<h2><span class="method">{escape(method.upper())}</span> {escape(path)}</h2>'
                f"<p>{escape(operation.get('summary', ''))}</p>"
                f"{_parameters(operation)}{_answers(operation)}"
            )
    parts.append("</body></html>")
    return "".join(parts)
