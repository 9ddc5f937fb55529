"""The plan PlanDesk works on now."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.plans.models import Plan
from workflows.errors import NotFound


def current_plan() -> Plan:
    """The current plan (NotFound, 404, before any plan is loaded)."""
    plan = db.session.scalar(select(Plan).where(Plan.is_current.is_(True)))
    if plan is None:
        raise NotFound("尚未导入方案")
    return plan
