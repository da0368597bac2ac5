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
- ``GET /docs``: the API as a plain page drawn from the OpenAPI schema (no script).

A submission is checked in a process of its own (:func:`~.intake.check_submission`: parsing,
validation, the job's cost), so that the event loop only moves bytes and every ``GET`` is
answered while hundreds of bodies are checked. Each token may submit ``--max-posts`` times a
minute (429 with ``Retry-After`` beyond). Every answer carries the headers of :mod:`.guard`.

Every 4xx answer has the form ``{"detail": [{"field", "expected", "got", "message"}]}``. A job
of another token is answered 404, exactly like a job that does not exist.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import multiprocessing
import sqlite3
from collections.abc import AsyncIterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from wdnopt.models.errors import InputError, Problem
from wdnopt.models.scenario import SCENARIO_KINDS
from wdnopt.solvers.service.apidocs import api_page
from wdnopt.solvers.service.auth import Tokens
from wdnopt.solvers.service.dblock import DatabaseLock
from wdnopt.solvers.service.guard import PostRate, SecurityHeaders
from wdnopt.solvers.service.html import report_page
from wdnopt.solvers.service.intake import Accepted, Limits, check_submission, early_refusal
from wdnopt.solvers.service.jobs import Job, JobStore, TooManyJobs

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
EARLY_SCAN_BYTES = 65_536
"""Bodies up to this size are measured for nesting in the event loop (at most a few
milliseconds), so that a deep one is refused at once; larger ones in the intake process."""


@dataclass(frozen=True)
class ServiceConfig:
    """Everything the service is started with."""

    db: Path
    """The SQLite file of jobs and reports (made if missing)."""
    tokens: Tokens
    limits: Limits = field(default_factory=Limits)
    scheduler: str | None = None
    """Address of an existing Dask scheduler (none: a local cluster)."""
    workers: int = 2
    """Worker processes of the local cluster."""
    dashboard: str | None = None
    """``HOST:PORT`` of the local cluster's Dask dashboard (none: no dashboard)."""


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


def _not_found(job_id: str) -> ApiError:
    return ApiError.single(404, "the id of one of your jobs", field="id", got=repr(job_id))


def _utc(value: date | datetime, *, end_of_day: bool) -> str:
    """A filter bound as the store's text: a date is its midnight (or the next one)."""
    if not isinstance(value, datetime):
        value = datetime.combine(value + timedelta(days=1 if end_of_day else 0), time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_bearer = HTTPBearer(auto_error=False, description="a token of the server's token file")


async def _owner(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The name of the request's token; 401 without a token or with an unknown one."""
    tokens: Tokens = request.app.state.tokens
    name = tokens.owner(credentials.credentials if credentials else None)
    if name is None:
        raise ApiError.single(
            401,
            "Authorization: Bearer TOKEN with a token the server knows",
            field="Authorization",
            got="no token" if credentials is None else "an unknown token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return name


async def _store(request: Request) -> JobStore:
    return request.app.state.store


Owner = Annotated[str, Depends(_owner)]
Store = Annotated[JobStore, Depends(_store)]


def _warm_intake() -> None:
    """Import what checking a body needs, once per intake process."""
    from wdnopt.solvers.pumps import registry

    registry.names()


def _intake_pool() -> ProcessPoolExecutor:
    """The process that checks submissions (one: checks are short, and the cores are the
    workers')."""
    return ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_warm_intake
    )


@dataclass
class Backend:
    """What the application runs on: the job store, the Dask runner, the intake process (and
    the future of its imports)."""

    store: JobStore
    runner: Any
    intake: ProcessPoolExecutor
    ready: Future[None]

    def close(self) -> None:
        self.intake.shutdown(wait=True, cancel_futures=True)
        self.runner.close()
        self.store.close()


async def _checked(app: FastAPI, *args: Any, **kwargs: Any) -> Any:
    """:func:`check_submission` in the intake process (a new one if the last one died)."""
    loop = asyncio.get_running_loop()
    call = partial(check_submission, *args, **kwargs)
    try:
        return await loop.run_in_executor(app.state.intake, call)
    except BrokenProcessPool:
        log.error("the intake process ended; a new one is started")
        app.state.intake.shutdown(wait=False)
        app.state.intake = _intake_pool()
        raise ApiError.single(503, "a server able to check the body: try again") from None


def open_backend(config: ServiceConfig, lock: DatabaseLock | None = None) -> Backend:
    """The job store (jobs a stopped server left active marked ``interrupted``), the intake
    process (its imports under way) and the Dask runner;
    :class:`~wdnopt.models.errors.InputError` for a bad ``--db`` (one in use by another server
    among them) or ``--scheduler``. ``lock``: the database's, if already taken."""
    from wdnopt.solvers.service.runner import DaskRunner

    # before anything is read or marked: one server per file
    lock = lock or DatabaseLock(config.db)
    try:
        store = JobStore(config.db, lock=lock)
        interrupted = store.mark_interrupted()
    except sqlite3.DatabaseError as exc:
        lock.release()
        raise InputError.single(
            f"an SQLite file of the service's jobs ({exc})", field="--db", got=str(config.db)
        ) from None
    if interrupted:
        log.warning("%d job(s) left unfinished by the last run marked interrupted", interrupted)
    intake = _intake_pool()
    ready = intake.submit(_warm_intake)  # importing while the cluster starts
    try:
        runner = DaskRunner(
            store, scheduler=config.scheduler, workers=config.workers, dashboard=config.dashboard
        )
    except BaseException:
        intake.shutdown(wait=False, cancel_futures=True)
        store.close()
        raise
    return Backend(store, runner, intake, ready)


def create_app(config: ServiceConfig, *, backend: Backend | None = None) -> FastAPI:
    """The application, on ``backend`` (closed when the app stops); without one,
    :func:`open_backend` opens it when the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = backend or await run_in_threadpool(open_backend, config)
        app.state.store = opened.store
        app.state.runner = opened.runner
        app.state.intake = opened.intake
        app.state.accepting = anyio.CapacityLimiter(1)
        # up once bodies can be checked: the first submission does not wait for the imports
        await asyncio.wrap_future(opened.ready)
        try:
            yield
        finally:
            opened.intake = app.state.intake  # a new one, if the first one died
            await run_in_threadpool(opened.close)

    app = FastAPI(
        title="wdnopt solve service",
        summary="Routing and pump placement scenarios solved on Dask; reports kept in SQLite.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # /docs is drawn here, without the CDN scripts of Swagger UI
        redoc_url=None,
    )
    app.add_middleware(SecurityHeaders)
    app.state.tokens = config.tokens
    limits = config.limits
    post_rate = PostRate(limits.max_posts_per_minute)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error_response(exc.status, exc.problems, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body")]
            got = err.get("input")
            problems.append(
                Problem(
                    ".".join(loc),
                    err.get("msg", "a valid value"),
                    None if got is None else repr(got),
                )
            )
        return _error_response(422, problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error_response(exc.status_code, [Problem("", str(exc.detail))], exc.headers)

    def own_job(job_id: str, who: str, jobs: JobStore) -> Job:
        job = jobs.get(job_id)
        if job is None or job.owner != who:
            raise _not_found(job_id)
        return job

    def links(job_id: str) -> dict[str, str]:
        return {"job": f"/jobs/{job_id}", "report": f"/reports/{job_id}"}

    # --- pages ----------------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        files = {p.name: p for p in STATIC.iterdir() if p.is_file()}
        if name not in files:
            raise ApiError.single(404, f"one of {sorted(files)}", field="name", got=repr(name))
        return FileResponse(files[name])

    @app.get("/health", summary="Whether the service is up, and its Dask workers")
    async def health(request: Request) -> dict[str, Any]:
        return {"status": "ok", "workers": request.app.state.runner.workers}

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(api_page(app.openapi()))

    # --- jobs -----------------------------------------------------------------------------

    @app.post(
        "/solve",
        status_code=202,
        summary="Queue a scenario; answers at once with the job's id",
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": "A scenario, as in a scenario file (every table inline).",
                "content": {
                    "application/toml": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"type": "object"}},
                },
            }
        },
    )
    async def solve(
        request: Request,
        who: Owner,
        jobs: Store,
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
        wait = post_rate.take(who)
        if wait is not None:
            raise ApiError.single(
                429,
                f"at most {limits.max_posts_per_minute} submissions per minute per token (the "
                f"server's limit): try again in {wait} s",
                field="Authorization",
                headers={"Retry-After": str(wait)},
            )
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limits.max_body_bytes:
            raise _too_large(int(declared))
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > limits.max_body_bytes:
                raise _too_large(len(body))
        if len(body) <= EARLY_SCAN_BYTES:  # measured here, in microseconds: never queued
            early = early_refusal(bytes(body), request.headers.get("content-type"), limits)
            if early is not None:
                raise ApiError(early.status, early.problems)
        checked = await _checked(
            request.app,
            bytes(body),
            request.headers.get("content-type"),
            limits,
            time_limit=time_limit,
            algorithm=algorithm,
            season=season,
            figures=figures,
        )
        if not isinstance(checked, Accepted):
            raise ApiError(checked.status, checked.problems)

        def accept() -> Job:
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
                    f"at most {limits.max_active_jobs} queued or running jobs per token: wait "
                    "for one to end",
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

        # one thread records and queues submissions in turn (they wait for the store's lock
        # anyway): dozens of threads would take Python's lock from the event loop in turn
        job = await anyio.to_thread.run_sync(accept, limiter=request.app.state.accepting)
        return JSONResponse(
            {"id": job.id, "status": job.status, "kind": job.kind, "links": links(job.id)},
            status_code=202,
            headers={"Location": f"/jobs/{job.id}"},
        )

    @app.get("/jobs", summary="Your jobs in any state, newest first")
    async def list_jobs(
        who: Owner, jobs: Store, limit: Annotated[int, Query(ge=1, le=1000)] = 50
    ) -> JSONResponse:
        return JSONResponse(
            {
                "jobs": [
                    {**j.summary(), "links": links(j.id)} for j in jobs.list_jobs(who, limit=limit)
                ]
            }
        )

    @app.get("/jobs/{job_id}", summary="State and progress of a job")
    async def get_job(job_id: str, who: Owner, jobs: Store) -> JSONResponse:
        job = own_job(job_id, who, jobs)
        return JSONResponse({**job.summary(), "links": links(job.id)})

    @app.delete("/jobs/{job_id}", summary="Cancel a job, or delete one that is over")
    def delete_job(job_id: str, who: Owner, jobs: Store, request: Request) -> dict[str, Any]:
        job = own_job(job_id, who, jobs)
        if job.active:
            request.app.state.runner.cancel(job.id)
            if jobs.fail(job.id, ["cancelled by its owner"], status="cancelled"):
                return {"id": job.id, "status": "cancelled"}
            job = own_job(job_id, who, jobs)  # it ended meanwhile: delete it as over
        jobs.delete(job.id)
        return {"id": job.id, "status": "deleted"}

    # --- reports --------------------------------------------------------------------------

    @app.get("/reports", summary="Your reports, newest first")
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

    @app.get("/reports/{job_id}", summary="The report of a finished job (JSON, or HTML)")
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

    @app.get("/reports/{job_id}/figures/{name}", summary="A figure of a report (PNG)")
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

    # --- schemas --------------------------------------------------------------------------

    @app.get("/schema/{kind}", summary="JSON Schema of a scenario kind")
    def schema(kind: str) -> dict[str, Any]:
        model = SCENARIO_KINDS.get(kind)
        if model is None:
            raise ApiError.single(
                404,
                f"a scenario kind, one of {sorted(SCENARIO_KINDS)}",
                field="kind",
                got=repr(kind),
            )
        return model.model_json_schema()

    def _too_large(size: int) -> ApiError:
        return ApiError.single(
            413,
            f"a body of at most {limits.max_body_bytes} bytes (the server's limit)",
            field="body",
            got=f"{size} bytes",
        )

    return app
