"""Who acts next on an item: the roles and actions of the current state's transitions, so that every
screen with nothing for the current user still says who may act."""
from __future__ import annotations

from workflows.base import Workflow
from workflows.roles import ROLE_TITLES, Role


def next_step(workflow: Workflow, state: str) -> tuple[list[Role], list[str]]:
    """(roles, action titles) that may move an item on from ``state``; both empty in a final state."""
    roles: list[Role] = []
    titles: list[str] = []
    for s in workflow.specs:
        if state not in s.sources:
            continue
        for role in sorted(s.roles, key=list(ROLE_TITLES).index):
            if role not in roles:
                roles.append(role)
        if s.title not in titles:
            titles.append(s.title)
    return roles, titles
