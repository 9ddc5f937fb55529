"""What an audit event's hash covers, pinned: a change to the hashed fields or their encoding fails here."""
from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from workflows.audit import anchor_hash, anchor_signature, canonical_json, check_chain, event_hash, make_event

AT = datetime(2018, 7, 10, 1, 2, 3, 456789, tzinfo=UTC)
FIELDS: dict[str, Any] = dict(
    item_id=42, item_type="application", seq=2, from_state="mobilization.draft", to_state="mobilization.county_review",
    trigger="submit", actor="huoqiu_filer", actor_id=7, on_behalf_of=None, role="county_filer", unit="huoqiu",
    at=AT, comment="材料齐全", data_json='{"k":"v"}', prev_hash="ab" * 32)
#: the exact text that is hashed: sorted keys, no spaces, UTF-8, the instant as naive UTC with microseconds
CANONICAL = ('{"actor":"huoqiu_filer","actor_id":7,"at":"2018-07-10T01:02:03.456789","comment":"材料齐全",'
             '"data_json":"{\\"k\\":\\"v\\"}","from_state":"mobilization.draft","item_id":42,'
             '"item_type":"application","on_behalf_of":null,"prev_hash":"' + "ab" * 32 + '","role":"county_filer",'
             '"seq":2,"to_state":"mobilization.county_review","trigger":"submit","unit":"huoqiu"}')
GOLDEN = "1478484c98a8fe9d441aa702c40031dd4e63dcc1f43d441491dd83872e61a498"


def test_event_hash_of_fixed_fields_is_the_known_digest() -> None:
    assert hashlib.sha256(CANONICAL.encode("utf-8")).hexdigest() == GOLDEN
    assert event_hash(FIELDS) == GOLDEN
    # the stored row's own id and hash are not hashed; the same instant in another zone hashes the same
    assert event_hash({**FIELDS, "id": 9, "hash": "x"}) == GOLDEN
    assert event_hash({**FIELDS, "at": AT.astimezone(timezone(timedelta(hours=8)))}) == GOLDEN


@pytest.mark.parametrize("name, other", [
    ("item_id", 43), ("item_type", "task"), ("seq", 3), ("from_state", None), ("to_state", "rejected"),
    ("trigger", "withdraw"), ("actor", "someone"), ("actor_id", 8), ("on_behalf_of", "office_approver"),
    ("role", "county_reviewer"), ("unit", "shucheng"), ("at", AT + timedelta(microseconds=1)), ("comment", None),
    ("data_json", "{}"), ("prev_hash", "cd" * 32), ("prev_hash", None),
])
def test_every_field_is_hashed(name: str, other: Any) -> None:
    assert event_hash({**FIELDS, name: other}) != event_hash(FIELDS)


def _chain() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    head = None
    for seq, (to_state, trigger, comment) in enumerate([
            ("mobilization.draft", "create", None), ("mobilization.county_review", "submit", None),
            ("mobilization.draft", "send_back", "材料不全"), ("mobilization.county_review", "submit", None)], start=1):
        ev = make_event(item_id=1, item_type="application", head=head, from_state=events[-1]["to_state"] if events
                        else None, to_state=to_state, trigger=trigger, actor="a", actor_id=1, on_behalf_of=None,
                        role="county_filer", unit="huoqiu", at=AT + timedelta(minutes=seq), comment=comment, data={})
        events.append({**ev.__dict__, "id": seq})
        head = (ev.seq, ev.hash)
    return events


def test_a_rewritten_middle_event_with_its_hash_recomputed_breaks_the_next_link() -> None:
    events = _chain()
    assert check_chain(events) is None
    events[1]["actor"] = "someone_else"
    events[1]["hash"] = event_hash(events[1])
    # the attacker repairs event 3's prev_hash; event 3's own hash covers prev_hash, so it no longer matches
    events[2]["prev_hash"] = events[1]["hash"]
    assert check_chain(events) == "event #3 of item 1: content does not match its hash"
    # only when every later hash is recomputed as well does the chain hold again: the anchors' job
    for i in (2, 3):
        events[i]["prev_hash"] = events[i - 1]["hash"]
        events[i]["hash"] = event_hash(events[i])
    assert check_chain(events) is None


def test_anchor_hash_and_signature_are_the_known_digests() -> None:
    heads = [(42, 2, "cd" * 32), (7, 1, "ef" * 32)]
    assert anchor_hash(heads, "ab" * 32) == anchor_hash(list(reversed(heads)), "ab" * 32) == \
        "99ac316ec6c4ba1ee460c8a335f3e4a757d157e1fc0c1340fc49a3ee63a2be42"
    # the first anchor (no previous one) and its signature
    assert anchor_hash(heads[:1], None) == "7570a40f65cce51a9333e6ee53a18531c2ea0296e3f11d638fc9d040582292fe"
    assert anchor_signature(b"k", at=AT, last_event_id=99, item_count=2, prev_hash=None, hash="cd" * 32) == \
        "b08d48e2082cab6255bd9e1b2f9664a886186d050c2115c59cb396da961f2e9b"
    fields: dict[str, Any] = dict(at=AT, last_event_id=99, item_count=2, prev_hash="ab" * 32, hash="cd" * 32)
    signature = anchor_signature(b"k", **fields)
    message = "2018-07-10T01:02:03.456789\n99\n2\n" + "ab" * 32 + "\n" + "cd" * 32
    assert signature == hmac.new(b"k", message.encode(), hashlib.sha256).hexdigest() == \
        "d560b4df01a97f487a291ae3068234656ee3553bf20e68a343818674c571a7fa"
    assert anchor_signature(b"other key", **fields) != signature
    for name, other in (("last_event_id", 98), ("item_count", 3), ("prev_hash", None), ("hash", "ce" * 32),
                        ("at", AT + timedelta(seconds=1))):
        assert anchor_signature(b"k", **{**fields, name: other}) != signature


def test_check_chain_names_the_first_break() -> None:
    events = _chain()
    assert check_chain([events[0], events[2], events[3]]) == "event #3 of item 1: seq 3, expected 2"
    events[3]["prev_hash"] = events[1]["hash"]
    assert check_chain(events) == "event #4 of item 1: prev_hash does not match event 3"
    assert check_chain([{**events[1], "seq": 1}]) == "event #2 of item 1: prev_hash does not match event 0"


def test_canonical_json_writes_dates_decimals_and_sets_as_text() -> None:
    value = {"b": {3, 1}, "a": date(2018, 7, 10), "c": Decimal("1.50"), "d": "县"}
    assert canonical_json(value) == '{"a":"2018-07-10","b":[1,3],"c":"1.50","d":"县"}'
    with pytest.raises(TypeError, match="not JSON serialisable: object"):
        canonical_json({"x": object()})


def test_the_hashed_instant_does_not_depend_on_the_machines_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert event_hash({**FIELDS, "at": AT.astimezone(timezone(timedelta(hours=8)))}) == GOLDEN
    finally:
        monkeypatch.undo()
        time.tzset()


#: version 2 (events written since business dates are recorded) also hashes the business date and the
#: version; version 1 above is unchanged, so chains written before still verify
CANONICAL_V2 = ('{"actor":"huoqiu_filer","actor_id":7,"at":"2018-07-10T01:02:03.456789","business_date":"2018-09-15",'
                '"comment":"材料齐全","data_json":"{\\"k\\":\\"v\\"}","from_state":"mobilization.draft",'
                '"hash_version":2,"item_id":42,"item_type":"application","on_behalf_of":null,"prev_hash":"'
                + "ab" * 32 + '","role":"county_filer","seq":2,"to_state":"mobilization.county_review",'
                '"trigger":"submit","unit":"huoqiu"}')
GOLDEN_V2 = "c58d7e67b8b61f4be5d4e844813599956a6341e170c4236a9688d612643789aa"


def test_version_2_hashes_the_business_date_and_version_1_does_not() -> None:
    v2 = {**FIELDS, "business_date": date(2018, 9, 15), "hash_version": 2}
    assert hashlib.sha256(CANONICAL_V2.encode("utf-8")).hexdigest() == GOLDEN_V2
    assert event_hash(v2) == GOLDEN_V2
    assert event_hash({**v2, "business_date": date(2018, 9, 16)}) != GOLDEN_V2
    # an old event with its business date filled in afterwards keeps its version-1 hash
    assert event_hash({**FIELDS, "business_date": date(2018, 7, 10), "hash_version": 1}) == GOLDEN
    # passing a version-2 event off as version 1 (to free its business date) breaks its hash
    assert event_hash({**v2, "hash_version": 1}) != GOLDEN_V2
    with pytest.raises(ValueError, match="unknown audit hash version 3"):
        event_hash({**v2, "hash_version": 3})


def test_new_events_are_version_2_with_a_business_date_and_a_changed_date_breaks_the_chain() -> None:
    events = _chain()
    assert {(e["hash_version"], e["business_date"]) for e in events} == {(2, date(2018, 7, 10))}
    late = make_event(item_id=1, item_type="application", head=None, from_state=None, to_state="mobilization.draft",
                      trigger="create", actor="a", actor_id=1, on_behalf_of=None, role="county_filer", unit="huoqiu",
                      at=datetime(2018, 7, 10, 16, 30, tzinfo=UTC), comment=None, data={})
    assert late.business_date == date(2018, 7, 11)  # 00:30 in China: the date there, not in UTC
    events[2]["business_date"] = date(2018, 7, 9)
    assert check_chain(events) == "event #3 of item 1: content does not match its hash"
