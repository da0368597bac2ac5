"""What every answer carries, and how fast one token may submit.

:class:`SecurityHeaders` is an ASGI middleware that adds to every answer: a Content Security
Policy (scripts, styles and frames from the service itself only; images also inline; the pages
may not be framed by another site), ``X-Content-Type-Options: nosniff``, ``X-Frame-Options:
DENY``, ``Referrer-Policy: no-referrer``, and ``Cache-Control: no-store`` on everything but the
web page's own files (reports, job lists and errors are never kept by a browser or a proxy);
and ``Server-Timing: app;dur=MS``, the time from the request's arrival at the application to
its answer (so that a client can tell the server's time from its own).

:class:`PostRate` is a token bucket per owner: ``per_minute`` submissions at once, refilled at
``per_minute`` a minute; beyond it a submission is answered 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
import time
from typing import Any

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'"
)
"""The Content Security Policy of every answer (reports' inline styles and figures allowed)."""

_ALWAYS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP answer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        static = path == "/" or path.startswith("/static/")
        cache = b"no-cache" if static else b"no-store"
        start = time.perf_counter()

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"cache-control", *(name for name, _ in _ALWAYS))
                ]
                headers.extend(_ALWAYS)
                headers.append((b"cache-control", cache))
                took = 1000 * (time.perf_counter() - start)
                headers.append((b"server-timing", f"app;dur={took:.1f}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class PostRate:
    """Submissions per owner per minute, as a token bucket (in the event loop: no lock)."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, owner: str) -> int | None:
        """None if ``owner`` may submit now (one taken), else the seconds to wait."""
        now = time.monotonic()
        level, last = self._buckets.get(owner, (self.capacity, now))
        level = min(self.capacity, level + (now - last) * self.rate)
        if level >= 1.0:
            self._buckets[owner] = (level - 1.0, now)
            return None
        self._buckets[owner] = (level, now)
        return max(1, math.ceil((1.0 - level) / self.rate))
