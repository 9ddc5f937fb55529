"""Facts about an item's two deadlines that need the plan: the date it should have been filed by."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.plans.models import PlanPhase
from workflows.registry import get_workflow


def filing_deadline(item: Any) -> date | None:
    """The plan's date for the phase a unit files this item in (its workflow's first phase).

    None where the plan itself creates the item (task assignments, quarterly reports, notices)."""
    workflow = get_workflow(item.type)
    phase, _, step = workflow.initial.partition(".")
    if workflow.drafts_follow_plan or not step:
        return None
    return db.session.scalar(select(PlanPhase.deadline).where(PlanPhase.plan_id == item.plan_id,
                                                              PlanPhase.code == phase))


def filed_late(item: Any) -> bool:
    """Whether the item was filed (created, on PlanDesk's business date) after the plan's date for filing.

    A fact about the unit against the plan, not an overdue draft: the draft has its own handling deadline."""
    if item.filed_on is None:
        return False
    deadline = filing_deadline(item)
    return deadline is not None and item.filed_on > deadline
