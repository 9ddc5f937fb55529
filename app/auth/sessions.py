"""Ending an account's sessions: every signed-in copy, and (unless told otherwise) every API token.

Each account has a session generation (``users.session_version``), stored in every session at sign-in
and compared on every request: moving it on ends every session of the account at once, wherever the
cookie was copied to. Flush, never commit.
"""
from __future__ import annotations

from sqlalchemy import update

from app.auth.tokens import revoke_user_tokens
from app.auth.models import User
from app.extensions import db


def end_sessions(user: User, *, revoke_tokens: bool = True) -> None:
    """End every session of ``user`` (sign-out, password change or reset, deactivation, new
    permissions) and, with ``revoke_tokens``, every live API token."""
    # one UPDATE, so two requests ending sessions at once both move the generation on
    db.session.execute(update(User).where(User.id == user.id)
                       .values(session_version=User.session_version + 1)
                       .execution_options(synchronize_session=False))
    db.session.refresh(user, ["session_version"])
    if revoke_tokens:
        revoke_user_tokens(user)
    db.session.flush()
