"""The overdue list (逾期事项) and who was last reminded, by item and by unit."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from app.audit.models import AuditEventRow
from app.extension_requests.operations import effective_due_of, granted_extensions, granted_join_condition
from app.items.models import Item
from app.items.queries import visible_items
from app.units.models import Unit
from workflows.base import state_title
from workflows.deadlines import SERIOUS_AFTER_DAYS, OverdueLevel
from workflows.roles import Actor
from app.dashboards.figures import DUE_SOON_DAYS
from app.dashboards.matrix import level_case


# -- the overdue list ---------------------------------------------------------------------------

@dataclass(frozen=True)
class OverdueRow:
    id: int
    type: str
    title: str
    state: str
    unit: str
    unit_name: str
    county: str | None
    county_name: str | None
    due_on: date
    days_late: int
    level: OverdueLevel
    #: the business date of the item's latest reminder (催办)
    last_reminded_at: date | None = None

    @property
    def state_title(self) -> str:
        return state_title(self.state)


def overdue_items(session: Session, plan_id: int, today: date, *, actor: Actor | None = None,
                  county: str | None = None, level: str | None = None, item_type: str | None = None,
                  unit: str | None = None,
                  include_due_soon: bool = False, limit: int | None = 100,
                  offset: int = 0) -> tuple[list[OverdueRow], int]:
    """Items past their due date (most overdue first), as the actor may see them, and their total.

    ``unit``: only the items of that responsible unit (a county or a department);
    ``level``: only ``overdue`` or ``seriously_overdue`` ones; ``include_due_soon`` adds the items due
    within a week (days_late ≤ 0). Each row carries when it was last reminded (催办).
    """
    unit_t, county_t = aliased(Unit), aliased(Unit)
    granted = granted_extensions()
    due = effective_due_of(granted)  # a granted extension (延期) moves the deadline
    lvl = level_case(due, today)
    base = visible_items(actor, plan_id) if actor is not None else select(Item)
    cutoff = today + timedelta(days=DUE_SOON_DAYS) if include_due_soon else today - timedelta(days=1)
    # the original due date is never later than the effective one: it narrows the scan by its index
    base = (base.outerjoin(granted, granted_join_condition(granted))
            .where(Item.plan_id == plan_id, Item.due_on.is_not(None), Item.due_on <= cutoff, due <= cutoff))
    if county is not None:
        base = base.where(Item.county_id == select(Unit.id).where(Unit.slug == county).scalar_subquery())
    if unit is not None:
        base = base.where(Item.unit_id == select(Unit.id).where(Unit.slug == unit).scalar_subquery())
    if level is not None:
        base = base.where(lvl == level)
    if item_type is not None:
        base = base.where(Item.type == item_type)
    total = session.scalar(base.with_only_columns(func.count(Item.id)).order_by(None)) or 0
    q = (base.with_only_columns(Item.id, Item.type, Item.title, Item.state, unit_t.slug, unit_t.name, county_t.slug,
                                county_t.name, due, lvl)
         .join(unit_t, unit_t.id == Item.unit_id).outerjoin(county_t, county_t.id == Item.county_id)
         .order_by(due, Item.id).offset(offset))
    if limit is not None:
        q = q.limit(limit)
    rows = session.execute(q).all()
    reminded = last_reminders(session, [r[0] for r in rows])
    return [OverdueRow(id=r[0], type=r[1], title=r[2], state=r[3], unit=r[4], unit_name=r[5], county=r[6],
                       county_name=r[7], due_on=r[8], days_late=(today - r[8]).days, level=OverdueLevel(r[9]),
                       last_reminded_at=reminded.get(r[0])) for r in rows], total


def last_reminders(session: Session, item_ids: Sequence[int]) -> dict[int, date]:
    """The business date each item was last reminded on (its latest ``remind`` audit event)."""
    if not item_ids:
        return {}
    q = (select(AuditEventRow.item_id, func.max(AuditEventRow.business_date))
         .where(AuditEventRow.item_id.in_(list(item_ids)), AuditEventRow.trigger == "remind")
         .group_by(AuditEventRow.item_id))
    return dict(session.execute(q).tuples().all())


@dataclass(frozen=True)
class OverdueUnit:
    """One unit's overdue items in a line, for the board's summary and the criticism draft."""

    unit: str
    unit_name: str
    kind: str
    overdue: int
    seriously_overdue: int
    max_days_late: int


def overdue_by_unit(session: Session, plan_id: int, today: date) -> list[OverdueUnit]:
    """Units with overdue items, worst first, from one GROUP BY (the criticism draft starts here)."""
    granted = granted_extensions()
    due = effective_due_of(granted)  # a granted extension (延期) moves the deadline
    serious = case((due < today - timedelta(days=SERIOUS_AFTER_DAYS), 1), else_=0)
    q = (select(Unit.slug, Unit.name, Unit.kind, func.count(Item.id), func.sum(serious), func.min(due))
         .select_from(Item)
         .join(Unit, Unit.id == Item.unit_id)
         .outerjoin(granted, granted_join_condition(granted))
         .where(Item.plan_id == plan_id, Item.due_on.is_not(None), Item.due_on < today, due < today)
         .group_by(Unit.slug, Unit.name, Unit.kind, Unit.sort_order)
         .order_by(func.count(Item.id).desc(), Unit.sort_order))
    return [OverdueUnit(slug, name, kind, int(n), int(s or 0), (today - oldest).days)
            for slug, name, kind, n, s, oldest in session.execute(q)]
