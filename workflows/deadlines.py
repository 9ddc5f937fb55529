"""Due dates and overdue levels, computed against "today" (``PLANDESK_TODAY`` in the app)."""
from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum

from workflows.workdays import DEFAULT_CALENDAR, WorkingCalendar

REVIEW_STEPS = frozenset({"county_review", "city_review", "inspection", "provincial_review", "review"})
DUE_SOON_DAYS = 7
SERIOUS_AFTER_DAYS = 30
#: a quarterly progress report is due this many days after its quarter ends (季后10日内报送)
REPORT_DUE_DAYS = 10


class OverdueLevel(StrEnum):
    none = "none"
    due_soon = "due_soon"
    overdue = "overdue"
    seriously_overdue = "seriously_overdue"

    @property
    def label(self) -> str:
        return {"none": "正常", "due_soon": "即将到期", "overdue": "已逾期", "seriously_overdue": "严重逾期"}[self]

    @property
    def light(self) -> str:
        return {"none": "green", "due_soon": "yellow", "overdue": "red", "seriously_overdue": "red"}[self]


def add_working_days(start: date, days: int, calendar: WorkingCalendar | None = None) -> date:
    """``days`` working days after ``start`` on ``calendar`` (China's calendar, with 调休, by default)."""
    return (calendar or DEFAULT_CALENDAR).add_working_days(start, days)


def quarter_report_deadline(year: int, quarter: int, days: int = REPORT_DUE_DAYS) -> date:
    """The day a quarterly report for (``year``, ``quarter``) is due: ``days`` after the quarter's last day."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1–4, not {quarter}")
    last_month = 3 * quarter
    return date(year, last_month, monthrange(year, last_month)[1]) + timedelta(days=days)


def due_date(state: str, *, entered_on: date, phase_deadlines: Mapping[str, date | None],
             task_deadline: date | None = None, rectification_deadline: date | None = None,
             review_days: int = 10, filing_deadline: date | None = None,
             calendar: WorkingCalendar | None = None) -> date | None:
    """When an item in ``state`` (entered on ``entered_on``) is due; None for states without one.

    Review steps are due ``review_days`` working days (on ``calendar``) after the item entered them; rectification
    takes the deadline the office set; implementation takes the task's own annex deadline; a
    periodic filing's draft (a quarterly report) takes ``filing_deadline``; other phases take the
    plan's phase deadline.
    """
    phase, _, step = state.partition(".")
    if state == "draft" and filing_deadline is not None:
        return filing_deadline
    if step in REVIEW_STEPS or state in REVIEW_STEPS:
        return add_working_days(entered_on, review_days, calendar)
    if phase == "rectification":
        return rectification_deadline
    if phase == "implementation" and task_deadline is not None:
        return task_deadline
    if phase in ("consolidation", "rejected", "revoked", "accepted", "issued", "draft"):
        return None
    return phase_deadlines.get(phase)


def overdue_level(due: date | None, today: date) -> OverdueLevel:
    if due is None:
        return OverdueLevel.none
    late = (today - due).days
    if late > SERIOUS_AFTER_DAYS:
        return OverdueLevel.seriously_overdue
    if late >= 1:
        return OverdueLevel.overdue
    if -late <= DUE_SOON_DAYS:
        return OverdueLevel.due_soon
    return OverdueLevel.none
