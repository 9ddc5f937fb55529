"""Tell a message's recipients: in-app notifications written in the transaction that decided it
(:func:`write_in_app`, installed as the outbox's writer), and e-mail, queued in the outbox only when
configured and sent after that transaction has committed (:func:`deliver_pending`)."""
from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

from flask import current_app
from sqlalchemy import DateTime, Integer, String, Text, and_, bindparam, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.auth.models import User
from app.clock import utcnow
from app.notifications.models import Notification
from app.outbox.models import OutboxMessage

log = logging.getLogger(__name__)

_NOTE_COLUMNS = ("user_id", "item_id", "kind", "message", "created_at")


def _in_app_insert() -> Any:
    """One INSERT … SELECT for any message: active users matching the message's user / unit / role where
    given (a NULL bind matches everyone), except whoever acted. Built once, so SQLAlchemy compiles it once
    and a transition's messages go through one executemany."""
    users = User.__table__
    user, unit, role, actor = (bindparam("r_user", type_=Integer), bindparam("r_unit", type_=Integer),
                               bindparam("r_role", type_=String(32)), bindparam("actor", type_=Integer))
    chosen = select(users.c.id, bindparam("item_id", type_=Integer), bindparam("kind", type_=String(32)),
                    bindparam("message", type_=Text), bindparam("created_at", type_=DateTime(timezone=True))
                    ).where(users.c.is_active.is_(True), or_(user.is_(None), users.c.id == user),
                            or_(unit.is_(None), users.c.unit_id == unit), or_(role.is_(None), users.c.role == role),
                            or_(actor.is_(None), users.c.id != actor))
    return insert(Notification.__table__).from_select(_NOTE_COLUMNS, chosen)


_IN_APP = _in_app_insert()


def write_in_app(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Every recipient's notification of the outbox rows ``rows`` (``app.outbox.operations.message_row``):
    active users of the row's unit / role / user, except whoever acted (a reminder tells everyone)."""
    now = utcnow()
    params = []
    for msg in rows:
        payload = json.loads(msg["payload_json"])
        params.append({"r_user": msg["recipient_user_id"], "r_unit": msg["recipient_unit_id"],
                       "r_role": msg["recipient_role"], "item_id": msg["item_id"], "kind": msg["kind"],
                       "message": _message_text(msg["kind"], payload), "created_at": now,
                       "actor": payload.get("actor_id") if msg["kind"] != "reminder" else None})
    if params:
        connection.execute(_IN_APP, params)


def deliver_pending(session: Session, limit: int = 500) -> int:
    """Send the queued e-mail (the in-app notifications were written with the message). Returns the
    number of messages claimed.

    Core statements: one UPDATE … RETURNING that claims the pending messages and marks them sent
    (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: rows another host's worker is sending are skipped, so
    several hosts may run ``outbox deliver`` at once and each message goes out once), one query for
    their recipients with an e-mail address.
    """
    outbox, users = OutboxMessage.__table__, User.__table__
    connection = session.connection()
    # claim the pending messages and mark them sent in one statement (rows another worker is
    # delivering are skipped); if anything below fails, the transaction rolls the claim back
    pending = (select(outbox.c.id).where(outbox.c.sent_at.is_(None)).order_by(outbox.c.id).limit(limit)
               .with_for_update(skip_locked=True).scalar_subquery())
    messages = sorted(connection.execute(
        update(outbox).where(outbox.c.id.in_(pending)).values(sent_at=utcnow(), attempts=outbox.c.attempts + 1)
        .returning(outbox.c.id, outbox.c.kind, outbox.c.item_id, outbox.c.recipient_unit_id,
                   outbox.c.recipient_role, outbox.c.recipient_user_id, outbox.c.payload_json)).all(),
        key=lambda m: m.id)
    if not messages:
        return 0
    mails: list[tuple[str, str]] = []
    # every recipient of every message in one query, matched to the messages here
    wanted = [and_(*_recipient_conditions(users, msg.recipient_user_id, msg.recipient_unit_id, msg.recipient_role))
              for msg in messages]
    people = connection.execute(select(users.c.id, users.c.email, users.c.unit_id, users.c.role)
                                .where(users.c.is_active.is_(True), users.c.email.is_not(None), users.c.email != "",
                                       or_(*wanted)).order_by(users.c.id)).all()
    for msg in messages:
        payload = json.loads(msg.payload_json)
        text = _message_text(msg.kind, payload)
        for person in people:
            if not _is_recipient(person, msg):
                continue
            if person.id == payload.get("actor_id") and msg.kind != "reminder":
                continue  # nobody is told of what they just did themselves
            mails.append((person.email, text))
    # ORM copies of these messages in this session would show them unsent: reload on next access
    for obj in list(session.identity_map.values()):
        if isinstance(obj, OutboxMessage):
            session.expire(obj)
    for to, text in mails:
        _send_mail(to, text)
    return len(messages)


def _recipient_conditions(users: Any, user_id: int | None, unit_id: int | None, role: str | None) -> list[Any]:
    conditions = [users.c.id.is_not(None)]
    if user_id is not None:
        conditions.append(users.c.id == user_id)
    if unit_id is not None:
        conditions.append(users.c.unit_id == unit_id)
    if role is not None:
        conditions.append(users.c.role == role)
    return conditions


def _is_recipient(person: Any, msg: Any) -> bool:
    return ((msg.recipient_user_id is None or person.id == msg.recipient_user_id)
            and (msg.recipient_unit_id is None or person.unit_id == msg.recipient_unit_id)
            and (msg.recipient_role is None or person.role == msg.recipient_role))


def _message_text(kind: str, payload: dict[str, Any]) -> str:
    title = payload.get("title", "")
    if kind == "waiting":
        return f"待办：{title}（{payload.get('to_title')}）"
    if kind == "returned":
        return f"被退回：{title}，理由：{payload.get('comment') or ''}"
    if kind == "reminder":
        return f"催办：{title}，{payload.get('level_title', '')}"
    return f"{payload.get('trigger_title', '')}：{title}（{payload.get('to_title', '')}）"


def _send_mail(to: str, text: str) -> None:
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        return
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = "PlanDesk 行动方案督办台：" + text[:40]
    msg.set_content(text)
    try:
        with smtplib.SMTP(server, current_app.config["MAIL_PORT"], timeout=10) as smtp:
            if current_app.config.get("MAIL_USERNAME"):
                smtp.starttls()
                smtp.login(current_app.config["MAIL_USERNAME"], current_app.config["MAIL_PASSWORD"])
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:  # mail is best effort; the notification is in-app already
        log.warning("mail to %s failed: %s", to, exc.__class__.__name__)
