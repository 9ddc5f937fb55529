"""User operations: demo accounts, creation. Flush, never commit."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.auth.models import User
from app.auth.passwords import hash_password
from app.auth.sessions import end_sessions
from app.extensions import db
from app.units.models import Unit, UnitKind
from workflows.roles import Role

CITY_ACCOUNTS: tuple[tuple[str, Role, str, str], ...] = (
    ("city_reviewer", Role.city_reviewer, "commerce", "市商务局审核人"),
    ("office_approver", Role.office_approver, "leading_group_office", "领导小组办公室负责人"),
    ("supervisor", Role.supervisor, "inspection", "市政府督查室"),
    ("admin", Role.admin, "city_government_office", "系统管理员"),
)


class SeedError(RuntimeError):
    pass


def demo_account_specs() -> list[tuple[str, Role, Unit, str]]:
    """(username, role, unit, display name) of every demo account, from the loaded units."""
    units = {u.slug: u for u in db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.id))}
    if not units:
        raise SeedError("no units: run `flask --app wsgi plan load` first")
    specs: list[tuple[str, Role, Unit, str]] = []
    for unit in units.values():
        if unit.kind == UnitKind.county:
            specs.append((f"{unit.slug}_filer", Role.county_filer, unit, f"{unit.name}经办人"))
            specs.append((f"{unit.slug}_reviewer", Role.county_reviewer, unit, f"{unit.name}审核人"))
    for username, role, slug, name in CITY_ACCOUNTS:
        if slug not in units:
            raise SeedError(f"unit {slug!r} is missing from the loaded plan")
        specs.append((username, role, units[slug], name))
    for unit in units.values():
        if unit.kind == UnitKind.department:
            specs.append((f"{unit.slug}_filer", Role.dept_filer, unit, f"{unit.name}经办人"))
    return specs


def seed_demo_accounts(password: str) -> tuple[int, int]:
    """Create or refresh the demo accounts; returns (created, updated)."""
    created = updated = 0
    existing = {u.username: u for u in db.session.scalars(select(User))}
    for username, role, unit, name in demo_account_specs():
        user = existing.get(username)
        if user is None:
            db.session.add(User(username=username, display_name=name, role=role.value, unit_id=unit.id,
                                password_hash=hash_password(password), is_active_user=True, session_version=1))
            created += 1
        else:
            user.password_hash = hash_password(password)
            user.role, user.unit_id, user.is_active_user = role.value, unit.id, True
            updated += 1
    db.session.flush()
    return created, updated


def change_own_password(user: Any, new_password: str) -> None:
    """A user's new password: every other session and every API token of theirs ends."""
    user.password_hash = hash_password(new_password)
    end_sessions(user)
