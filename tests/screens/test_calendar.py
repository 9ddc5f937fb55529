"""China's working-day calendar in the application: review deadlines follow 中秋 and 调休, the
administrator's overrides win (screen and CLI, logged in 管理日志), a year the package does not know
is flagged."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import select

from app.audit.models import AdminEvent
from app.extensions import db
from app.items.models import Item
from app.workdays.models import CalendarOverride
from tests.screens.support import flashes, make_application, text_of
from workflows.workdays import package_years


def due_on(item_id: int) -> date | None:
    return db.session.get(Item, item_id).due_on


def overrides() -> dict[str, tuple[bool, str]]:
    return {o.day.isoformat(): (o.is_working_day, o.note) for o in db.session.scalars(select(CalendarOverride))}


def log(action: str) -> list[tuple[str, str, dict]]:
    rows = db.session.scalars(select(AdminEvent).where(AdminEvent.action == action).order_by(AdminEvent.id))
    return [(r.actor, r.target, r.changes) for r in rows]


def test_review_deadline_counts_china_working_days(app, inapp) -> None:
    """Submitted on 2018-09-15: ten working days skip 中秋 (09-24) and count the make-up Saturday 09-29."""
    app.config["PLANDESK_TODAY"] = date(2018, 9, 15)
    item_id = inapp(make_application, "huoqiu", "mobilization.county_review")
    assert inapp(due_on, item_id) == date(2018, 9, 29)
    app.config["PLANDESK_TODAY"] = date(2018, 12, 28)
    later = inapp(make_application, "shucheng", "mobilization.county_review", site="晓天村")
    assert inapp(due_on, later) == date(2019, 1, 14)  # 12-29 worked, 12-31 and 01-01 off


def test_an_override_from_the_admin_screen_changes_new_deadlines(app, inapp, person) -> None:
    admin = person("admin")
    r = admin.post("/admin/calendar", {"day": "2018-09-24", "is_working_day": "1", "note": "测试：中秋照常上班"},
                   follow=True)
    assert "已保存 2018-09-24 的工作日调整" in " ".join(flashes(r.get_data(as_text=True)))
    assert 'data-override="2018-09-24"' in r.get_data(as_text=True)
    assert inapp(overrides) == {"2018-09-24": (True, "测试：中秋照常上班")}
    app.config["PLANDESK_TODAY"] = date(2018, 9, 15)
    item_id = inapp(make_application, "huoqiu", "mobilization.county_review")
    assert inapp(due_on, item_id) == date(2018, 9, 28)
    assert inapp(log, "set_calendar_day") == [
        ("admin", "2018-09-24", {"is_working_day": [None, True], "note": [None, "测试：中秋照常上班"]})]

    admin.post("/admin/calendar/delete", {"day": "2018-09-24"}, status=302)
    assert inapp(overrides) == {}
    assert [e[:2] for e in inapp(log, "unset_calendar_day")] == [("admin", "2018-09-24")]
    other = inapp(make_application, "shucheng", "mobilization.county_review", site="晓天村")
    assert inapp(due_on, other) == date(2018, 9, 29)
    logged = text_of(admin.get("/admin/log?action=set_calendar_day"))
    assert "设置工作日调整 工作日调整 2018-09-24" in logged and "是否工作日：上班（调休工作日）" in logged


def test_bad_input_is_refused_and_changes_nothing(inapp, person) -> None:
    admin = person("admin")
    for data, reason in (({"day": "2018-02-30", "is_working_day": "1"}, "日期格式应为 YYYY-MM-DD"),
                         ({"day": "2018-09-24", "is_working_day": "maybe"}, "请选择该日为工作日还是休息日"),
                         ({"day": "2018-09-24", "is_working_day": "0", "note": "长" * 201}, "说明不能超过 200 个字符")):
        r = admin.post("/admin/calendar", data, follow=True)
        assert reason in " ".join(flashes(r.get_data(as_text=True)))
    r = admin.post("/admin/calendar/delete", {"day": "2018-09-24"}, follow=True)
    assert "2018-09-24 没有工作日调整" in " ".join(flashes(r.get_data(as_text=True)))
    assert inapp(overrides) == {}
    assert inapp(log, "set_calendar_day") == [] and inapp(log, "unset_calendar_day") == []


def test_only_administrators_edit_the_calendar(person, inapp) -> None:
    for username in ("office_approver", "city_reviewer", "huoqiu_filer", "supervisor"):
        user = person(username)
        assert user.client.get("/admin/calendar").status_code == 403
        assert user.post("/admin/calendar", {"day": "2018-09-24", "is_working_day": "1"}).status_code == 403
        assert user.post("/admin/calendar/delete", {"day": "2018-09-24"}).status_code == 403
    anonymous = person("admin").app.test_client()
    assert anonymous.post("/admin/calendar", data={"day": "2018-09-24", "is_working_day": "1"}).status_code in (
        400, 302)
    assert inapp(overrides) == {}


def test_the_screen_warns_about_a_year_the_package_does_not_know(app, person) -> None:
    unknown = package_years().stop
    app.config["PLANDESK_TODAY"] = date(unknown - 1, 12, 10)  # next year's notice is due this month
    html = person("admin").get("/admin/calendar")
    assert f'data-unknown-year="{unknown}"' in html and f'data-unknown-year="{unknown - 1}"' not in html
    app.config["PLANDESK_TODAY"] = date(2018, 7, 10)
    assert "data-unknown-year" not in person("admin").get("/admin/calendar")


def test_cli_sets_lists_shows_and_unsets(app, inapp) -> None:
    runner = app.test_cli_runner()
    unknown = package_years().stop
    jan1 = date(unknown, 1, 1)
    r = runner.invoke(args=["calendar", "set", jan1.isoformat(), "--holiday", "--note", "元旦"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["calendar", "list"])
    assert f"{jan1.isoformat()}\tholiday\t元旦" in r.output
    r = runner.invoke(args=["calendar", "show", str(unknown)])
    assert "does not know" in r.output
    if jan1.weekday() < 5:
        assert f"{jan1.isoformat()} " in r.output and "override" in r.output
    r = runner.invoke(args=["calendar", "show", "2018"])
    assert "2018-09-24 周一\tholiday" in r.output and "2018-09-29 周六\tmake-up working day" in r.output
    assert "does not know" not in r.output
    assert inapp(log, "set_calendar_day")[0][:2] == ("cli", jan1.isoformat())
    r = runner.invoke(args=["calendar", "unset", jan1.isoformat()])
    assert r.exit_code == 0 and inapp(overrides) == {}
    r = runner.invoke(args=["calendar", "unset", jan1.isoformat()])
    assert r.exit_code == 1
    r = runner.invoke(args=["calendar", "set", "not-a-date", "--working"])
    assert r.exit_code != 0 and inapp(overrides) == {}
    assert json.loads(json.dumps(inapp(log, "unset_calendar_day")))[0][0] == "cli"


def test_a_holiday_override_reaches_the_transition_read_with_the_item(app, inapp) -> None:
    """The row image reads the overrides in its own statement: a weekday made a holiday moves the
    review deadline of a submission made in a fresh request one working day on."""
    def add_holiday() -> None:
        db.session.add(CalendarOverride(day=date(2018, 9, 17), is_working_day=False, note="测试：停工一天",
                                        updated_at=datetime(2018, 9, 14, tzinfo=UTC), updated_by="cli"))
        db.session.commit()

    app.config["PLANDESK_TODAY"] = date(2018, 9, 15)
    inapp(add_holiday)
    item_id = inapp(make_application, "huoqiu", "mobilization.county_review")
    assert inapp(due_on, item_id) == date(2018, 9, 30)  # 9-29 was the tenth working day; 9-17 is off now
