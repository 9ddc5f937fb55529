"""The phase matrix: counts by state and deadline light, and who may click through to what."""
from __future__ import annotations

import re
from datetime import date

import pytest

from app.clock import today
from app.dashboards.matrix import phase_matrix
from app.extensions import db
from tests.dashboards.journeys import application_to, file_task_plan, plan, set_today

ITEM_ROW = re.compile(r'data-item-id="(\d+)"')
ROW_UNIT = re.compile(r'<tr[^>]*data-unit="([a-z_]+)"')


def test_counties_by_phase_with_lights(ctx) -> None:
    # 2018-07-10: every task assignment is in mobilization.draft, due 2018-07-31 (21 days away: green)
    m = phase_matrix(db.session, plan().id, today())
    assert [r.key for r in m.rows] == ["huoqiu", "shucheng", "jinzhai", "huoshan", "jinan", "yuan", "yeji"]
    assert [c for c, _ in m.columns] == ["mobilization", "implementation", "self_assessment", "acceptance",
                                         "rectification", "consolidation"]
    cell = m.cell("huoqiu", "mobilization")
    assert cell.states == {"mobilization.draft": 14} and cell.lights == {"red": 0, "yellow": 0, "green": 14}
    assert m.column_total("mobilization").total == 7 * 14
    assert m.cell("huoqiu", "implementation").total == 0

    filed = file_task_plan("huoqiu", 3)  # → implementation, due on the task's own deadline 2018-12-31
    application_to("huoqiu", "provincial_demo_village", "mobilization.county_review")
    application_to("huoqiu", "municipal_demo_outlet", "consolidation")
    set_today(ctx, date(2018, 8, 5))  # mobilization deadline passed 5 days ago
    m = phase_matrix(db.session, plan().id, today())
    cell = m.cell("huoqiu", "mobilization")
    # 13 tasks still in draft (overdue) + the application in county review (filed 2018-07-10, due 10
    # working days later: 2018-07-24, overdue too)
    assert cell.states == {"mobilization.draft": 13, "mobilization.county_review": 1}
    assert cell.lights == {"red": 14, "yellow": 0, "green": 0} and cell.light == "red"
    assert m.cell("huoqiu", "implementation").states == {"implementation": 1}
    assert m.cell("huoqiu", "implementation").lights["green"] == 1
    assert m.cell("huoqiu", "consolidation").states == {"consolidation": 1}
    assert m.row_total("huoqiu").total == 16
    assert m.cell("shucheng", "mobilization").lights == {"red": 14, "yellow": 0, "green": 0}
    only_apps = phase_matrix(db.session, plan().id, today(), types=("application",))
    assert only_apps.row_total("huoqiu").total == 2 and only_apps.row_total("shucheng").total == 0
    assert filed


def test_seriously_overdue_and_due_soon(ctx) -> None:
    set_today(ctx, date(2018, 7, 25))  # due 2018-07-31: within a week
    m = phase_matrix(db.session, plan().id, today())
    assert m.cell("yeji", "mobilization").lights == {"red": 0, "yellow": 14, "green": 0}
    set_today(ctx, date(2018, 9, 1))  # 32 days late
    m = phase_matrix(db.session, plan().id, today())
    assert m.cell("yeji", "mobilization").serious == 14


def test_departments_by_task(ctx) -> None:
    m = phase_matrix(db.session, plan().id, today(), kind="tasks")
    assert len(m.columns) == 18 and m.notes["6"].startswith("建成农村道路畅通工程")
    keys = [r.key for r in m.rows]
    assert "commerce" in keys and "huoqiu" not in keys
    # 市商务局 leads or co-operates on tasks 1, 2, 3, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18
    commerce_tasks = (1, 2, 3, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18)
    assert {c for (r, c) in m.cells if r == "commerce"} == {str(n) for n in commerce_tasks}
    file_task_plan("commerce", 1)
    m = phase_matrix(db.session, plan().id, today(), kind="tasks")
    assert m.cell("commerce", "1").states == {"implementation": 1}
    county = phase_matrix(db.session, plan().id, today(), kind="county_tasks")
    assert county.cell("huoqiu", "3").states == {"mobilization.draft": 1}
    assert county.column_total("3").total == 7


@pytest.mark.parametrize("username, kind, status", [
    ("city_reviewer", "phases", 200), ("city_reviewer", "tasks", 200), ("supervisor", "county_tasks", 200),
    ("huoqiu_filer", "phases", 200), ("huoqiu_reviewer", "county_tasks", 200), ("huoqiu_filer", "tasks", 404),
    ("commerce_filer", "tasks", 200), ("commerce_filer", "phases", 404),
])
def test_matrix_kinds_by_role(auth, client, username, kind, status) -> None:
    auth.login(username)
    assert client.get(f"/dashboard/matrix?kind={kind}").status_code == status


def test_county_user_sees_its_row_and_the_city_totals_only(auth, client) -> None:
    auth.login("huoqiu_filer")
    page = client.get("/dashboard/matrix").get_data(as_text=True)
    assert ROW_UNIT.findall(page) == ["huoqiu"]
    assert "全市合计" in page and "舒城县" not in page
    assert 'href="/dashboard/items?county=huoqiu&amp;phase=mobilization"' in page


def test_city_reviewer_sees_every_county(auth, client) -> None:
    auth.login("city_reviewer")
    page = client.get("/dashboard/matrix").get_data(as_text=True)
    assert ROW_UNIT.findall(page) == ["huoqiu", "shucheng", "jinzhai", "huoshan", "jinan", "yuan", "yeji"]


def test_click_through_never_shows_another_county(app, auth, client) -> None:
    with app.app_context():
        other = application_to("shucheng", "provincial_demo_village", "mobilization.county_review")
        own = application_to("huoqiu", "provincial_demo_village", "mobilization.county_review")
    auth.login("huoqiu_filer")
    assert client.get("/dashboard/items?county=shucheng&phase=mobilization").status_code == 404
    assert client.get("/dashboard/items?unit=shucheng").status_code == 404
    page = client.get("/dashboard/items?county=huoqiu&phase=mobilization").get_data(as_text=True)
    shown = {int(i) for i in ITEM_ROW.findall(page)}
    assert own in shown and other not in shown and len(shown) == 15  # 14 task assignments + 1 application
    # no filter at all still stops at the county's own items
    everything = {int(i) for i in ITEM_ROW.findall(client.get("/dashboard/items").get_data(as_text=True))}
    assert other not in everything and own in everything


def test_click_through_filters(app, auth, client) -> None:
    with app.app_context():
        done = application_to("huoqiu", "municipal_demo_village", "consolidation")
        pending = application_to("huoqiu", "municipal_demo_village", "implementation")
    auth.login("city_reviewer")
    page = client.get("/dashboard/items?county=huoqiu&indicator=municipal_demo_village&status=achieved")
    assert {int(i) for i in ITEM_ROW.findall(page.get_data(as_text=True))} == {done}
    page = client.get("/dashboard/items?county=huoqiu&indicator=municipal_demo_village&status=pending")
    assert {int(i) for i in ITEM_ROW.findall(page.get_data(as_text=True))} == {pending}
    page = client.get("/dashboard/items?unit=commerce&task=1&type=task").get_data(as_text=True)
    assert len(ITEM_ROW.findall(page)) == 1
    assert client.get("/dashboard/items?phase=nonsense").status_code == 400
