"""Every answer other than 2xx, in one form: ``{"detail": [{"field", "expected", "got",
"message"}]}``.

An endpoint raises :class:`ApiError`; :data:`HANDLERS` (installed by :func:`~..app.create_app`)
writes it, and FastAPI's own errors (a bad query: 422; an unknown path: 404), in that form.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from wdnopt.models.errors import Problem


class ApiError(Exception):
    """An answer other than 2xx, with the problems it reports."""

    def __init__(
        self, status: int, problems: list[Problem], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.status = status
        self.problems = problems
        self.headers = headers

    @classmethod
    def single(
        cls,
        status: int,
        expected: str,
        *,
        field: str = "",
        got: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> ApiError:
        return cls(status, [Problem(field, expected, got)], headers)


def _detail(problems: list[Problem]) -> dict[str, Any]:
    return {
        "detail": [
            {"field": p.field, "expected": p.expected, "got": p.got, "message": str(p)}
            for p in problems
        ]
    }


def _error_response(status: int, problems: list[Problem], headers: Any = None) -> JSONResponse:
    return JSONResponse(_detail(problems), status_code=status, headers=headers)


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return _error_response(exc.status, exc.problems, exc.headers)


async def _request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body")]
        got = err.get("input")
        problems.append(
            Problem(
                ".".join(loc), err.get("msg", "a valid value"), None if got is None else repr(got)
            )
        )
    return _error_response(422, problems)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return _error_response(exc.status_code, [Problem("", str(exc.detail))], exc.headers)


HANDLERS: dict[type[Exception], Callable[..., Awaitable[JSONResponse]]] = {
    ApiError: _api_error,
    RequestValidationError: _request_error,
    StarletteHTTPException: _http_error,
}
"""Exception → the handler that answers it (``FastAPI(exception_handlers=...)``)."""
