"""POST /applications: a county filer creates a draft demo-site application."""
from __future__ import annotations

from app.api.registry import Call, Reply, endpoint
from app.api.schemas import ApplicationIn, CreatedOut
from app.applications.operations import create_application


@endpoint("POST", "/applications", summary="创建示范创建申报（草稿）", tags=("applications",), body=ApplicationIn,
          status=201, response=CreatedOut, errors=(403,), idempotent=True)
def post_application(call: Call) -> Reply:
    """Only a county filer, only for their own county (another county is 403). Category-specific
    inputs go in ``fields``; any other key is 400."""
    body = call.body
    item = create_application(call.actor, category=body["category"], county=body["county"],
                              site_name=body["site_name"], fields=body.get("fields_") or {})
    return Reply({"id": item.id, "type": item.type, "state": item.state, "version": item.version}, 201)
