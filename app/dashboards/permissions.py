"""Who sees which rows of the boards, the matrices and the overdue list, and who may remind (催办).

The templates read these through ``dash_perm`` (the county and unit click-through rules come from the
item core's shared list rules, named here so the templates find them in one place).
"""
from __future__ import annotations

from app.items.permissions import (can_open_county_items, can_open_unit_items, can_see_county_row,
                                   is_county_user, sees_everything)
from workflows.roles import Actor, Role

__all__ = ["can_open_county_items", "can_open_unit_items", "can_remind", "can_remind_anything",
           "can_see_county_row", "can_see_matrix_row", "matrix_kinds_for", "sees_everything"]

#: who may send a reminder (催办) on any item they can see
CITY_REMINDERS = frozenset({Role.city_reviewer, Role.office_approver})


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
