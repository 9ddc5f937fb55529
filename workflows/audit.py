"""The audit event and its hash chain (one chain per item), and anchors over all chain heads."""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

#: the one zone PlanDesk shows times in and dates events by (China has had no daylight saving since 1991)
CHINA = ZoneInfo("Asia/Shanghai")
#: what an event's hash covers: 1 = the fields below; 2 = also its business date and this version
HASH_VERSION = 2

#: Actions recorded in an item's chain that change neither its state nor its version.
UNVERSIONED_TRIGGERS = frozenset({"attach", "detach", "acknowledge", "remind",
                                  # deadline extensions (延期申请): asked, endorsed by the county, granted, refused
                                  "request_extension", "endorse_extension", "grant_extension",
                                  "refuse_extension"})


def versioned_count(triggers: Iterable[str]) -> int:
    """The version an item must have after these events: one per event that bumps it."""
    return sum(1 for t in triggers if t not in UNVERSIONED_TRIGGERS)


def canonical_json(value: Any) -> str:
    """Stable JSON text: sorted keys, no spaces, non-ASCII kept, dates and decimals as strings."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_encode)


def _encode(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def china_date(at: datetime) -> date:
    """The calendar date in China of an instant (a naive instant is UTC, as SQLite returns it)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(CHINA).date()


def utc_text(at: datetime) -> str:
    """One textual form of a UTC instant, identical before and after a database round trip."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


@dataclass(frozen=True)
class AuditEvent:
    """One transition of one item. ``data_json`` is canonical JSON so the hash survives storage."""

    item_id: int
    item_type: str
    seq: int
    from_state: str | None
    to_state: str
    trigger: str
    actor: str
    actor_id: int | None
    on_behalf_of: str | None
    role: str
    unit: str | None
    at: datetime
    comment: str | None
    data_json: str
    prev_hash: str | None
    hash: str
    #: the business date the event happened on (PlanDesk's "today" then), besides the real instant ``at``
    business_date: date | None = None
    #: which fields ``hash`` covers (:func:`event_hash`); events written before business dates are 1
    hash_version: int = 1

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.data_json)


def event_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 over every field of an event but its own hash.

    Version 1 (events written before business dates were recorded; their business date was filled in
    afterwards from the instant, so it is not covered) hashes ``_HASHED``; version 2 also hashes the
    business date and the version itself, so an event cannot be passed off as version 1 to free its
    business date. A missing ``hash_version`` means 1, so every old chain still verifies."""
    version = fields.get("hash_version") or 1
    if version not in (1, 2):
        raise ValueError(f"unknown audit hash version {version!r}")
    payload = {k: fields[k] for k in (_HASHED if version == 1 else _HASHED_V2)}
    payload["at"] = utc_text(fields["at"])
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


_HASHED = ("item_id", "item_type", "seq", "from_state", "to_state", "trigger", "actor", "actor_id",
           "on_behalf_of", "role", "unit", "at", "comment", "data_json", "prev_hash")
_HASHED_V2 = (*_HASHED, "business_date", "hash_version")


def make_event(*, item_id: int, item_type: str, head: tuple[int, str] | None, from_state: str | None,
               to_state: str, trigger: str, actor: str, actor_id: int | None, on_behalf_of: str | None,
               role: str, unit: str | None, at: datetime, comment: str | None,
               data: Mapping[str, Any] | None, business_date: date | None = None) -> AuditEvent:
    """Build the next event of an item's chain; ``head`` is (seq, hash) of its last event.

    ``business_date`` is the date PlanDesk ran with (its "today"); without one, the instant's date in
    China. New events are always hashed with it (version 2)."""
    fields: dict[str, Any] = dict(
        item_id=item_id, item_type=item_type, seq=(head[0] + 1) if head else 1, from_state=from_state,
        to_state=to_state, trigger=trigger, actor=actor, actor_id=actor_id, on_behalf_of=on_behalf_of,
        role=role, unit=unit, at=at, comment=comment, data_json=canonical_json(dict(data or {})),
        prev_hash=head[1] if head else None,
        business_date=business_date or china_date(at), hash_version=HASH_VERSION,
    )
    return AuditEvent(**fields, hash=event_hash(fields))


def check_chain(events: Iterable[Mapping[str, Any]]) -> str | None:
    """Check one item's events (ordered by seq); return a description of the first break or None."""
    prev: str | None = None
    expected_seq = 1
    for ev in events:
        if ev["seq"] != expected_seq:
            return f"event #{ev.get('id')} of item {ev['item_id']}: seq {ev['seq']}, expected {expected_seq}"
        if ev["prev_hash"] != prev:
            return f"event #{ev.get('id')} of item {ev['item_id']}: prev_hash does not match event {expected_seq - 1}"
        if event_hash(ev) != ev["hash"]:
            return f"event #{ev.get('id')} of item {ev['item_id']}: content does not match its hash"
        prev = ev["hash"]
        expected_seq += 1
    return None


def anchor_hash(heads: Iterable[tuple[int, int, str]], prev_anchor_hash: str | None) -> str:
    """Hash all chain heads (item_id, seq, hash), sorted by item, with the previous anchor."""
    h = hashlib.sha256((prev_anchor_hash or "").encode())
    for item_id, seq, head_hash in sorted(heads):
        h.update(f"\n{item_id}:{seq}:{head_hash}".encode())
    return h.hexdigest()


def anchor_signature(key: bytes, *, at: datetime, last_event_id: int, item_count: int,
                     prev_hash: str | None, hash: str) -> str:
    """HMAC-SHA256 of an anchor's fields with ``key``: only who holds the key can write a valid anchor."""
    message = f"{utc_text(at)}\n{last_event_id}\n{item_count}\n{prev_hash or ''}\n{hash}"
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def event_as_dict(event: AuditEvent) -> dict[str, Any]:
    return asdict(event)
