"""Queue messages in the transition's transaction; deliver them after commit.

A rolled-back transition leaves no message, so nobody is told of something that did not happen.
"""
from __future__ import annotations

import json
import logging
import smtplib
from email.message import EmailMessage
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.outbox.models import Notification, OutboxMessage
from workflows.base import Spec, state_title
from workflows.roles import Actor

log = logging.getLogger(__name__)


def message_row(kind: str, *, item_id: int | None = None, unit_id: int | None = None, role: str | None = None,
                user_id: int | None = None, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """One outbox row's values (for a Core INSERT of several at once)."""
    return {"kind": kind, "item_id": item_id, "recipient_unit_id": unit_id, "recipient_role": role,
            "recipient_user_id": user_id, "payload_json": json.dumps(payload or {}, ensure_ascii=False),
            "created_at": utcnow(), "attempts": 0}


def queue(session: Session, kind: str, *, item_id: int | None = None, unit_id: int | None = None,
          role: str | None = None, user_id: int | None = None, payload: dict[str, Any] | None = None) -> None:
    session.add(OutboxMessage(**message_row(kind, item_id=item_id, unit_id=unit_id, role=role, user_id=user_id,
                                            payload=payload)))


def transition_messages(item: Any, sp: Spec, actor: Actor, comment: str | None) -> list[dict[str, Any]]:
    """Tell whoever must act next, and the filer when their item was returned or decided."""
    payload = {"title": item.title, "trigger": sp.trigger, "trigger_title": sp.title, "to_state": item.state,
               "to_title": state_title(item.state), "actor": actor.username, "actor_id": actor.user_id,
               "comment": comment}
    step = item.state.partition(".")[2] or item.state
    rows = []
    if step == "county_review":
        rows.append(message_row("waiting", item_id=item.id, unit_id=item.county_id, role="county_reviewer",
                                payload=payload))
    elif step == "city_review":
        rows.append(message_row("waiting", item_id=item.id, role="city_reviewer", payload=payload))
    elif step in ("inspection", "provincial_review", "review"):
        rows.append(message_row("waiting", item_id=item.id, role="office_approver", payload=payload))
    kind = "returned" if sp.trigger == "send_back" else "decided"
    filer_role = "county_filer" if item.unit.kind == "county" else "dept_filer"
    rows.append(message_row(kind, item_id=item.id, unit_id=item.unit_id, role=filer_role, payload=payload))
    return rows


def deliver_pending(session: Session, limit: int = 500) -> int:
    """Turn queued messages into in-app notifications (and e-mail when configured). Returns the count."""
    from app.auth.models import User

    messages = session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                               .order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)).all()
    for msg in messages:
        payload = json.loads(msg.payload_json)
        q = select(User).where(User.is_active_user.is_(True))
        if msg.recipient_user_id is not None:
            q = q.where(User.id == msg.recipient_user_id)
        if msg.recipient_unit_id is not None:
            q = q.where(User.unit_id == msg.recipient_unit_id)
        if msg.recipient_role is not None:
            q = q.where(User.role == msg.recipient_role)
        text = _message_text(msg.kind, payload)
        for user in session.scalars(q):
            if user.id == payload.get("actor_id") and msg.kind != "reminder":
                continue  # nobody is told of what they just did themselves
            session.add(Notification(user_id=user.id, item_id=msg.item_id, kind=msg.kind, message=text,
                                     created_at=utcnow()))
            if user.email:
                _send_mail(user.email, text)
        msg.sent_at = utcnow()
        msg.attempts += 1
    return len(messages)


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
    except (OSError, smtplib.SMTPException) as exc:  # mail is best effort; the notification stays in-app
        log.warning("mail to %s failed: %s", to, exc.__class__.__name__)
