"""``GET /health``: whether the service is up, and its Dask workers (no token needed)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

router = APIRouter()


@router.get("/health", summary="Whether the service is up, and its Dask workers")
async def health(request: Request) -> dict[str, Any]:
    return {"status": "ok", "workers": request.app.state.runner.workers}
