"""Factories for tests that fire transitions on stored items (fixtures are registered in conftest)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from app.applications.models import Application
from app.attachments.models import Attachment
from app.auth.models import User
from app.clock import utcnow
from app.extensions import db
from app.applications.fields import fields_for
from app.items.models import Item
from app.items.operations import create_item
from app.plans.models import Plan
from app.units.models import Unit
from workflows.roles import Actor


def actor_of(username: str) -> Actor:
    return db.session.scalar(select(User).where(User.username == username)).actor()


def complete_fields(category: str, **values: Any) -> dict[str, Any]:
    """Every input ``category`` requires, filled (a number where the form asks for one), then ``values``."""
    filled = {f.key: (1 if f.kind == "number" else f"测试{f.title}") for f in fields_for(category) if f.required}
    return {**filled, **values}


def add_evidence(item_id: int, kind: str = "evidence") -> None:
    item = db.session.get(Item, item_id)
    db.session.add(Attachment(item_id=item_id, name="证明材料.pdf", kind=kind, content_type="application/pdf",
                              size=10, sha256="0" * 64, phase=item.phase, uploaded_at=utcnow()))
    db.session.flush()


@pytest.fixture
def new_application() -> Callable[..., int]:
    """Creates a draft application (needs an app context: take ``ctx`` or push one)."""
    def make(county: str = "huoqiu", category: str = "provincial_demo_village", site: str = "大顾店村") -> int:
        plan = db.session.scalar(select(Plan).where(Plan.is_current.is_(True)))
        unit = db.session.scalar(select(Unit).where(Unit.slug == county))
        app_row = Application(plan_id=plan.id, title=f"{unit.name}{site}申报", unit_id=unit.id, county_id=unit.id,
                              category=category, site_name=site, fields=complete_fields(category))
        create_item(app_row, actor_of(f"{county}_filer"))
        db.session.commit()
        return app_row.id
    return make
