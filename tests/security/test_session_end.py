"""Issue 13, items 5 and 6: signing out, changing a password, an administrator's reset and
deactivation end the account's sessions on the server (every copy of the cookie, through the
account's session generation); a password change, a reset and deactivation also revoke every API
token the account holds. Both databases."""
from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from tests.conftest import DEMO_PASSWORD
from tests.helpers import csrf_token

NEW_PASSWORD = "Changed9Password"
USER = "huoqiu_filer"


def _sign_in(client: FlaskClient, username: str = USER, password: str = DEMO_PASSWORD) -> None:
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def _copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie (same User-Agent)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def _signed_in(client: FlaskClient) -> bool:
    response = client.get("/")
    return response.status_code == 200 and "/login" not in response.headers.get("Location", "")


def _token(client: FlaskClient, username: str = USER, password: str = DEMO_PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def _token_works(client: FlaskClient, token: str) -> bool:
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 401), response.status_code
    return response.status_code == 200


def _admin(app: Flask) -> FlaskClient:
    admin = app.test_client()
    _sign_in(admin, "admin")
    return admin


def _user_id(app: Flask, username: str = USER) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def test_logout_ends_every_copy_of_the_session(app: Flask) -> None:
    browser = app.test_client()
    _sign_in(browser)
    thief = _copy_of(app, browser)
    assert _signed_in(thief), "the copied cookie should work before sign-out"
    assert browser.post("/logout", data={"csrf_token": csrf_token(browser, "/")}).status_code == 302
    assert not _signed_in(browser)
    assert not _signed_in(thief), "a copied session cookie still works after sign-out"
    again = app.test_client()
    _sign_in(again)  # signing in again works, of course
    assert _signed_in(again)


def test_a_password_change_ends_other_sessions_and_revokes_tokens(app: Flask) -> None:
    browser, other = app.test_client(), app.test_client()
    _sign_in(browser)
    _sign_in(other)
    token = _token(app.test_client())
    assert _token_works(app.test_client(), token)
    form = csrf_token(browser, "/account/password")
    changed = browser.post("/account/password", data={"current": DEMO_PASSWORD, "new": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD, "csrf_token": form})
    assert changed.status_code == 302
    assert _signed_in(browser)  # this session is kept
    assert not _signed_in(other)
    assert not _token_works(app.test_client(), token), "a token issued before the password change still works"
    assert _token_works(app.test_client(), _token(app.test_client(), password=NEW_PASSWORD))


def test_an_administrators_reset_ends_sessions_and_revokes_tokens(app: Flask) -> None:
    browser = app.test_client()
    _sign_in(browser)
    token = _token(app.test_client())
    admin = _admin(app)
    uid = _user_id(app)
    form = csrf_token(admin, f"/admin/users/{uid}")
    response = admin.post(f"/admin/users/{uid}/password", data={"password": NEW_PASSWORD, "csrf_token": form})
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "访问令牌全部失效" in page  # what the page says is what happened
    assert not _signed_in(browser)
    assert not _token_works(app.test_client(), token), "a token issued before the reset still works"


def test_deactivation_revokes_tokens_for_good(app: Flask) -> None:
    """Deactivate, then reactivate: the session and the token from before are both dead."""
    browser = app.test_client()
    _sign_in(browser)
    token = _token(app.test_client())
    admin = _admin(app)
    uid = _user_id(app)
    for active in ("0", "1"):
        form = csrf_token(admin, f"/admin/users/{uid}")
        assert admin.post(f"/admin/users/{uid}/active", data={"active": active, "csrf_token": form}).status_code == 302
    with app.app_context():
        assert db.session.get(User, uid).is_active
    assert not _signed_in(browser)
    assert not _token_works(app.test_client(), token), "a token issued before deactivation works again"
    assert _token_works(app.test_client(), _token(app.test_client()))  # a new one does


def test_the_api_revocation_of_an_own_token_is_unchanged_by_sign_out(app: Flask) -> None:
    """Signing out of the screens ends sessions, not the API tokens a script holds."""
    browser = app.test_client()
    _sign_in(browser)
    token = _token(app.test_client())
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/")})
    assert _token_works(app.test_client(), token)
