"""Administration: accounts (role and unit, passwords, deactivation) and units. Flush, never commit.

Changing an account's role, unit, password or active flag ends every session it has open and revokes
every API token it holds (:func:`app.auth.sessions.end_sessions`): permissions never outlive the change.

Every change is recorded in the administrators' log (:class:`app.audit.models.AdminEvent`, 管理日志)
in the same transaction: who, when, which account or unit, each field's value before and after. A
password (or its hash) is never recorded; a reset is recorded as having happened.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from app.audit.models import AdminEvent
from app.auth.models import User
from app.auth.passwords import hash_password, password_problems
from app.auth.sessions import end_sessions
from app.auth.throttle import clear_account
from app.clock import utcnow
from app.extensions import db
from app.units.models import Unit, UnitKind
from workflows.audit import canonical_json
from workflows.errors import GuardFailed, NotPermitted
from workflows.roles import COUNTY_ROLES, Role

USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")
SLUG = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


def unit_problem(role: Role, unit: Unit | None) -> str | None:
    """A county role needs a county; a department filer a department; other roles a non-county unit."""
    if unit is None:
        return "请选择所属单位"
    if role in COUNTY_ROLES and unit.kind != UnitKind.county:
        return "县区经办人、县区审核人必须属于某个县区"
    if role is Role.dept_filer and unit.kind != UnitKind.department:
        return "市直部门经办人必须属于某个市直部门"
    if role not in COUNTY_ROLES and role is not Role.dept_filer and unit.kind == UnitKind.county:
        return "市级角色不能属于县区"
    return None


def _role(value: Any) -> Role | None:
    try:
        return Role(value)
    except ValueError:
        return None


def record(by: User, action: str, target: User | Unit, changes: dict[str, list[Any]] | None = None) -> AdminEvent:
    """Append one entry to the administrators' log (flushed with the change it records)."""
    kind = "unit" if isinstance(target, Unit) else "user"
    label = target.slug if isinstance(target, Unit) else target.username
    event = AdminEvent(at=utcnow(), actor=by.username, actor_id=by.id, action=action, target_type=kind,
                       target_id=target.id, target=label, changes_json=canonical_json(changes or {}))
    db.session.add(event)
    return event


def _unit_label(unit_id: int | None) -> str | None:
    unit = db.session.get(Unit, unit_id) if unit_id else None
    return f"{unit.name}（{unit.slug}）" if unit is not None else None


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _user_fields(user: User) -> dict[str, Any]:
    """What the log shows of an account (never its password hash)."""
    return {"display_name": user.display_name, "role": user.role, "unit": _unit_label(user.unit_id),
            "email": user.email}


def _unit_fields(unit: Unit) -> dict[str, Any]:
    return {"slug": unit.slug, "name": unit.name, "kind": unit.kind, "code": unit.code,
            "sort_order": unit.sort_order, "is_active": unit.is_active}


def _require_admin(by: User) -> None:
    if by.role_enum is not Role.admin:
        raise NotPermitted("只有系统管理员可以管理账号和单位")


def create_user(by: User, *, username: str, display_name: str, role: str, unit_id: int | None,
                email: str | None, password: str) -> User:
    _require_admin(by)
    problems: list[str] = []
    username = (username or "").strip().lower()
    if not USERNAME.match(username):
        problems.append("用户名须以小写字母开头，由 3 至 64 个小写字母、数字、下划线、点或连字符组成")
    elif db.session.scalar(select(User.id).where(User.username == username)) is not None:
        problems.append("该用户名已被使用")
    problems += _profile_problems(display_name, role, unit_id, email)
    problems += password_problems(password or "")
    if problems:
        raise GuardFailed(problems)
    user = User(username=username, display_name=display_name.strip(), role=role, unit_id=unit_id,
                email=(email or "").strip() or None, password_hash=hash_password(password), is_active_user=True,
                session_version=1)
    db.session.add(user)
    db.session.flush()
    fields = {"username": user.username, **_user_fields(user), "is_active": True}
    record(by, "create_user", user, _diff({}, fields))
    db.session.flush()
    return user


def _profile_problems(display_name: str, role: str, unit_id: int | None, email: str | None) -> list[str]:
    problems: list[str] = []
    if not (display_name or "").strip() or len(display_name.strip()) > 100:
        problems.append("请填写姓名（最多 100 个字符）")
    role_enum = _role(role)
    if role_enum is None:
        problems.append("请选择角色")
    else:
        problem = unit_problem(role_enum, db.session.get(Unit, unit_id) if unit_id else None)
        if problem:
            problems.append(problem)
    if email and (len(email) > 255 or "@" not in email):
        problems.append("电子邮箱格式不正确")
    return problems


def update_user(by: User, user: User, *, display_name: str, role: str, unit_id: int | None,
                email: str | None) -> User:
    _require_admin(by)
    problems = _profile_problems(display_name, role, unit_id, email)
    if user.id == by.id and role != Role.admin.value:
        problems.append("不能取消本人的系统管理员角色")
    if problems:
        raise GuardFailed(problems)
    before = _user_fields(user)
    if (user.role, user.unit_id) != (role, unit_id):
        end_sessions(user)  # new permissions: sign in again, ask for a new token
    user.display_name, user.role, user.unit_id = display_name.strip(), role, unit_id
    user.email = (email or "").strip() or None
    changes = _diff(before, _user_fields(user))
    if changes:
        record(by, "update_user", user, changes)
    db.session.flush()
    return user


def reset_password(by: User, user: User, password: str) -> User:
    """Set a new password (to hand over in person); ends the account's sessions and tokens and lifts
    a sign-in lock."""
    _require_admin(by)
    problems = password_problems(password or "")
    if problems:
        raise GuardFailed(problems)
    user.password_hash = hash_password(password)
    end_sessions(user)
    clear_account(user.username)
    record(by, "reset_password", user)  # that it happened, never the password or its hash
    db.session.flush()
    return user


def set_active(by: User, user: User, active: bool) -> User:
    _require_admin(by)
    if user.id == by.id and not active:
        raise GuardFailed(["不能停用本人的账号"])
    if user.is_active_user != active:
        record(by, "activate_user" if active else "deactivate_user", user,
               {"is_active": [user.is_active_user, active]})
        user.is_active_user = active
        end_sessions(user)
        db.session.flush()
    return user


def save_unit(by: User, unit: Unit | None, *, slug: str, name: str, kind: str, code: str | None,
              sort_order: int | None, is_active: bool) -> Unit:
    """Create a unit, or rename / re-code / reorder / (de)activate one (its slug and kind stay)."""
    _require_admin(by)
    problems: list[str] = []
    name = (name or "").strip()
    if not name or len(name) > 100:
        problems.append("请填写单位名称（最多 100 个字符）")
    if code and (len(code) > 12 or not code.isdigit()):
        problems.append("行政区划代码应为数字（最多 12 位）")
    if unit is None:
        slug = (slug or "").strip().lower()
        if not SLUG.match(slug):
            problems.append("单位代码须以小写字母开头，由小写字母、数字和下划线组成")
        elif db.session.scalar(select(Unit.id).where(Unit.slug == slug)) is not None:
            problems.append("该单位代码已被使用")
        if kind not in {k.value for k in UnitKind}:
            problems.append("请选择单位类别")
    if problems:
        raise GuardFailed(problems)
    created = unit is None
    if unit is None:
        unit = Unit(slug=slug, kind=kind, aliases=[])
        db.session.add(unit)
    before = {} if created else _unit_fields(unit)
    unit.name, unit.code = name, (code or None)
    unit.sort_order = sort_order if sort_order is not None else (unit.sort_order or 0)
    unit.is_active = is_active
    db.session.flush()
    changes = _diff(before, _unit_fields(unit))
    if created or changes:
        record(by, "create_unit" if created else "update_unit", unit, changes)
        db.session.flush()
    return unit
