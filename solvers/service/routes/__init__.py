"""The endpoints of the solve service, one router per module, grouped by what they serve:

- :mod:`.pages`: the web page ``/``, its files ``/static/{name}``, the API page ``/docs``;
- :mod:`.health`: ``/health``;
- :mod:`.jobs`: ``POST /solve``, ``GET /jobs``, ``GET`` and ``DELETE /jobs/{id}``;
- :mod:`.reports`: ``GET /reports``, ``/reports/{id}`` and its figures;
- :mod:`.schemas`: ``/schema/{kind}``.

What they share: :mod:`.deps` (the token's owner, the job store, the limits, as FastAPI
dependencies read from ``app.state``) and :mod:`.errors` (every 4xx in one form).
:func:`~wdnopt.solvers.service.app.create_app` includes every router of :data:`ROUTERS`, in
order: a new endpoint goes in one of these modules, or in a new one listed there.
"""

from __future__ import annotations

from fastapi import APIRouter

from wdnopt.solvers.service.routes import health, jobs, pages, reports, schemas

ROUTERS: tuple[APIRouter, ...] = (
    pages.router,
    health.router,
    jobs.router,
    reports.router,
    schemas.router,
)
"""Every router of the service, in the order of the OpenAPI schema."""
