"""Quarterly progress reports 季度进展报告, with one figure row per indicator."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.extensions import db
from app.items.models import Item


class Report(Item):
    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("plan_id", "reporter_id", "year", "quarter"),
        CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter"),
    )

    id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    #: the item's plan, kept on this table too so that a unit reports once per quarter *per plan* (a
    #: city's 2018 and 2019 plans each have their report); one attribute writes both columns
    plan_id: Mapped[int] = column_property(mapped_column(ForeignKey("plans.id"), nullable=False),
                                           Item.__table__.c.plan_id)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    #: the text sections 工作进展 / 存在问题 / 下步计划 (``app.reports.texts``), required on submit
    progress: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)

    figures: Mapped[list[ReportFigure]] = relationship(back_populates="report", cascade="all, delete-orphan")

    __mapper_args__ = {"polymorphic_identity": "report"}


class ReportFigure(db.Model):
    """A cumulative-for-the-year figure of one indicator in one report."""

    __tablename__ = "report_figures"
    __table_args__ = (
        UniqueConstraint("report_id", "indicator_code"),
        CheckConstraint("value >= 0", name="value_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    indicator_code: Mapped[str] = mapped_column(String(64))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    report: Mapped[Report] = relationship(back_populates="figures")
