"""Items: list, read, edit a draft, fire a transition."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.api.errors import bad_request
from app.item_page.listing import list_items
from app.api.registry import Call, Reply, endpoint
from app.api.schemas import ItemDetailOut, ItemListOut, ItemListQuery, ItemPatchIn, TransitionIn, TransitionOut
from app.item_page.serialize import item_detail, item_summary
from app.clock import today
from app.extensions import db
from app.items.facts import subject_for
from app.items.models import Item
from app.items.queries import visible_subject
from app.items.operations import edit_draft, fire_transition
from app.notices.operations import name_individuals
from app.reports.texts import normalise
from app.plans.scope import region_units
from app.units.models import Unit
from workflows.notice import TEXT_LABELS as NOTICE_LABELS
from workflows.notice import TEXT_LIMITS as NOTICE_LIMITS

#: what PATCH may change, per item type (request key → model attribute)
EDITABLE: dict[str, dict[str, str]] = {
    "application": {"title": "title", "site_name": "site_name", "fields_": "fields"},
    "notice": {"title": "title", "addressees": "addressees", "body": "body", "copies": "copies",
               "attachments_note": "attachments_note", "subject_units": "subject_units",
               "individuals": "individuals"},
    "task": {},
    "report": {"progress": "progress", "problems": "problems", "next_steps": "next_steps"},
}


def _refuse_long_notice_text(changes: dict[str, Any]) -> None:
    """A notice's text keeps the limits of POST /notices and of the screen form (one limit each)."""
    too_long = {key: NOTICE_LIMITS[key] for key, value in changes.items()
                if key in NOTICE_LIMITS and isinstance(value, str) and len(value) > NOTICE_LIMITS[key]}
    if too_long:
        raise bad_request("、".join(f"“{NOTICE_LABELS[k]}”不能超过 {n} 个字符" for k, n in too_long.items()),
                          fields={k: [f"最多 {n} 个字符"] for k, n in too_long.items()})


@endpoint("GET", "/items", summary="事项列表（仅本人可见的）", tags=("items",), query=ItemListQuery,
          response=ItemListOut)
def get_items(call: Call) -> Reply:
    """Filters: type, state (exact or phase), county, overdue; sort ±due_at/±updated_at; page or after."""
    now = today()
    page = list_items(call.actor, call.query, now)
    return Reply({"items": [item_summary(i, now, page.due[i.id]) for i in page.items], "total": page.total,
                  "total_capped": page.total_capped, "page": page.page,
                  "per_page": page.per_page, "next": page.next})


@endpoint("GET", "/items/<int:item_id>", summary="事项详情：可执行的操作与全部历史", tags=("items",),
          response=ItemDetailOut)
def get_item(call: Call, item_id: int) -> Reply:
    actor = call.actor
    return Reply(item_detail(visible_subject(item_id, actor), actor, today()))


def _changes(item: Item, body: dict[str, Any]) -> dict[str, Any]:
    allowed = EDITABLE.get(item.type, {})
    changes: dict[str, Any] = {}
    for key, value in body.items():
        if key == "version":
            continue
        name = "fields" if key == "fields_" else key
        if key not in allowed:
            raise bad_request(f"该类事项不能修改“{name}”", fields={name: ["不可修改"]})
        changes[allowed[key]] = value.strip() if isinstance(value, str) else value
    if not changes:
        raise bad_request("没有要修改的字段", fields={"_body": ["至少修改一个字段"]})
    if item.type == "notice" and "individuals" in changes:  # a commendation's 先进个人, named in its text
        changes.update(name_individuals(item.kind, changes.get("title", item.title), changes.get("body", item.body),
                                        changes["individuals"]))
    if item.type == "notice":
        _refuse_long_notice_text(changes)
    if item.type == "report":  # a report's text sections are stored as the screen stores them
        changes = {name: normalise(value) for name, value in changes.items()}
    if "subject_units" in changes:
        units = set(changes["subject_units"])
        known = set(db.session.scalars(select(Unit.slug).where(Unit.slug.in_(units), region_units(item.plan_id))))
        if units - known:
            raise bad_request("未知单位：" + "、".join(sorted(units - known)), fields={"subject_units": ["未知单位"]})
    return changes


@endpoint("PATCH", "/items/<int:item_id>", summary="修改草稿", tags=("items",), body=ItemPatchIn,
          response=ItemDetailOut, errors=(403, 409))
def patch_item(call: Call, item_id: int) -> Reply:
    """Edits a draft's fields at the version the caller saw: 409 when stale or no longer a draft."""
    actor = call.actor
    subject = visible_subject(item_id, actor)
    changes = _changes(subject.row, call.body)
    edit_draft(item_id, actor, version=call.body["version"], changes=changes)
    return Reply(item_detail(subject_for(subject.row), actor, today()))


@endpoint("POST", "/items/<int:item_id>/transitions", summary="执行流转操作", tags=("items",), body=TransitionIn,
          response=TransitionOut, errors=(403, 409, 422), idempotent=True)
def post_transition(call: Call, item_id: int) -> Reply:
    """Checks in order: 404 not_found, 409 invalid_transition, 403 not_permitted, 409 stale_version,
    422 guard_failed (details.reasons). Inputs other than comment go in data. A notice drafted from the
    data whose facts changed since is 409 facts_changed (``changes``, ``details.confirm_facts``) unless
    ``confirm_facts`` carries that hash: then it is issued as drafted."""
    body = call.body
    data = dict(body.get("data") or {})
    if body.get("confirm_facts"):  # a notice's issue confirming the facts changed since drafting
        data["confirm_facts"] = body["confirm_facts"]
    outcome = fire_transition(item_id, body["trigger"], call.actor, version=body["version"],
                              comment=body.get("comment"), data=data)
    return Reply({"state": outcome.to_state, "version": outcome.version})
