"""Who must write an approval opinion (per plan) and each user's stock phrases.

No rule row for a plan means the default roles (:data:`app.opinions.rules.DEFAULT_ROLES`); no phrase
row for a user means the shipped phrases (:data:`app.opinions.phrases.DEFAULT_PHRASES`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class OpinionRule(db.Model):
    """The office's setting: whether each reviewing role's decisions need a 审批意见."""

    __tablename__ = "opinion_rules"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    county_reviewer: Mapped[bool] = mapped_column(Boolean)
    city_reviewer: Mapped[bool] = mapped_column(Boolean)
    office_approver: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(64))


class OpinionPhrases(db.Model):
    """One user's 常用意见, in the order they are offered."""

    __tablename__ = "opinion_phrases"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    phrases: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
