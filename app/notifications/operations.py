"""In-app notifications: the list, the unread count, reading them; e-mail sent right after a request's
commit; a message to every addressee unit when a notice is issued. Flush, never commit (except
:func:`deliver_after_request`, which runs after the request's own commit)."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text, update
from werkzeug.wrappers import Response

from app.clock import utcnow
from app.extensions import db
from app.items.store import effect
from app.notifications.models import Notification
from app.notifications.delivery import deliver_pending
from app.outbox.operations import queue, queued_in_this_request
from workflows.base import Spec
from workflows.roles import Actor
from app.items.facts import subject_for
from app.units.models import Unit

log = logging.getLogger(__name__)

#: what a notification is about, for its label and filter
KIND_TITLES = {
    "waiting": _l("待您办理"),
    "returned": _l("被退回"),
    "progressed": _l("审批进展"),  # moved on to the next reviewer: not yet decided
    "decided": _l("已办结/已决定"),
    "reminder": _l("催办"),
    "due_soon": _l("即将到期"),
    "notice": _l("通报待签收"),
}
PER_PAGE = 30


def display_kind(note: Notification) -> str:
    """A reminder sent by the deadline tick for an item not yet late is shown as "deadline approaching"."""
    if note.kind == "reminder" and "即将到期" in (note.message or "") and "逾期" not in (note.message or ""):
        return "due_soon"
    return note.kind if note.kind in KIND_TITLES else "decided"


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def notifications_of(user_id: int, *, unread_only: bool = False, page: int = 1) -> tuple[list[Notification], int]:
    q = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.session.scalars(q.order_by(Notification.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    return list(rows), total


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of ``user_id`` read; returns how many."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return db.session.execute(stmt.values(read_at=utcnow())).rowcount or 0


def mark_item_read(user_id: int, item_id: int) -> None:
    """Opening an item reads its notifications."""
    db.session.execute(update(Notification).where(Notification.user_id == user_id, Notification.item_id == item_id,
                                                  Notification.read_at.is_(None)).values(read_at=utcnow()))


@effect("notice", "issue")
def tell_addressees(item: Any, sp: Spec, actor: Actor, comment: str | None, data: Mapping[str, Any],
                    today: date) -> None:
    """Each addressee unit's users are told a notice was issued to them, to acknowledge (签收)."""
    slugs = sorted(subject_for(item).audience)
    for unit_id in db.session.scalars(select(Unit.id).where(Unit.slug.in_(slugs))):
        queue(db.session, "notice", item_id=item.id, unit_id=unit_id,
              payload={"title": item.title, "trigger": "issue", "trigger_title": "通报已印发，请签收",
                       "to_title": item.number or "", "actor": actor.username})


def deliver_after_request(response: Response) -> Response:
    """After a successful write that queued e-mail (only when e-mail is configured), send it at once.

    The in-app notifications were written in the action's own transaction; this only sends e-mail.
    Runs after the view committed its action; a failure here is logged and rolled back, and the
    messages stay queued for ``outbox deliver`` / ``deadlines tick``: the action itself is never undone.
    On PostgreSQL this second transaction commits without waiting for the WAL flush
    (``synchronous_commit off``): it only marks messages already committed as sent, so a crash can at
    worst lose that mark, and then the messages are still pending and sent again.
    """
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or response.status_code >= 400:
        return response
    if not queued_in_this_request():
        return response
    try:
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        deliver_pending(db.session)
        db.session.commit()
    except Exception:  # noqa: BLE001  (delivery is best effort after the action's own commit)
        db.session.rollback()
        log.exception("sending e-mail failed; it stays queued")
    return response


def init_app(app: Flask) -> None:
    app.after_request(deliver_after_request)
