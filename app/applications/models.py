"""Demo-site applications 示范创建申报."""
from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.items.models import Item
from workflows.application import CATEGORIES

CATEGORY_VALUES = ",".join(f"'{c}'" for c in CATEGORIES)


class Application(Item):
    __tablename__ = "applications"
    __table_args__ = (CheckConstraint(f"category IN ({CATEGORY_VALUES})", name="category"),)

    id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    # active_history: the dashboards' counters (app.items.counters) need the old category
    category: Mapped[str] = mapped_column(String(40), index=True, active_history=True)
    site_name: Mapped[str] = mapped_column(String(200))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    self_assessment: Mapped[dict | None] = mapped_column(JSON)
    findings: Mapped[str | None] = mapped_column(Text)
    rectification_report: Mapped[str | None] = mapped_column(Text)
    provincial_decision: Mapped[str | None] = mapped_column(String(20))
    provincial_document_number: Mapped[str | None] = mapped_column(String(64))

    __mapper_args__ = {"polymorphic_identity": "application"}
