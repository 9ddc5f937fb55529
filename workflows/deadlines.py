"""Due dates and overdue levels, computed against "today" (``PLANDESK_TODAY`` in the app)."""
from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from workflows.workdays import DEFAULT_CALENDAR, WorkingCalendar

REVIEW_STEPS = frozenset({"county_review", "city_review", "office_review", "inspection", "provincial_review", "review"})
DUE_SOON_DAYS = 7
SERIOUS_AFTER_DAYS = 30
#: a quarterly progress report is due this many working days after its quarter ends
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


def quarter_end(year: int, quarter: int) -> date:
    """The last day of (``year``, ``quarter``)."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1–4, not {quarter}")
    return date(year, 3 * quarter, monthrange(year, 3 * quarter)[1])


def quarter_report_deadline(year: int, quarter: int, days: int = REPORT_DUE_DAYS,
                            calendar: WorkingCalendar | None = None) -> date:
    """The day a quarterly report for (``year``, ``quarter``) is due: ``days`` working days after the
    quarter's last day (季后10个工作日内报送), on ``calendar`` (China's, by default)."""
    return add_working_days(quarter_end(year, quarter), days, calendar)


#: working days a draft (new or returned) has to be submitted, unless the plan sets another figure
DRAFT_WORKING_DAYS = 10
#: phases whose step is the office's or finished: no handling deadline
NO_DEADLINE_PHASES = frozenset({"consolidation", "rejected", "revoked", "accepted", "issued", "draft"})


def phase_deadline(state: str, *, phase_deadlines: Mapping[str, date | None], task_deadline: date | None = None,
                   filing_deadline: date | None = None) -> date | None:
    """The plan's date for the phase ``state`` belongs to: a fact about the plan, not about who holds the item.

    A task in implementation takes its own annex deadline (the plan's date for that task); a periodic
    filing (a quarterly report) its filing deadline; every other phase the plan's phase deadline.
    """
    phase = state.partition(".")[0]
    if filing_deadline is not None:
        return filing_deadline
    if phase == "implementation" and task_deadline is not None:
        return task_deadline
    return phase_deadlines.get(phase)


def due_date(state: str, *, entered_on: date, phase_deadlines: Mapping[str, date | None],
             task_deadline: date | None = None, rectification_deadline: date | None = None,
             review_days: int = 10, filing_deadline: date | None = None,
             draft_days: int = DRAFT_WORKING_DAYS, drafts_follow_plan: bool = False,
             calendar: WorkingCalendar | None = None) -> date | None:
    """The handling deadline of ``state`` (entered on ``entered_on``): when whoever holds the item must act.

    This is what lights, worklists, reminders and "overdue" count from; the plan's date for the
    phase is :func:`phase_deadline`. The rules:

    - a periodic filing's draft (a quarterly report) is due on ``filing_deadline``;
    - a review step is due ``review_days`` working days after the item entered it;
    - working days are counted on ``calendar`` (China's, with 调休 and the overrides, by default);
    - rectification is due on the date the office ordered;
    - a draft (new or sent back) is due ``draft_days`` working days after it was created or returned;
      where drafts follow the plan (task assignments, created by the plan itself), on the phase
      date instead, but never sooner than those ``draft_days``;
    - any other step with a plan date (implementation) is due on that date, never sooner than
      ``draft_days`` working days after the item entered the step;
    - consolidation and final states have none.

    So no item is ever overdue on the day it enters a step: a county filing after the plan's date is
    *filed late* (a fact about the unit), not an overdue draft.
    """
    phase, _, step = state.partition(".")
    if state == "draft" and filing_deadline is not None:
        return filing_deadline
    if step in REVIEW_STEPS or state in REVIEW_STEPS:
        return add_working_days(entered_on, review_days, calendar)
    if phase == "rectification":
        return rectification_deadline
    if phase in NO_DEADLINE_PHASES:
        return None
    floor = add_working_days(entered_on, draft_days, calendar)
    if step == "draft" and not drafts_follow_plan:
        return floor
    planned = phase_deadline(state, phase_deadlines=phase_deadlines, task_deadline=task_deadline)
    if planned is None:
        return floor if step == "draft" else None
    return max(planned, floor)


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
