"""The overdue list, reminders (催办) sent from it, and the per-unit summary the criticism draft uses."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEventRow
from app.audit.operations import verify
from app.dashboards.operations import send_reminder
from app.dashboards.overdue import overdue_by_unit, overdue_items
from app.extensions import db
from app.items.models import Item
from app.notifications.models import Notification
from app.auth.models import User
from tests.dashboards.journeys import plan, set_today, task_of
from tests.helpers import csrf_token
from tests.items.conftest import actor_of
from workflows.deadlines import OverdueLevel
from workflows.errors import GuardFailed, NotFound, NotPermitted

ITEM_ROW = re.compile(r'data-item-id="(\d+)"')


@pytest.fixture
def late(app):
    """2018-08-05: every task assignment missed the mobilization deadline (2018-07-31) by 5 days."""
    set_today(app, date(2018, 8, 5))
    return app


def test_overdue_list_is_every_late_item_most_late_first(late, ctx) -> None:
    rows, total = overdue_items(db.session, plan().id, date(2018, 8, 5), limit=None)
    assert total == 190 and len(rows) == 190
    assert all(r.days_late == 5 and r.level is OverdueLevel.overdue for r in rows)
    assert [r.id for r in rows] == sorted(r.id for r in rows)  # same due date: by id
    first = rows[0]
    assert (first.unit_name, first.state_title) == ("市商务局", "动员部署·起草")
    county_rows, county_total = overdue_items(db.session, plan().id, date(2018, 8, 5), actor=actor_of("yeji_filer"))
    assert county_total == 14 and {r.county for r in county_rows} == {"yeji"}
    _, serious = overdue_items(db.session, plan().id, date(2018, 8, 5), level="seriously_overdue")
    assert serious == 0
    rows, _ = overdue_items(db.session, plan().id, date(2018, 7, 25))
    assert rows == []
    soon, soon_total = overdue_items(db.session, plan().id, date(2018, 7, 25), include_due_soon=True)
    assert soon_total == 190 and soon[0].days_late == -6 and soon[0].level is OverdueLevel.due_soon


def test_overdue_by_unit(late, ctx) -> None:
    units = overdue_by_unit(db.session, plan().id, date(2018, 8, 5))
    by_slug = {u.unit: u for u in units}
    assert by_slug["huoqiu"].overdue == 14 and by_slug["commerce"].overdue == 13
    assert by_slug["huoqiu"].max_days_late == 5 and by_slug["huoqiu"].seriously_overdue == 0
    assert units[0].overdue == max(u.overdue for u in units)
    units = overdue_by_unit(db.session, plan().id, date(2018, 9, 5))
    assert {u.unit: u.seriously_overdue for u in units}["huoqiu"] == 14


def test_reminder_is_audited_and_queued(late, ctx) -> None:
    task = task_of("huoqiu", 3)
    version = task.version
    send_reminder(db.session, task.id, actor_of("city_reviewer"), date(2018, 8, 5), "请三日内报送实施方案")
    db.session.commit()
    event = db.session.scalars(select(AuditEventRow).where(AuditEventRow.item_id == task.id)
                               .order_by(AuditEventRow.seq.desc())).first()
    assert (event.trigger, event.actor, event.comment) == ("remind", "city_reviewer", "请三日内报送实施方案")
    assert json.loads(event.data_json) == {"on": "2018-08-05", "level": "overdue", "days_late": 5,
                                           "due_on": "2018-07-31"}
    assert db.session.get(Item, task.id).version == version  # a reminder changes neither state nor version
    # told in the reminder's own transaction: every active user of the task's unit, no delivery step
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "reminder")
                              .order_by(Notification.user_id)).all()
    unit_users = db.session.scalars(select(User.id).where(User.unit_id == task.unit_id, User.is_active_user.is_(True))
                                    .order_by(User.id)).all()
    assert told == unit_users and unit_users
    assert {n.item_id for n in db.session.scalars(select(Notification).where(Notification.kind == "reminder"))} \
        == {task.id}
    assert verify(db.session).ok
    with pytest.raises(GuardFailed, match="今天已催办"):
        send_reminder(db.session, task.id, actor_of("office_approver"), date(2018, 8, 5))
    rows, _ = overdue_items(db.session, plan().id, date(2018, 8, 5), county="huoqiu")
    assert {r.id: r.last_reminded_at is not None for r in rows}[task.id]


def test_who_may_remind(late, ctx) -> None:
    own, other = task_of("huoqiu", 3), task_of("shucheng", 3)
    with pytest.raises(NotPermitted):
        send_reminder(db.session, own.id, actor_of("huoqiu_filer"), date(2018, 8, 5))
    with pytest.raises(NotPermitted):
        send_reminder(db.session, own.id, actor_of("supervisor"), date(2018, 8, 5))
    with pytest.raises(NotFound):
        send_reminder(db.session, other.id, actor_of("huoqiu_reviewer"), date(2018, 8, 5))
    send_reminder(db.session, own.id, actor_of("huoqiu_reviewer"), date(2018, 8, 5))
    db.session.commit()
    not_due = task_of("huoqiu", 3).id
    with pytest.raises(GuardFailed, match="未到期"):
        send_reminder(db.session, not_due, actor_of("city_reviewer"), date(2018, 7, 1))


def test_remind_from_the_screen(late, auth, client, app) -> None:
    auth.login("city_reviewer")
    page = client.get("/dashboard/overdue?county=huoqiu").get_data(as_text=True)
    ids = [int(i) for i in ITEM_ROW.findall(page)]
    assert len(ids) == 14 and "逾期单位汇总" in page and "据此生成通报批评草稿" in page
    token = csrf_token(client, "/dashboard/overdue")
    form = {"csrf_token": token, "item_ids": [str(i) for i in ids[:3]], "comment": "请抓紧",
            "next": "/dashboard/overdue?county=huoqiu"}
    response = client.post("/dashboard/overdue/remind", data=form)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/overdue?county=huoqiu"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEventRow)
                                 .where(AuditEventRow.trigger == "remind")) == 3
        # delivered after the commit: the county's users have a notification each
        notes = db.session.scalars(select(Notification).where(Notification.kind == "reminder")).all()
        assert notes and all("催办" in n.message and "请抓紧" in n.message for n in notes)
    assert "已向责任单位发出 3 条催办" in client.get("/dashboard/overdue").get_data(as_text=True)
    # again today: refused per item, said so
    client.post("/dashboard/overdue/remind", data={"csrf_token": token, "one": str(ids[0])})
    assert "今天已催办过" in client.get("/dashboard/overdue").get_data(as_text=True)


def test_remind_needs_csrf_and_a_reminding_role(late, auth, client) -> None:
    auth.login("city_reviewer")
    assert client.post("/dashboard/overdue/remind", data={"one": "1"}).status_code == 400
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    auth.login("supervisor")
    token = csrf_token(client, "/dashboard/overdue")
    assert client.post("/dashboard/overdue/remind", data={"csrf_token": token, "one": "1"}).status_code == 403
    page = client.get("/dashboard/overdue").get_data(as_text=True)
    assert "催办所选事项" not in page and len(ITEM_ROW.findall(page)) == 50


def test_county_user_overdue_page_is_its_own(late, auth, client) -> None:
    auth.login("jinzhai_reviewer")
    page = client.get("/dashboard/overdue").get_data(as_text=True)
    assert len(ITEM_ROW.findall(page)) == 14 and "逾期单位汇总" not in page
    assert "催办所选事项" in page
    assert client.get("/dashboard/overdue?county=huoqiu").status_code == 404
