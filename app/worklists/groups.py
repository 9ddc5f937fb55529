"""待办 grouped as a clerk thinks: 待审批 / 被退回 / 待签收 / 延期申请 / 催办.

The item groups (待审批, 被退回, 催办) are one SQL ``CASE`` over the item's audit trail, so the list
stays one query, pages across groups in their order and each item sits in exactly one group: 被退回
when its latest decision was a 退回, else 催办 when it was reminded since that decision, else 待审批.
待签收 (notices to acknowledge) and 延期申请 (extension requests to decide) are not item states: they
come from their own tables and are counted beside the items.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, select
from sqlalchemy.orm import aliased

from app.audit.models import AuditEventRow
from app.extension_requests.operations import pending_requests
from app.extensions import db
from app.plans.scope import unit_plan_ids
from app.items.models import Item
from app.notices.models import Notice, NoticeReceipt
from app.worklists.queries import ITEM_GROUPS, NOT_DECISIONS, Filters, Page, base_query, todo_count, worklist
from workflows.notice import NoticeState
from workflows.roles import Actor

#: every group of the 待办 page, in the order it shows them
GROUPS = ("approve", "returned", "acknowledge", "extension", "reminded")


def group_case() -> ColumnElement[int]:
    """0 待审批, 1 被退回, 2 催办 for the item of the enclosing query."""
    decisions = aliased(AuditEventRow)
    last_seq = (select(func.max(decisions.seq))
                .where(decisions.item_id == Item.id, decisions.trigger.not_in(_not_decisions()))
                .correlate(Item).scalar_subquery())
    last = aliased(AuditEventRow)
    returned = exists().where(last.item_id == Item.id, last.seq == last_seq, last.trigger == "send_back")
    reminder = aliased(AuditEventRow)
    reminded = exists().where(reminder.item_id == Item.id, reminder.trigger == "remind",
                              reminder.seq > func.coalesce(last_seq, 0))
    return case((returned, 1), (reminded, 2), else_=0)


def _not_decisions() -> list[str]:
    return sorted(NOT_DECISIONS)


def urgency_order(due: Any, today: date) -> list[ColumnElement[Any]]:
    """Inside a group: overdue first, then the nearest deadline, then the newest."""
    return [case((and_(due.is_not(None), due < today), 0), else_=1), due.asc().nulls_last(),
            Item.updated_at.desc(), Item.id.desc()]


def grouped_todo(actors: Sequence[Actor], user_id: int, unit_slug: str | None, f: Filters, today: date) -> Page:
    """One page of 待办: the item groups in order, the most urgent first inside each; each row knows its group."""
    def shape(q: Any, due: Any) -> tuple[Any, list[Any]]:
        grp = group_case()
        if f.group:
            q = q.where(grp == ITEM_GROUPS.index(f.group))
        return q, [grp, *(urgency_order(due, today) if f.sort == "due" else [])]

    page = worklist("todo", actors, user_id, unit_slug, f, today, shape)
    groups = group_of_items([row.item.id for row in page.rows])
    for row in page.rows:
        row.group = groups.get(row.item.id)
    return page


def group_counts(actors: Sequence[Actor], user_id: int, unit_id: int | None) -> dict[str, int]:
    """Every group's count, filters aside (the figures of the group bar and of the header)."""
    q, _acted = base_query("todo", actors, user_id, None)
    counts = item_group_counts(q)
    counts["acknowledge"] = acknowledge_count(unit_id)
    counts["extension"] = len(extension_requests_for(actors))
    return {key: counts[key] for key in GROUPS}


def group_of_items(item_ids: Sequence[int]) -> dict[int, str]:
    """The group of each item (for the rows of one page)."""
    if not item_ids:
        return {}
    rows = db.session.execute(select(Item.id, group_case()).where(Item.id.in_(list(item_ids)))).tuples()
    return {item_id: ITEM_GROUPS[int(g)] for item_id, g in rows}


def item_group_counts(todo_query: Any) -> dict[str, int]:
    """How many items of the (unfiltered) 待办 query fall in each item group, in one GROUP BY."""
    sub = todo_query.with_only_columns(Item.id, group_case().label("grp")).order_by(None).subquery()
    counts = dict(db.session.execute(select(sub.c.grp, func.count()).group_by(sub.c.grp)).tuples().all())
    return {key: int(counts.get(i, 0)) for i, key in enumerate(ITEM_GROUPS)}


def notices_to_acknowledge(unit_id: int | None) -> list[Notice]:
    """Issued notices addressed to the unit that it has not yet acknowledged (签收), newest first."""
    if unit_id is None:
        return []
    return list(db.session.scalars(select(Notice).join(NoticeReceipt, NoticeReceipt.notice_id == Notice.id)
                                   .where(NoticeReceipt.unit_id == unit_id, NoticeReceipt.acknowledged_at.is_(None),
                                          Notice.state == NoticeState.issued.value,
                                          Notice.plan_id.in_(unit_plan_ids(unit_id)))
                                   .order_by(Notice.id.desc())))


def acknowledge_count(unit_id: int | None) -> int:
    if unit_id is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(NoticeReceipt)
                             .join(Notice, Notice.id == NoticeReceipt.notice_id)
                             .where(NoticeReceipt.unit_id == unit_id, NoticeReceipt.acknowledged_at.is_(None),
                                    Notice.state == NoticeState.issued.value,
                                    Notice.plan_id.in_(unit_plan_ids(unit_id)))) or 0


def extension_requests_for(actors: Sequence[Actor]) -> list:
    """Extension requests waiting for any of the actors, newest first (one row per request)."""
    rows = {r.id: r for a in actors for r in pending_requests(a)}
    return sorted(rows.values(), key=lambda r: (r.requested_at, r.id), reverse=True)


def todo_total(user: Any, actors: Sequence[Actor]) -> int:
    """The header's 待办 figure: the items waiting plus notices to sign for plus requests to decide."""
    return todo_count(actors) + acknowledge_count(getattr(user, "unit_id", None)) + len(extension_requests_for(actors))
