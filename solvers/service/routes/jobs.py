"""The jobs of a token: ``POST /solve`` queues one, ``GET /jobs`` lists them, ``GET
/jobs/{id}`` gives its state and progress, ``DELETE /jobs/{id}`` cancels it (or, once it is
over, deletes it and its report).

A submission passes, in this order: its token (401), the token's submissions per minute (429
with ``Retry-After``, :class:`~wdnopt.solvers.service.guard.PostRate`), the body's declared and
read size (413), the nesting of a small body measured here in microseconds
(:func:`~wdnopt.solvers.service.intake.early_refusal`), then the full check in the intake
process (:func:`~wdnopt.solvers.service.intake.check_submission`: parsing, validation, the
job's cost), so that the event loop only moves bytes and every ``GET`` is answered while
hundreds of bodies are checked; last the token's active jobs (429).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from wdnopt.solvers.service.backend import intake_pool
from wdnopt.solvers.service.intake import Accepted, Limits, check_submission, early_refusal
from wdnopt.solvers.service.jobs import Job, JobStore, TooManyJobs
from wdnopt.solvers.service.routes.deps import Caps, Owner, Store, links, own_job
from wdnopt.solvers.service.routes.errors import ApiError

log = logging.getLogger(__name__)

EARLY_SCAN_BYTES = 65_536
"""Bodies up to this size are measured for nesting in the event loop (at most a few
milliseconds), so that a deep one is refused at once; larger ones in the intake process."""

router = APIRouter()

_BODY = {
    "requestBody": {
        "required": True,
        "description": "A scenario, as in a scenario file (every table inline).",
        "content": {
            "application/toml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}
"""The body of ``POST /solve`` in the OpenAPI schema (read by hand, not by FastAPI)."""


@router.post(
    "/solve",
    status_code=202,
    summary="Queue a scenario; answers at once with the job's id",
    openapi_extra=_BODY,
)
async def solve(
    request: Request,
    who: Owner,
    jobs: Store,
    limits: Caps,
    time_limit: Annotated[
        float | None,
        Query(gt=0, description="seconds of each solve (--time-limit), within the cap"),
    ] = None,
    algorithm: Annotated[
        str | None, Query(description="pump placement algorithm (--algorithm)")
    ] = None,
    season: Annotated[str | None, Query(description="routing: one season (--season)")] = None,
    figures: Annotated[
        bool, Query(description="draw the figures too (a schedule's day, each pump plan)")
    ] = False,
) -> JSONResponse:
    _take_post(request, who, limits)
    body = await _read_body(request, limits)
    if len(body) <= EARLY_SCAN_BYTES:  # measured here, in microseconds: never queued
        early = early_refusal(body, request.headers.get("content-type"), limits)
        if early is not None:
            raise ApiError(early.status, early.problems)
    checked = await _checked(
        request,
        body,
        request.headers.get("content-type"),
        limits,
        time_limit=time_limit,
        algorithm=algorithm,
        season=season,
        figures=figures,
    )
    if not isinstance(checked, Accepted):
        raise ApiError(checked.status, checked.problems)
    # one thread records and queues submissions in turn (they wait for the store's lock
    # anyway): dozens of threads would take Python's lock from the event loop in turn
    job = await anyio.to_thread.run_sync(
        _accept, request, who, jobs, limits, checked, limiter=request.app.state.accepting
    )
    return JSONResponse(
        {"id": job.id, "status": job.status, "kind": job.kind, "links": links(job.id)},
        status_code=202,
        headers={"Location": f"/jobs/{job.id}"},
    )


@router.get("/jobs", summary="Your jobs in any state, newest first")
async def list_jobs(
    who: Owner, jobs: Store, limit: Annotated[int, Query(ge=1, le=1000)] = 50
) -> JSONResponse:
    return JSONResponse(
        {"jobs": [{**j.summary(), "links": links(j.id)} for j in jobs.list_jobs(who, limit=limit)]}
    )


@router.get("/jobs/{job_id}", summary="State and progress of a job")
async def get_job(job_id: str, who: Owner, jobs: Store) -> JSONResponse:
    job = own_job(job_id, who, jobs)
    return JSONResponse({**job.summary(), "links": links(job.id)})


@router.delete("/jobs/{job_id}", summary="Cancel a job, or delete one that is over")
def delete_job(job_id: str, who: Owner, jobs: Store, request: Request) -> dict[str, Any]:
    job = own_job(job_id, who, jobs)
    if job.active:
        request.app.state.runner.cancel(job.id)
        if jobs.fail(job.id, ["cancelled by its owner"], status="cancelled"):
            return {"id": job.id, "status": "cancelled"}
        job = own_job(job_id, who, jobs)  # it ended meanwhile: delete it as over
    jobs.delete(job.id)
    return {"id": job.id, "status": "deleted"}


def _take_post(request: Request, who: str, limits: Limits) -> None:
    """One of the token's submissions this minute; 429 with ``Retry-After`` past them."""
    wait = request.app.state.post_rate.take(who)
    if wait is not None:
        raise ApiError.single(
            429,
            f"at most {limits.max_posts_per_minute} submissions per minute per token (the "
            f"server's limit): try again in {wait} s",
            field="Authorization",
            headers={"Retry-After": str(wait)},
        )


async def _read_body(request: Request, limits: Limits) -> bytes:
    """The body, refused (413) as soon as its declared or its read size is over the cap."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise _too_large(int(declared), limits)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limits.max_body_bytes:
            raise _too_large(len(body), limits)
    return bytes(body)


def _too_large(size: int, limits: Limits) -> ApiError:
    return ApiError.single(
        413,
        f"a body of at most {limits.max_body_bytes} bytes (the server's limit)",
        field="body",
        got=f"{size} bytes",
    )


async def _checked(request: Request, *args: Any, **kwargs: Any) -> Any:
    """:func:`check_submission` in the intake process (a new one if the last one died)."""
    state = request.app.state
    loop = asyncio.get_running_loop()
    call = partial(check_submission, *args, **kwargs)
    try:
        return await loop.run_in_executor(state.intake, call)
    except BrokenProcessPool:
        log.error("the intake process ended; a new one is started")
        state.intake.shutdown(wait=False)
        state.intake = intake_pool()
        raise ApiError.single(503, "a server able to check the body: try again") from None


def _accept(request: Request, who: str, jobs: JobStore, limits: Limits, checked: Accepted) -> Job:
    """Record the job and queue it on Dask (in a thread: the store's writes wait for its
    lock); 429 past the token's active jobs, 503 if the cluster refuses it."""
    try:
        job = jobs.create(
            owner=who,
            kind=checked.kind,
            name=checked.name,
            options=checked.options.__dict__,
            max_active=limits.max_active_jobs,
        )
    except TooManyJobs:
        raise ApiError.single(
            429,
            f"at most {limits.max_active_jobs} queued or running jobs per token: wait for one "
            "to end",
            field="Authorization",
            headers={"Retry-After": "5"},
        ) from None
    try:
        request.app.state.runner.submit(job.id, checked.data, checked.options)
    except Exception as exc:
        jobs.fail(job.id, [f"the job could not be queued: {exc}"])
        log.exception("job %s not queued", job.id)
        raise ApiError.single(503, "a Dask cluster that takes jobs") from None
    return job
