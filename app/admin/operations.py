"""Administration: accounts (role and unit, passwords, deactivation) and units. Flush, never commit.

Changing an account's role, unit, password or active flag bumps its ``session_version``, which ends
every session it has open: permissions never outlive the change.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, select

from app.auth.models import LoginAttempt, User
from app.auth.passwords import hash_password, password_problems
from app.extensions import db
from app.units.models import Unit, UnitKind
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
    if (user.role, user.unit_id) != (role, unit_id):
        user.session_version += 1  # new permissions: sign in again
    user.display_name, user.role, user.unit_id = display_name.strip(), role, unit_id
    user.email = (email or "").strip() or None
    db.session.flush()
    return user


def reset_password(by: User, user: User, password: str) -> User:
    """Set a new password (to hand over in person); ends the account's sessions and lifts a throttle."""
    _require_admin(by)
    problems = password_problems(password or "")
    if problems:
        raise GuardFailed(problems)
    user.password_hash = hash_password(password)
    user.session_version += 1
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.username == user.username))
    db.session.flush()
    return user


def set_active(by: User, user: User, active: bool) -> User:
    _require_admin(by)
    if user.id == by.id and not active:
        raise GuardFailed(["不能停用本人的账号"])
    if user.is_active_user != active:
        user.is_active_user = active
        user.session_version += 1
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
    if unit is None:
        unit = Unit(slug=slug, kind=kind, aliases=[])
        db.session.add(unit)
    unit.name, unit.code = name, (code or None)
    unit.sort_order = sort_order if sort_order is not None else (unit.sort_order or 0)
    unit.is_active = is_active
    db.session.flush()
    return unit
