"""The administrator's working-day overrides (工作日调整): days the calendar package does not know yet,
or gets wrong. An override wins over the package."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class CalendarOverride(db.Model):
    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: the administrator's username, or ``cli`` for the command line
    updated_by: Mapped[str] = mapped_column(String(64))
