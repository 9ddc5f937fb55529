"""Flask-Login wiring and sign-in throttling (counted in the database, so across all workers)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, func, select

from app.auth.models import LoginAttempt, User
from app.auth.passwords import verify_password
from app.extensions import db, login_manager


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    uid, _, session_version = user_id.partition(":")
    if not uid.isdigit():
        return None
    user = db.session.get(User, int(uid))
    if user is None or str(user.session_version) != session_version or not user.is_active:
        return None
    return user


def is_throttled(username: str) -> bool:
    window = timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    since = datetime.now(UTC) - window
    failures = db.session.scalar(select(func.count()).select_from(LoginAttempt)
                                 .where(LoginAttempt.username == username, LoginAttempt.at >= since))
    return (failures or 0) >= current_app.config["LOGIN_MAX_FAILURES"]


def retry_after_seconds(username: str) -> int:
    window = timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    oldest = db.session.scalar(
        select(func.min(LoginAttempt.at)).where(LoginAttempt.username == username,
                                                LoginAttempt.at >= datetime.now(UTC) - window))
    if oldest is None:
        return 0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return max(1, int((oldest + window - datetime.now(UTC)).total_seconds()))


def authenticate(username: str, password: str, remote_addr: str | None) -> User | None:
    """The active user with these credentials, or None (and the failure is counted)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is not None and user.is_active and verify_password(user.password_hash, password):
        db.session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
        user.last_login_at = datetime.now(UTC)
        return user
    db.session.add(LoginAttempt(username=username[:64], at=datetime.now(UTC), remote_addr=remote_addr))
    return None
