"""Who may import a task breakdown table into the plan."""
from __future__ import annotations

from workflows.roles import Actor, Role


def can_import_plan(actor: Actor) -> bool:
    return actor.role is Role.admin
