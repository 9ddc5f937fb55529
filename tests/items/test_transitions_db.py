"""Transitions on stored items, on SQLite and PostgreSQL: atomic, audited, one winner, tamper-evident."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from app.audit.models import AuditEventRow
from app.audit.operations import verify, write_anchor
from app.extensions import db
from app.items.models import Item
from app.items.operations import edit_draft, fire_transition
from app.items.store import EFFECTS
from app.notifications.models import Notification
from tests.items.conftest import actor_of, add_evidence
from workflows.errors import GuardFailed, InvalidTransition, NotFound, StaleVersion, TransitionAborted


def events_of(item_id: int) -> list[AuditEventRow]:
    return db.session.scalars(select(AuditEventRow).where(AuditEventRow.item_id == item_id)
                              .order_by(AuditEventRow.seq)).all()


def notes_count() -> int:
    """The notifications written (in-app, in the transition's transaction)."""
    return db.session.scalar(select(func.count()).select_from(Notification))


def test_submit_endorse_and_send_back_are_recorded(ctx, new_application) -> None:
    item_id = new_application()
    with pytest.raises(GuardFailed) as err:
        fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
    assert err.value.reasons == ["本阶段至少需要上传一份证明材料"]
    add_evidence(item_id)
    out = fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
    db.session.commit()
    assert (out.from_state, out.to_state, out.version) == ("mobilization.draft", "mobilization.county_review", 2)
    fire_transition(item_id, "send_back", actor_of("huoqiu_reviewer"), version=2, comment="  缺少村委会证明  ")
    db.session.commit()
    item = db.session.get(Item, item_id)
    assert (item.state, item.version) == ("mobilization.draft", 3)
    evs = events_of(item_id)
    assert [(e.seq, e.trigger, e.from_state, e.to_state, e.actor) for e in evs] == [
        (1, "create", None, "mobilization.draft", "huoqiu_filer"),
        (2, "submit", "mobilization.draft", "mobilization.county_review", "huoqiu_filer"),
        (3, "send_back", "mobilization.county_review", "mobilization.draft", "huoqiu_reviewer"),
    ]
    assert evs[2].comment == "缺少村委会证明" and evs[2].role == "county_reviewer" and evs[2].unit == "huoqiu"
    assert evs[2].prev_hash == evs[1].hash
    # the deadlines follow the state: back in mobilization.draft, the returned draft has ten working days
    # again (from 2018-07-10); the plan's mobilization date stays the phase deadline
    assert item.due_on.isoformat() == "2018-07-24"
    assert item.phase_due_on.isoformat() == "2018-07-31"
    assert verify(db.session).ok


def test_other_county_gets_not_found_and_nothing_changes(ctx, new_application) -> None:
    item_id = new_application()
    add_evidence(item_id)
    with pytest.raises(NotFound):
        fire_transition(item_id, "submit", actor_of("shucheng_filer"), version=1)
    with pytest.raises(InvalidTransition):
        fire_transition(item_id, "endorse", actor_of("huoqiu_reviewer"), version=1)
    assert db.session.get(Item, item_id).version == 1 and len(events_of(item_id)) == 1


def test_stale_version_is_refused(ctx, new_application) -> None:
    item_id = new_application()
    add_evidence(item_id)
    fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
    db.session.commit()
    with pytest.raises(StaleVersion):
        fire_transition(item_id, "withdraw", actor_of("huoqiu_filer"), version=1, comment="撤回")
    assert len(events_of(item_id)) == 2


def test_a_failing_effect_rolls_everything_back(ctx, new_application) -> None:
    item_id = new_application()
    add_evidence(item_id)
    db.session.commit()
    before_notes = notes_count()

    def boom(*args: object) -> None:
        raise RuntimeError("disk full while archiving")

    EFFECTS.setdefault(("application", "submit"), []).append(boom)
    try:
        with pytest.raises(TransitionAborted):
            fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
    finally:
        EFFECTS[("application", "submit")].remove(boom)
    item = db.session.get(Item, item_id)
    assert (item.state, item.version) == ("mobilization.draft", 1)
    assert len(events_of(item_id)) == 1 and notes_count() == before_notes
    # and it still works afterwards
    fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
    db.session.commit()
    assert notes_count() > before_notes


def test_draft_edit_is_versioned_and_audited(ctx, new_application) -> None:
    item_id = new_application()
    edit_draft(item_id, actor_of("huoqiu_filer"), version=1, changes={"site_name": "新店村"})
    db.session.commit()
    item = db.session.get(Item, item_id)
    assert (item.site_name, item.version) == ("新店村", 2)
    assert events_of(item_id)[-1].trigger == "edit"
    with pytest.raises(StaleVersion):
        edit_draft(item_id, actor_of("huoqiu_filer"), version=1, changes={"site_name": "旧店村"})
    assert db.session.get(Item, item_id).site_name == "新店村"
    assert verify(db.session).ok


def _race(app, item_id: int, calls: list[tuple[str, str]], version: int, **kw: object) -> list[str]:
    """Fire (username, trigger) calls from threads, each with its own session, released by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list[str] = []
    lock = threading.Lock()

    def worker(username: str, trigger: str) -> None:
        with app.app_context():
            who = actor_of(username)
            db.session.rollback()  # start the transaction at the barrier, not before
            barrier.wait(timeout=10)
            try:
                fire_transition(item_id, trigger, who, version=version, **kw)
                db.session.commit()
                outcome = "ok"
            except StaleVersion:
                outcome = "stale"
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=worker, args=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(results)


def test_two_approvers_one_winner(app, new_application) -> None:
    with app.app_context():
        item_id = new_application()
        add_evidence(item_id)
        fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
        fire_transition(item_id, "endorse", actor_of("huoqiu_reviewer"), version=2)
        db.session.commit()
    # the city reviewer accepts while the office approver rejects, both at version 3
    results = _race(app, item_id, [("city_reviewer", "accept"), ("office_approver", "reject")], 3, comment="不符合条件")
    assert results == ["ok", "stale"]
    with app.app_context():
        evs = events_of(item_id)
        assert [e.trigger for e in evs[3:]] in (["accept"], ["reject"])
        assert db.session.get(Item, item_id).version == 4
        assert verify(db.session).ok


def test_many_concurrent_clicks_one_winner(app, new_application) -> None:
    with app.app_context():
        item_id = new_application()
        add_evidence(item_id)
        fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
        db.session.commit()
    results = _race(app, item_id, [("huoqiu_reviewer", "send_back")] * 4, 2, comment="重复点击")
    assert results == ["ok", "stale", "stale", "stale"]
    with app.app_context():
        assert [e.trigger for e in events_of(item_id)] == ["create", "submit", "send_back"]


def _drop_triggers() -> None:
    if db.engine.dialect.name == "sqlite":
        for t in ("audit_events_no_update", "audit_events_no_delete"):
            db.session.execute(text(f"DROP TRIGGER {t}"))
    else:
        db.session.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
    db.session.commit()


def _submitted(new_application) -> int:
    item_id = new_application()
    add_evidence(item_id)
    fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
    db.session.commit()
    return item_id


def test_audit_verify_cli_detects_an_edited_row(app, new_application) -> None:
    with app.app_context():
        item_id = _submitted(new_application)
        ev_id = events_of(item_id)[-1].id
        _drop_triggers()
        db.session.execute(text("UPDATE audit_events SET actor = 'someone_else' WHERE id = :id"), {"id": ev_id})
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"event #{ev_id} of item {item_id}" in result.output and "content does not match" in result.output


def test_audit_verify_detects_a_removed_last_event(app, new_application) -> None:
    with app.app_context():
        item_id = _submitted(new_application)
        _drop_triggers()
        db.session.execute(text("DELETE FROM audit_events WHERE item_id = :i AND seq = 2"), {"i": item_id})
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"of item {item_id}" in result.output and "to_state" in result.output


def test_anchor_detects_a_whole_chain_removed(app, new_application) -> None:
    with app.app_context():
        item_id = _submitted(new_application)
        assert write_anchor(db.session) is not None
        db.session.commit()
        assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
        _drop_triggers()
        for stmt in ("DELETE FROM audit_events WHERE item_id = :i", "DELETE FROM attachments WHERE item_id = :i",
                     "DELETE FROM notifications WHERE item_id = :i", "DELETE FROM applications WHERE id = :i",
                     "DELETE FROM items WHERE id = :i"):
            db.session.execute(text(stmt), {"i": item_id})
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "anchor #" in result.output


def test_deadlines_tick_is_idempotent_and_leaves_items_alone(app) -> None:
    runner = app.test_cli_runner()
    app.config["PLANDESK_TODAY"] = __import__("datetime").date(2018, 8, 5)
    with app.app_context():
        versions = dict(db.session.execute(select(Item.id, Item.version)).tuples().all())
        updated = dict(db.session.execute(select(Item.id, Item.updated_at)).tuples().all())
    first = runner.invoke(args=["deadlines", "tick"])
    assert first.exit_code == 0 and "deadline marks: 190" in first.output
    assert "reports opened: 30;" in first.output  # 2018Q3's quarterly reports, new items
    second = runner.invoke(args=["deadlines", "tick"])
    assert "deadline marks: 0" in second.output and "anchor: unchanged" in second.output
    assert "reports opened: 0;" in second.output
    with app.app_context():
        after = dict(db.session.execute(select(Item.id, Item.version)).tuples().all())
        assert {k: after[k] for k in versions} == versions  # the items that were there are untouched
        after = dict(db.session.execute(select(Item.id, Item.updated_at)).tuples().all())
        assert {k: after[k] for k in updated} == updated
        reminders = db.session.scalar(select(func.count(func.distinct(Notification.item_id)))
                                      .where(Notification.kind == "reminder"))
        assert reminders == 190


def test_version_check_alone_holds_without_the_row_lock(app, new_application, monkeypatch) -> None:
    """Even if the row lock were lost, the versioned UPDATE lets only one of two racing writers commit."""
    import app.items.operations as operations

    unlocked = operations.load_image_for_update
    monkeypatch.setattr(operations, "load_image_for_update",
                        lambda connection, item_id, **kw: unlocked(connection, item_id, lock=False, **kw))
    monkeypatch.setattr(operations, "load_item_for_update",
                        lambda item_id: db.session.scalar(select(Item).where(Item.id == item_id)))
    with app.app_context():
        item_id = new_application()
        add_evidence(item_id)
        fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
        db.session.commit()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite serialises writers with BEGIN IMMEDIATE; the race below needs two open snapshots
        results = _race(app, item_id, [("huoqiu_reviewer", "endorse"), ("huoqiu_reviewer", "endorse")], 2)
        assert results == ["ok", "stale"]
        return
    loaded = threading.Barrier(2)
    results: list[str] = []

    def worker() -> None:
        with app.app_context():
            who = actor_of("huoqiu_reviewer")
            db.session.rollback()
            # both transactions read version 2 before either writes
            db.session.scalar(select(Item).where(Item.id == item_id))
            loaded.wait(timeout=10)
            try:
                fire_transition(item_id, "endorse", who, version=2)
                db.session.commit()
                results.append("ok")
            except StaleVersion:
                results.append("stale")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["ok", "stale"]
    with app.app_context():
        assert [e.trigger for e in events_of(item_id)] == ["create", "submit", "endorse"]
