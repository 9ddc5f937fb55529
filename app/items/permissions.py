"""Who may open whose items from a list or a board cell (the item query is scoped besides): the rules
every feature's lists share."""
from __future__ import annotations

from workflows.roles import CITY_WIDE_ROLES, COUNTY_ROLES, Actor, Role


def sees_everything(actor: Actor) -> bool:
    return actor.role in CITY_WIDE_ROLES


def is_county_user(actor: Actor) -> bool:
    return actor.role in COUNTY_ROLES


def can_see_county_row(actor: Actor, county: str | None) -> bool:
    """A county row (of the board, the matrix, the trends): one's own, or all for city-wide roles.

    ``county`` None is the city-wide total, which everyone sees.
    """
    if county is None or sees_everything(actor) or actor.role is Role.dept_filer:
        return True
    return is_county_user(actor) and actor.unit == county


def can_open_county_items(actor: Actor, county: str) -> bool:
    """Click-through from a county cell to its items (the item query is scoped besides)."""
    return sees_everything(actor) or (is_county_user(actor) and actor.unit == county)


def can_open_unit_items(actor: Actor, unit: str) -> bool:
    return sees_everything(actor) or actor.unit == unit
