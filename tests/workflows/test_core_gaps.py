"""Behaviour of the core that only database tests reached before `make mutate` ran over it: the
calendar a quarterly deadline is counted on, the festival a day belongs to, an item's phase."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import chinese_calendar
import pytest

from workflows.base import Requirement, Workflow, spec, state_title
from workflows.deadlines import add_working_days, due_date, quarter_report_deadline
from workflows.guards import figure_problems, guard_reasons
from workflows.registry import WORKFLOWS
from workflows.report import ReportState as S
from workflows.roles import Role
from workflows.workdays import ChinaCalendar, WeekdayCalendar, package_years


def test_a_quarterly_deadline_is_counted_on_the_calendar_given() -> None:
    # Q3 2018 ends on Sunday 30 September, a make-up working day before 国庆 (1–7 October)
    assert quarter_report_deadline(2018, 3) == date(2018, 10, 19)
    assert quarter_report_deadline(2018, 3, calendar=WeekdayCalendar()) == date(2018, 10, 12)
    # an override (a county's extra day off) moves the deadline by one working day
    extra_off = ChinaCalendar(overrides={date(2018, 10, 10): False})
    assert quarter_report_deadline(2018, 3, calendar=extra_off) == date(2018, 10, 22)


def test_the_festival_a_day_belongs_to() -> None:
    calendar = ChinaCalendar()
    assert calendar.holiday_name(date(2018, 9, 24)) == "Mid-autumn Festival"  # off
    assert calendar.holiday_name(date(2018, 9, 29)) == "National Day"  # a make-up working Saturday
    assert calendar.holiday_name(date(2018, 9, 25)) is None  # an ordinary working day
    assert calendar.holiday_name(date(2018, 9, 16)) is None  # an ordinary Sunday
    year = max(calendar.years) + 1
    assert not calendar.knows_year(year)
    assert calendar.holiday_name(date(year, 1, 1)) is None  # a year the package does not know


@pytest.mark.parametrize("state, phase", [("mobilization.draft", "mobilization"),
                                          ("acceptance.inspection", "acceptance"), ("draft", "draft"),
                                          ("a.b.c", "a")])
def test_the_phase_of_a_state_is_its_part_before_the_first_dot(state: str, phase: str) -> None:
    for wf in WORKFLOWS.values():
        assert wf.phase_of(state) == phase


@pytest.mark.parametrize("trigger", ["state", "trigger", "version", "to_draft"])
def test_triggers_that_would_shadow_the_model_or_the_machine_are_refused(trigger: str) -> None:
    with pytest.raises(ValueError, match=rf"^workflow reserved: {trigger}: reserved trigger name$"):
        Workflow(name="reserved", title="x", states=S, initial=S.draft.value, finals=frozenset({"accepted"}),
                 specs=(spec(S.draft, trigger, S.city_review, [Role.county_filer], "提交"),))
    # a name that merely contains a reserved one is fine
    Workflow(name="fine", title="x", states=S, initial=S.draft.value, finals=frozenset({"accepted"}),
             specs=(spec(S.draft, f"{trigger.replace('to_', 'go_')}_now", S.city_review, [Role.county_filer], "提交"),))


def _field_reasons(facts: dict[str, Any]) -> list[str]:
    sp = spec("draft", "submit", "review", [Role.county_filer], "提交", requires=[Requirement.fields])
    return guard_reasons(sp, facts=facts, comment=None, data={}, today=date(2018, 7, 10))


def test_required_fields_are_checked_against_the_values_given() -> None:
    required = [("site_name", "示范村名称"), ("households", "覆盖户数"), ("contact", "联系人")]
    assert _field_reasons({"required_fields": required, "field_values": {"site_name": "张家店村"}}) == [
        "以下必填项未填写：覆盖户数、联系人"]
    half_blank = {"site_name": " ", "households": 0, "contact": "王明"}
    assert _field_reasons({"required_fields": required, "field_values": half_blank}) == ["以下必填项未填写：示范村名称"]
    assert _field_reasons({"required_fields": required}) == ["以下必填项未填写：示范村名称、覆盖户数、联系人"]
    # a label the caller already listed is not repeated
    assert _field_reasons({"missing_fields": ["联系人"], "required_fields": required,
                           "field_values": {"site_name": "张家店村", "households": 12}}) == ["以下必填项未填写：联系人"]
    assert _field_reasons({"required_fields": required,
                           "field_values": {"site_name": "张家店村", "households": 12, "contact": "王明"}}) == []


def test_a_figure_is_named_by_its_label_or_else_its_code() -> None:
    assert figure_problems({"sales": -1}, None, {"sales": "网络零售额"}) == ["“网络零售额”不能为负数"]
    assert figure_problems({"sales": -1}, None, {"jobs": "带动就业"}) == ["“sales”不能为负数"]
    assert figure_problems({7: -1}, None) == ["“7”不能为负数"]


def test_a_figure_in_a_guard_reason_is_named_by_the_items_indicator_label() -> None:
    sp = spec("draft", "submit", "review", [Role.county_filer], "提交", requires=[Requirement.figures])
    facts = {"indicator_codes": ["sales"], "indicator_labels": {"sales": "网络零售额"}}
    assert guard_reasons(sp, facts=facts, comment=None, data={"figures": {"sales": -5}},
                         today=date(2018, 7, 10)) == ["“网络零售额”不能为负数"]


class _OpensOn(WeekdayCalendar):
    """Working days: only ``days`` (a calendar for the limits of the working-day count)."""

    def __init__(self, *days: date) -> None:
        self.days = set(days)

    def is_working_day(self, day: date) -> bool:
        return day in self.days


def test_working_days_are_counted_across_up_to_400_days_off() -> None:
    start = date(2018, 1, 1)
    after_400 = start + timedelta(days=401)
    assert add_working_days(start, 1, _OpensOn(after_400)) == after_400
    # the run of days off restarts after each working day
    first = start + timedelta(days=1)
    second = first + timedelta(days=401)
    assert add_working_days(start, 2, _OpensOn(first, second)) == second
    assert add_working_days(start, 0, _OpensOn()) == start


def test_a_calendar_without_working_days_is_refused_by_name() -> None:
    start = date(2018, 1, 1)
    with pytest.raises(ValueError, match=r"^no working day in the 400 days after 2018-01-01$"):
        add_working_days(start, 1, _OpensOn())
    later = start + timedelta(days=1)
    with pytest.raises(ValueError, match=r"^no working day in the 400 days after 2018-01-02$"):
        add_working_days(start, 2, _OpensOn(later))
    with pytest.raises(ValueError, match=r"^days must not be negative, not -1$"):
        add_working_days(start, -1, WeekdayCalendar())


def test_the_package_years_are_those_it_has_notices_for() -> None:
    years = package_years()
    noticed = {d.year for d in (*chinese_calendar.holidays, *chinese_calendar.workdays)}
    assert years.start == min(noticed) == 2004
    assert list(years) == list(range(min(noticed), max(noticed) + 1))
    assert 2018 in years and max(noticed) + 1 not in years


def test_a_state_without_a_title_falls_back_to_its_own_names() -> None:
    assert state_title("mobilization.county_review") == "动员部署·县区审核"
    assert state_title("mobilization.no_such_step") == "动员部署·no_such_step"
    assert state_title("no_such_phase.county_review") == "no_such_phase·县区审核"
    assert state_title("no_such_phase") == "no_such_phase"


def test_a_drafts_floor_is_counted_on_the_calendar_given() -> None:
    entered = date(2018, 9, 28)  # the Friday before 国庆; Saturday 29 and Sunday 30 September were worked
    assert due_date("mobilization.draft", entered_on=entered, phase_deadlines={}) == date(2018, 10, 17)
    assert due_date("mobilization.draft", entered_on=entered, phase_deadlines={},
                    calendar=WeekdayCalendar()) == date(2018, 10, 12)


def test_without_a_plan_date_only_a_draft_has_a_deadline() -> None:
    entered = date(2018, 7, 10)
    floor = add_working_days(entered, 10)
    # a plan-made draft whose phase has no date: due after its working days all the same
    assert due_date("mobilization.draft", entered_on=entered, phase_deadlines={}, drafts_follow_plan=True) == floor
    # a step that is no draft and has no plan date: no deadline
    assert due_date("implementation", entered_on=entered, phase_deadlines={}) is None
    assert due_date("implementation", entered_on=entered, phase_deadlines={}, drafts_follow_plan=True) is None
