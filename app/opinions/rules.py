"""Which roles' decisions need an approval opinion: the office's setting for a plan, else the default.

:func:`opinion_facts` gives the engine the ``opinion_roles`` fact its guard reads (installed by
``app.wiring`` for applications, tasks and quarterly reports), so the screens, the bulk actions and
the API refuse a blank opinion by one rule.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, g

from app.extensions import db
from app.opinions.models import OpinionRule
from app.web.terms import N_
from workflows.base import Workflow
from workflows.roles import Role

#: the roles the office may ask for an opinion, in the order the setting lists them
RULE_ROLES: tuple[Role, ...] = (Role.county_reviewer, Role.city_reviewer, Role.office_approver)
#: without a setting: every decision of the city (市商务局) and of the office (领导小组办公室)
DECIDING_ROLES: frozenset[Role] = frozenset(RULE_ROLES)
DEFAULT_ROLES: frozenset[str] = frozenset({Role.city_reviewer.value, Role.office_approver.value})
#: the guard's reason (``workflows.guards.OPINION_REASON``), marked so an English screen translates it
OPINION_REASON = N_("请填写审批意见")
ROLE_HINTS = {Role.county_reviewer: N_("县区审核人的审核通过、退回等决定"),
              Role.city_reviewer: N_("市商务局审核人的确定为创建对象、备案、采纳、退回等决定"),
              Role.office_approver: N_("领导小组办公室负责人的验收、整改、认定、不予通过等决定")}


def default_roles() -> frozenset[str]:
    """The roles required where the office has set nothing (``PLANDESK_OPINION_DEFAULT`` may override)."""
    configured = current_app.config.get("PLANDESK_OPINION_DEFAULT")
    return DEFAULT_ROLES if configured is None else frozenset(str(r) for r in configured)


def required_roles(plan_id: int) -> frozenset[str]:
    """The roles whose decisions on the plan's items need a 审批意见 (cached for the request)."""
    cache: dict[int, frozenset[str]] = g.setdefault("opinion_roles", {})
    if plan_id not in cache:
        rule = db.session.get(OpinionRule, plan_id)
        cache[plan_id] = default_roles() if rule is None else frozenset(
            role.value for role in RULE_ROLES if getattr(rule, role.value))
    return cache[plan_id]


def forget_cached() -> None:
    """Drop the request's cached rules (after the office changes one)."""
    g.pop("opinion_roles", None)


def opinion_facts(item: Any, values: dict[str, Any], loaders: dict[str, Callable[[], Any]]) -> None:
    """The ``opinion_roles`` fact of an item (a fact builder, see ``app.items.facts``)."""
    loaders["opinion_roles"] = lambda: required_roles(item.plan_id)


def is_decision(workflow: Workflow, state: str, trigger: str) -> bool:
    """Whether ``trigger`` from ``state`` is a reviewer's decision (its form shows the 审批意见 box with
    the 常用意见): a trigger of the county's, the city's or the office's reviewers, not a submission."""
    specs = [sp for sp in workflow.specs if sp.trigger == trigger and state in sp.sources]
    return trigger != "submit" and bool(specs) and all(sp.roles <= DECIDING_ROLES for sp in specs)
