"""Task assignments 任务落实: one per (annex task, responsible unit)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.items.models import Item
from app.plans.models import AnnexTask


class TaskAssignment(Item):
    __tablename__ = "task_assignments"
    __table_args__ = (UniqueConstraint("annex_task_id", "assignee_id"),)

    id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    annex_task_id: Mapped[int] = mapped_column(ForeignKey("annex_tasks.id"))
    #: the responsible unit (equal to ``Item.unit_id``; here so the pair can be unique)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    is_lead: Mapped[bool] = mapped_column(Boolean)
    plan_filed_on: Mapped[date | None] = mapped_column(Date)
    self_assessment: Mapped[dict | None] = mapped_column(JSON)
    findings: Mapped[str | None] = mapped_column(Text)
    rectification_report: Mapped[str | None] = mapped_column(Text)

    annex_task: Mapped[AnnexTask] = relationship(lazy="joined")

    __mapper_args__ = {"polymorphic_identity": "task"}
