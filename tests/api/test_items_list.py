"""GET /items: visibility, filters, sorting, offset and keyset pagination, constant query count."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import event, select, update

from app.applications.operations import create_application
from app.auth.models import User
from app.extensions import db
from app.items.models import Item
from tests.api.conftest import Api, error_of
from tests.conftest import TODAY


def make_applications(app: Flask, n: int, county: str = "huoqiu") -> list[int]:
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.username == f"{county}_filer")).actor()
        ids = [create_application(actor, category="municipal_demo_village", county=county,
                                  site_name=f"示范村{i:03d}").id for i in range(n)]
        db.session.commit()
        return ids


def set_due(app: Flask, due: dict[int, date | None]) -> None:
    with app.app_context():
        for item_id, day in due.items():
            db.session.execute(update(Item).where(Item.id == item_id).values(due_on=day))
        db.session.commit()


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def walk(api: Api, user: str, query: str, per_page: int) -> list[int]:
    """Every id, following the ``next`` cursor."""
    ids: list[int] = []
    r = api.get(f"/items?{query}&per_page={per_page}", user).get_json()
    while True:
        ids += [i["id"] for i in r["items"]]
        if r["next"] is None:
            return ids
        r = api.get(f"/items?{query}&per_page={per_page}&after={r['next']}", user).get_json()
        assert r["page"] is None


def test_visibility_and_filters(app: Flask, api: Api) -> None:
    huoqiu = make_applications(app, 3)
    shucheng = make_applications(app, 2, "shucheng")
    mine = api.get("/items?type=application", "huoqiu_reviewer").get_json()
    assert sorted(i["id"] for i in mine["items"]) == huoqiu and mine["total"] == 3
    assert {i["county"] for i in mine["items"]} == {"huoqiu"}
    tasks = api.get("/items?type=task&per_page=100", "huoqiu_filer").get_json()
    assert tasks["total"] > 0 and {i["county"] for i in tasks["items"]} == {"huoqiu"}
    assert {i["type"] for i in tasks["items"]} == {"task"}
    dept = api.get("/items?per_page=100", "commerce_filer").get_json()
    assert dept["total"] > 0 and {i["county"] for i in dept["items"]} == {None}
    city = api.get("/items?type=application&county=shucheng", "city_reviewer").get_json()
    assert sorted(i["id"] for i in city["items"]) == shucheng
    assert error_of(api.get("/items?county=atlantis", "city_reviewer")) == (400, "bad_request")
    by_phase = api.get("/items?type=application&state=mobilization", "supervisor").get_json()
    by_state = api.get("/items?type=application&state=mobilization.draft", "supervisor").get_json()
    assert by_phase["total"] == by_state["total"] == 5
    assert api.get("/items?state=acceptance", "supervisor").get_json()["total"] == 0
    row = mine["items"][0]
    assert set(row) == {"id", "type", "title", "county", "state", "version", "due_at", "overdue"}
    assert row["title"].startswith("市级电商示范村：示范村") and row["state"] == "mobilization.draft"


def test_overdue_filter_uses_the_levels_of_workflows_deadlines(app: Flask, api: Api) -> None:
    ids = make_applications(app, 5)
    set_due(app, {ids[0]: None, ids[1]: TODAY + timedelta(days=30), ids[2]: TODAY + timedelta(days=3),
                  ids[3]: TODAY - timedelta(days=2), ids[4]: TODAY - timedelta(days=45)})
    levels = {}
    for level in ("none", "due_soon", "overdue", "seriously_overdue"):
        r = api.get(f"/items?type=application&overdue={level}", "huoqiu_filer").get_json()
        levels[level] = sorted(i["id"] for i in r["items"])
        assert all(i["overdue"] == level for i in r["items"])
    assert levels == {"none": [ids[0], ids[1]], "due_soon": [ids[2]], "overdue": [ids[3]],
                      "seriously_overdue": [ids[4]]}


def test_sorting_puts_items_without_deadline_last(app: Flask, api: Api) -> None:
    ids = make_applications(app, 4)
    set_due(app, {ids[0]: date(2018, 9, 1), ids[1]: None, ids[2]: date(2018, 7, 20), ids[3]: date(2018, 9, 1)})
    asc = [i["id"] for i in api.get("/items?type=application&sort=due_at", "huoqiu_filer").get_json()["items"]]
    assert asc == [ids[2], ids[0], ids[3], ids[1]]
    desc = [i["id"] for i in api.get("/items?type=application&sort=-due_at", "huoqiu_filer").get_json()["items"]]
    assert desc == list(reversed(asc))
    upd = [i["id"] for i in api.get("/items?type=application&sort=-updated_at", "huoqiu_filer").get_json()["items"]]
    assert sorted(upd) == sorted(ids)


@pytest.mark.parametrize("sort", ["due_at", "-due_at", "updated_at", "-updated_at"])
def test_keyset_pages_match_one_big_page(app: Flask, api: Api, sort: str) -> None:
    ids = make_applications(app, 12)
    set_due(app, {ids[i]: (date(2018, 8, 1) + timedelta(days=i % 3) if i % 4 else None) for i in range(12)})
    query = f"sort={sort}"
    whole = [i["id"] for i in api.get(f"/items?{query}&per_page=100", "huoqiu_filer").get_json()["items"]]
    total = api.get(f"/items?{query}", "huoqiu_filer").get_json()["total"]
    assert len(whole) == min(total, 100)
    walked = walk(api, "huoqiu_filer", query, 7)
    assert walked == [i for i in walked if i in set(walked)] and len(set(walked)) == len(walked) == total
    assert walked[:len(whole)] == whole
    paged = []
    for page in range(1, 4):
        paged += [i["id"] for i in api.get(f"/items?{query}&per_page=7&page={page}", "huoqiu_filer")
                  .get_json()["items"]]
    assert paged == walked[:21]


def test_pagination_errors(api: Api) -> None:
    assert error_of(api.get("/items?per_page=101", "supervisor")) == (400, "bad_request")
    assert error_of(api.get("/items?per_page=0", "supervisor")) == (400, "bad_request")
    assert error_of(api.get("/items?page=abc", "supervisor")) == (400, "bad_request")
    assert error_of(api.get("/items?after=bm9wZQ", "supervisor")) == (400, "bad_request")
    nxt = api.get("/items?per_page=2&sort=due_at", "supervisor").get_json()["next"]
    assert nxt is not None
    assert error_of(api.get(f"/items?after={nxt}&sort=-updated_at", "supervisor")) == (400, "bad_request")
    assert error_of(api.get(f"/items?after={nxt}&page=2", "supervisor")) == (400, "bad_request")
    assert error_of(api.get("/items?sort=title", "supervisor")) == (400, "bad_request")
    assert error_of(api.get("/items?type=application&type=task", "supervisor")) == (400, "bad_request")


def test_a_list_costs_the_same_number_of_queries_for_5_and_50_items(app: Flask, api: Api) -> None:
    make_applications(app, 50)
    assert api.get("/me", "city_reviewer").status_code == 200  # the token's first use is recorded once
    counts = {}
    for n in (5, 50):
        with counted(app) as statements:
            r = api.get(f"/items?type=application&per_page={n}", "city_reviewer")
        assert r.status_code == 200 and len(r.get_json()["items"]) == n
        assert all(i["county"] == "huoqiu" for i in r.get_json()["items"])  # units came with the rows
        counts[n] = [s for s in statements if not s.startswith("BEGIN")]
    # token, units of the caller, count, the page with its units joined: nothing per row
    assert len(counts[5]) == len(counts[50]) <= 5, counts


def test_total_is_exact_up_to_the_cap_then_capped(app: Flask, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.items import queries

    monkeypatch.setattr(queries, "TOTAL_CAP", 3)
    ids = make_applications(app, 3)
    query = "type=application&county=huoqiu"
    at_cap = api.get(f"/items?{query}", "huoqiu_filer").get_json()
    assert (at_cap["total"], at_cap["total_capped"]) == (3, False)
    ids += make_applications(app, 2)
    over = api.get(f"/items?{query}&per_page=2", "huoqiu_filer").get_json()
    assert (over["total"], over["total_capped"]) == (3, True)
    # paging is not bounded by the cap: the cursor walks every item
    assert sorted(walk(api, "huoqiu_filer", query, 2)) == sorted(ids)
    other = api.get("/items?type=application&county=shucheng", "city_reviewer").get_json()
    assert (other["total"], other["total_capped"]) == (0, False)


def test_total_counts_exactly_a_thousand_and_caps_beyond(app: Flask, api: Api) -> None:
    from app.item_page.listing import filtered
    from app.items.queries import TOTAL_CAP, capped_count
    from tests.items.conftest import actor_of

    assert TOTAL_CAP == 1000
    make_applications(app, 4)
    with app.app_context():
        base = filtered(actor_of("city_reviewer"), {"type": "application"}, TODAY)
        assert capped_count(base, 4) == (4, False)
        assert capped_count(base, 3) == (3, True)
