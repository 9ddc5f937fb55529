"""A granted extension (延期) moves the deadline the overdue list, the board's lights and summary, the
reminders and ``deadlines tick`` count from; the item's own due date (what on-time rates use) stays.
Requests and decisions are notes in the item's audit chain: state and version unchanged, chain valid."""
from __future__ import annotations

import json
import re
import threading
from datetime import date

import pytest
from flask import current_app
from sqlalchemy import select

from app.audit.models import AuditEventRow
from app.audit.operations import verify
from app.auth.models import User
from app.dashboards.operations import send_reminder
from app.dashboards.overdue import overdue_by_unit, overdue_items
from app.dashboards.matrix import phase_matrix
from app.deadlines.models import DeadlineMark
from app.deadlines.operations import tick
from app.extension_requests.models import ExtensionRequest
from app.extension_requests.operations import decide_extension, endorse_extension, request_extension
from app.extensions import db
from app.items.models import Item
from app.notices.facts import criticism_facts
from tests.dashboards.journeys import plan, set_today, task_of
from tests.helpers import csrf_token
from tests.items.conftest import actor_of
from workflows.deadlines import OverdueLevel
from workflows.errors import GuardFailed, InvalidTransition

DAY = date(2018, 8, 5)  # every task assignment missed the mobilization deadline (2018-07-31) by 5 days


@pytest.fixture
def late(app):
    set_today(app, DAY)
    return app


def ask(item_id: int, until: date, username: str = "huoqiu_filer", reason: str = "村两委换届，材料延后") -> int:
    user = db.session.scalar(select(User).where(User.username == username))
    row = request_extension(item_id, user, user.actor(), until, reason)
    if row.stage == "county":  # a county's request: its county reviewer endorses it for the office
        endorse_extension(row.id, actor_of(f"{row.requested_by.unit.slug}_reviewer"), "endorse")
    db.session.commit()
    return row.id


def decide(request_id: int, decision: str, until: date | None = None, comment: str | None = None) -> None:
    decide_extension(request_id, actor_of("office_approver"), decision, until, comment)
    db.session.commit()


def overdue_ids(day: date = DAY, **kw) -> dict[int, object]:
    rows, _total = overdue_items(db.session, plan().id, day, limit=None, **kw)
    return {r.id: r for r in rows}


def huoqiu_levels(day: date = DAY) -> dict[str, int]:
    m = phase_matrix(db.session, plan().id, day, types=("task",))
    return m.cell("huoqiu", "mobilization").levels


def marks(item_id: int) -> list[tuple[date, str]]:
    return sorted((m.due_on, m.level) for m in db.session.scalars(
        select(DeadlineMark).where(DeadlineMark.item_id == item_id)))


def test_granted_extension_moves_every_overdue_view_but_not_the_original(late, ctx) -> None:
    task = task_of("huoqiu", 3)
    item_id, version = task.id, task.version
    before_levels = huoqiu_levels()
    assert before_levels == {OverdueLevel.overdue.value: 14}
    assert item_id in overdue_ids()

    req = ask(item_id, date(2018, 8, 20))
    assert item_id in overdue_ids()  # a pending request changes nothing
    decide(req, "granted", date(2018, 8, 20))

    # the overdue list, the board's per-unit summary and its lights, the criticism facts
    assert item_id not in overdue_ids() and item_id not in overdue_ids(include_due_soon=True)
    assert {u.unit: u.overdue for u in overdue_by_unit(db.session, plan().id, DAY)}["huoqiu"] == 13
    assert huoqiu_levels() == {OverdueLevel.overdue.value: 13, OverdueLevel.none.value: 1}
    facts = json.dumps(criticism_facts(db.session, plan().id, DAY), default=str)
    assert f'"id": {item_id},' not in facts
    # reminders: not due any more
    with current_app.test_request_context(), pytest.raises(GuardFailed, match="未到期"):
        send_reminder(db.session, item_id, actor_of("city_reviewer"), DAY)
    db.session.rollback()

    # deadlines tick: nothing today; due soon and overdue against the extended date later
    tick(db.session, DAY)
    db.session.commit()
    assert marks(item_id) == []
    tick(db.session, date(2018, 8, 15))
    tick(db.session, date(2018, 8, 25))
    db.session.commit()
    assert marks(item_id) == [(date(2018, 8, 20), "due_soon"), (date(2018, 8, 20), "overdue")]
    later = overdue_ids(date(2018, 8, 25))[item_id]
    assert (later.due_on, later.days_late, later.level) == (date(2018, 8, 20), 5, OverdueLevel.overdue)
    assert {u.unit: u.max_days_late for u in overdue_by_unit(db.session, plan().id, date(2018, 8, 25))}["huoqiu"] == 25

    # the original deadline (on-time rates) and the version are untouched; the chain has the three notes
    item = db.session.get(Item, item_id)
    assert (item.due_on, item.version) == (date(2018, 7, 31), version)
    events = db.session.scalars(select(AuditEventRow).where(AuditEventRow.item_id == item_id)
                                .order_by(AuditEventRow.seq)).all()
    (asked, endorsed, granted) = events[-3:]
    assert (asked.trigger, asked.actor, asked.comment) == ("request_extension", "huoqiu_filer", "村两委换届，材料延后")
    assert (endorsed.trigger, endorsed.actor, endorsed.role) == ("endorse_extension", "huoqiu_reviewer", "county_reviewer")
    assert json.loads(asked.data_json) == {"request": req, "due_on": "2018-07-31", "requested_until": "2018-08-20"}
    assert (granted.trigger, granted.actor, granted.from_state, granted.to_state) == (
        "grant_extension", "office_approver", item.state, item.state)
    assert json.loads(granted.data_json)["granted_until"] == "2018-08-20"
    assert verify(db.session).ok


def test_refused_or_stale_extension_leaves_the_item_overdue(late, ctx) -> None:
    task = task_of("huoqiu", 5)
    req = ask(task.id, date(2018, 8, 20))
    decide(req, "refused", comment="期限内可完成")
    assert task.id in overdue_ids()
    assert huoqiu_levels() == {OverdueLevel.overdue.value: 14}
    last = db.session.scalars(select(AuditEventRow).where(AuditEventRow.item_id == task.id)
                              .order_by(AuditEventRow.seq.desc())).first()
    assert (last.trigger, last.comment) == ("refuse_extension", "期限内可完成")
    assert "granted_until" not in json.loads(last.data_json)
    tick(db.session, DAY)
    db.session.commit()
    assert marks(task.id) == [(date(2018, 7, 31), "overdue")]
    # an extension granted for another due date (the item moved on since) does not apply
    other = task_of("huoqiu", 7)
    req = ask(other.id, date(2018, 8, 20))
    decide(req, "granted")
    db.session.get(Item, other.id).due_on = date(2018, 8, 1)
    db.session.commit()
    assert overdue_ids()[other.id].due_on == date(2018, 8, 1)
    assert verify(db.session).ok


def test_screens_follow_the_extension(late, auth, client) -> None:
    with late.app_context():
        task = task_of("huoqiu", 3)
        item_id = task.id
        decide(ask(item_id, date(2018, 8, 20)), "granted")
        db.session.remove()
    auth.login("city_reviewer")
    overdue = client.get("/dashboard/overdue").get_data(as_text=True)
    assert f'data-item-id="{item_id}"' not in overdue
    red = client.get("/dashboard/items?county=huoqiu&light=red&type=task").get_data(as_text=True)
    green = client.get("/dashboard/items?county=huoqiu&light=green&type=task").get_data(as_text=True)
    assert f'data-item-id="{item_id}"' not in red
    assert re.search(rf'data-item-id="{item_id}".*?2018年8月20日', green, re.S)
    # no reminder button for it, and a reminder posted anyway is refused
    token = csrf_token(client, "/dashboard/overdue")
    r = client.post("/dashboard/overdue/remind", data={"one": item_id, "csrf_token": token}, follow_redirects=True)
    assert "未到期" in r.get_data(as_text=True)
    page = client.get(f"/items/{item_id}").get_data(as_text=True)
    assert 'data-trigger="request_extension"' in page and 'data-trigger="grant_extension"' in page
    timeline = page[page.index('<ol class="timeline">'):]
    assert "申请延期" in timeline and "批准延期" in timeline and "批准延至：2018-08-20" in timeline


def test_the_api_shows_the_deadline_in_force(late, ctx, client) -> None:
    """GET /api/v1/items and /items/<id>: ``due_at`` and ``overdue`` follow a granted extension, and the
    ``overdue`` filter selects by it; the item's own due date stays."""
    from tests.conftest import DEMO_PASSWORD

    task = task_of("huoqiu", 3)
    original = task.due_on
    token = client.post("/api/v1/auth/token", json={"username": "huoqiu_filer",
                                                    "password": DEMO_PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}

    def listed(query: str) -> dict[int, dict]:
        body = client.get(f"/api/v1/items?type=task&per_page=100&{query}", headers=headers).get_json()
        return {row["id"]: row for row in body["items"]}

    assert listed("overdue=overdue")[task.id]["due_at"] == original.isoformat()
    decide(ask(task.id, date(2018, 8, 10)), "granted", date(2018, 8, 10))  # five days after today
    assert task.id not in listed("overdue=overdue")
    row = listed("overdue=due_soon")[task.id]
    assert (row["due_at"], row["overdue"]) == ("2018-08-10", "due_soon")
    assert listed("")[task.id]["overdue"] == "due_soon"
    detail = client.get(f"/api/v1/items/{task.id}", headers=headers).get_json()
    assert (detail["due_at"], detail["overdue"]) == ("2018-08-10", "due_soon")
    assert db.session.get(Item, task.id).due_on == original


def test_two_simultaneous_decisions_on_one_request_decide_once(late) -> None:
    """Grant and refusal of the same request at the same instant, each in its own session: the item's
    lock is taken first and the request read again under it, so the second sees the first decision."""
    with late.app_context():
        task_id = task_of("huoqiu", 6).id
        request_id = ask(task_id, date(2018, 8, 20))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker(decision: str, comment: str | None) -> None:
        with late.app_context():
            if db.engine.dialect.name != "sqlite":
                # the request as the form showed it, read before the lock (on SQLite the first read takes
                # the write lock, BEGIN IMMEDIATE, so the other session waits there instead)
                db.session.get(ExtensionRequest, request_id)
            barrier.wait(timeout=10)
            try:
                decide_extension(request_id, actor_of("office_approver"), decision, None, comment)
                db.session.commit()
                outcomes.append(decision)
            except InvalidTransition as exc:
                db.session.rollback()
                outcomes.append(exc.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=args) for args in (("granted", None), ("refused", "不予延期"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 2 and outcomes.count("该延期申请已经审批过了") == 1, outcomes
    with late.app_context():
        decisions = db.session.scalars(select(AuditEventRow.trigger).where(
            AuditEventRow.item_id == task_id, AuditEventRow.trigger.in_(("grant_extension", "refuse_extension")))).all()
        assert len(decisions) == 1
        row = db.session.get(ExtensionRequest, request_id)
        assert row.decision == ("granted" if decisions[0] == "grant_extension" else "refused")
        assert verify(db.session).ok
