""""Today" for due dates, notice dates and numbers: ``PLANDESK_TODAY`` when pinned, else the date in
China. Audit times always use the real clock; each audit event also records the business date (this
"today") it happened on.

One zone, Asia/Shanghai, for every time PlanDesk shows (screens, exports, PDFs): :func:`in_china`
is the one conversion, :func:`china_wall_time` its naive form for Excel, :func:`event_date` the date
an event is shown under.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import current_app, has_app_context

from workflows.audit import CHINA, china_date

__all__ = ["CHINA", "china_date", "china_wall_time", "event_date", "in_china", "today", "utcnow"]


def today() -> date:
    if has_app_context() and current_app.config.get("PLANDESK_TODAY"):
        return current_app.config["PLANDESK_TODAY"]
    return datetime.now(CHINA).date()


def utcnow() -> datetime:
    return datetime.now(UTC)


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter) of a day: 2018-09-15 → (2018, 3)."""
    return day.year, (day.month - 1) // 3 + 1


def in_china(value: datetime) -> datetime:
    """An instant in China's zone; a naive value is UTC (SQLite returns stored instants naive)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA)


def china_wall_time(value: datetime | None) -> datetime | None:
    """An instant as China's wall-clock time, naive and to the second (Excel has no time zones)."""
    if value is None:
        return None
    return in_china(value).replace(tzinfo=None, microsecond=0)


def event_date(event: Any) -> date:
    """The business date an audit event happened on; the date of its instant in China when it has none."""
    recorded = getattr(event, "business_date", None)
    if isinstance(recorded, str):  # SQLite may answer text for an aggregate
        recorded = date.fromisoformat(recorded[:10])
    return recorded if recorded is not None else china_date(event.at)
