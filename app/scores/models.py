"""The office's weights for the 绩效考核 components (one row per plan and component).

No row for a component means its default weight (:data:`app.scores.components.DEFAULT_WEIGHTS`).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ScoreWeight(db.Model):
    __tablename__ = "score_weights"
    __table_args__ = (CheckConstraint("weight >= 0 AND weight <= 100", name="weight_range"),)

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    component: Mapped[str] = mapped_column(String(32), primary_key=True)
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    #: whether the component counts in the score at all
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(64))
