"""GET /openapi.json: the document, generated from the registered endpoints (no token needed)."""
from __future__ import annotations

from functools import cache
from typing import Any

from app.api.registry import Call, Reply, endpoint
from app.api.openapi import build_spec


@cache
def _document() -> dict[str, Any]:
    return build_spec()


@endpoint("GET", "/openapi.json", summary="本接口的 OpenAPI 3 文档", tags=("meta",), auth=False)
def openapi_json(call: Call) -> Reply:
    return Reply(_document())
