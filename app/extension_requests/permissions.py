"""Who may ask for more time (延期申请) on an item, and who decides."""
from __future__ import annotations

from workflows.permissions import Subject
from workflows.roles import Actor, Role

REQUESTER_ROLES = frozenset({Role.county_filer, Role.county_reviewer, Role.dept_filer})
DECIDER_ROLES = frozenset({Role.office_approver})


def can_request(actor: Actor, subject: Subject) -> bool:
    """The item's own unit asks, while the item has a deadline and is not finished."""
    item = subject.row
    return (actor.role in REQUESTER_ROLES and actor.unit is not None and actor.unit == subject.unit
            and item.due_on is not None and item.state not in subject.workflow.finals)


def can_decide(actor: Actor, subject: Subject) -> bool:
    return actor.role in DECIDER_ROLES and subject.unit not in actor.excluded_units
