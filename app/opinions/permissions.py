"""Who sets the opinion rule (pure predicates on the actor)."""
from __future__ import annotations

from workflows.roles import Actor, Role

RULE_SETTERS = frozenset({Role.office_approver, Role.admin})


def can_set_rule(actor: Actor) -> bool:
    return actor.role in RULE_SETTERS
