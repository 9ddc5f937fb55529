"""Bearer tokens: random, stored hashed, expiring, revocable; the token endpoint is throttled."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from app.auth.tokens_models import ApiToken
from app.auth.models import LoginAttempt, User
from app.clock import utcnow
from app.extensions import db
from tests.api.conftest import Api, error_of
from tests.conftest import DEMO_PASSWORD


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_is_random_stored_hashed_and_expires_after_the_configured_hours(app: Flask, api: Api) -> None:
    app.config["PLANDESK_TOKEN_HOURS"] = 3
    r = api.post("/auth/token", json={"username": "huoqiu_filer", "password": DEMO_PASSWORD})
    assert r.status_code == 200 and set(r.get_json()) == {"token", "expires_at"}
    token = r.get_json()["token"]
    other = api.post("/auth/token", json={"username": "huoqiu_filer", "password": DEMO_PASSWORD}).get_json()["token"]
    assert len(token) >= 40 and token != other
    with app.app_context():
        rows = db.session.scalars(select(ApiToken)).all()
        assert {row.token_sha256 for row in rows} == {hashlib.sha256(t.encode()).hexdigest() for t in (token, other)}
        row = rows[0]
        assert abs((row.expires_at - row.created_at) - timedelta(hours=3)) < timedelta(seconds=1)
    me = api.get("/me", headers=_bearer(token)).get_json()
    assert me == {"username": "huoqiu_filer", "display_name": "霍邱县经办人", "roles": ["county_filer"],
                  "unit": "huoqiu"}


def test_every_401(app: Flask, api: Api) -> None:
    token = api.token("huoqiu_reviewer")
    cases = {
        "missing": {},
        "invalid": _bearer("not-a-token"),
    }
    for reason, headers in cases.items():
        r = api.get("/me", headers=headers)
        assert error_of(r) == (401, "unauthorized") and r.get_json()["details"]["reason"] == reason
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert error_of(api.get("/me", headers={"Authorization": "Basic eDp5"})) == (401, "unauthorized")
    assert error_of(api.get("/items", headers=_bearer("x" * 5000))) == (401, "unauthorized")
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    r = api.get("/me", headers=_bearer(token))
    assert error_of(r) == (401, "unauthorized") and r.get_json()["details"]["reason"] == "expired"
    r = api.post("/auth/token", json={"username": "huoqiu_filer", "password": "wrong-password1"})
    assert error_of(r) == (401, "unauthorized")


def test_user_revokes_own_token_and_admin_revokes_a_users_tokens(api: Api) -> None:
    mine = api.token("huoqiu_filer")
    assert api.delete("/auth/token", headers=_bearer(mine)).status_code == 204
    r = api.get("/me", headers=_bearer(mine))
    assert error_of(r) == (401, "unauthorized") and r.get_json()["details"]["reason"] == "revoked"

    api.tokens.clear()
    first, second = api.token("shucheng_filer"), None
    api.tokens.pop("shucheng_filer")
    second = api.token("shucheng_filer")
    assert error_of(api.post("/admin/users/shucheng_filer/revoke-tokens", "city_reviewer")) == (403, "not_permitted")
    r = api.post("/admin/users/shucheng_filer/revoke-tokens", "admin")
    assert r.status_code == 200 and r.get_json() == {"revoked": 2}
    for token in (first, second):
        assert error_of(api.get("/me", headers=_bearer(token))) == (401, "unauthorized")
    assert error_of(api.post("/admin/users/nobody/revoke-tokens", "admin")) == (404, "not_found")
    assert api.get("/me", "admin").status_code == 200  # the admin's own token is untouched


def test_deactivated_users_tokens_stop_working(app: Flask, api: Api) -> None:
    token = api.token("yeji_filer")
    assert api.get("/me", headers=_bearer(token)).status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "yeji_filer"))
        user.is_active_user = False
        db.session.commit()
    r = api.get("/me", headers=_bearer(token))
    assert error_of(r) == (401, "unauthorized") and r.get_json()["details"]["reason"] == "inactive"


def test_token_endpoint_is_throttled_per_account_in_the_database(app: Flask, api: Api) -> None:
    for _ in range(10):
        r = api.post("/auth/token", json={"username": "jinan_filer", "password": "guess-again-1"})
        assert error_of(r) == (401, "unauthorized")
    r = api.post("/auth/token", json={"username": "jinan_filer", "password": DEMO_PASSWORD})
    assert error_of(r) == (429, "too_many_attempts")
    assert 0 < int(r.headers["Retry-After"]) <= 15 * 60
    assert r.get_json()["details"]["retry_after"] == int(r.headers["Retry-After"])
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(LoginAttempt)) == 10
    # another account is not affected
    assert api.post("/auth/token", json={"username": "jinan_reviewer", "password": DEMO_PASSWORD}).status_code == 200


def test_token_body_is_validated(api: Api) -> None:
    assert error_of(api.post("/auth/token", json={"username": "a"})) == (400, "bad_request")
    assert error_of(api.post("/auth/token", json={"username": "a", "password": 1})) == (400, "bad_request")
    assert error_of(api.post("/auth/token", json={"username": "a\u0000", "password": "b"})) == (400, "bad_request")
    assert error_of(api.post("/auth/token", data="x", content_type="application/json")) == (400, "bad_request")
