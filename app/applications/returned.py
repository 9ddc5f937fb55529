"""The 退回 a draft application is sitting on, for the top of its edit form: who, when, opinion."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.audit.models import AuditEventRow
from app.auth.models import User
from app.extensions import db
from app.items.models import Item
from app.units.models import Unit
from workflows.audit import UNVERSIONED_TRIGGERS


@dataclass(frozen=True)
class ReturnReason:
    actor_name: str
    unit_name: str
    role: str
    at: datetime
    opinion: str


def return_reason(item: Item) -> ReturnReason | None:
    """The latest decision on ``item`` when it was a 退回 to the state the item is still in, else None."""
    last = db.session.scalar(
        select(AuditEventRow).where(AuditEventRow.item_id == item.id,
                                    AuditEventRow.trigger.not_in(UNVERSIONED_TRIGGERS | {"create", "edit"}))
        .order_by(AuditEventRow.seq.desc()).limit(1))
    if last is None or last.trigger != "send_back" or last.to_state != item.state:
        return None
    name = db.session.scalar(select(User.display_name).where(User.username == last.actor)) or last.actor
    unit = db.session.scalar(select(Unit.name).where(Unit.slug == last.unit)) if last.unit else None
    return ReturnReason(name, unit or "", last.role, last.at, last.comment or "")
