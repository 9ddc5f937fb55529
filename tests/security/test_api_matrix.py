"""An access matrix over every JSON API route, enumerated from the app's URL map: a new /api/v1 route
without a rule here fails the test.

Checked: without a token (and with a bad one) every route but the public ones answers 401 JSON; for
every GET route, each demo role gets the exact code on its own county's item, another county's item,
a department's task, a draft and an issued notice (200 where it may see the item, 404 otherwise, never
403); role-restricted routes answer 403 to the other roles; item-bound writes on another county's
item answer 404; and no list a county or department role receives carries another county's data.
"""
from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.api.conftest import PDF, PREFIX, Api, error_of
from tests.security.world import matrix_world

#: the user each role is tried as (a county's roles are huoqiu's; the department is commerce)
ROLE_USERS = {"county_filer": "huoqiu_filer", "county_reviewer": "huoqiu_reviewer",
              "city_reviewer": "city_reviewer", "office_approver": "office_approver", "supervisor": "supervisor",
              "admin": "admin", "dept_filer": "commerce_filer"}
CITY_WIDE = {"city_reviewer", "office_approver", "supervisor", "admin"}
COUNTY = {"county_filer", "county_reviewer"}

# -- the rules: every /api/v1 endpoint is in exactly one group -----------------------------------

PUBLIC = {"api.openapi_json", "api.create_token"}
#: GET routes any signed-in role reads (their content is filtered, checked below)
OPEN_GETS = {"api.me", "api.current_plan", "api.list_plans", "api.get_items", "api.get_quotas", "api.get_ledger", "api.get_scores"}
#: GET routes on one item: 200 where the caller may see it, else 404
ITEM_GETS = {"api.get_item", "api.get_attachment", "api.get_notice_pdf"}
#: writes on one item: another county's item is 404 before anything else
ITEM_WRITES = {"api.patch_item", "api.post_attachment", "api.remove_attachment", "api.post_transition"}
#: creates and account calls, with the roles allowed (checked in test_role_restricted_writes)
ROLE_WRITES = {"api.post_application", "api.post_notice", "api.post_draft_from_facts", "api.revoke_tokens",
               "api.delete_token"}
RULES = PUBLIC | OPEN_GETS | ITEM_GETS | ITEM_WRITES | ROLE_WRITES

#: the targets every item route is tried on; who may see each
TARGETS: dict[str, Callable[[str], bool]] = {
    "own_application": lambda role: role in COUNTY | CITY_WIDE,
    "other_application": lambda role: role in CITY_WIDE,
    "own_task": lambda role: role in COUNTY | CITY_WIDE,
    "dept_task": lambda role: role == "dept_filer" or role in CITY_WIDE,
    "draft_notice": lambda role: role in CITY_WIDE,
    "issued_notice": lambda role: True,  # sent to every county and department
}
#: names only another county's items carry (county names themselves are in the plan's public task texts)
OTHER_COUNTY_SECRETS = ("保密村", "保密二村")


def body_text(response) -> str:
    """The body as readable text: JSON decoded (its \\u escapes would hide any Chinese name)."""
    if response.mimetype == "application/json":
        return json.dumps(response.get_json(), ensure_ascii=False)
    return response.get_data(as_text=True)


def api_rules(app: Flask) -> list:
    return [r for r in app.url_map.iter_rules() if r.rule.startswith(PREFIX + "/")]


def methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def fill(rule, item_id: int = 1, attachment_id: int = 1, username: str = "huoqiu_filer") -> str:
    path = rule.rule[len(PREFIX):]
    path = path.replace("<int:item_id>", str(item_id)).replace("<int:notice_id>", str(item_id))
    path = path.replace("<int:attachment_id>", str(attachment_id)).replace("<username>", username)
    assert "<" not in path, f"no filler for {rule.rule}: add one here and a rule above"
    return path


def test_every_api_route_has_a_rule(app: Flask) -> None:
    endpoints = {r.endpoint for r in api_rules(app)}
    assert sorted(endpoints - RULES) == [], "API routes without an access rule"
    assert sorted(RULES - endpoints) == [], "rules for API routes that no longer exist"
    assert sorted(OPEN_GETS | ITEM_GETS) == sorted(r.endpoint for r in api_rules(app) if "GET" in r.methods
                                                   and r.endpoint not in PUBLIC)


def test_without_a_token_every_route_but_the_public_ones_is_401(app: Flask) -> None:
    api = Api(app.test_client())
    for rule in api_rules(app):
        for method in methods(rule):
            path = fill(rule)
            if rule.endpoint in PUBLIC:
                continue
            for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"}):
                response = api.call(method, path, headers=headers, json={} if method in ("POST", "PATCH") else None)
                assert error_of(response) == (401, "unauthorized"), (method, path, headers, response.status_code)
    assert api.get("/openapi.json").status_code == 200
    assert api.post("/auth/token", json={"username": "huoqiu_filer", "password": "wrong"}).status_code == 401


# -- the role matrix (its items: tests/security/world.py) ---------------------------------------

def expected_get(endpoint: str, role: str, target: str) -> int:
    visible = TARGETS[target](role)
    if endpoint == "api.get_item":
        return 200 if visible else 404
    if endpoint == "api.get_attachment":
        return 200 if visible and "notice" not in target else 404  # notices carry no attachment here
    if endpoint == "api.get_notice_pdf":
        return 200 if visible and "notice" in target else 404
    raise AssertionError(endpoint)


def test_every_get_route_for_every_role_and_target(sqlite_app: Flask) -> None:
    world = matrix_world(sqlite_app)
    api = Api(sqlite_app.test_client())
    rules = [r for r in api_rules(sqlite_app) if "GET" in r.methods]
    table: list[tuple[str, str, str, int, int]] = []
    for role, username in ROLE_USERS.items():
        for rule in rules:
            if rule.endpoint in PUBLIC:
                continue
            if rule.endpoint in OPEN_GETS:
                response = api.get(fill(rule), username)
                table.append((role, rule.endpoint, "-", 200, response.status_code))
                continue
            for target, item_id in world["ids"].items():
                response = api.get(fill(rule, item_id, world["atts"].get(target, 1)), username)
                want = expected_get(rule.endpoint, role, target)
                table.append((role, rule.endpoint, target, want, response.status_code))
                if response.status_code == 404:
                    assert error_of(response) == (404, "not_found")
                    assert "保密村" not in body_text(response)
        # another item's attachment id never opens through this item
        crossed = api.get(f"/items/{world['ids']['own_application']}/attachments/"
                          f"{world['atts']['other_application']}", username)
        table.append((role, "api.get_attachment", "own item, other's attachment", 404, crossed.status_code))
    wrong = [row for row in table if row[3] != row[4]]
    assert wrong == [], "role, endpoint, target, expected, got: " + json.dumps(wrong, ensure_ascii=False)


def test_item_writes_on_another_countys_item_are_404(sqlite_app: Flask) -> None:
    world = matrix_world(sqlite_app)
    api = Api(sqlite_app.test_client())
    other, att = world["ids"]["other_application"], world["atts"]["other_application"]
    bodies: dict[str, dict[str, Any]] = {
        "PATCH": {"json": {"version": 1, "site_name": "改名"}},
        "POST": {"json": {"trigger": "submit", "version": 1}},
        "DELETE": {},
    }
    for username in ("huoqiu_filer", "huoqiu_reviewer", "commerce_filer"):
        for rule in api_rules(sqlite_app):
            if rule.endpoint not in ITEM_WRITES:
                continue
            for method in methods(rule):
                kwargs = dict(bodies[method])
                if rule.endpoint == "api.post_attachment":
                    kwargs = {"data": {"file": (io.BytesIO(PDF), "x.pdf")}, "content_type": "multipart/form-data"}
                response = api.call(method, fill(rule, other, att), username, **kwargs)
                assert error_of(response) == (404, "not_found"), (username, method, rule.rule)
                assert "保密村" not in body_text(response)
    # nothing changed
    assert api.get(f"/items/{other}", "city_reviewer").get_json()["version"] == 1


ROLE_WRITE_CASES = [
    # (endpoint, method, path, body, roles that succeed, success code)
    ("api.post_application", "POST", "/applications",
     {"category": "provincial_demo_village", "county": "huoqiu", "site_name": "新村"}, {"county_filer"}, 201),
    ("api.post_notice", "POST", "/notices",
     {"kind": "criticism", "title": "t", "addressees": "a", "body": "b", "subject_units": ["huoqiu"]},
     {"city_reviewer", "office_approver"}, 201),
    # past the role check, a fresh plan has nobody to criticize: 422 guard_failed, not 403
    ("api.post_draft_from_facts", "POST", "/notices/draft-from-facts", {"kind": "criticism"},
     {"city_reviewer", "office_approver"}, 422),
    ("api.revoke_tokens", "POST", "/admin/users/jinzhai_filer/revoke-tokens", None, {"admin"}, 200),
]


def test_role_restricted_writes(sqlite_app: Flask) -> None:
    api = Api(sqlite_app.test_client())
    assert sorted({c[0] for c in ROLE_WRITE_CASES} | {"api.delete_token"}) == sorted(ROLE_WRITES)
    wrong = []
    for endpoint, method, path, body, allowed, code in ROLE_WRITE_CASES:
        for role, username in ROLE_USERS.items():
            response = api.call(method, path, username, json=body)
            want = code if role in allowed else 403
            if response.status_code != want:
                wrong.append((endpoint, role, want, response.status_code))
            elif want == 403:
                assert error_of(response) == (403, "not_permitted")
    assert wrong == []
    # a county filer creating for another county is 403 (a create reveals nothing)
    r = api.post("/applications", "huoqiu_filer",
                 json={"category": "provincial_demo_village", "county": "shucheng", "site_name": "越界村"})
    assert error_of(r) == (403, "not_permitted")
    # every role may revoke its own token, which then stops working
    for username in ROLE_USERS.values():
        assert api.delete("/auth/token", username).status_code in (200, 204)
        assert error_of(api.get("/me", username)) == (401, "unauthorized")


def _titles_and_counties(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(row["title"], row["county"]) for row in body["items"]]


@pytest.mark.parametrize("username,unit", [("huoqiu_filer", "huoqiu"), ("huoqiu_reviewer", "huoqiu"),
                                           ("commerce_filer", None)])
def test_lists_carry_no_other_countys_data(app: Flask, username: str, unit: str | None) -> None:
    from tests.screens.support import make_application

    with app.app_context():
        make_application("shucheng", site="保密村")
        make_application("shucheng", "mobilization.city_review", site="保密二村")
        make_application("huoqiu", site="自家村")
    api = Api(app.test_client())
    seen: list[tuple[str, str | None]] = []
    after: str | None = None
    while True:
        r = api.get("/items", username, query_string={"per_page": 100, **({"after": after} if after else {})})
        assert r.status_code == 200
        seen += _titles_and_counties(r.get_json())
        body = body_text(r)
        for secret in OTHER_COUNTY_SECRETS:
            assert secret not in body, (username, secret)
        after = r.get_json()["next"]
        if not after:
            break
    assert seen, "the caller sees nothing at all"
    assert {county for _t, county in seen} <= {unit, None}, sorted({c for _t, c in seen})
    for query in ({"county": "shucheng"}, {"type": "application"}, {"state": "mobilization"}, {"overdue": "overdue"}):
        r = api.get("/items", username, query_string=query)
        assert r.status_code == 200 and all(c in (unit, None) for _t, c in _titles_and_counties(r.get_json()))
        assert "保密" not in body_text(r)
    quotas = api.get("/dashboard/quotas", username)
    assert quotas.status_code == 200
    if unit is not None:  # a county's users get their own rows only (departments read the city's board)
        assert {row["county"] for row in quotas.get_json()} == {unit}
    ledger = api.get("/exports/ledger.xlsx", username)
    assert ledger.status_code == 200
    sheets = _xlsx_sheets(ledger.data)
    assert not any("保密" in str(cell) for rows in sheets.values() for row in rows for cell in row if cell)
    tasks = sheets["工作台账"]
    responsible = {row[tasks[0].index("责任单位")] for row in tasks[1:]}
    assert responsible == {UNIT_NAMES[unit or "commerce"]}, responsible
    if unit is not None:  # the indicator sheet: the county's own rows and the city's totals
        figures = sheets["指标完成情况"]
        assert {row[figures[0].index("县区")] for row in figures[1:]} <= {UNIT_NAMES[unit], "全市"}


UNIT_NAMES = {"huoqiu": "霍邱县", "commerce": "市商务局"}


def _xlsx_sheets(data: bytes) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def test_own_and_other_county_on_both_backends(app: Flask) -> None:
    from tests.screens.support import make_application

    with app.app_context():
        own = make_application("huoqiu", site="自家村")
        other = make_application("shucheng", site="保密村")
    api = Api(app.test_client())
    for username in ("huoqiu_filer", "huoqiu_reviewer"):
        assert api.get(f"/items/{own}", username).status_code == 200
        r = api.get(f"/items/{other}", username)
        assert error_of(r) == (404, "not_found") and "保密村" not in body_text(r)
    for username in ("city_reviewer", "office_approver", "supervisor", "admin"):
        assert api.get(f"/items/{other}", username).get_json()["title"].endswith("保密村")
    assert error_of(api.get(f"/items/{own}", "commerce_filer")) == (404, "not_found")
    assert "保密村" in body_text(api.get("/items?county=shucheng", "supervisor"))
