"""Who may ask for more time (延期申请) on an item, and who decides."""
from __future__ import annotations

from workflows.permissions import Subject
from workflows.roles import Actor, Role

REQUESTER_ROLES = frozenset({Role.county_filer, Role.county_reviewer, Role.dept_filer})
DECIDER_ROLES = frozenset({Role.office_approver})
#: a county's request is endorsed by its county reviewer before the office decides
ENDORSER_ROLES = frozenset({Role.county_reviewer})


def can_request(actor: Actor, subject: Subject) -> bool:
    """The item's own unit asks, while the item has a deadline and is not finished."""
    item = subject.row
    return (actor.role in REQUESTER_ROLES and actor.unit is not None and actor.unit == subject.unit
            and item.due_on is not None and item.state not in subject.workflow.finals)


def can_decide(actor: Actor, subject: Subject) -> bool:
    return actor.role in DECIDER_ROLES and subject.unit not in actor.excluded_units


def needs_endorsement(actor: Actor, subject: Subject) -> bool:
    """A county's request made by its filer goes to the county reviewer first; a department's, or
    one the county reviewer makes, goes straight to the office."""
    return subject.row.unit.kind == "county" and actor.role not in ENDORSER_ROLES


def can_endorse(actor: Actor, subject: Subject) -> bool:
    """The county reviewer of the item's own county endorses (or refuses) its unit's request."""
    return (actor.role in ENDORSER_ROLES and actor.unit is not None and actor.unit == subject.unit
            and subject.unit not in actor.excluded_units)
