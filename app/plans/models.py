"""A plan as data: phases, indicators, targets and per-county quotas, categories, annex tasks."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.units.models import Unit


class Plan(db.Model):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(100))
    document_number: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date] = mapped_column(Date)
    #: the region's current plan (at most one per region: loading a plan makes it its region's current one)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the city the plan belongs to (GB/T 2260 code, ``app.units.regions``); its units carry the same code
    region_code: Mapped[str] = mapped_column(String(12), default="", server_default="", index=True)
    region_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    notice_issuer_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    #: the issuer's full name, printed on the red mark (发文机关标志) and as 印发机关
    notice_issuer_name: Mapped[str] = mapped_column(String(100))
    #: the issuer as named in bodies and in the signature (落款)
    notice_issuer_short_name: Mapped[str] = mapped_column(String(100))
    #: 发文代字
    notice_issuer_code: Mapped[str] = mapped_column(String(32))
    review_working_days: Mapped[int] = mapped_column(Integer, default=10)
    #: working days a new or returned draft has to be submitted, per workflow name (absent: the workflow's default)
    draft_working_days: Mapped[dict[str, int] | None] = mapped_column(JSON, default=dict)
    #: group name -> member unit slugs (各县区人民政府, 市电商工作领导小组成员单位), for reading annex tables
    unit_groups: Mapped[dict[str, list[str]] | None] = mapped_column(JSON, default=dict)
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    loaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    phases: Mapped[list[PlanPhase]] = relationship(back_populates="plan", order_by="PlanPhase.sort_order")
    tasks: Mapped[list[AnnexTask]] = relationship(back_populates="plan", order_by="AnnexTask.number")

    def phase_deadlines(self) -> dict[str, date | None]:
        return {p.code: p.deadline for p in self.phases}


class PlanPhase(db.Model):
    __tablename__ = "plan_phases"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(50))
    step: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[date | None] = mapped_column(Date)
    sort_order: Mapped[int] = mapped_column(Integer)

    plan: Mapped[Plan] = relationship(back_populates="phases")


class Indicator(db.Model):
    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(String(20))
    #: the stored English name and measure (from the plan data; None: the catalogue's or the Chinese)
    title_en: Mapped[str | None] = mapped_column(String(200))
    measure_en: Mapped[str | None] = mapped_column(String(40))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Target(db.Model):
    """A minimum figure: city-wide when ``unit_id`` is null, else a unit's quota."""

    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("indicator_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    figure: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    indicator: Mapped[Indicator] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")


class Category(db.Model):
    """A demo-site application category, with its self-assessment checklist."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))
    indicator_code: Mapped[str | None] = mapped_column(String(64))
    site_label: Mapped[str] = mapped_column(String(50))
    checklist: Mapped[list] = mapped_column(JSON, default=list)


class AnnexTask(db.Model):
    """One row of the annex (具体任务分解表)."""

    __tablename__ = "annex_tasks"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    lead_text: Mapped[str] = mapped_column(Text)
    cooperating_text: Mapped[str] = mapped_column(Text)
    indicator_codes: Mapped[list] = mapped_column(JSON, default=list)

    plan: Mapped[Plan] = relationship(back_populates="tasks")
    units: Mapped[list[AnnexTaskUnit]] = relationship(back_populates="task", order_by="AnnexTaskUnit.id")


class AnnexTaskUnit(db.Model):
    __tablename__ = "annex_task_units"
    __table_args__ = (UniqueConstraint("annex_task_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    annex_task_id: Mapped[int] = mapped_column(ForeignKey("annex_tasks.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    is_lead: Mapped[bool] = mapped_column(Boolean)

    task: Mapped[AnnexTask] = relationship(back_populates="units")
    unit: Mapped[Unit] = relationship(lazy="joined")


class UserPlan(db.Model):
    """The plan a user has chosen to work in (no row: their region's current plan)."""

    __tablename__ = "user_plans"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
