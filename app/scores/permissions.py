"""Who sees which scores, and who sets the weights (pure predicates on the actor).

The dashboards' rule: city-wide roles (reviewer, office, supervisor, admin) see every unit; a
county's users and a department's filer see their own unit's line only (with its rank), never
another unit's score.
"""
from __future__ import annotations

from workflows.roles import CITY_WIDE_ROLES, Actor, Role

WEIGHT_SETTERS = frozenset({Role.office_approver, Role.admin})


def sees_every_unit(actor: Actor) -> bool:
    return actor.role in CITY_WIDE_ROLES


def can_see_unit(actor: Actor, slug: str) -> bool:
    return sees_every_unit(actor) or (actor.unit is not None and actor.unit == slug)


def can_set_weights(actor: Actor) -> bool:
    return actor.role in WEIGHT_SETTERS
