"""Whom an item waits for: the role that owns each review step, and the actions nobody waits for.

The to-do lists (待办), the notifications and the 绩效考核's on-time rate read the same rule.
"""
from __future__ import annotations

from workflows.roles import Role
from workflows.states import Step

#: actions one may take but nobody waits for (taking back one's own filing, withdrawing a title):
#: available on the item page, never a reason to list an item under 待办
OPTIONAL_TRIGGERS = frozenset({"withdraw", "revoke"})
#: a review step waits for one role (the same routing as the "waiting" notifications); others may
#: hold a veto there (the office may reject at the city step) without the item waiting for them
STEP_OWNERS = {Step.county_review: Role.county_reviewer, Step.city_review: Role.city_reviewer,
               Step.office_review: Role.office_approver,
               Step.inspection: Role.office_approver, Step.provincial_review: Role.office_approver,
               Step.review: Role.office_approver}


def waits_for(state: str, trigger: str, role: Role) -> bool:
    """Whether an item in ``state`` waits for ``role`` to fire ``trigger`` (see :data:`STEP_OWNERS`)."""
    if trigger in OPTIONAL_TRIGGERS:
        return False
    owner = STEP_OWNERS.get(state.partition(".")[2] or state)
    return owner is None or owner is role
