"""What the item page shows of a notice: who has signed for it (签收), and the viewer's own receipt."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.notices.models import NoticeReceipt
from app.notices.operations import receipts
from app.units.models import Unit
from workflows.roles import CITY_WIDE_ROLES, Actor


def notice_panel(notice: Any, actor: Actor) -> dict[str, Any]:
    ctx: dict[str, Any] = {"receipts": [], "my_receipt": None}
    if actor.role in CITY_WIDE_ROLES:
        ctx["receipts"] = receipts(notice.id)
    if actor.unit:
        ctx["my_receipt"] = db.session.scalar(select(NoticeReceipt).join(Unit, Unit.id == NoticeReceipt.unit_id)
                                              .where(NoticeReceipt.notice_id == notice.id, Unit.slug == actor.unit))
    return ctx
