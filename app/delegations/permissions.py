"""Who may hand their role to a colleague while away (委托)."""
from __future__ import annotations

from app.auth.delegation import DELEGABLE_ROLES
from app.auth.models import User


def can_delegate(user: User) -> bool:
    """Approvers and reviewers may hand their own role to a colleague while away."""
    return user.is_active and user.role_enum in DELEGABLE_ROLES
