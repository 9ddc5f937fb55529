"""Rewriting the audit trail with full database write access, on SQLite and PostgreSQL.

The attacker drops the append-only triggers, rewrites an event, recomputes every later hash of that
item's chain and even the stored anchor; what the signed anchors and the anchor log outside the
database still catch, and what they cannot (events after the last anchor).
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import closing
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from app.audit.models import AuditAnchor, AuditEventRow
from app.audit.operations import (_events_by_item, _first_bad_anchor, _heads_as_of, anchor_log_path, audit_key,
                                  record_anchor, verify, write_anchor)
from app.extensions import db
from app.items.models import Item
from app.items.operations import fire_transition
from tests.items.conftest import actor_of, add_evidence
from workflows.audit import anchor_hash, check_chain, event_hash, utc_text


def _sent_back(new_application) -> int:
    """An item with three events: create, submit, send_back."""
    item_id = new_application()
    add_evidence(item_id)
    fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
    db.session.commit()
    fire_transition(item_id, "send_back", actor_of("huoqiu_reviewer"), version=2, comment="材料不全")
    db.session.commit()
    return item_id


def _events(item_id: int) -> list[dict[str, Any]]:
    db.session.expire_all()
    rows = db.session.scalars(select(AuditEventRow).where(AuditEventRow.item_id == item_id)
                              .order_by(AuditEventRow.seq)).all()
    return [r.as_fields() for r in rows]


def _drop_triggers() -> None:
    if db.engine.dialect.name == "sqlite":
        for table in ("audit_events", "audit_anchors"):
            for action in ("update", "delete"):
                db.session.execute(text(f"DROP TRIGGER {table}_no_{action}"))
    else:
        for table in ("audit_events", "audit_anchors"):
            db.session.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
    db.session.commit()


def _store(event: dict[str, Any]) -> None:
    db.session.execute(text("UPDATE audit_events SET actor = :actor, comment = :comment, prev_hash = :prev_hash, "
                            "hash = :hash WHERE id = :id"), event)


def _rewrite(item_id: int, seq: int, *, rehash_rest: bool, **changes: Any) -> list[dict[str, Any]]:
    """Change event ``seq``, recompute its hash and repair the next prev_hash (or rehash the whole rest)."""
    events = _events(item_id)
    target = events[seq - 1]
    target.update(changes)
    target["hash"] = event_hash(target)
    _store(target)
    for later in events[seq:]:
        later["prev_hash"] = events[later["seq"] - 2]["hash"]
        if rehash_rest:
            later["hash"] = event_hash(later)
        _store(later)
        if not rehash_rest:
            break
    db.session.commit()
    return events


def _reforge_anchors() -> None:
    """Recompute every stored anchor's hash (and chain) over the rewritten heads; the key is not at hand."""
    prev_hash = None
    for anchor in db.session.scalars(select(AuditAnchor).order_by(AuditAnchor.id)).all():
        new_hash = anchor_hash(_heads_as_of(db.session, anchor.last_event_id), prev_hash)
        db.session.execute(text("UPDATE audit_anchors SET hash = :h, prev_hash = :p WHERE id = :id"),
                           {"h": new_hash, "p": prev_hash, "id": anchor.id})
        prev_hash = new_hash
    db.session.commit()


def _verify_cli(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_a_rewritten_middle_event_is_reported_by_check_chain_and_audit_verify(app, new_application) -> None:
    with app.app_context():
        item_id = _sent_back(new_application)
        assert verify(db.session).ok
        _drop_triggers()
        events = _rewrite(item_id, 2, rehash_rest=False, actor="someone_else")
        stored = _events(item_id)
        assert stored[1]["actor"] == "someone_else" and stored[2]["prev_hash"] == stored[1]["hash"]
        third = events[2]["id"]
        assert check_chain(stored) == f"event #{third} of item {item_id}: content does not match its hash"
    code, output = _verify_cli(app)
    assert code == 1
    assert f"event #{third} of item {item_id}: content does not match its hash" in output


def test_a_rewrite_with_the_rest_of_the_chain_and_the_anchor_recomputed_is_reported(app, new_application) -> None:
    with app.app_context():
        item_id = _sent_back(new_application)
        anchor = record_anchor(db.session)
        assert anchor is not None and anchor.signature
        code, output = _verify_cli(app)
        assert code == 0 and "1 in the anchor log" in output
        _drop_triggers()
        _rewrite(item_id, 2, rehash_rest=True, actor="someone_else", comment="改过")
        assert check_chain(_events(item_id)) is None, "the chain on its own is consistent again"
        assert not verify(db.session).ok
        _reforge_anchors()
        result = verify(db.session)
    assert not result.ok
    assert result.problem == (f"anchor #{anchor.id}: signature does not match (the anchor was rewritten, "
                              f"or the audit key changed)")
    code, output = _verify_cli(app)
    assert code == 1 and f"anchor #{anchor.id}: signature does not match" in output


def test_a_later_anchor_over_the_rewritten_trail_does_not_vouch_for_it(app, new_application) -> None:
    with app.app_context():
        item_id = _sent_back(new_application)
        first = write_anchor(db.session)
        db.session.commit()
        _drop_triggers()
        _rewrite(item_id, 2, rehash_rest=True, actor="someone_else")
        # the next tick anchors the trail as it now is: the earlier anchor still disagrees with it
        add_evidence(item_id)
        fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=3)
        db.session.commit()
        assert write_anchor(db.session) is not None
        db.session.commit()
        result = verify(db.session)
    assert not result.ok and result.problem.startswith(f"anchor #{first.id}: chain heads as of event")


def test_removing_anchors_is_caught_by_the_anchor_log(app, new_application) -> None:
    with app.app_context():
        item_id = _sent_back(new_application)
        anchor_id = record_anchor(db.session).id
        assert anchor_log_path().read_text().count("\n") == 1
        _drop_triggers()
        _rewrite(item_id, 2, rehash_rest=True, actor="someone_else")
        db.session.execute(text("DELETE FROM audit_anchors"))
        db.session.commit()
        result = verify(db.session)
        assert not result.ok
        assert result.problem == f"anchor #{anchor_id} of the anchor log is missing from the database"
        # without the log (kept outside the database), removing every anchor would hide the rewrite
        anchor_log_path().unlink()
        assert verify(db.session).ok


def test_a_removed_middle_anchor_breaks_the_anchor_chain(app, new_application) -> None:
    with app.app_context():
        item_id = _sent_back(new_application)
        first = write_anchor(db.session)
        db.session.commit()
        add_evidence(item_id)
        fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=3)
        db.session.commit()
        second = write_anchor(db.session)
        db.session.commit()
        assert verify(db.session).ok and verify(db.session).anchors == 2
        _drop_triggers()
        db.session.execute(text("DELETE FROM audit_anchors WHERE id = :id"), {"id": first.id})
        db.session.commit()
        result = verify(db.session)
    assert not result.ok and result.problem.startswith(f"anchor #{second.id}: does not follow")


def test_anchors_signed_with_another_key_do_not_verify(app, new_application) -> None:
    with app.app_context():
        _sent_back(new_application)
        app.config["PLANDESK_AUDIT_KEY"] = "the dedicated audit key"
        anchor = write_anchor(db.session)
        db.session.commit()
        assert verify(db.session).ok
        app.config["PLANDESK_AUDIT_KEY"] = None  # back to the key derived from SECRET_KEY
        result = verify(db.session)
    assert not result.ok and result.problem.startswith(f"anchor #{anchor.id}: signature does not match")


def test_events_after_the_last_anchor_are_not_covered(app, new_application) -> None:
    """The documented limit: a consistent rewrite of events no anchor covers yet goes unnoticed."""
    with app.app_context():
        write_anchor(db.session)
        db.session.commit()
        item_id = _sent_back(new_application)
        _drop_triggers()
        _rewrite(item_id, 2, rehash_rest=True, actor="someone_else")
        assert verify(db.session).ok
        # the next anchor then pins the trail as it is: later rewrites of these events are caught
        assert write_anchor(db.session) is not None
        db.session.commit()
        _rewrite(item_id, 2, rehash_rest=True, actor="a_third_person")
        assert not verify(db.session).ok


@pytest.mark.parametrize("line", ["not json", '{"id": "x"}'])
def test_an_unreadable_anchor_log_line_is_reported(app, new_application, line: str) -> None:
    with app.app_context():
        _sent_back(new_application)
        record_anchor(db.session)
        with anchor_log_path().open("a") as log:
            log.write(line + "\n")
        result = verify(db.session)
    assert not result.ok and result.problem == "line 2 of the anchor log is not an anchor"


def test_an_anchor_waits_for_events_still_being_written(app, new_application) -> None:
    """An event with a lower id committed after a higher one must not be left out of an anchor."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): no event is ever in flight beside another")
    with app.app_context():
        slow_item, fast_item = new_application(), new_application(site="小顾店村")
        add_evidence(slow_item)
        add_evidence(fast_item)
        db.session.commit()
    inserted, release, anchored = threading.Event(), threading.Event(), threading.Event()

    def slow_transition() -> None:
        with app.app_context():
            fire_transition(slow_item, "submit", actor_of("huoqiu_filer"), version=1)  # its event is inserted
            inserted.set()
            release.wait(timeout=30)
            db.session.commit()
            db.session.remove()

    def anchor() -> None:
        with app.app_context():
            write_anchor(db.session)
            db.session.commit()
            anchored.set()
            db.session.remove()

    slow = threading.Thread(target=slow_transition)
    slow.start()
    assert inserted.wait(timeout=30)
    with app.app_context():
        fire_transition(fast_item, "submit", actor_of("huoqiu_filer"), version=1)  # a higher event id, committed first
        db.session.commit()
    anchoring = threading.Thread(target=anchor)
    anchoring.start()
    time.sleep(1)
    assert not anchored.is_set(), "the anchor waits for the transaction still writing an event"
    release.set()
    slow.join(timeout=30)
    anchoring.join(timeout=30)
    assert anchored.is_set()
    with app.app_context():
        result = verify(db.session)
    assert result.ok, result.problem


def test_unsigned_anchors_pass_only_before_the_first_signed_one(app, new_application) -> None:
    with app.app_context():
        item_id = _sent_back(new_application)
        legacy = write_anchor(db.session)
        legacy.signature = None  # as written before anchors were signed (migration 0007)
        db.session.commit()
        add_evidence(item_id)
        fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=3)
        db.session.commit()
        runner = app.test_cli_runner()
        first = runner.invoke(args=["audit", "anchor"])
        assert first.exit_code == 0 and first.output.startswith("anchor #")
        assert runner.invoke(args=["audit", "anchor"]).output == "nothing new to anchor\n"
        code, output = _verify_cli(app)
        assert code == 0 and "2 anchors (1 in the anchor log)" in output
        # a signed anchor stripped of its signature is not mistaken for an old one
        fire_transition(item_id, "withdraw", actor_of("huoqiu_filer"), version=4, comment="补充材料")
        db.session.commit()
        last = record_anchor(db.session)
        _drop_triggers()
        db.session.execute(text("UPDATE audit_anchors SET signature = NULL WHERE id = :id"), {"id": last.id})
        db.session.commit()
        anchor_log_path().unlink()
        result = verify(db.session)
    assert not result.ok and result.problem.startswith(f"anchor #{last.id}: not signed, but an earlier anchor is")


def test_the_anchor_log_holds_each_anchor_as_one_json_line(app, new_application, tmp_path) -> None:
    """The log is read outside PlanDesk too: its fields and values are the anchor's, by name."""
    with app.app_context():
        app.config["PLANDESK_STORAGE_DIR"] = str(tmp_path / "not" / "yet" / "made")
        _sent_back(new_application)
        anchor = record_anchor(db.session)
        assert anchor_log_path() == tmp_path / "not" / "yet" / "made" / "audit-anchors.log"
        lines = anchor_log_path().read_text(encoding="utf-8").splitlines()
        assert len(lines) == 1
        assert json.loads(lines[0]) == {"id": anchor.id, "at": utc_text(anchor.at),
                                        "last_event_id": anchor.last_event_id, "item_count": anchor.item_count,
                                        "hash": anchor.hash, "signature": anchor.signature}
        assert anchor.signature and len(anchor.signature) == 64
        assert record_anchor(db.session) is None  # nothing new: no anchor, no line
        assert anchor_log_path().read_text(encoding="utf-8").splitlines() == lines
        assert verify(db.session).ok and verify(db.session).logged == 1


def test_anchors_left_over_an_emptied_trail_are_reported_not_crashed_on() -> None:
    """Every event gone but the anchors: the walk over no events reports the first anchor."""
    anchor = AuditAnchor(id=7, at=None, last_event_id=3, item_count=1, prev_hash=None,
                         hash=anchor_hash([(1, 3, "f" * 64)], None), signature=None)
    problem = _first_bad_anchor(b"key", [anchor], iter([]))
    assert problem == ("anchor #7: chain heads as of event #3 do not match (an item's events were removed "
                       "or rewritten)")


@pytest.mark.parametrize("field, value", [("last_event_id", 1), ("item_count", 99), ("prev_hash", "0" * 64),
                                          ("at", "2018-01-01 00:00:00.000000")])
def test_the_signature_covers_every_field_of_an_anchor(app, new_application, field: str, value: Any) -> None:
    """Change one field of a stored anchor: the signature check is the first to refuse it."""
    with app.app_context():
        _sent_back(new_application)
        anchor = write_anchor(db.session)
        db.session.commit()
        assert verify(db.session).ok
        _drop_triggers()
        db.session.execute(text(f"UPDATE audit_anchors SET {field} = :v WHERE id = :id"), {"v": value, "id": anchor.id})
        db.session.commit()
        result = verify(db.session)
    assert not result.ok
    assert result.problem == (f"anchor #{anchor.id}: signature does not match (the anchor was rewritten, or the "
                              f"audit key changed)")


def test_the_audit_key_is_the_dedicated_one_or_derived_from_the_secret_key(app) -> None:
    with app.app_context():
        app.config["PLANDESK_AUDIT_KEY"] = "the dedicated audit key"
        assert audit_key() == b"the dedicated audit key"
        app.config["PLANDESK_AUDIT_KEY"] = None
        app.config["SECRET_KEY"] = "s3cret"
        # a fixed derivation: changing it would unsign every anchor already written
        assert audit_key().hex() == "345d55bc53115c181eb0da49cc88f07d71367890ba446da831223c79cdf18030"
        app.config["SECRET_KEY"] = ""
        with pytest.raises(RuntimeError, match=r"^signing audit anchors needs SECRET_KEY or PLANDESK_AUDIT_KEY$"):
            audit_key()


def test_an_anchor_log_line_that_differs_from_its_anchor_is_reported(app, new_application) -> None:
    with app.app_context():
        _sent_back(new_application)
        anchor = record_anchor(db.session)
        entry = json.loads(anchor_log_path().read_text(encoding="utf-8"))
        # the same fields in another order (a log reformatted by some tool) still match
        anchor_log_path().write_text(json.dumps(dict(reversed(list(entry.items())))) + "\n", encoding="utf-8")
        assert verify(db.session).ok
        anchor_log_path().write_text(json.dumps({**entry, "item_count": entry["item_count"] + 1}) + "\n",
                                     encoding="utf-8")
        result = verify(db.session)
        counts = _counts()
    assert result.ok is False and result.problem == f"anchor #{anchor.id} differs from its copy in the anchor log"
    assert (result.items, result.events, result.anchors, result.logged) == (*counts, 1, 1)


def test_verify_counts_and_walks_every_item_from_the_first(app, new_application) -> None:
    with app.app_context():
        _sent_back(new_application)
        n_items = db.session.scalar(select(func.count()).select_from(Item))
        n_events = db.session.scalar(select(func.count()).select_from(AuditEventRow))
        result = verify(db.session)
        assert result.ok and (result.items, result.events) == (n_items, n_events) and n_items > 1
        # streamed in small batches: every item once, in id order, its events in seq order
        walked = list(_events_by_item(db.session, batch=2))
        assert [item_id for item_id, _ in walked] == sorted(db.session.scalars(select(Item.id)))
        assert sum(len(events) for _, events in walked) == n_events
        assert all([e["seq"] for e in events] == list(range(1, len(events) + 1)) for _, events in walked)
        # the item with the lowest id is checked like any other
        first = db.session.scalar(select(func.min(AuditEventRow.item_id)))
        assert first == min(item_id for item_id, events in walked if events)
        _drop_triggers()
        db.session.execute(text("UPDATE audit_events SET actor = 'someone_else' WHERE item_id = :i AND seq = 1"),
                           {"i": first})
        db.session.commit()
        result = verify(db.session)
        first_events = len(_events(first))
    assert result.ok is False and result.problem.endswith(f"of item {first}: content does not match its hash")
    assert (result.items, result.events) == (1, first_events)  # stopped at the first item


def _counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Item)),
            db.session.scalar(select(func.count()).select_from(AuditEventRow)))


@pytest.mark.parametrize("change", ["no events", "state", "version"])
def test_an_item_that_does_not_match_its_events_is_reported(app, new_application, change: str) -> None:
    """The newest item (walked last) is changed outside the engine: verify names it, having counted
    every item and event it walked."""
    with app.app_context():
        item_id = _sent_back(new_application)
        last = _events(item_id)[-1]
        _drop_triggers()
        if change == "no events":
            db.session.execute(text("DELETE FROM audit_events WHERE item_id = :i"), {"i": item_id})
            expected = f"item {item_id}: no audit events"
        elif change == "state":
            db.session.execute(text("UPDATE items SET state = 'implementation' WHERE id = :i"), {"i": item_id})
            expected = (f"event #{last['id']} of item {item_id}: item state 'implementation' is not the last "
                        f"event's to_state {last['to_state']!r}")
        else:
            db.session.execute(text("UPDATE items SET version = version + 1 WHERE id = :i"), {"i": item_id})
            expected = f"event #{last['id']} of item {item_id}: item version 4 does not match its 3 versioned events"
        db.session.commit()
        result = verify(db.session)
        assert (result.ok, result.problem) == (False, expected)
        assert (result.items, result.events) == _counts()


def test_an_event_whose_item_is_gone_is_reported(app, new_application) -> None:
    with app.app_context():
        _sent_back(new_application)
        n_items, n_events = _counts()
        _drop_triggers()
        columns = [c.name for c in AuditEventRow.__table__.columns if c.name not in ("id", "item_id")]
        move = (f"INSERT INTO audit_events (item_id, {', '.join(columns)}) SELECT 999999, {', '.join(columns)} "
                f"FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)")  # a copy, of no item
        if db.engine.dialect.name == "sqlite":  # a plain connection, without the app's foreign_keys=ON
            with closing(sqlite3.connect(db.engine.url.database)) as conn, conn:
                conn.execute(move)
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # no foreign key triggers
                conn.exec_driver_sql(move)
        orphan = db.session.scalar(select(AuditEventRow.id).where(AuditEventRow.item_id == 999999))
        result = verify(db.session)
    assert (result.ok, result.problem) == (False, f"event #{orphan}: its item is missing")
    assert (result.items, result.events) == (n_items, n_events)
