"""Create and revoke delegations. Flush, never commit."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import or_, select

from app.delegations.permissions import can_delegate
from app.auth.models import User
from app.clock import today, utcnow
from app.auth.delegation_models import Delegation
from app.extensions import db
from workflows.errors import GuardFailed, NotFound, NotPermitted
from workflows.roles import Role

MAX_DAYS = 180
MAX_REASON = 500


def create_delegation(by: User, delegator: User, delegate: User | None, starts_on: date | None,
                      ends_on: date | None, reason: str | None = None) -> Delegation:
    """``delegator`` hands their own role to ``delegate`` from ``starts_on`` to ``ends_on`` (inclusive).

    ``by`` is the delegator or an administrator. The role is the delegator's own one, never a role
    they hold as someone's delegate (no cascade). Refused with every reason at once.
    """
    if by.id != delegator.id and by.role_enum is not Role.admin:
        raise NotPermitted("只能委托本人的审批权限")
    if not can_delegate(delegator):
        raise NotPermitted("该角色没有可委托的审批权限")
    reasons: list[str] = []
    if delegate is None or not delegate.is_active:
        reasons.append("请选择一位在用的同事作为受托人")
    elif delegate.id == delegator.id:
        reasons.append("不能委托给本人")
    if starts_on is None or ends_on is None:
        reasons.append("请填写委托起止日期")
    elif ends_on < starts_on:
        reasons.append("结束日期不能早于开始日期")
    elif ends_on < today():
        reasons.append("结束日期不能早于今天")
    elif ends_on - starts_on > timedelta(days=MAX_DAYS):
        reasons.append(f"委托期限最长 {MAX_DAYS} 天")
    if reason is not None and len(reason) > MAX_REASON:
        reasons.append(f"委托说明最多 {MAX_REASON} 个字符")
    if reasons:
        raise GuardFailed(reasons)
    row = Delegation(delegator_id=delegator.id, delegate_id=delegate.id, role=delegator.role, starts_on=starts_on,
                     ends_on=ends_on, reason=(reason or "").strip() or None, created_at=utcnow(), created_by_id=by.id)
    db.session.add(row)
    db.session.flush()
    return row


def revoke_delegation(by: User, delegation_id: int) -> Delegation:
    """End a delegation now (its delegator, its delegate or an administrator)."""
    row = db.session.get(Delegation, delegation_id)
    if row is None:
        raise NotFound("委托不存在")
    if by.id not in (row.delegator_id, row.delegate_id) and by.role_enum is not Role.admin:
        raise NotPermitted("只能撤销与本人有关的委托")
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by_id = utcnow(), by.id
        db.session.flush()
    return row


def delegations_of(user: User) -> list[Delegation]:
    """Delegations given or received by ``user`` (all of them for an administrator), newest first."""
    q = select(Delegation).order_by(Delegation.id.desc())
    if user.role_enum is not Role.admin:
        q = q.where(or_(Delegation.delegator_id == user.id, Delegation.delegate_id == user.id))
    return list(db.session.scalars(q.limit(200)))


def colleagues(user: User) -> list[User]:
    """Who ``user`` may name as delegate: every other active account."""
    return list(db.session.scalars(select(User).where(User.is_active_user.is_(True), User.id != user.id)
                                   .order_by(User.unit_id, User.username)))
