"""Queue messages in the transition's transaction (delivered after commit by ``app.notifications.delivery``).

A rolled-back transition leaves no message, so nobody is told of something that did not happen.
"""
from __future__ import annotations

import json
from typing import Any

from flask import g, has_request_context
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


def queue(session: Session, kind: str, *, item_id: int | None = None, unit_id: int | None = None,
          role: str | None = None, user_id: int | None = None, payload: dict[str, Any] | None = None) -> None:
    note_queued()
    session.add(OutboxMessage(**message_row(kind, item_id=item_id, unit_id=unit_id, role=role, user_id=user_id,
                                            payload=payload)))


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
    """Remember that this request queued messages, so it delivers them after its commit."""
    if has_request_context():
        g.outbox_queued = True


def queued_in_this_request() -> bool:
    return bool(has_request_context() and g.get("outbox_queued"))
