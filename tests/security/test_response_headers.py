"""Issue 13, item 13: a text download carries one charset, and nothing behind sign-in may be kept by a
browser or a proxy (``Cache-Control: no-store`` on every page, JSON answer and download), so a shared
office computer's back button shows nothing after sign-out."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import Api
from tests.conftest import DEMO_PASSWORD
from tests.helpers import csrf_token

TEXT = "自查情况说明\n第二行".encode()
#: parameterless GET routes whose answer is not a page (they need parameters to do anything useful)
SKIP = {"/api/v1/openapi.json"}


def _signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_token(client, "/login")
    assert client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return client


def _no_store(response: Any) -> bool:
    directives = {d.strip().lower() for d in response.headers.get("Cache-Control", "").split(",")}
    return "no-store" in directives and "public" not in directives


def test_a_text_download_has_one_charset(app: Flask, client: FlaskClient) -> None:
    api = Api(client)
    item = api.create_application()
    uploaded = api.upload(item["id"], content=TEXT, name="说明.txt")
    assert uploaded.status_code == 201 and uploaded.get_json()["content_type"] == "text/plain; charset=utf-8"
    attachment = uploaded.get_json()["id"]
    from_api = api.get(f"/items/{item['id']}/attachments/{attachment}", "huoqiu_filer")
    screen = _signed_in(app, "huoqiu_filer").get(f"/items/{item['id']}/files/{attachment}")
    for response in (from_api, screen):
        with response:
            assert response.status_code == 200 and response.data == TEXT
            assert response.headers["Content-Type"] == "text/plain; charset=utf-8", response.headers["Content-Type"]
            assert _no_store(response)


@pytest.mark.parametrize("username", ["admin", "huoqiu_filer", "city_reviewer"])
def test_every_screen_and_api_answer_behind_sign_in_is_no_store(sqlite_app: Flask, username: str) -> None:
    """Every parameterless GET route, signed in (screens) or with a token (API), whatever its status."""
    client = _signed_in(sqlite_app, username)
    bearer = {"Authorization": "Bearer " + Api(sqlite_app.test_client()).token(username)}
    rules = [r.rule for r in sqlite_app.url_map.iter_rules()
             if "GET" in (r.methods or ()) and not r.arguments and r.endpoint != "static" and r.rule not in SKIP]
    assert len(rules) > 25
    missing = []
    for rule in rules:
        with client.get(rule, headers=bearer if rule.startswith("/api/") else None) as response:
            if not _no_store(response):
                missing.append((rule, response.status_code, response.headers.get("Cache-Control")))
    assert not missing, missing
    # an item page and a JSON error too
    item_page = client.get("/items/1")
    assert item_page.status_code in (200, 404) and _no_store(item_page)
    assert _no_store(client.get("/api/v1/items/999999", headers=bearer))


def test_after_sign_out_the_back_button_has_nothing_to_show(sqlite_app: Flask) -> None:
    client = _signed_in(sqlite_app, "huoqiu_filer")
    page = client.get("/todo")
    assert page.status_code == 200 and _no_store(page)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/todo").status_code == 302


def test_static_files_may_still_be_cached(sqlite_app: Flask) -> None:
    with sqlite_app.test_client().get("/static/css/plandesk.css") as css:
        assert css.status_code == 200 and "no-store" not in css.headers.get("Cache-Control", "")
