"""Who sees which part of the dashboards: pure predicates on the actor, used by routes and templates.

City-wide roles (reviewer, office, supervisor, admin) see every county and department. A county's
users see their own county's row and the city's totals, never another county's row or items. A
department's filer sees the departments × tasks matrix for its own unit and the city's totals.
"""
from __future__ import annotations

from workflows.roles import CITY_WIDE_ROLES, COUNTY_ROLES, Actor, Role

#: who may send a reminder (催办) on any item they can see
CITY_REMINDERS = frozenset({Role.city_reviewer, Role.office_approver})
#: who may open a quarter's reports from the screen (the CLI does it from cron)
REPORT_OPENERS = frozenset({Role.city_reviewer, Role.office_approver, Role.admin})


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


def matrix_kinds_for(actor: Actor) -> tuple[str, ...]:
    """The matrices an actor may look at, the default first."""
    if sees_everything(actor):
        return ("phases", "tasks", "county_tasks")
    if is_county_user(actor):
        return ("phases", "county_tasks")
    return ("tasks",)


def can_see_matrix_row(actor: Actor, kind: str, unit: str) -> bool:
    if sees_everything(actor):
        return True
    if kind == "tasks":
        return actor.role is Role.dept_filer and actor.unit == unit
    return is_county_user(actor) and actor.unit == unit


def can_remind(actor: Actor, county: str | None) -> bool:
    """催办: the city's reviewer and office on any item; a county reviewer on its own county's items."""
    if actor.role in CITY_REMINDERS:
        return True
    return actor.role is Role.county_reviewer and county is not None and actor.unit == county


def can_remind_anything(actor: Actor) -> bool:
    return actor.role in CITY_REMINDERS or actor.role is Role.county_reviewer


def can_open_reports(actor: Actor) -> bool:
    return actor.role in REPORT_OPENERS


def can_import_plan(actor: Actor) -> bool:
    return actor.role is Role.admin
