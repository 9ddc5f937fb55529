"""The header every signed-in page shows: the counters of the features that have one (registered by
``create_app``, so the kit knows no feature) and the roles the user holds by delegation."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import current_app
from flask_login import current_user
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.plans.scope import plan_for, visible_plans
from app.web.access import user_actors
from workflows.roles import Actor, Role

#: counter name → fn(user, actors) -> int, per app (``app.extensions["plandesk.nav"]``)
Counter = Callable[[Any, Sequence[Actor]], int]


def register_counter(app: Any, name: str, counter: Counter) -> None:
    app.extensions.setdefault("plandesk.nav", {})[name] = counter


def header() -> dict[str, Any]:
    if not getattr(current_user, "is_authenticated", False):
        return {"nav": None}
    actors = [a for a, _d in user_actors()]
    delegated = [a for a in actors if a.on_behalf_of]
    names: dict[str, str] = {}
    if delegated:
        names = dict(db.session.execute(select(User.username, User.display_name).where(
            User.username.in_([a.on_behalf_of for a in delegated]))).tuples().all())
    counters = current_app.extensions.get("plandesk.nav", {})
    return {"nav": {**{name: count(current_user, actors) for name, count in counters.items()},
                    "delegated": [{"name": names.get(a.on_behalf_of, a.on_behalf_of), "role": a.role.value}
                                  for a in delegated],
                    "is_admin": current_user.role_enum is Role.admin, **_plans()}}


def _plans() -> dict[str, Any]:
    """The plans the user may switch between (none shown when there is only one) and the one they work in."""
    actor = current_user.actor()
    plans = visible_plans(actor.unit)
    if not plans:
        return {"plans": [], "plan_title": None}
    mine = plan_for(actor)
    listed = [{"id": p.id, "title": p.title, "region": p.region_name, "number": p.document_number} for p in plans]
    return {"plans": listed if len(plans) > 1 else [], "plan_id": mine.id, "plan_title": mine.title}


def init_app(app: Any) -> None:
    app.context_processor(header)
