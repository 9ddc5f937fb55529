"""Items, attachments and audit events as the JSON the API answers (CONTRACT.md field names)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from app.api.reply import iso_date, iso_datetime
from app.attachments.api import attachment_dict
from app.attachments.operations import live_attachments
from app.audit.models import AuditEventRow
from app.clock import event_date
from app.extensions import db
from app.extension_requests.operations import effective_due
from app.items.deadlines import filed_late
from app.items.models import Item
from app.reports.texts import report_detail_extras
from workflows.base import state_title
from workflows.deadlines import overdue_level
from workflows.engine import available_actions, input_requirements
from workflows.permissions import Subject
from workflows.roles import Actor

#: item type → extra detail fields (a feature adds its own, e.g. a notice's number)
DETAIL_EXTRAS: dict[str, Callable[[Item], dict[str, Any]]] = {
    "application": lambda item: {"category": item.category, "site_name": item.site_name,
                                 "fields": dict(item.fields or {})},
    "report": report_detail_extras,
}


def item_summary(item: Item, today: date, due: date | None = None) -> dict[str, Any]:
    """The list row; ``due_at`` and ``overdue`` use the deadline in force (``due``: the item's due date
    moved by a granted extension, as the screens show it; read here when not given)."""
    if due is None:
        due = effective_due(item)
    return {"id": item.id, "type": item.type, "title": item.title,
            "county": item.county.slug if item.county is not None else None, "state": item.state,
            "version": item.version, "due_at": iso_date(due), "overdue": overdue_level(due, today).value}


def event_dict(ev: AuditEventRow) -> dict[str, Any]:
    """``at`` is the real instant (UTC); ``business_date`` the date PlanDesk ran with when it happened."""
    return {"at": iso_datetime(ev.at), "actor": ev.actor, "on_behalf_of": ev.on_behalf_of, "role": ev.role,
            "trigger": ev.trigger, "from_state": ev.from_state, "to_state": ev.to_state, "comment": ev.comment,
            "business_date": iso_date(event_date(ev))}


def item_detail(subject: Subject, actor: Actor, today: date) -> dict[str, Any]:
    item: Item = subject.row
    history = db.session.scalars(select(AuditEventRow).where(AuditEventRow.item_id == item.id)
                                 .order_by(AuditEventRow.seq))
    detail = {
        **item_summary(item, today),
        "state_title": state_title(item.state),
        "unit": item.unit.slug,
        "phase_deadline": iso_date(item.phase_due_on),
        "filed_late": filed_late(item),
        "attachments": [attachment_dict(a) for a in live_attachments(item.id)],
        "actions": [{"trigger": a.trigger, "title": a.title, "requires": list(input_requirements(a))}
                    for a in available_actions(subject, actor)],
        "history": [event_dict(ev) for ev in history],
    }
    extra = DETAIL_EXTRAS.get(item.type)
    if extra is not None:
        detail.update(extra(item))
    return detail
