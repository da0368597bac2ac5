"""What the endpoints share, as FastAPI dependencies read from ``request.app.state`` (set by
:func:`~wdnopt.solvers.service.app.create_app` and its lifespan):

- :data:`Owner`: the name of the request's bearer token (401 without a known one);
- :data:`Store`: the :class:`~wdnopt.solvers.service.jobs.JobStore`;
- :data:`Caps`: the server's :class:`~wdnopt.solvers.service.intake.Limits`;

and the lookups of the job and report endpoints: :func:`own_job`, :func:`links`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from wdnopt.solvers.service.auth import Tokens
from wdnopt.solvers.service.intake import Limits
from wdnopt.solvers.service.jobs import Job, JobStore
from wdnopt.solvers.service.routes.errors import ApiError

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


async def _limits(request: Request) -> Limits:
    return request.app.state.limits


Owner = Annotated[str, Depends(_owner)]
Store = Annotated[JobStore, Depends(_store)]
Caps = Annotated[Limits, Depends(_limits)]


def own_job(job_id: str, who: str, jobs: JobStore) -> Job:
    """The job ``job_id`` if ``who`` owns it; 404 otherwise (whether it exists or not)."""
    job = jobs.get(job_id)
    if job is None or job.owner != who:
        raise ApiError.single(404, "the id of one of your jobs", field="id", got=repr(job_id))
    return job


def links(job_id: str) -> dict[str, str]:
    """Where a job's state and its report are read."""
    return {"job": f"/jobs/{job_id}", "report": f"/reports/{job_id}"}
