"""Who sets the workflow switches: the office (领导小组办公室) and the administrator."""
from __future__ import annotations

from workflows.roles import Actor, Role

SETTERS = frozenset({Role.office_approver, Role.admin})


def can_set_switches(actor: Actor) -> bool:
    return actor.role in SETTERS and not actor.on_behalf_of
