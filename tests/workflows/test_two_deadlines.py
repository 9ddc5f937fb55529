"""Two deadlines: the handling deadline of the current step, and the plan's date for the phase.

No item is ever overdue on the day it enters a step; a draft filed after the plan's date is due
like any other draft (the lateness is the unit's, shown as *filed late*)."""
from __future__ import annotations

from datetime import date

import pytest

from workflows.deadlines import OverdueLevel, add_working_days, due_date, overdue_level, phase_deadline
from workflows.registry import WORKFLOWS

PHASES = {"mobilization": date(2018, 7, 31), "implementation": date(2018, 12, 31),
          "self_assessment": date(2019, 2, 28), "acceptance": date(2019, 4, 30), "consolidation": None}


def test_a_new_draft_has_ten_working_days_whatever_the_plan_date() -> None:
    # filed after the plan's mobilization date (2018-07-31): due 10 working days later, not on 07-31
    due = due_date("mobilization.draft", entered_on=date(2018, 9, 17), phase_deadlines=PHASES)
    assert due == add_working_days(date(2018, 9, 17), 10)
    assert due > date(2018, 9, 17)
    assert overdue_level(due, date(2018, 9, 17)) is not OverdueLevel.overdue
    # and the plan's date is still known, as a fact
    assert phase_deadline("mobilization.draft", phase_deadlines=PHASES) == date(2018, 7, 31)


def test_the_figure_is_configurable() -> None:
    assert due_date("mobilization.draft", entered_on=date(2018, 9, 17), phase_deadlines=PHASES, draft_days=3) \
        == add_working_days(date(2018, 9, 17), 3)


def test_a_returned_draft_gets_the_days_again() -> None:
    for state in ("mobilization.draft", "self_assessment.draft"):
        assert due_date(state, entered_on=date(2019, 3, 4), phase_deadlines=PHASES) \
            == add_working_days(date(2019, 3, 4), 10)


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
@pytest.mark.parametrize("entered", [date(2018, 7, 2), date(2018, 9, 17), date(2019, 3, 1), date(2020, 6, 1)])
def test_no_step_is_overdue_on_the_day_it_is_entered(name: str, entered: date) -> None:
    wf = WORKFLOWS[name]
    for state in wf.states:
        due = due_date(state.value, entered_on=entered, phase_deadlines=PHASES, task_deadline=date(2018, 7, 31),
                       drafts_follow_plan=wf.drafts_follow_plan)
        assert due is None or due > entered, (name, state.value, due)


def test_plan_dated_steps_keep_the_plan_date_when_there_is_time() -> None:
    # a task assignment created by the plan in July is due on the plan's date
    assert due_date("mobilization.draft", entered_on=date(2018, 7, 10), phase_deadlines=PHASES,
                    drafts_follow_plan=True) == date(2018, 7, 31)
    # implementation: the task's own annex deadline, or the phase's
    assert due_date("implementation", entered_on=date(2018, 8, 1), phase_deadlines=PHASES,
                    task_deadline=date(2018, 10, 31)) == date(2018, 10, 31)
    assert due_date("implementation", entered_on=date(2018, 8, 1), phase_deadlines=PHASES) == date(2018, 12, 31)
    # entered after the plan date: never sooner than the working days a draft gets
    assert due_date("implementation", entered_on=date(2018, 12, 28), phase_deadlines=PHASES) \
        == add_working_days(date(2018, 12, 28), 10)
    assert phase_deadline("implementation", phase_deadlines=PHASES, task_deadline=date(2018, 10, 31)) \
        == date(2018, 10, 31)


def test_review_rectification_and_final_steps() -> None:
    assert due_date("mobilization.city_review", entered_on=date(2018, 9, 17), phase_deadlines=PHASES,
                    review_days=5) == add_working_days(date(2018, 9, 17), 5)
    assert due_date("rectification.draft", entered_on=date(2019, 5, 6), phase_deadlines=PHASES,
                    rectification_deadline=date(2019, 6, 28)) == date(2019, 6, 28)
    assert due_date("consolidation", entered_on=date(2019, 5, 6), phase_deadlines=PHASES) is None
    assert due_date("draft", entered_on=date(2018, 10, 8), phase_deadlines={}) is None  # a notice's draft
    assert phase_deadline("draft", phase_deadlines={}, filing_deadline=date(2018, 10, 10)) == date(2018, 10, 10)
