"""The rough edges of the lists a first week hits: the overdue list's units filter it and its rows
open their items; extension requests name their item by title; the reports page never shows a
developer command and tells a county without a report whom to ask."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.items.models import Item
from app.units.models import Unit
from tests.screens.support import text_of
from tests.screens.todo_world import build_todo_world


def overdue_rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-item-id="(\d+)"', html)]


def department_task_overdue() -> int:
    """A task of 市商务局 (a department, not a county) past its deadline."""
    unit_id = db.session.scalar(select(Unit.id).where(Unit.slug == "commerce"))
    task = db.session.scalar(select(Item).where(Item.type == "task", Item.unit_id == unit_id)
                             .order_by(Item.id).limit(1))
    task.due_on = date(2018, 6, 1)
    return task.id


def test_overdue_units_filter_the_list_and_rows_open_their_items(person, inapp) -> None:
    ids = inapp(build_todo_world)
    ids["dept"] = inapp(department_task_overdue)
    office = person("office_approver")
    html = office.get("/dashboard/overdue")
    row = re.search(rf'<tr data-item-id="{ids["county_late"]}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    assert f'<a href="/items/{ids["county_late"]}">' in row and "临水村" in row
    chips = dict(re.findall(r'<a href="(/dashboard/overdue\?unit=[\w-]+)" data-unit="([\w-]+)"', html))
    assert "/dashboard/overdue?unit=huoqiu" in chips and "/dashboard/overdue?unit=commerce" in chips  # departments too
    huoqiu = overdue_rows(office.get("/dashboard/overdue?unit=huoqiu"))
    unit_of = inapp(lambda: dict(db.session.execute(select(Item.id, Unit.slug).join(Unit, Unit.id == Item.unit_id)
                                                    .where(Item.id.in_(huoqiu))).tuples().all()))
    assert ids["county_late"] in huoqiu and ids["reminded"] not in huoqiu
    assert set(unit_of.values()) == {"huoqiu"}
    commerce = overdue_rows(office.get("/dashboard/overdue?unit=commerce"))
    assert ids["dept"] in commerce and not set(commerce) & set(huoqiu)
    assert "责任单位：霍邱县" in office.get("/dashboard/overdue?unit=huoqiu")
    # a county opens only its own unit
    assert person("shucheng_filer").client.get("/dashboard/overdue?unit=huoqiu").status_code == 404


def test_extension_requests_name_their_item_by_title(person, inapp) -> None:
    ids = inapp(build_todo_world)
    html = person("office_approver").get("/extensions")
    row = re.search(r'<tr data-extension="\d+">(.*?)</tr>', html, re.S).group(1)
    link = re.search(r'<a href="/items/(\d+)#extension">([^<]*)</a>', row)
    assert int(link.group(1)) == ids["extended"] and "千人桥村" in link.group(2)
    assert not link.group(2).strip().isdigit()


def test_the_reports_page_shows_no_command_and_names_whom_to_ask(person, inapp) -> None:
    inapp(build_todo_world)
    for username in ("huoqiu_filer", "city_reviewer", "office_approver"):
        page = person(username).get("/reports/?year=2018&quarter=3")
        assert "flask" not in page and "reports open" not in page, username
    county = text_of(person("huoqiu_filer").get("/reports/?year=2018&quarter=3"))
    assert "本季度暂无可查看的季度报告" in county
    reviewer = inapp(lambda: db.session.execute(select(User.display_name, Unit.name).join(Unit, Unit.id == User.unit_id)
                                                .where(User.username == "city_reviewer")).one()._tuple())
    assert "请联系市商务局审核人" in county and f"{reviewer[0]}（{reviewer[1]}）" in county
    assert "系统会自动为本单位开启季度报告" in county
    city = text_of(person("city_reviewer").get("/reports/?year=2018&quarter=3"))
    assert "开启本季度报告" in city and "请联系" not in city
