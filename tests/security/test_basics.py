"""Security basics: no session fixation, secrets never logged, the password policy, HSTS only behind
TLS, and no way to make an administrator from the web without being one."""
from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from tests.conftest import DEMO_PASSWORD
from tests.helpers import csrf_token

NEW_PASSWORD = "Secret9Horse4Battery"


def _users(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_sign_in_starts_a_fresh_session(sqlite_app: Flask) -> None:
    """Whatever a visitor's session held before sign-in (a planted value) is gone after it."""
    client = sqlite_app.test_client()
    token = csrf_token(client, "/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by-an-attacker"
        before = dict(sess)
    response = client.post("/login", data={"username": "huoqiu_filer", "password": DEMO_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    with client.session_transaction() as sess:
        after = dict(sess)
    assert "planted" in before and "planted" not in after
    assert after.get("_user_id") and after.get("csrf_token") != before.get("csrf_token")


def test_passwords_tokens_and_the_secret_key_are_never_logged(sqlite_app: Flask,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    """Everything PlanDesk and SQLAlchemy log (every statement with its parameters included) while
    signing in, failing to, changing a password and using an API token holds none of them."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    client = sqlite_app.test_client()
    token = csrf_token(client, "/login")
    client.post("/login", data={"username": "huoqiu_filer", "password": "wrong-Password1", "csrf_token": token})
    client.post("/login", data={"username": "huoqiu_filer", "password": DEMO_PASSWORD, "csrf_token": token})
    form = csrf_token(client, "/account/password")
    changed = client.post("/account/password", data={"current": DEMO_PASSWORD, "new": NEW_PASSWORD,
                                                     "confirm": NEW_PASSWORD, "csrf_token": form})
    assert changed.status_code == 302
    issued = client.post("/api/v1/auth/token", json={"username": "huoqiu_reviewer", "password": DEMO_PASSWORD})
    bearer = issued.get_json()["token"]
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {bearer}"})
    client.post("/api/v1/auth/token", json={"username": "huoqiu_reviewer", "password": "not-it-1"})
    assert len(caplog.records) > 20, "too little was logged for the check below to mean anything"
    logged = caplog.text
    for secret in (DEMO_PASSWORD, NEW_PASSWORD, "wrong-Password1", "not-it-1", bearer,
                   sqlite_app.config["SECRET_KEY"]):
        assert secret not in logged


@pytest.mark.parametrize(("new", "reason"), [
    ("short1", "密码至少需要 8 个字符"),
    ("onlyletters", "密码必须同时包含字母和数字"),
    ("1234567890", "密码必须同时包含字母和数字"),
])
def test_the_password_policy_refuses_weak_passwords(sqlite_app: Flask, new: str, reason: str) -> None:
    client = sqlite_app.test_client()
    token = csrf_token(client, "/login")
    client.post("/login", data={"username": "huoqiu_filer", "password": DEMO_PASSWORD, "csrf_token": token})
    form = csrf_token(client, "/account/password")
    refused = client.post("/account/password", data={"current": DEMO_PASSWORD, "new": new, "confirm": new,
                                                     "csrf_token": form})
    assert refused.status_code == 200 and reason in refused.get_data(as_text=True)
    # the old password still signs in; the weak one does not
    fresh = sqlite_app.test_client()
    token = csrf_token(fresh, "/login")
    assert fresh.post("/login", data={"username": "huoqiu_filer", "password": new,
                                      "csrf_token": token}).status_code == 200
    assert fresh.post("/login", data={"username": "huoqiu_filer", "password": DEMO_PASSWORD,
                                      "csrf_token": token}).status_code == 302


def test_hsts_only_behind_tls(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://plandesk.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("who", [None, "huoqiu_filer", "city_reviewer", "office_approver"])
def test_no_administrator_is_made_from_the_web_without_one(sqlite_app: Flask, who: str | None) -> None:
    """No sign-up page exists, and the user form refuses everyone but an administrator."""
    public_posts = {r.endpoint for r in sqlite_app.url_map.iter_rules()
                    if "POST" in (r.methods or ()) and r.endpoint in ("auth.login", "auth.set_language")}
    assert public_posts == {"auth.login", "auth.set_language"}
    assert not [r.rule for r in sqlite_app.url_map.iter_rules()
                if any(w in r.rule for w in ("register", "signup", "sign-up", "setup", "bootstrap"))]
    client = sqlite_app.test_client()
    token = csrf_token(client, "/login")
    if who is not None:
        client.post("/login", data={"username": who, "password": DEMO_PASSWORD, "csrf_token": token})
        token = csrf_token(client, "/account/password")
    before = _users(sqlite_app)
    response = client.post("/admin/users/new", data={
        "username": "mallory", "display_name": "Mallory", "role": "admin", "password": NEW_PASSWORD,
        "csrf_token": token})
    assert response.status_code in (302, 403)
    if who is None:
        assert "/login" in response.headers["Location"]
    assert _users(sqlite_app) == before
    with sqlite_app.app_context():
        assert db.session.scalar(select(User).where(User.username == "mallory")) is None


def _signed_in(app: Flask, username: str, password: str = DEMO_PASSWORD) -> FlaskClient:
    client = app.test_client()
    token = csrf_token(client, "/login")
    assert client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token}).status_code == 302
    return client


def test_changing_the_password_keeps_this_session_and_ends_the_others(sqlite_app: Flask) -> None:
    here, elsewhere = _signed_in(sqlite_app, "huoqiu_filer"), _signed_in(sqlite_app, "huoqiu_filer")
    form = csrf_token(here, "/account/password")
    changed = here.post("/account/password", data={"current": DEMO_PASSWORD, "new": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD, "csrf_token": form})
    assert changed.status_code == 302 and changed.headers["Location"].endswith("/")
    assert here.get("/").status_code == 200
    assert "/login" in elsewhere.get("/").headers["Location"]
    _signed_in(sqlite_app, "huoqiu_filer", NEW_PASSWORD)
    stale = sqlite_app.test_client()
    token = csrf_token(stale, "/login")
    assert stale.post("/login", data={"username": "huoqiu_filer", "password": DEMO_PASSWORD,
                                      "csrf_token": token}).status_code == 200
