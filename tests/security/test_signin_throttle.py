"""Issue 13, items 8, 9 and 10: sign-in throttling and what sign-in tells an attacker.

* 8: the limit check and the count are one locked step, so concurrent wrong passwords for one account
  have at most ``LOGIN_MAX_FAILURES`` evaluated (real threads, both databases; across gunicorn workers
  in ``tests/reliability/test_signin_concurrency.py``).
* 9: an unknown or deactivated name costs the same Argon2 verification as a real one; old attempts
  are pruned by ``deadlines tick``.
* 10: a per-address limit besides the per-account one; a locked account still signs in from an
  address that has not failed for it, and the administrator sees the lock.
"""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.auth import passwords
from app.auth.models import LoginAttempt, User
from app.clock import utcnow
from app.extensions import db
from tests.conftest import DEMO_PASSWORD
from tests.helpers import csrf_token

ATTACKER, OFFICE, ELSEWHERE = "203.0.113.66", "10.20.30.40", "198.51.100.7"
VICTIM = "huoqiu_reviewer"


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every Argon2 verification made while the test runs (the stored hash of each)."""
    calls: list[str] = []
    original = PasswordHasher.verify

    def spy(self: PasswordHasher, stored: str, password: str) -> bool:
        calls.append(stored)
        return original(self, stored, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    yield calls


def _token_attempt(client: FlaskClient, username: str, password: str, addr: str = ATTACKER) -> int:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password},
                           environ_base={"REMOTE_ADDR": addr})
    assert response.status_code in (200, 401, 429), response.get_data(as_text=True)[:300]
    return response.status_code


def _form_sign_in(app: Flask, username: str, password: str, addr: str):
    client = app.test_client()
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": addr})


def _attempts(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LoginAttempt))


# -- 8: atomic check and count ------------------------------------------------------------------

GUESSES = 25


def test_concurrent_wrong_passwords_evaluate_at_most_the_limit(app: Flask, verifications: list[str]) -> None:
    """25 threads guess at the same instant: exactly 10 are evaluated (401), the rest are refused (429)
    without their password being checked, and 10 failures are recorded."""
    barrier = threading.Barrier(GUESSES)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def guess(n: int) -> None:
        client = app.test_client()
        try:
            barrier.wait(timeout=30)
            statuses.append(_token_attempt(client, VICTIM, f"wrong-guess-{n}"))
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and not any(t.is_alive() for t in threads), errors
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert Counter(statuses) == {401: limit, 429: GUESSES - limit}
    assert len(verifications) == limit
    assert _attempts(app) == limit


# -- 9: no timing oracle, pruning ---------------------------------------------------------------

def test_every_name_costs_one_argon2_verification(app: Flask, verifications: list[str]) -> None:
    """An existing name with a wrong password, an unknown name and a deactivated account each make
    exactly one Argon2 verification, with a hash of the same parameters (so the same time)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "jinan_filer"))
        user.is_active_user = False
        db.session.commit()
    client = app.test_client()
    for username, password in ((VICTIM, "not-the-password1"), ("no_such_user", "whatever-1"),
                               ("jinan_filer", DEMO_PASSWORD), ("jinan_filer", "wrong-again-1")):
        before = len(verifications)
        assert _token_attempt(client, username, password, OFFICE) == 401
        assert len(verifications) - before == 1, f"{username}: {len(verifications) - before} verifications"
    hashes = set(verifications)
    assert len(hashes) == 3
    assert {h.rsplit("$", 2)[0] for h in hashes} == {passwords.hash_password("x1").rsplit("$", 2)[0]}


def test_deadlines_tick_prunes_old_sign_in_attempts(app: Flask) -> None:
    with app.app_context():
        now = utcnow()
        for n in range(30):  # a day-old spray of unknown names
            db.session.add(LoginAttempt(username=f"ghost{n}", at=now - timedelta(days=2), remote_addr=ATTACKER))
        db.session.add(LoginAttempt(username="ghost_recent", at=now - timedelta(minutes=5), remote_addr=ATTACKER))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["deadlines", "tick"])
    assert result.exit_code == 0, result.output
    assert "old sign-in attempts: 30" in result.output
    with app.app_context():
        assert db.session.scalars(select(LoginAttempt.username)).all() == ["ghost_recent"]


# -- 10: lockout is no weapon ---------------------------------------------------------------------

def test_a_locked_account_still_signs_in_from_an_address_that_has_not_failed(app: Flask) -> None:
    client = app.test_client()
    limit = app.config["LOGIN_MAX_FAILURES"]
    for n in range(limit):
        assert _token_attempt(client, VICTIM, f"spite-{n}") == 401
    # the attacker's address is locked out of the account, even with the right password
    refused = _form_sign_in(app, VICTIM, DEMO_PASSWORD, ATTACKER)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert _token_attempt(client, VICTIM, DEMO_PASSWORD, ATTACKER) == 429

    # the administrator sees the lock, and where the failures came from
    admin = app.test_client()
    admin.environ_base["REMOTE_ADDR"] = OFFICE  # every request of this browser comes from the office
    token = csrf_token(admin, "/login")
    assert admin.post("/login", data={"username": "admin", "password": DEMO_PASSWORD,
                                      "csrf_token": token}).status_code == 302
    with app.app_context():
        uid = db.session.scalar(select(User.id).where(User.username == VICTIM))
    page = admin.get(f"/admin/users/{uid}").get_data(as_text=True)
    assert 'id="lockout"' in page and "登录已锁定" in page and ATTACKER in page and f"登录失败 {limit} 次" in page
    listing = admin.get(f"/admin/users?q={VICTIM}").get_data(as_text=True)
    assert f'data-user="{VICTIM}"' in listing and "data-locked" in listing

    # the real user, from the office, signs in all the same; that lifts the lock
    assert _form_sign_in(app, VICTIM, DEMO_PASSWORD, OFFICE).status_code == 302
    page = admin.get(f"/admin/users/{uid}").get_data(as_text=True)
    assert 'id="lockout"' not in page
    assert _token_attempt(client, VICTIM, DEMO_PASSWORD, ATTACKER) == 200


def test_an_address_that_fails_on_a_locked_account_is_locked_out_too(app: Flask) -> None:
    client = app.test_client()
    for n in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _token_attempt(client, VICTIM, f"spite-{n}") == 401
    assert _token_attempt(client, VICTIM, "another-guess-1", ELSEWHERE) == 401  # evaluated once
    assert _token_attempt(client, VICTIM, DEMO_PASSWORD, ELSEWHERE) == 429  # and no more
    assert _token_attempt(client, VICTIM, DEMO_PASSWORD, OFFICE) == 200


def test_one_address_is_limited_across_accounts(app: Flask) -> None:
    """A spray of wrong passwords over many names from one address: the address is refused for every
    account (the right password included) once it reaches its limit; other addresses are not."""
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    client = app.test_client()
    for name in ("huoqiu_filer", "jinan_filer", "yeji_filer", "shucheng_filer", "no_such_1", "no_such_2"):
        assert _token_attempt(client, name, "Spring2018") == 401
    refused = client.post("/api/v1/auth/token", json={"username": "admin", "password": DEMO_PASSWORD},
                          environ_base={"REMOTE_ADDR": ATTACKER})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert _form_sign_in(app, "huoqiu_filer", DEMO_PASSWORD, ATTACKER).status_code == 429
    assert _form_sign_in(app, "huoqiu_filer", DEMO_PASSWORD, OFFICE).status_code == 302
    assert _attempts(app) == 6  # refused attempts are not evaluated, so not counted either


@pytest.mark.parametrize("proxies", [0, 1])
def test_the_client_address_is_forged_only_through_a_trusted_proxy(database_url: str, tmp_path, proxies: int) -> None:
    """Without trusted proxies X-Forwarded-For is ignored (a spray cannot pose as many addresses);
    with ``PLANDESK_TRUSTED_PROXIES=1`` the proxy's last hop is the address that is counted."""
    from app import create_app
    from tests.conftest import make_config

    app = create_app(make_config(database_url, tmp_path / "storage", PLANDESK_TRUSTED_PROXIES=proxies))
    client = app.test_client()
    client.post("/api/v1/auth/token", json={"username": "no_such_user", "password": "x1"},
                headers={"X-Forwarded-For": "192.0.2.9"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    with app.app_context():
        assert db.session.scalars(select(LoginAttempt.remote_addr)).all() == ["192.0.2.9" if proxies else "127.0.0.1"]
        db.session.remove()
        db.engine.dispose()
