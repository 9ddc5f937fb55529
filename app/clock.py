""""Today" for due dates, notice dates and numbers: ``PLANDESK_TODAY`` when pinned, else the date in
China. Audit times always use the real clock."""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> date:
    if has_app_context() and current_app.config.get("PLANDESK_TODAY"):
        return current_app.config["PLANDESK_TODAY"]
    return datetime.now(CHINA).date()


def utcnow() -> datetime:
    return datetime.now(UTC)


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter) of a day: 2018-09-15 → (2018, 3)."""
    return day.year, (day.month - 1) // 3 + 1
