"""Verify every item's chain and write anchors over all chain heads."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditAnchor, AuditEventRow
from app.clock import utcnow
from app.items.models import Item
from workflows.audit import anchor_hash, check_chain, versioned_count


@dataclass
class VerifyResult:
    ok: bool
    items: int
    events: int
    problem: str | None = None


def _heads_as_of(session: Session, last_event_id: int) -> list[tuple[int, int, str]]:
    last = (select(AuditEventRow.item_id, func.max(AuditEventRow.id).label("mid"))
            .where(AuditEventRow.id <= last_event_id).group_by(AuditEventRow.item_id).subquery())
    rows = session.execute(select(AuditEventRow.item_id, AuditEventRow.seq, AuditEventRow.hash)
                           .join(last, last.c.mid == AuditEventRow.id))
    return [(r[0], r[1], r[2]) for r in rows]


def write_anchor(session: Session) -> AuditAnchor | None:
    """Hash every chain head together with the previous anchor. None when nothing changed."""
    last_event_id = session.scalar(select(func.max(AuditEventRow.id)))
    if last_event_id is None:
        return None
    prev = session.scalar(select(AuditAnchor).order_by(AuditAnchor.id.desc()).limit(1))
    if prev is not None and prev.last_event_id == last_event_id:
        return None
    heads = _heads_as_of(session, last_event_id)
    anchor = AuditAnchor(at=utcnow(), last_event_id=last_event_id, item_count=len(heads),
                         prev_hash=prev.hash if prev else None,
                         hash=anchor_hash(heads, prev.hash if prev else None))
    session.add(anchor)
    return anchor


def _events_by_item(session: Session, batch: int = 5000) -> Iterator[tuple[int, list[dict]]]:
    """Every item's events in seq order, streamed in item-id batches."""
    last_item = 0
    while True:
        item_ids = session.scalars(select(Item.id).where(Item.id > last_item).order_by(Item.id).limit(batch)).all()
        if not item_ids:
            return
        rows = session.scalars(select(AuditEventRow).where(AuditEventRow.item_id.in_(item_ids))
                               .order_by(AuditEventRow.item_id, AuditEventRow.seq)).all()
        grouped: dict[int, list[dict]] = {i: [] for i in item_ids}
        for row in rows:
            grouped[row.item_id].append(row.as_fields())
        yield from grouped.items()
        last_item = item_ids[-1]


def verify(session: Session) -> VerifyResult:
    """Check chains, that each item's state and version match its last event, and the latest anchor."""
    states = dict(session.execute(select(Item.id, Item.state)).tuples().all())
    versions = dict(session.execute(select(Item.id, Item.version)).tuples().all())
    n_items = n_events = 0
    for item_id, events in _events_by_item(session):
        n_items += 1
        n_events += len(events)
        if not events:
            return VerifyResult(False, n_items, n_events, f"item {item_id}: no audit events")
        problem = check_chain(events)
        if problem:
            return VerifyResult(False, n_items, n_events, problem)
        last = events[-1]
        if last["to_state"] != states[item_id]:
            return VerifyResult(False, n_items, n_events,
                                f"event #{last['id']} of item {item_id}: item state {states[item_id]!r} "
                                f"is not the last event's to_state {last['to_state']!r}")
        expected_version = versioned_count(e["trigger"] for e in events)
        if expected_version != versions[item_id]:
            return VerifyResult(False, n_items, n_events,
                                f"event #{last['id']} of item {item_id}: item version {versions[item_id]} "
                                f"does not match its {expected_version} versioned events")
    orphan = session.scalar(select(AuditEventRow.id).where(AuditEventRow.item_id.not_in(select(Item.id))).limit(1))
    if orphan is not None:
        return VerifyResult(False, n_items, n_events, f"event #{orphan}: its item is missing")
    anchor = session.scalar(select(AuditAnchor).order_by(AuditAnchor.id.desc()).limit(1))
    if anchor is not None:
        heads = _heads_as_of(session, anchor.last_event_id)
        if anchor_hash(heads, anchor.prev_hash) != anchor.hash:
            return VerifyResult(False, n_items, n_events,
                                f"anchor #{anchor.id}: chain heads as of event #{anchor.last_event_id} do not "
                                f"match (an item's events were removed or rewritten)")
    return VerifyResult(True, n_items, n_events)
