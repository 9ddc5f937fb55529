"""Who may open a screen and see an item: the guards every feature's routes use."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g
from flask_login import current_user
from sqlalchemy import select

from app.auth.delegation import actors_for, current_actor
from app.extensions import db, login_manager
from app.items.facts import subject_for
from app.items.models import Item
from app.plans.models import Plan
from app.plans.scope import current_plan, visible_plan_ids
from workflows.errors import NotFound
from workflows.permissions import Subject, can_see
from workflows.roles import Actor, Role

F = TypeVar("F", bound=Callable[..., Any])


def roles_required(*roles: Role) -> Callable[[F], F]:
    """403 unless the signed-in user's own role is one of ``roles`` (sign-in is checked first)."""
    def decorate(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role_enum not in roles:
                abort(403)
            return fn(*args, **kwargs)
        return wrapper  # type: ignore[return-value]
    return decorate


def user_actors() -> list[tuple[Actor, int | None]]:
    """(actor, delegation id) pairs of the signed-in user, cached for the request."""
    if "user_actors" not in g:
        g.user_actors = actors_for(current_user) if current_user.is_authenticated else []
    return g.user_actors


def own_actor() -> Actor:
    """The signed-in user in their own role and unit."""
    return current_actor(current_user)


def visible_to_any(subject: Subject, actors: list[tuple[Actor, int | None]]) -> bool:
    return any(can_see(actor, subject) for actor, _d in actors)


def visible_item(item_id: int) -> Subject:
    """The item if the signed-in user may see it (as themselves or as a delegate), else 404; an item of
    a plan outside the user's region is 404 too."""
    item = db.session.scalar(select(Item).where(Item.id == item_id,
                                                Item.plan_id.in_(visible_plan_ids(current_user.actor().unit))))
    if item is None:
        abort(404)
    subject = subject_for(item)
    if not visible_to_any(subject, user_actors()):
        abort(404)
    return subject


def may_file(subject: Subject, actor: Actor) -> bool:
    """Whether ``actor`` may edit ``subject`` now (a draft, by its own unit's filer; any notice drafter)."""
    roles = subject.workflow.editable.get(subject.row.state)
    if roles is None or actor.role not in roles:
        return False
    return subject.workflow.name == "notice" or actor.unit == subject.unit


def plan_or_404() -> Plan:
    """The current plan; a 404 page before any plan is loaded."""
    try:
        return current_plan()
    except NotFound:
        abort(404)
