"""Messages in the writer's own transaction: in-app notifications at once, e-mail through the outbox.

:func:`send` writes a message's in-app notifications in the transaction that decided it (who must act
next is part of the decision), and, only when e-mail is configured (``MAIL_SERVER``), queues it in
the outbox for its e-mail, sent after commit or by ``flask outbox deliver`` on any host. A rolled-back
transition leaves neither, so nobody is told of something that did not happen.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.outbox.models import OutboxMessage
from workflows.base import Spec, state_title
from workflows.roles import Actor
from workflows.states import Step


def message_row(kind: str, *, item_id: int | None = None, unit_id: int | None = None, role: str | None = None,
                user_id: int | None = None, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """One outbox row's values (for a Core INSERT of several at once)."""
    return {"kind": kind, "item_id": item_id, "recipient_unit_id": unit_id, "recipient_role": role,
            "recipient_user_id": user_id, "payload_json": json.dumps(payload or {}, ensure_ascii=False),
            "created_at": utcnow(), "attempts": 0}


#: writes the in-app notifications of messages on a connection (``app.notifications`` installs it)
InAppWriter = Callable[[Connection, Sequence[dict[str, Any]]], None]
_in_app: list[InAppWriter] = []
_INSERT_MESSAGE = insert(OutboxMessage.__table__)


def install_in_app(writer: InAppWriter) -> None:
    """The one writer of in-app notifications (installed by ``app.wiring``; installing again replaces it)."""
    _in_app[:] = [writer]


def mail_configured() -> bool:
    return bool(has_app_context() and current_app.config.get("MAIL_SERVER"))


def send(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Tell the recipients of ``rows`` (:func:`message_row`) in the current transaction: their in-app
    notifications now (one statement), their e-mail queued in the outbox when e-mail is configured."""
    if not rows:
        return
    if not _in_app:
        raise RuntimeError("no in-app notification writer installed (app.wiring.install)")
    _in_app[0](connection, rows)
    if mail_configured():
        connection.execute(_INSERT_MESSAGE, list(rows))
        note_queued()


def queue(session: Session, kind: str, *, item_id: int | None = None, unit_id: int | None = None,
          role: str | None = None, user_id: int | None = None, payload: dict[str, Any] | None = None) -> None:
    """One message (a reminder, a notice issued, an extension decision), told in the session's transaction."""
    send(session.connection(), [message_row(kind, item_id=item_id, unit_id=unit_id, role=role, user_id=user_id,
                                            payload=payload)])


def transition_messages(item: Any, sp: Spec, actor: Actor, comment: str | None) -> list[dict[str, Any]]:
    """Tell whoever must act next, and the filer: returned, moved on to the next review, or decided."""
    payload = {"title": item.title, "trigger": sp.trigger, "trigger_title": sp.title, "to_state": item.state,
               "to_title": state_title(item.state), "actor": actor.username, "actor_id": actor.user_id,
               "comment": comment}
    step = item.state.partition(".")[2] or item.state
    rows = []
    if step == Step.county_review:
        rows.append(message_row("waiting", item_id=item.id, unit_id=item.county_id, role="county_reviewer",
                                payload=payload))
    elif step == Step.city_review:
        rows.append(message_row("waiting", item_id=item.id, role="city_reviewer", payload=payload))
    elif step in (Step.office_review, Step.inspection, Step.provincial_review, Step.review):
        rows.append(message_row("waiting", item_id=item.id, role="office_approver", payload=payload))
    waits_for_review = bool(rows)  # an intermediate approval: the filer hears of progress, not a decision
    kind = "returned" if sp.trigger == "send_back" else "progressed" if waits_for_review else "decided"
    filer_role = "county_filer" if item.unit.kind == "county" else "dept_filer"
    rows.append(message_row(kind, item_id=item.id, unit_id=item.unit_id, role=filer_role, payload=payload))
    return rows


def note_queued() -> None:
    """Remember that this request queued e-mail, so it sends it after its commit."""
    if has_request_context():
        g.outbox_queued = True


def queued_in_this_request() -> bool:
    return bool(has_request_context() and g.get("outbox_queued"))
