"""The reports of a token: ``GET /reports`` lists them (newest first, filtered by ``kind`` and
by ``since`` / ``until``, dates or times, UTC); ``GET /reports/{id}`` gives one as JSON (the
object of ``wdnopt solve --json``) or, with ``?format=html``, as a page; ``GET
/reports/{id}/figures/{name}`` one of its figures as PNG."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from wdnopt.solvers.service.html import report_page
from wdnopt.solvers.service.routes.deps import Owner, Store, links, own_job
from wdnopt.solvers.service.routes.errors import ApiError

router = APIRouter()


@router.get("/reports", summary="Your reports, newest first")
async def list_reports(
    who: Owner,
    jobs: Store,
    kind: Annotated[
        Literal["routing", "pump_placement"] | None, Query(description="scenario kind")
    ] = None,
    since: Annotated[
        datetime | date | None, Query(description="finished at or after (date or time, UTC)")
    ] = None,
    until: Annotated[
        datetime | date | None,
        Query(description="finished before this time, or up to the end of this date (UTC)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JSONResponse:
    found = jobs.list_reports(
        who,
        kind=kind,
        since=None if since is None else _utc(since, end_of_day=False),
        until=None if until is None else _utc(until, end_of_day=True),
        limit=limit,
    )
    return JSONResponse(
        {
            "reports": [
                {
                    "id": j.id,
                    "kind": j.kind,
                    "name": j.name,
                    "status": j.result_status,
                    "objective": j.objective,
                    "created_at": j.created_at,
                    "finished_at": j.finished_at,
                    "links": links(j.id),
                }
                for j in found
            ]
        }
    )


@router.get("/reports/{job_id}", summary="The report of a finished job (JSON, or HTML)")
async def get_report(
    job_id: str,
    who: Owner,
    jobs: Store,
    format: Annotated[Literal["json", "html"], Query()] = "json",
) -> Any:
    job = own_job(job_id, who, jobs)
    text = jobs.report_text(job.id)
    if text is None:
        why = "; ".join(job.error or []) if job.error else None
        raise ApiError.single(
            409,
            "a job that is done: its report comes when it ends"
            if job.active
            else "a job that is done: this one ended without a report",
            field="id",
            got=f"{job.status}" + (f" ({why})" if why else ""),
        )
    if format == "html":
        pictures = jobs.figures(job.id)
        return HTMLResponse(report_page(job.summary(), json.loads(text), pictures))
    head = {
        "id": job.id,
        "kind": job.kind,
        "name": job.name,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "options": job.options,
        "figures": {n: f"/reports/{job.id}/figures/{n}" for n in jobs.figures(job.id)},
    }
    # the stored report is JSON text already: sent as it is, not parsed and written again
    body = json.dumps(head)[:-1] + ', "report": ' + text + "}"
    return Response(body, media_type="application/json")


@router.get("/reports/{job_id}/figures/{name}", summary="A figure of a report (PNG)")
async def get_figure(job_id: str, name: str, who: Owner, jobs: Store) -> Response:
    job = own_job(job_id, who, jobs)
    pictures = jobs.figures(job.id)
    if name not in pictures:
        raise ApiError.single(
            404,
            f"one of the report's figures {sorted(pictures)}"
            if pictures
            else "no figure: this report has none (POST /solve?figures=true draws them)",
            field="name",
            got=repr(name),
        )
    return Response(base64.b64decode(pictures[name]), media_type="image/png")


def _utc(value: date | datetime, *, end_of_day: bool) -> str:
    """A filter bound as the store's text: a date is its midnight (or the next one)."""
    if not isinstance(value, datetime):
        value = datetime.combine(value + timedelta(days=1 if end_of_day else 0), time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
