"""Read queries over items, always filtered to what the actor may see."""
from __future__ import annotations

from sqlalchemy import Select, func, select

from app.items.facts import subject_for
from app.items.models import Item
from app.plans.scope import visible_plan_ids
from app.units.models import Unit
from workflows.errors import NotFound
from workflows.permissions import Subject, can_see
from workflows.roles import CITY_WIDE_ROLES, COUNTY_ROLES, Actor
from app.extensions import db

#: lists count exactly up to this many items; beyond it they say "1000+" (``total_capped`` in the API)
TOTAL_CAP = 1000


def capped_count(base: Select, cap: int | None = None) -> tuple[int, bool]:
    """(count, capped): the exact count of ``base``'s items up to ``cap`` (:data:`TOTAL_CAP`), else (``cap``, True).

    Counts over a LIMIT cap+1 subquery of item ids, so the cost stays bounded by the cap whatever the
    table's size (an exact count of a million rows reads them all)."""
    cap = TOTAL_CAP if cap is None else cap
    limited = base.order_by(None).with_only_columns(Item.id).limit(cap + 1).subquery()
    n = db.session.scalar(select(func.count()).select_from(limited)) or 0
    return (cap, True) if n > cap else (n, False)


def unit_id_of(slug: str | None) -> int | None:
    return db.session.scalar(select(Unit.id).where(Unit.slug == slug)) if slug else None


def visible_items(actor: Actor, plan_id: int | None = None) -> Select[tuple[Item]]:
    """Items ``actor`` may see, of ``plan_id`` (else of every plan the actor may see): everything for
    city-wide roles; own county / own department otherwise."""
    q = select(Item).where(Item.plan_id == plan_id if plan_id is not None
                           else Item.plan_id.in_(visible_plan_ids(actor.unit)))
    if actor.role in CITY_WIDE_ROLES:
        return q
    unit_id = unit_id_of(actor.unit)
    if unit_id is None:
        return q.where(False)
    if actor.role in COUNTY_ROLES:
        # every item a county owns carries its county_id (one indexed column, no OR)
        return q.where(Item.county_id == unit_id)
    return q.where(Item.unit_id == unit_id)


def visible_subject(item_id: int, actor: Actor) -> Subject:
    """The item as the engine sees it, or 404 when it does not exist or the caller may not see it
    (another region's plan included)."""
    item = db.session.scalar(select(Item).where(Item.id == item_id,
                                                Item.plan_id.in_(visible_plan_ids(actor.unit))))
    if item is None:
        raise NotFound()
    subject = subject_for(item)
    if not can_see(actor, subject):
        raise NotFound()
    return subject
