"""Who a signed-in user acts as: themselves, or a colleague who delegated their role to them.

One function decides the actor (:func:`current_actor`); the screens call it for every action, so the
audit trail names both people (``actor`` and ``on_behalf_of``), the engine refuses the delegate's
own unit (``excluded_units``), and delegations never cascade: a delegation hands on the delegator's
*own* role only, so what a delegate received is never in what they can delegate.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.auth.models import User
from app.clock import today
from app.extensions import db
from workflows.errors import NotPermitted
from workflows.roles import Actor, Role
from app.auth.delegation_models import Delegation

#: roles that decide on others' filings, and so may be handed to a colleague while away
DELEGABLE_ROLES = frozenset({Role.county_reviewer, Role.city_reviewer, Role.office_approver})


def active_delegations_to(user: User, on: date | None = None) -> list:
    """Delegations ``user`` holds today (not revoked, inside their dates, from an active delegator
    who still has the delegated role)."""
    day = on or today()
    rows = db.session.scalars(select(Delegation).where(
        Delegation.delegate_id == user.id, Delegation.revoked_at.is_(None),
        Delegation.starts_on <= day, Delegation.ends_on >= day).order_by(Delegation.id)).all()
    return [d for d in rows if d.delegator.is_active and d.delegator.role == d.role]


def delegated_actor(user: User, delegation) -> Actor:
    """``user`` exercising ``delegation``: the delegator's role and unit, never the delegate's own unit."""
    delegator: User = delegation.delegator
    own_unit = user.unit.slug if user.unit else None
    return Actor(user.id, user.username, Role(delegation.role), delegator.unit.slug if delegator.unit else None,
                 on_behalf_of=delegator.username, excluded_units=frozenset({own_unit}) if own_unit else frozenset())


def current_actor(user: User, item_unit: str | None = None, *, delegation_id: int | None = None,
                  on: date | None = None) -> Actor:
    """The actor ``user`` acts as.

    Without ``delegation_id``: the user in their own role and unit. With it: the user as delegate of
    that delegation, which must be one they hold today (else NotPermitted). ``item_unit``, when given,
    is the unit that filed the item about to be decided: a delegate is refused up front, with a clear
    reason, when it is their own unit (the engine refuses it too, through ``excluded_units``).
    """
    if delegation_id is None:
        return user.actor()
    delegation = next((d for d in active_delegations_to(user, on) if d.id == delegation_id), None)
    if delegation is None:
        raise NotPermitted("该委托不存在、已撤销或不在有效期内")
    actor = delegated_actor(user, delegation)
    if item_unit is not None and item_unit in actor.excluded_units:
        raise NotPermitted("受托人不能代为审批本人所在单位申报的事项")
    return actor


def actors_for(user: User, on: date | None = None) -> list[tuple[Actor, int | None]]:
    """Every (actor, delegation id) ``user`` may act as today: themselves first, then each delegation."""
    actors: list[tuple[Actor, int | None]] = [(user.actor(), None)]
    for delegation in active_delegations_to(user, on):
        actors.append((delegated_actor(user, delegation), delegation.id))
    return actors
