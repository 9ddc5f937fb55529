"""Who may open a quarter's reports from the screen (the periods also open by themselves)."""
from __future__ import annotations

from workflows.roles import Actor, Role

#: who may open a quarter's reports from the screen
REPORT_OPENERS = frozenset({Role.city_reviewer, Role.office_approver, Role.admin})


def can_open_reports(actor: Actor) -> bool:
    return actor.role in REPORT_OPENERS
