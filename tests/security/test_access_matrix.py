"""An access matrix over every screen route: enumerated from the app's URL map, so a new route
without a rule here fails the test.

Checked for each route: without a session (redirect to sign-in, or the public page); with another
county's item (404, and nothing of the item in the body); admin-only routes (403 for every other
role). The JSON API has its own matrix in tests/api.
"""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import DEMO_PASSWORD
from tests.helpers import csrf_token

PUBLIC = {"auth.login", "notices_public.verify", "auth.set_language", "static"}
ADMIN_ONLY = {"admin.units", "admin.edit_unit", "admin.users", "admin.edit_user", "admin.user_active",
              "admin.user_password", "admin.new_user", "ledger.plan_import", "ledger.plan_import_confirm"}
ITEM_ROUTES = {"screens.item_page", "screens.acknowledge", "screens.act", "screens.diagram", "filing.edit_item",
               "extension_requests.ask", "screens.upload", "screens.download", "screens.delete_file",
               "screens.notice_pdf", "screens.print_view", "screens.remind"}
SIGNED_IN = {
    "home.index", "auth.change_password", "auth.logout", "bulk.bulk_confirm", "bulk.bulk_preview",
    "dashboards.board", "dashboards.items", "dashboards.matrix", "dashboards.overdue", "dashboards.remind",
    "dashboards.quota_hint_json", "dashboards.board_data", "dashboards.trends_page", "dashboards.trends_data",
    "delegations.index", "delegations.revoke", "worklists.done", "worklists.mine", "worklists.todo",
    "extension_requests.pending", "extension_requests.decide", "filing.new_application", "filing.new_notice",
    "ledger.download", "notices.draft_from_facts", "notifications.index", "notifications.open_one",
    "notifications.read_all", "reports.index", "reports.detail", "reports.save_figures", "reports.transition",
    "reports.open_reports",
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
