"""The pages a browser opens without a token: the web page (``/`` and its files under
``/static/``) and the API page ``/docs``, drawn from the OpenAPI schema without the CDN scripts
of Swagger UI (:mod:`~wdnopt.solvers.service.apidocs`). None of them is in the schema."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from wdnopt.solvers.service.apidocs import api_page
from wdnopt.solvers.service.routes.errors import ApiError

STATIC = Path(__file__).parents[1] / "static"
"""The web page's files."""

router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html")


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    files = {p.name: p for p in STATIC.iterdir() if p.is_file()}
    if name not in files:
        raise ApiError.single(404, f"one of {sorted(files)}", field="name", got=repr(name))
    return FileResponse(files[name])


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    return HTMLResponse(api_page(request.app.openapi()))
