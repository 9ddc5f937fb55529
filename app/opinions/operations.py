"""The office sets which roles' decisions need an approval opinion. Flush, never commit."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.clock import utcnow
from app.opinions.models import OpinionRule
from app.opinions.permissions import can_set_rule
from app.opinions.rules import RULE_ROLES, forget_cached
from workflows.errors import GuardFailed, NotPermitted
from workflows.roles import Actor


def save_rule(session: Session, plan_id: int, actor: Actor, roles: Iterable[str]) -> OpinionRule:
    """Require a 审批意见 on the decisions of exactly ``roles`` (a subset of :data:`RULE_ROLES`)."""
    if not can_set_rule(actor):
        raise NotPermitted("只有领导小组办公室或系统管理员可以设置审批意见规则")
    wanted = set(roles)
    unknown = sorted(wanted - {r.value for r in RULE_ROLES})
    if unknown:
        raise GuardFailed(["未知的角色：" + "、".join(unknown)])
    rule = session.get(OpinionRule, plan_id)
    if rule is None:
        rule = OpinionRule(plan_id=plan_id)
        session.add(rule)
    for role in RULE_ROLES:
        setattr(rule, role.value, role.value in wanted)
    rule.updated_at, rule.updated_by = utcnow(), actor.username
    session.flush()
    forget_cached()
    return rule
