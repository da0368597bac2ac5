"""``GET /schema/{kind}``: the JSON Schema of a scenario kind, from its pydantic model (no
token needed)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from wdnopt.models.scenario import SCENARIO_KINDS
from wdnopt.solvers.service.routes.errors import ApiError

router = APIRouter()


@router.get("/schema/{kind}", summary="JSON Schema of a scenario kind")
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
