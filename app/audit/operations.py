"""Verify every item's chain and write anchors over all chain heads.

Each anchor is signed (HMAC-SHA256) with the audit key, which the database does not hold:
``PLANDESK_AUDIT_KEY`` when set, else a key derived from ``SECRET_KEY``. :func:`verify` checks every
anchor, not only the latest: a later anchor written over a rewritten trail would otherwise vouch for it.

The anchor log (``audit-anchors.log`` under the storage directory) is the copy outside the database,
so that removing or rewriting anchors in the database shows too. Every host keeps its own: after
each :func:`record_anchor` (``audit anchor``, ``deadlines tick``), :func:`sync_anchor_log` appends,
under an exclusive lock on the file, every signed anchor of the database the log does not hold yet,
whichever host wrote it, after checking its signature (a forged anchor is never copied). So with
several hosts, each host's log is the same sequence of anchors, complete up to that host's last
tick, and ``audit verify`` on any host catches an anchor removed or rewritten after that host copied
it. Anchors are serialised across hosts (a table lock that conflicts with itself), so two ticks at
the same moment write one anchor, never two forks of the anchor chain.
"""
from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.audit.models import AuditAnchor, AuditEventRow

#: the items whose chains are verified, by table name: the audit trail sits below the features (the
#: items store appends to it), so it reads the ``items`` table its events point to (``item_id``)
def _items() -> Any:
    return AuditEventRow.__table__.metadata.tables["items"]
from app.clock import utcnow
from workflows.audit import anchor_hash, anchor_signature, check_chain, utc_text, versioned_count

ANCHOR_LOG = "audit-anchors.log"


@dataclass
class VerifyResult:
    ok: bool
    items: int
    events: int
    problem: str | None = None
    anchors: int = 0
    logged: int | None = None


def audit_key() -> bytes:
    """The key that signs anchors: ``PLANDESK_AUDIT_KEY``, or one derived from ``SECRET_KEY``."""
    dedicated = current_app.config.get("PLANDESK_AUDIT_KEY")
    if dedicated:
        return dedicated.encode("utf-8")
    secret = current_app.config["SECRET_KEY"]
    if not secret:
        raise RuntimeError("signing audit anchors needs SECRET_KEY or PLANDESK_AUDIT_KEY")
    return hmac.new(secret.encode("utf-8"), b"plandesk audit anchors", hashlib.sha256).digest()


def anchor_log_path() -> Path:
    return Path(current_app.config["PLANDESK_STORAGE_DIR"]) / ANCHOR_LOG


def _sign(key: bytes, anchor: AuditAnchor) -> str:
    return anchor_signature(key, at=anchor.at, last_event_id=anchor.last_event_id, item_count=anchor.item_count,
                            prev_hash=anchor.prev_hash, hash=anchor.hash)


def _heads_as_of(session: Session, last_event_id: int) -> list[tuple[int, int, str]]:
    last = (select(AuditEventRow.item_id, func.max(AuditEventRow.id).label("mid"))
            .where(AuditEventRow.id <= last_event_id).group_by(AuditEventRow.item_id).subquery())
    rows = session.execute(select(AuditEventRow.item_id, AuditEventRow.seq, AuditEventRow.hash)
                           .join(last, last.c.mid == AuditEventRow.id))
    return [(r[0], r[1], r[2]) for r in rows]


def write_anchor(session: Session) -> AuditAnchor | None:
    """Hash every chain head together with the previous anchor. None when nothing changed."""
    if session.get_bind().dialect.name == "postgresql":
        # wait for transactions still inserting events (one may hold a lower id than a committed
        # one) and hold new ones back until this anchor commits; SHARE ROW EXCLUSIVE also conflicts
        # with itself, so an anchor written at the same moment (another host's tick) waits for this
        # one and then finds nothing new. SQLite has one writer at a time
        session.execute(text("LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE"))
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
    anchor.signature = _sign(audit_key(), anchor)
    session.add(anchor)
    return anchor


def _log_line(anchor: AuditAnchor) -> str:
    return json.dumps({"id": anchor.id, "at": utc_text(anchor.at), "last_event_id": anchor.last_event_id,
                       "item_count": anchor.item_count, "hash": anchor.hash, "signature": anchor.signature},
                      sort_keys=True)


def record_anchor(session: Session) -> AuditAnchor | None:
    """Write an anchor, commit it, then bring this host's anchor log outside the database up to date."""
    anchor = write_anchor(session)
    session.commit()
    sync_anchor_log(session)
    return anchor


def _last_logged_id(lines: Iterator[str]) -> int:
    last = 0
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # reported by verify, not repaired here
        if isinstance(entry, dict) and isinstance(entry.get("id"), int):
            last = max(last, entry["id"])
    return last


def sync_anchor_log(session: Session) -> int:
    """Append every signed anchor newer than the log's last entry (this host's or another's), in id
    order, stopping at one whose signature does not verify; returns how many were appended."""
    path = anchor_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = audit_key()
    written = 0
    with path.open("a+", encoding="utf-8") as log:
        fcntl.flock(log.fileno(), fcntl.LOCK_EX)  # two processes of one host never append the same anchor
        log.seek(0)
        last = _last_logged_id(iter(log))
        newer = session.scalars(select(AuditAnchor).where(AuditAnchor.id > last, AuditAnchor.signature.is_not(None))
                                .order_by(AuditAnchor.id)).all()
        for anchor in newer:
            if not hmac.compare_digest(anchor.signature or "", _sign(key, anchor)):
                break  # never vouch for an anchor the audit key did not sign; verify names it
            log.write(_log_line(anchor) + "\n")
            written += 1
        log.flush()
        os.fsync(log.fileno())
    return written


def _events_by_item(session: Session, batch: int = 5000) -> Iterator[tuple[int, list[dict]]]:
    """Every item's events in seq order, streamed in item-id batches."""
    last_item = 0
    while True:
        item_ids = session.scalars(select(_items().c.id).where(_items().c.id > last_item).order_by(_items().c.id).limit(batch)).all()
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
    states = dict(session.execute(select(_items().c.id, _items().c.state)).tuples().all())
    versions = dict(session.execute(select(_items().c.id, _items().c.version)).tuples().all())
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
    orphan = session.scalar(select(AuditEventRow.id).where(AuditEventRow.item_id.not_in(select(_items().c.id))).limit(1))
    if orphan is not None:
        return VerifyResult(False, n_items, n_events, f"event #{orphan}: its item is missing")
    anchors = session.scalars(select(AuditAnchor).order_by(AuditAnchor.id)).all()
    problem = _check_anchors(session, anchors) or _check_anchor_log(anchors)
    logged = len(_read_anchor_log()) if anchor_log_path().exists() else None
    if problem:
        return VerifyResult(False, n_items, n_events, problem, len(anchors), logged)
    return VerifyResult(True, n_items, n_events, None, len(anchors), logged)


def _check_anchors(session: Session, anchors: Sequence[AuditAnchor]) -> str | None:
    """Each anchor: signed with the audit key (unsigned only before the first signed one), chained to
    the one before, and equal to the chain heads recomputed from the events as of its last event."""
    if not anchors:
        return None
    events = session.execute(select(AuditEventRow.id, AuditEventRow.item_id, AuditEventRow.seq, AuditEventRow.hash)
                             .order_by(AuditEventRow.id).execution_options(yield_per=5000))
    try:
        return _first_bad_anchor(audit_key(), anchors, iter(events))
    finally:
        events.close()


def _first_bad_anchor(key: bytes, anchors: Sequence[AuditAnchor], events: Iterator[Any]) -> str | None:
    """Walk the events (ordered by id) once, comparing the heads at each anchor's last event."""
    signed_seen = False
    prev: AuditAnchor | None = None
    heads: dict[int, tuple[int, str]] = {}
    pending = next(events, None)
    for anchor in anchors:
        where = f"anchor #{anchor.id}"
        if anchor.signature is None:
            if signed_seen:
                return f"{where}: not signed, but an earlier anchor is (anchors were removed or rewritten)"
        elif not hmac.compare_digest(anchor.signature, _sign(key, anchor)):
            return f"{where}: signature does not match (the anchor was rewritten, or the audit key changed)"
        else:
            signed_seen = True
        if anchor.prev_hash != (prev.hash if prev else None):
            return f"{where}: does not follow the anchor before it (an anchor was removed or rewritten)"
        if prev is not None and anchor.last_event_id < prev.last_event_id:
            return f"{where}: covers fewer events than the anchor before it"
        while pending is not None and pending[0] <= anchor.last_event_id:
            heads[pending[1]] = (pending[2], pending[3])
            pending = next(events, None)
        recomputed = [(item_id, seq, head) for item_id, (seq, head) in heads.items()]
        if len(recomputed) != anchor.item_count or anchor_hash(recomputed, anchor.prev_hash) != anchor.hash:
            return (f"{where}: chain heads as of event #{anchor.last_event_id} do not match (an item's events "
                    f"were removed or rewritten)")
        prev = anchor
    return None


def _read_anchor_log() -> list[dict | None]:
    """The log's entries; None for a line that is not an entry."""
    entries: list[dict | None] = []
    for line in anchor_log_path().read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        entries.append(entry if isinstance(entry, dict) and isinstance(entry.get("id"), int) else None)
    return entries


def _check_anchor_log(anchors: Sequence[AuditAnchor]) -> str | None:
    """Every anchor in the log outside the database must still be in the database, unchanged."""
    if not anchor_log_path().exists():
        return None
    by_id = {a.id: a for a in anchors}
    for number, entry in enumerate(_read_anchor_log(), start=1):
        if entry is None:
            return f"line {number} of the anchor log is not an anchor"
        anchor = by_id.get(entry["id"])
        if anchor is None:
            return f"anchor #{entry['id']} of the anchor log is missing from the database"
        if _log_line(anchor) != json.dumps(entry, sort_keys=True):
            return f"anchor #{entry['id']} differs from its copy in the anchor log"
    return None
