"""Who may see an item and who may fire a spec on it: pure predicates, used by engine, screens and API."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflows.base import Spec, Workflow
from workflows.roles import CITY_WIDE_ROLES, Actor


@dataclass
class Subject:
    """What the engine needs to know about one persisted item.

    ``row`` is the stored object (an ORM row in the app, anything with ``id``, ``state`` and
    ``version`` in tests); ``facts`` are item facts the guards and routes read (department item,
    category level, evidence added in this phase, missing fields, ...). ``audience`` lists the units
    an issued notice is addressed to.
    """

    row: Any
    workflow: Workflow
    unit: str | None
    county: str | None
    facts: Mapping[str, Any] = field(default_factory=dict)
    audience: frozenset[str] = frozenset()


def can_see(actor: Actor, subject: Subject) -> bool:
    """A county never sees another county's items; city-wide roles see everything."""
    if actor.role in CITY_WIDE_ROLES:
        return True
    if actor.unit is None:
        return False
    if subject.unit == actor.unit or (subject.county is not None and subject.county == actor.unit):
        return True
    # an issued (or later revoked) notice is visible to the units it is addressed to
    return subject.workflow.name == "notice" and subject.row.state in {"issued", "revoked"} \
        and actor.unit in subject.audience


def can_fire(actor: Actor, sp: Spec, subject: Subject) -> bool:
    """Role and unit check of one transition spec (not the guard)."""
    if actor.role not in sp.roles:
        return False
    if subject.unit is not None and subject.unit in actor.excluded_units:
        return False  # a delegate never decides on what their own unit filed
    if sp.own:
        return actor.unit is not None and actor.unit == subject.unit
    return True
