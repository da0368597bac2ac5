"""The FastAPI application of the solve service.

Endpoints (all under a bearer token but ``/``, ``/health``, ``/schema/{kind}`` and the OpenAPI
pages ``/docs`` and ``/openapi.json``):

- ``POST /solve``: a scenario as TOML or JSON; validated at once (422 naming the field), then
  queued on Dask; answers 202 with the job's id;
- ``GET /jobs/{id}``: state and progress; ``DELETE /jobs/{id}``: cancel it, or once it is over
  delete it and its report;
- ``GET /reports/{id}``: the report as JSON (the object of ``wdnopt solve --json``), or
  ``?format=html`` as a page; ``GET /reports``: the token's reports, newest first, filtered by
  ``kind`` and by ``since`` / ``until`` (dates or times, UTC);
- ``GET /jobs``: the token's jobs in any state, newest first (a failed, cancelled or
  interrupted one with its reason);
- ``GET /schema/{kind}``: the JSON Schema of a scenario kind, from its pydantic model;
- ``GET /docs``: the API page drawn from the OpenAPI schema (no script).

Each lives in a router of :mod:`.routes`; :func:`create_app` only builds the application: the
headers of every answer (:mod:`.guard`), the error handlers (:mod:`.routes.errors`), the state
the endpoints read (tokens, limits, submissions per minute; the store, runner and intake
process once started, :mod:`.backend`) and the routers. A submission is checked in a process of
its own, so that the event loop only moves bytes (:mod:`.routes.jobs`); each token may submit
``--max-posts`` times a minute (429 with ``Retry-After`` beyond).

Every 4xx answer has the form ``{"detail": [{"field", "expected", "got", "message"}]}``. A job
of another token is answered 404, exactly like a job that does not exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from wdnopt.solvers.service.backend import Backend, ServiceConfig, open_backend
from wdnopt.solvers.service.guard import PostRate, SecurityHeaders
from wdnopt.solvers.service.routes import ROUTERS
from wdnopt.solvers.service.routes.errors import HANDLERS


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The backend in ``app.state`` while the app runs: the one given to :func:`create_app`,
    or one opened here; closed when the app stops."""
    state = app.state
    opened: Backend = state.backend or await run_in_threadpool(open_backend, state.config)
    state.store = opened.store
    state.runner = opened.runner
    state.intake = opened.intake
    state.accepting = anyio.CapacityLimiter(1)
    # up once bodies can be checked: the first submission does not wait for the imports
    await asyncio.wrap_future(opened.ready)
    try:
        yield
    finally:
        opened.intake = state.intake  # a new one, if the first one died
        await run_in_threadpool(opened.close)


def create_app(config: ServiceConfig, *, backend: Backend | None = None) -> FastAPI:
    """The application, on ``backend`` (closed when the app stops); without one,
    :func:`~.backend.open_backend` opens it when the app starts."""
    app = FastAPI(
        title="wdnopt solve service",
        summary="Routing and pump placement scenarios solved on Dask; reports kept in SQLite.",
        version="0.1.0",
        lifespan=_lifespan,
        docs_url=None,  # /docs is drawn by routes.pages, without the CDN scripts of Swagger UI
        redoc_url=None,
        exception_handlers=HANDLERS,
    )
    app.add_middleware(SecurityHeaders)
    app.state.config = config
    app.state.backend = backend
    app.state.tokens = config.tokens
    app.state.limits = config.limits
    app.state.post_rate = PostRate(config.limits.max_posts_per_minute)
    for router in ROUTERS:
        app.include_router(router)
    return app
