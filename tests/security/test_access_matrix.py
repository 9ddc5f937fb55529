"""An access matrix over every screen route: enumerated from the app's URL map, so a new route
without a rule here fails the test.

Checked for each route: without a session (redirect to sign-in, or the public page); with another
county's item (404, and nothing of the item in the body); admin-only routes (403 for every other
role); and every signed-in GET route for every role, on its own county's item, another county's, a
department's task and notices, with the exact status. The JSON API has its own matrix
(tests/security/test_api_matrix.py).
"""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import DEMO_PASSWORD
from tests.helpers import csrf_token
from tests.security.world import matrix_world

PUBLIC = {"auth.login", "notices_public.verify", "auth.set_language", "static"}
ADMIN_ONLY = {"admin.units", "admin.edit_unit", "admin.users", "admin.edit_user", "admin.user_active",
              "admin.user_password", "admin.new_user", "admin.log", "ledger.plan_import", "ledger.plan_import_confirm",
              "calendar.calendar", "calendar.calendar_delete", "notices.issuer"}
ITEM_ROUTES = {"screens.item_page", "notices.acknowledge", "screens.act", "screens.diagram", "filing.edit_item",
               "extension_requests.ask", "attachments.upload", "attachments.download", "attachments.delete_file",
               "notices.notice_pdf", "notices.notice_preview", "screens.print_view", "dashboards.remind_item",
               "notices.edit_notice"}
SIGNED_IN = {
    "home.index", "auth.change_password", "auth.logout", "bulk.bulk_confirm", "bulk.bulk_preview",
    "dashboards.board", "dashboards.items", "dashboards.matrix", "dashboards.overdue", "dashboards.remind",
    "dashboards.quota_hint_json", "dashboards.board_data", "dashboards.trends_page", "dashboards.trends_data",
    "delegations.index", "delegations.revoke", "worklists.done", "worklists.mine", "worklists.todo",
    "worklists.all_items",
    "extension_requests.pending", "extension_requests.decide", "filing.new_application", "notices.new_notice",
    "ledger.download", "notices.draft_from_facts", "notifications.index", "notifications.open_one",
    "notifications.read_all", "reports.index", "reports.detail", "reports.save_figures", "reports.transition",
    "reports.open_reports", "reports.upload_file", "reports.delete_file", "opinions.phrases", "opinions.settings",
    "scores.board", "scores.export", "scores.weights", "extension_requests.endorse", "workflow_settings.switches",
    "auth.choose_plan",
}
RULES = PUBLIC | ADMIN_ONLY | ITEM_ROUTES | SIGNED_IN


def screen_rules(app: Flask) -> list:
    return [r for r in app.url_map.iter_rules() if not r.rule.startswith("/api/")]


def fill(rule, item_id: int) -> str:
    path = rule.rule.replace("<int:item_id>", str(item_id)).replace("<code>", "AAAA-BBBB")
    return re.sub(r"<int:\w+>", "1", path)


def sign_in(client: FlaskClient, username: str) -> str:
    token = csrf_token(client, "/login")
    assert client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return csrf_token(client, "/account/password")


def test_every_screen_route_has_a_rule(app: Flask) -> None:
    missing = sorted({r.endpoint for r in screen_rules(app)} - RULES)
    assert missing == [], f"routes without an access rule: {missing}"


def test_without_a_session_everything_but_public_pages_asks_to_sign_in(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client, "/login")  # a valid CSRF token, so POSTs reach the sign-in check
    for rule in screen_rules(app):
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path = fill(rule, 1)
            response = client.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
            assert response.status_code == 302, (method, path, response.status_code)
            assert response.headers["Location"].startswith("/login"), (method, path)


def test_another_countys_item_is_not_found_on_every_item_route(app: Flask, new_application) -> None:
    with app.app_context():
        from app.extensions import db

        item_id = new_application(site="保密村")
        db.session.commit()
    client = app.test_client()
    token = sign_in(client, "shucheng_filer")
    for rule in screen_rules(app):
        if rule.endpoint not in ITEM_ROUTES:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path = fill(rule, item_id)
            response = client.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
            assert response.status_code == 404, (method, path, response.status_code)
            assert "保密村" not in response.get_data(as_text=True), (method, path)
    own = app.test_client()
    sign_in(own, "huoqiu_filer")
    assert "保密村" in own.get(f"/items/{item_id}").get_data(as_text=True)


@pytest.mark.parametrize("username", ["huoqiu_filer", "huoqiu_reviewer", "city_reviewer", "office_approver",
                                      "supervisor", "commerce_filer"])
def test_admin_screens_refuse_everyone_else(app: Flask, username: str) -> None:
    client = app.test_client()
    token = sign_in(client, username)
    for rule in screen_rules(app):
        if rule.endpoint not in ADMIN_ONLY:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path = fill(rule, 1)
            response = client.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
            assert response.status_code == 403, (username, method, path, response.status_code)


def test_admin_reaches_the_admin_screens(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, "admin")
    for path in ("/admin/users", "/admin/units", "/admin/users/new", "/admin/units/new", "/admin/plan-import"):
        assert client.get(path).status_code == 200, path


# -- every signed-in GET route × every role × own / other / department / notice targets --------------

ROLE_USERS = {"county_filer": "huoqiu_filer", "county_reviewer": "huoqiu_reviewer",
              "city_reviewer": "city_reviewer", "office_approver": "office_approver", "supervisor": "supervisor",
              "admin": "admin", "dept_filer": "commerce_filer"}
CITY_WIDE = {"city_reviewer", "office_approver", "supervisor", "admin"}
COUNTY = {"county_filer", "county_reviewer"}
#: who may see each target item
TARGETS = {
    "own_application": COUNTY | CITY_WIDE,      # huoqiu's draft application, with evidence
    "other_application": CITY_WIDE,             # shucheng's
    "own_task": COUNTY | CITY_WIDE,             # a huoqiu task assignment, with its plan attached
    "dept_task": CITY_WIDE | {"dept_filer"},    # a commerce task assignment
    "draft_notice": CITY_WIDE,
    "issued_notice": set(ROLE_USERS),           # sent to every county and department
}
#: GET routes outside the items, by who gets 200 (everyone else: 403)
ROLE_PAGES = {"filing.new_application": {"county_filer"}, "notices.new_notice": {"city_reviewer", "office_approver"},
              "scores.weights": {"office_approver", "admin"}, "opinions.settings": {"office_approver", "admin"},
              "workflow_settings.switches": {"office_approver", "admin"}}
#: GET routes whose answer does not depend on the role
FIXED = {"auth.login": 302, "reports.detail": 404}  # signed in → home; /reports/<an application's id> is no report


def expected_screen(endpoint: str, role: str, target: str | None) -> int:
    """The exact status of a GET, signed in as ``role`` (a new GET route fails here until it has a rule)."""
    if target is None:
        if endpoint in ADMIN_ONLY:
            return 200 if role == "admin" else 403
        if endpoint in ROLE_PAGES:
            return 200 if role in ROLE_PAGES[endpoint] else 403
        if endpoint in FIXED:
            return FIXED[endpoint]
        if endpoint == "notices_public.verify":
            return 200  # filled with the issued notice's code
        assert endpoint in SIGNED_IN, f"no role rule for GET {endpoint}"
        return 200
    if role not in TARGETS[target]:
        return 404
    if endpoint in ("screens.item_page", "screens.diagram", "screens.print_view"):
        return 200
    if endpoint == "attachments.download":
        return 404 if "notice" in target else 200
    if endpoint in ("notices.notice_pdf", "notices.notice_preview"):
        return 200 if "notice" in target else 404
    if endpoint == "filing.edit_item":
        if "notice" in target:
            return 307  # a notice's text is edited on the notice's own form, which this hands the request to
        return 200 if role == "county_filer" and target == "own_application" else 302  # others: back to the item
    if endpoint == "notices.edit_notice":
        if "notice" not in target:
            return 404
        # the city's reviewer and the office (head) draft and edit notices; the office signs them
        return 200 if role in ("city_reviewer", "office_approver") and target == "draft_notice" else 302
    raise AssertionError(f"no role rule for item route {endpoint}")


#: who sees a draft but may not edit it: the edit form sends them back to the item page
NON_EDITORS: dict[tuple[str, str, str | None], str] = {
    **{("filing.edit_item", role, "own_application"): "not the filer of this draft"
       for role in COUNTY | CITY_WIDE - {"county_filer"}},
    **{("filing.edit_item", role, "other_application"): "not the filer of this draft"
       for role in CITY_WIDE},
    **{("notices.edit_notice", role, "draft_notice"): "not a drafter of notices"
       for role in CITY_WIDE - {"city_reviewer", "office_approver"}},
}


def _get(client: FlaskClient, path: str) -> tuple[int, str]:
    """The status and (for an error) the body of a GET; a server error the test client re-raises counts as 500."""
    try:
        response = client.get(path)
    except Exception:  # noqa: BLE001
        return 500, ""
    body = response.get_data(as_text=True) if response.status_code >= 400 else ""
    response.close()  # a download streams its file
    return response.status_code, body


def _get_status(client: FlaskClient, path: str) -> int:
    return _get(client, path)[0]


def _cells(app: Flask, world: dict, role: str, client: FlaskClient):
    """(endpoint, target, path) of every signed-in GET route for one role."""
    for rule in screen_rules(app):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if rule.endpoint in ITEM_ROUTES:
            for target, item_id in world["ids"].items():
                path = rule.rule.replace("<int:item_id>", str(item_id))
                path = path.replace("<int:attachment_id>", str(world["atts"].get(target, 1)))
                yield rule.endpoint, target, path
            continue
        path = rule.rule.replace("<code>", world["code"])
        path = path.replace("<int:report_id>", str(world["ids"]["own_application"]))
        yield rule.endpoint, None, re.sub(r"<int:\w+>", "1", path)


def test_every_get_route_gives_the_exact_code_for_every_role(sqlite_app: Flask) -> None:
    world = matrix_world(sqlite_app)
    wrong = []
    for role, username in ROLE_USERS.items():
        client = sqlite_app.test_client()
        sign_in(client, username)
        for endpoint, target, path in _cells(sqlite_app, world, role, client):
            want, (got, body) = expected_screen(endpoint, role, target), _get(client, path)
            if want != got:
                wrong.append((role, endpoint, target, path, want, got))
            assert "保密村" not in body, (role, path)
    assert wrong == [], "role, endpoint, target, path, expected, got: " + repr(wrong)


def test_the_edit_form_is_only_for_who_may_edit(sqlite_app: Flask) -> None:
    from app.extensions import db
    from app.notices.operations import create_notice
    from tests.screens.support import actor, make_application

    with sqlite_app.app_context():
        ids = {"own_application": make_application("huoqiu"),
               "draft_notice": create_notice(actor("city_reviewer"), "criticism", {"title": "t"}).id}
        db.session.commit()
        db.session.remove()
    ids["other_application"] = ids["own_application"]  # for the city's roles: a county's draft is a draft
    wrong, clients = [], {}
    for (endpoint, role, target), _reason in NON_EDITORS.items():
        if endpoint not in ("filing.edit_item", "notices.edit_notice"):
            continue
        if role not in clients:
            clients[role] = sqlite_app.test_client()
            sign_in(clients[role], ROLE_USERS[role])
        client = clients[role]
        path = f"/notices/{ids[target]}/edit" if endpoint == "notices.edit_notice" else f"/items/{ids[target]}/edit"
        got = _get_status(client, path)
        if got != expected_screen(endpoint, role, target):
            wrong.append((role, target, got))
    assert wrong == []
