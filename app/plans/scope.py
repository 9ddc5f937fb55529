"""Which plans a caller may see, and which one they work in now.

A deployment may hold several plans: one city's 2018 plan beside its 2019 plan, or every city of a
province. Each plan belongs to a region (``Plan.region_code``, a city) and each unit to the region of
the plans that list it. A user sees the plans of their unit's region; a user without a unit (the
administrator) sees every plan. Their current plan is the one they chose (``UserPlan``) while they may
still see it, else their region's current plan (the one loaded last), else the first they may see.

Lookups are remembered on the database session until its transaction ends, so a request asks once.
"""
from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, event, select
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db
from app.plans.models import Plan, UserPlan
from app.units.models import Unit
from workflows.errors import NotFound, NotPermitted
from workflows.roles import Actor

_KEY = "plan_scope"
NO_PLAN = "尚未导入行动方案"


def _memo(session: Session) -> dict[Any, Any]:
    return session.info.setdefault(_KEY, {})


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_KEY, None)


def forget_scope(session: Session | None = None) -> None:
    """Drop what this transaction remembered (after loading a plan or choosing one)."""
    (session or db.session).info.pop(_KEY, None)


def _plans_and_choice(unit: str | None, user_id: int | None) -> tuple[tuple[Plan, ...], int | None]:
    """One query: the plans a unit's users may see (every plan for no unit), current first, then
    newest; and the plan ``user_id`` chose, if any."""
    memo = _memo(db.session)
    plans_key, choice_key = ("plans", unit), ("choice", user_id)
    if plans_key not in memo or (user_id is not None and choice_key not in memo):
        chosen = select(UserPlan.plan_id).where(UserPlan.user_id == user_id).scalar_subquery()
        q = (select(Plan, chosen.label("chosen"))
             .order_by(Plan.is_current.desc(), Plan.issued_on.desc(), Plan.id.desc()))
        if unit is not None:
            q = q.where(Plan.region_code == select(Unit.region_code).where(Unit.slug == unit).scalar_subquery())
        rows = db.session.execute(q).all()
        memo[plans_key] = tuple(plan for plan, _c in rows)
        memo[choice_key] = rows[0][1] if rows else None
    return memo[plans_key], memo.get(choice_key)


def visible_plans(unit: str | None) -> tuple[Plan, ...]:
    """The plans a unit's users may see (every plan for no unit), current first, then newest."""
    return _plans_and_choice(unit, None)[0]


def region_units(plan_id: int) -> ColumnElement[bool]:
    """``Unit`` rows of the plan's region (a county list, a scored unit, an addressee group)."""
    return Unit.region_code == select(Plan.region_code).where(Plan.id == plan_id).scalar_subquery()


def unit_plan_ids(unit_id: int) -> Select[tuple[int]]:
    """The ids of the plans of a unit's region, as a subquery (for queries keyed by the unit's id)."""
    return select(Plan.id).where(Plan.region_code == select(Unit.region_code).where(Unit.id == unit_id)
                                 .scalar_subquery())


def visible_plan_ids(unit: str | None) -> tuple[int, ...]:
    return tuple(p.id for p in visible_plans(unit))


def plan_for(actor: Actor) -> Plan:
    """The plan ``actor`` works in now (NotFound, 404, when they may see none)."""
    plans, chosen = _plans_and_choice(actor.unit, actor.user_id)
    if not plans:
        raise NotFound(NO_PLAN)
    return next((p for p in plans if p.id == chosen), plans[0])


def current_plan(actor: Actor | None = None) -> Plan:
    """``actor``'s current plan; without one, the signed-in user's in a request, else the only current plan.

    Outside a request (commands, background work) with several regions' plans current, NotFound names
    the choice to make (commands take ``--plan CODE``)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user.actor()
    if actor is not None:
        return plan_for(actor)
    plans = [p for p in visible_plans(None) if p.is_current]
    if not plans:
        raise NotFound(NO_PLAN)
    if len(plans) > 1:
        raise NotFound("有多个地区的现行方案，请指明方案（--plan 方案代码）：" + "、".join(p.code for p in plans))
    return plans[0]


def plan_or_none() -> Plan | None:
    """:func:`current_plan`, or None where it would be NotFound (labels fall back to codes)."""
    try:
        return current_plan()
    except NotFound:
        return None


def plan_by_code(code: str | None) -> Plan:
    """The plan named by ``code`` (every command's ``--plan``); the only current plan when None."""
    if code is None:
        return current_plan()
    plan = db.session.scalar(select(Plan).where(Plan.code == code))
    if plan is None:
        raise NotFound(f"没有代码为“{code}”的方案")
    return plan


def current_plans() -> list[Plan]:
    """Every region's current plan (background work runs for each)."""
    return [p for p in visible_plans(None) if p.is_current]


def choose_plan(actor: Actor, plan_id: int) -> Plan:
    """Make ``plan_id`` the plan ``actor`` works in (NotPermitted when they may not see it)."""
    plan = next((p for p in visible_plans(actor.unit) if p.id == plan_id), None)
    if plan is None or actor.user_id is None:
        raise NotPermitted("无权查看该方案")
    row = db.session.get(UserPlan, actor.user_id)
    if row is None:
        db.session.add(UserPlan(user_id=actor.user_id, plan_id=plan.id))
    else:
        row.plan_id = plan.id
    db.session.flush()
    forget_scope()
    return plan
