"""Issue, resolve and revoke bearer tokens. Flush, never commit.

A token is ``secrets.token_urlsafe(32)``; only its SHA-256 is stored, so a copy of the database
holds no usable token.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.auth.tokens_models import ApiToken
from app.auth.models import User
from app.clock import utcnow
from app.extensions import db

DEFAULT_TOKEN_HOURS = 12
#: last_used_at is written at most this often per token (a write per read request would be waste)
TOUCH_EVERY = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    row: ApiToken


def issue_token(user: User, *, remote_addr: str | None = None, hours: int | None = None) -> IssuedToken:
    """A new token for ``user``, valid for ``PLANDESK_TOKEN_HOURS`` (default 12) hours."""
    if hours is None:
        hours = int(current_app.config.get("PLANDESK_TOKEN_HOURS", DEFAULT_TOKEN_HOURS))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(user_id=user.id, token_sha256=token_digest(token), created_at=now,
                   expires_at=now + timedelta(hours=hours), remote_addr=(remote_addr or "")[:64] or None)
    row.user = user
    db.session.add(row)
    db.session.flush()
    return IssuedToken(token, row)


def resolve_token(token: str) -> tuple[ApiToken | None, str]:
    """(the token's row, "ok") when it may be used now; else (None or the row, why not).

    Reasons: ``invalid`` (unknown), ``expired``, ``revoked``, ``inactive`` (the user was deactivated).
    """
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_sha256 == token_digest(token)))
    if row is None:
        return None, "invalid"
    now = utcnow()
    if row.revoked_at is not None:
        return row, "revoked"
    if aware(row.expires_at) <= now:
        return row, "expired"
    if not row.user.is_active:
        return row, "inactive"
    if row.last_used_at is None or now - aware(row.last_used_at) >= TOUCH_EVERY:
        row.last_used_at = now
    return row, "ok"


def revoke_token(row: ApiToken) -> None:
    """Revoke one token (idempotent)."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()


def revoke_user_tokens(user: User) -> int:
    """Revoke every live token of ``user`` (an admin's action, or on deactivation); returns how many."""
    result = db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                .values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))
    return int(result.rowcount or 0)
