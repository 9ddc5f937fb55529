"""Deadline levels noted by ``deadlines tick`` (kept apart from items so no version is bumped)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class DeadlineMark(db.Model):
    __tablename__ = "deadline_marks"
    __table_args__ = (UniqueConstraint("item_id", "state", "due_on", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    state: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(20))
    noted_on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
