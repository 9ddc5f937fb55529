"""``deadlines tick``: note changes of overdue level and queue reminders (催办), idempotently.

It never writes to items: a version bump would make every open form stale.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.deadlines.models import DeadlineMark
from app.extension_requests.operations import effective_due_of, granted_extensions, granted_join_condition
from app.items.models import Item
from app.outbox.operations import queue
from workflows.deadlines import SERIOUS_AFTER_DAYS, OverdueLevel, overdue_level


#: the PostgreSQL advisory lock that makes ticks run one at a time across hosts
TICK_LOCK = 0x706C_6E64_7469_636B & 0x7FFF_FFFF_FFFF_FFFF  # "plndtick"


def tick(session: Session, today: date) -> int:
    """Record each item's current level once per (state, due date, level); returns new marks.

    The due date is the effective one: a granted extension (延期) moves it, so the item is noted and
    reminded against the extended deadline (and a mark for the new date is a new mark).
    """
    if session.get_bind().dialect.name == "postgresql":
        # cron on several hosts may start two ticks at once: the second waits for the first to commit,
        # then reads its marks and adds none (without this it would add the same marks and fail on
        # the unique constraint). SQLite has one writer at a time already
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TICK_LOCK})
    horizon = today + timedelta(days=7)
    granted = granted_extensions()
    due = effective_due_of(granted)  # a granted extension moves the deadline the levels count from
    rows = session.execute(select(Item.id, Item.state, due, Item.unit_id, Item.title)
                           .outerjoin(granted, granted_join_condition(granted))
                           .where(Item.due_on.is_not(None), Item.due_on <= horizon, due <= horizon)).all()
    existing = set(session.execute(select(DeadlineMark.item_id, DeadlineMark.state, DeadlineMark.due_on,
                                          DeadlineMark.level)).tuples())
    added = 0
    for item_id, state, due_on, unit_id, title in rows:
        level = overdue_level(due_on, today)
        if level is OverdueLevel.none or (item_id, state, due_on, level.value) in existing:
            continue
        session.add(DeadlineMark(item_id=item_id, state=state, due_on=due_on, level=level.value,
                                 noted_on=today, at=utcnow()))
        queue(session, "reminder", item_id=item_id, unit_id=unit_id,
              payload={"title": title, "level": level.value, "level_title": level.label,
                       "due_on": due_on.isoformat(), "serious_after_days": SERIOUS_AFTER_DAYS})
        added += 1
    return added
