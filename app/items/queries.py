"""Read queries over items, always filtered to what the actor may see."""
from __future__ import annotations

from sqlalchemy import Select, select

from app.items.models import Item
from app.units.models import Unit
from workflows.roles import CITY_WIDE_ROLES, COUNTY_ROLES, Actor


def unit_id_of(slug: str | None) -> int | None:
    from app.extensions import db

    return db.session.scalar(select(Unit.id).where(Unit.slug == slug)) if slug else None


def visible_items(actor: Actor) -> Select[tuple[Item]]:
    """Items ``actor`` may see: everything for city-wide roles; own county / own department otherwise."""
    q = select(Item)
    if actor.role in CITY_WIDE_ROLES:
        return q
    unit_id = unit_id_of(actor.unit)
    if unit_id is None:
        return q.where(False)
    if actor.role in COUNTY_ROLES:
        # every item a county owns carries its county_id (one indexed column, no OR)
        return q.where(Item.county_id == unit_id)
    return q.where(Item.unit_id == unit_id)
