"""Every read on the hot path filters by plan.

A province's deployment holds many plans, and a database spread by plan (Citus, README "Scaling out")
answers a query at one node only when the query names the plan. So each statement the busiest calls
run (lists, an item, a transition, the dashboards, the to-do list and the item page) that reads a
plan's table must compare ``plan_id`` to a value (or keep to the caller's region's plans, which is a
list of plan ids). Reads of an item's own rows (its audit chain, attachments, receipts) go by the
item's id, found under such a filter first; inserts carry their plan in the row. A new query that
forgets its plan fails here, naming the statement.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from app.extensions import db
from tests.api.conftest import Api
from tests.conftest import Auth

#: the tables that hold a plan's rows, found by their plan_id column (checked below against the models)
PLAN_TABLES = ("items", "item_counts", "item_due_counts", "targets", "indicators", "categories", "annex_tasks",
               "plan_phases", "score_weights", "opinion_rules", "task_assignments", "applications", "reports",
               "notices")
_READS = re.compile(r"\b(?:FROM|JOIN)\s+(" + "|".join(PLAN_TABLES) + r")\b", re.IGNORECASE)
#: plan_id compared to a bound value or a list of them, or the rows of the caller's region
_BY_PLAN = re.compile(r"plan_id\s*(?:=|IN)\s*(?:\?|%\(|\(|\$\d|__\[POSTCOMPILE)|plan_id\s*=\s*\(SELECT"
                      r"|plans\.region_code\s*=\s*\(SELECT", re.IGNORECASE)
#: reads of an item's own rows by its id (the item was found by plan first)
_BY_ITEM = re.compile(r"WHERE\s+(?:(?:\w+\.)?(?:id|item_id|notice_id)\s*(?:=|IN)\s*(?:\?|%\(|\(|\$\d|__\[POSTCOMPILE)"
                      r"|(?:\?|%\(\w+\)s(?:::\w+)?|\$\d)\s*=\s*\w+\.id\b)", re.IGNORECASE)


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def unscoped(seen: list[str]) -> list[str]:
    """The reads of plan tables that name no plan (and are not an item's own rows by its id)."""
    out = []
    for sql in seen:
        head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if head not in ("SELECT", "WITH") or not _READS.search(sql):
            continue
        if _BY_PLAN.search(sql) or _BY_ITEM.search(_main_where(sql)):
            continue
        out.append(sql)
    return out


def _main_where(sql: str) -> str:
    return sql[sql.upper().rfind("WHERE"):] if "WHERE" in sql.upper() else sql


def test_plan_tables_are_the_models_with_a_plan(app: Flask) -> None:
    with app.app_context():
        with_plan = {t.name for t in db.metadata.sorted_tables if "plan_id" in t.c}
    subtypes = {"task_assignments", "applications", "reports", "notices"}  # their plan is on items
    assert with_plan - {"user_plans"} <= set(PLAN_TABLES), with_plan - set(PLAN_TABLES)  # a user's choice is not a plan's row
    assert subtypes <= set(PLAN_TABLES)


def test_the_busiest_calls_read_by_plan(app: Flask, api: Api, auth: Auth, client: FlaskClient) -> None:
    made = api.create_application("huoqiu_filer")
    assert api.upload(made["id"]).status_code == 201
    api.get("/me", "huoqiu_filer"), api.get("/me", "city_reviewer")  # tokens' first use recorded beforehand
    with statements(app) as seen:
        assert api.get("/items?type=application&state=mobilization&sort=due_at", "city_reviewer").status_code == 200
        assert api.get("/items?type=task&overdue=none&per_page=50", "huoqiu_filer").status_code == 200
        item = api.get(f"/items/{made['id']}", "huoqiu_filer").get_json()
        assert api.fire(made["id"], "huoqiu_filer", "submit", item["version"]).status_code == 200
        assert api.get("/dashboard/quotas", "city_reviewer").status_code == 200
        assert api.get("/plans/current", "city_reviewer").status_code == 200
    assert seen and unscoped(seen) == [], "\n\n".join(unscoped(seen))


def test_the_busiest_screens_read_by_plan(app: Flask, api: Api, auth: Auth, client: FlaskClient) -> None:
    made = api.create_application("huoqiu_filer")
    auth.login("city_reviewer")
    with statements(app) as seen:
        for path in ("/", f"/items/{made['id']}", "/dashboard", "/dashboard/matrix", "/dashboard/overdue",
                     "/dashboard/items?county=huoqiu"):
            assert client.get(path).status_code == 200, path
    assert seen and unscoped(seen) == [], "\n\n".join(unscoped(seen))


def test_the_check_tells_a_read_by_plan_from_one_without() -> None:
    forgot = "SELECT items.id FROM items WHERE items.state = ? ORDER BY items.due_on"
    assert unscoped([forgot, "SELECT items.id FROM items WHERE items.plan_id = ? AND items.state = ?",
                     "SELECT n FROM item_counts WHERE item_counts.plan_id IN (__[POSTCOMPILE_plan_id_1])",
                     "SELECT audit_events.seq FROM audit_events WHERE audit_events.item_id = ?",
                     "SELECT applications.fields FROM applications WHERE ? = applications.id",
                     "SELECT applications.fields FROM applications WHERE %(param_1)s::INTEGER = applications.id",
                     "INSERT INTO items (plan_id, type) VALUES (?, ?)"]) == [forgot]
