"""Reminders (催办) sent from the overdue list. Flush, never commit."""
from __future__ import annotations

import json
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEventRow
from app.dashboards.permissions import can_remind
from app.extension_requests.operations import effective_due
from app.items.facts import subject_for
from app.items.models import Item
from app.items.operations import load_item_for_update, note_action
from app.outbox.operations import queue
from workflows.deadlines import OverdueLevel, overdue_level
from workflows.errors import GuardFailed, NotFound, NotPermitted
from workflows.permissions import can_see
from workflows.roles import Actor

MAX_COMMENT = 500


def reminded_on(session: Session, item_id: int, day: date) -> bool:
    """Whether the item was already reminded on ``day`` (the app's today, recorded in the event)."""
    rows = session.scalars(select(AuditEventRow.data_json).where(AuditEventRow.item_id == item_id,
                                                                 AuditEventRow.trigger == "remind"))
    return any(json.loads(text).get("on") == day.isoformat() for text in rows)


def send_reminder(session: Session, item_id: int, actor: Actor, today: date, comment: str | None = None) -> Item:
    """Remind the unit responsible for an overdue (or nearly due) item.

    Writes a ``remind`` event into the item's audit chain (state and version unchanged) and queues a
    message to the unit's users, delivered after commit. Refused when the item is not visible (404),
    the actor may not remind (403), it is not due within a week, or it was reminded today already.
    """
    item = load_item_for_update(item_id)  # before today's reminders are read: one reminder a day
    if item is None:
        raise NotFound()
    subject = subject_for(item)
    if not can_see(actor, subject):
        raise NotFound()
    if not can_remind(actor, subject.county):
        raise NotPermitted(_("您的角色无权催办该事项"))
    due = effective_due(item)  # a granted extension (延期) moves the deadline
    level = overdue_level(due, today)
    if level is OverdueLevel.none:
        raise GuardFailed([_("该事项未到期，无需催办")])
    if reminded_on(session, item.id, today):
        raise GuardFailed([_("该事项今天已催办过")])
    comment = (comment or "").strip()[:MAX_COMMENT] or None
    days_late = (today - due).days
    note_action(item, actor, "remind", comment=comment,
                data={"on": today.isoformat(), "level": level.value, "days_late": days_late,
                      "due_on": due.isoformat()})
    when = f"逾期{days_late}天" if days_late > 0 else f"{-days_late}天后到期" if days_late < 0 else "今天到期"
    queue(session, "reminder", item_id=item.id, unit_id=item.unit_id,
          payload={"title": item.title, "level": level.value,
                   "level_title": f"{level.label}（{when}）" + (f"。{comment}" if comment else ""),
                   "due_on": due.isoformat(), "by": actor.username, "comment": comment})
    session.flush()
    return item
