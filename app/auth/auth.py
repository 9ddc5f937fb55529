"""Flask-Login wiring and sign-in (throttled in the database, so across all workers)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from app.auth.models import User
from app.auth.passwords import verify_password, verify_unknown, warm_up
from app.auth.throttle import record_success, reserve_attempt
from app.clock import utcnow
from app.extensions import db, login_manager


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.session_protection = "strong"
    warm_up()  # the dummy hash exists before the first unknown name is tried


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    uid, _, session_version = user_id.partition(":")
    if not uid.isdigit():
        return None
    user = db.session.get(User, int(uid))
    if user is None or str(user.session_version) != session_version or not user.is_active:
        return None
    return user


@dataclass(frozen=True)
class SignIn:
    """The outcome of one sign-in attempt: the user, or why not (``retry_after`` > 0 when throttled)."""

    user: User | None
    retry_after: int = 0


def sign_in(username: str, password: str, remote_addr: str | None) -> SignIn:
    """Check a username and password, throttled; commits (the count must reach the other workers).

    The attempt is counted before the password is checked and in the same locked step as the check
    of the limits. An unknown or deactivated name costs one Argon2 verification like any other, so
    the answer's timing does not tell which names exist."""
    reservation = reserve_attempt(username, remote_addr)
    db.session.commit()
    if not reservation.allowed:
        return SignIn(None, reservation.retry_after)
    user = authenticate(username, password)
    if user is not None:
        assert reservation.attempt_id is not None
        record_success(username, reservation.attempt_id)
    db.session.commit()
    return SignIn(user)


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None; always exactly one Argon2 verification."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        verify_unknown(password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user
