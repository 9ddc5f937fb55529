"""Operations on workflow items: fire a transition, create items. Flush, never commit."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.clock import today
from app.extensions import db
from app.items.facts import subject_for
from app.items.models import Item
from app.items.rowimage import SUBTYPES, load_image_for_update, write_image
from app.items.store import SqlStore, needs_orm, refresh_due_date
from workflows import engine
from workflows.engine import Outcome
from workflows.errors import NotFound, StaleVersion
from workflows.registry import get_workflow
from workflows.roles import Actor


def load_item_for_update(item_id: int) -> Item | None:
    """The item, row-locked until the transaction ends (PostgreSQL; SQLite holds its write lock).

    Every write to an item's audit chain takes this lock first, before it reads anything its decision
    depends on (a receipt, today's reminders, a pending request), and before it locks or writes any
    other row: one lock order, so concurrent appends queue instead of colliding on the chain position
    or deadlocking. The row is re-read under the lock (``populate_existing``): a copy loaded earlier in
    the request may predate a concurrent commit."""
    return db.session.scalar(select(Item).where(Item.id == item_id).with_for_update(of=Item)
                             .execution_options(populate_existing=True))


@contextmanager
def _all_or_nothing() -> Iterator[None]:
    """Flush at the end; on any failure roll the session back, so nothing is half-applied.

    A concurrent transaction that moved the item first shows up here as a failed versioned UPDATE
    or a duplicate (item, seq) audit row: both are reported as a stale version.
    """
    try:
        yield
        db.session.flush()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise StaleVersion() from exc
    except Exception:
        db.session.rollback()
        raise


def _locked(item_id: int) -> Item:
    item = load_item_for_update(item_id)
    if item is None:
        raise NotFound()
    return item


def fire_transition(item_id: int, trigger: str, actor: Actor, *, version: int | None,
                    comment: str | None = None, data: Mapping[str, Any] | None = None) -> Outcome:
    """Fire ``trigger`` on item ``item_id`` for ``actor`` through the engine; the caller commits once.

    The item is read row-locked with one Core statement (``app.items.rowimage``); applications and
    task assignments move on that image and only their changed columns are written back, with the
    version check in the UPDATE. A transition with an effect that needs the ORM object (a notice's
    issue, a report's figures) loads it and flushes it instead. Either way the audit event and the
    in-app notifications (and, with e-mail configured, the outbox's e-mail) are inserted last, and any
    failure rolls the whole transaction back.
    """
    with _all_or_nothing():
        session = db.session
        connection = session.connection()
        image = load_image_for_update(connection, item_id, viewer=actor.unit)
        if image is None:
            raise NotFound()
        orm = image.type not in SUBTYPES or needs_orm(image.type, trigger)
        row = _locked(item_id) if orm else image
        store = SqlStore(session, deferred=True, connection=connection)
        store.preload_head(item_id, image.chain_head)
        # no autoflush inside the engine: the versioned UPDATE is written once, at the end
        with session.no_autoflush:
            outcome = engine.fire(subject_for(row), trigger, actor, version=version, store=store,
                                  comment=comment, data=data, today=today())
        if not orm:
            write_image(session, image, outcome.version - 1, connection)
        store.write()
    return outcome


def create_item(item: Item, actor: Actor, data: Mapping[str, Any] | None = None) -> Item:
    """Start a new item in its workflow's initial state and write the first event of its chain."""
    wf = get_workflow(item.type)
    engine.start(item, wf)
    item.state_entered_on = item.filed_on = today()
    db.session.add(item)
    db.session.flush()
    refresh_due_date(db.session, item)
    engine.record_creation(subject_for(item), actor, store=SqlStore(db.session), data=data,
                           today=item.filed_on)
    return item


def recompute_deadlines(plan_id: int) -> int:
    """Recompute every item's two deadlines from its state and the plan's dates as they are now.

    Run when a plan is (re)loaded: the deadlines are derived from the plan's dates and the working-day
    rules, so a changed plan date, or rows written before the rules changed, are brought in line.
    Returns how many items changed; a second run changes none."""
    changed = 0
    for item in db.session.scalars(select(Item).where(Item.plan_id == plan_id).order_by(Item.id)):
        before = (item.due_on, item.phase_due_on)
        refresh_due_date(db.session, item)
        changed += (item.due_on, item.phase_due_on) != before
    db.session.flush()
    return changed


def edit_draft(item_id: int, actor: Actor, *, version: int | None, changes: Mapping[str, Any]) -> Item:
    """Apply ``changes`` (attribute → value, already validated) to a draft, recorded as an ``edit`` event.

    Refused like a transition (not found, not a draft, not permitted, stale); rolled back on failure.
    """
    with _all_or_nothing():
        item = _locked(item_id)
        subject = subject_for(item)
        with db.session.no_autoflush:
            engine.edit(subject, actor, version=version, changes=changes, store=SqlStore(db.session),
                        today=today())
        for attr, value in changes.items():
            setattr(item, attr, value)
    return item


def note_action(item: Item, actor: Actor, trigger: str, data: Mapping[str, Any] | None = None,
                comment: str | None = None) -> None:
    """Record an unversioned action (attach, detach, acknowledge, remind, extensions) in the item's chain.

    Callers lock the item first (:func:`load_item_for_update`) before deciding anything; the lock is
    taken here again (a no-op when held) so that no append reads the chain head unlocked."""
    if load_item_for_update(item.id) is None:
        raise NotFound()
    engine.note(subject_for(item), actor, trigger, store=SqlStore(db.session), data=data, comment=comment,
                today=today())
