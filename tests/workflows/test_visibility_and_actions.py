"""Who sees an issued notice, the actions offered to an actor, and quarterly report deadlines."""
from __future__ import annotations

from datetime import date

import pytest

from tests.workflows.fakes import GOOD_FACTS, Row, actor, subject
from workflows.deadlines import add_working_days, due_date, quarter_report_deadline
from workflows.engine import Action, available_actions
from workflows.permissions import Subject, can_see
from workflows.registry import WORKFLOWS
from workflows.roles import Actor, Role

NOTICE = WORKFLOWS["notice"]
APP = WORKFLOWS["application"]


def _notice(state: str, audience: frozenset[str] = frozenset({"huoqiu"})) -> Subject:
    return Subject(row=Row(1, state), workflow=NOTICE, unit="leading_group_office", county=None,
                   facts=GOOD_FACTS, audience=audience)


@pytest.mark.parametrize("state, seen", [("draft", False), ("review", False), ("issued", True), ("revoked", True)])
def test_a_notice_is_seen_by_its_addressees_once_issued(state: str, seen: bool) -> None:
    for role in (Role.county_filer, Role.county_reviewer, Role.dept_filer):
        assert can_see(Actor(1, "u", role, "huoqiu"), _notice(state)) is seen
        assert not can_see(Actor(2, "v", role, "shucheng"), _notice(state))
    assert can_see(Actor(3, "w", Role.supervisor, None), _notice(state))


def test_an_audience_makes_only_notices_visible() -> None:
    item = Subject(row=Row(1, "issued"), workflow=APP, unit="shucheng", county="shucheng", facts=GOOD_FACTS,
                   audience=frozenset({"huoqiu"}))
    assert not can_see(Actor(1, "u", Role.county_filer, "huoqiu"), item)


def test_an_actor_without_a_unit_sees_only_as_a_city_wide_role() -> None:
    nowhere = Subject(row=Row(1, "issued"), workflow=NOTICE, unit=None, county=None, facts=GOOD_FACTS,
                      audience=frozenset({None}))  # type: ignore[arg-type]
    assert not can_see(Actor(1, "u", Role.county_filer, None), nowhere)
    assert not can_see(Actor(1, "u", Role.county_filer, None), subject(APP, "mobilization.draft"))
    assert can_see(Actor(1, "u", Role.city_reviewer, None), subject(APP, "mobilization.draft"))


def test_available_actions_name_title_inputs_and_destinations() -> None:
    assert available_actions(subject(APP, "mobilization.county_review"), actor(Role.county_reviewer, "huoqiu")) == [
        Action("endorse", "审核通过并报市", (), ("mobilization.city_review",)),
        Action("send_back", "退回", ("comment",), ("mobilization.draft",)),
    ]
    inspection = subject(APP, "acceptance.inspection", level="provincial")
    assert available_actions(inspection, actor(Role.office_approver, "leading_group_office")) == [
        Action("pass", "验收通过并报省认定", ("findings",), ("acceptance.provincial_review",)),
        Action("order_rectification", "责令限期整改", ("comment", "deadline"), ("rectification.draft",)),
        Action("reject", "验收不通过", ("comment",), ("rejected",)),
    ]
    assert available_actions(inspection, actor(Role.county_reviewer, "shucheng")) == []


def test_quarterly_reports_are_due_after_each_quarter() -> None:
    assert [quarter_report_deadline(2018, q, days=0) for q in (1, 2, 3, 4)] == [
        date(2018, 3, 31), date(2018, 6, 30), date(2018, 9, 30), date(2018, 12, 31)]
    for bad in (0, 5):
        with pytest.raises(ValueError, match=f"quarter must be 1–4, not {bad}"):
            quarter_report_deadline(2018, bad)


def test_due_dates_fall_back_to_the_phase_deadline_and_end_states_have_none() -> None:
    every = {p: date(2018, 12, 31) for p in (
        "mobilization", "implementation", "self_assessment", "acceptance", "consolidation", "rejected", "revoked",
        "accepted", "issued", "draft")}
    for state in ("consolidation", "rejected", "revoked", "accepted", "issued"):
        assert due_date(state, entered_on=date(2018, 7, 2), phase_deadlines=every) is None, state
    assert due_date("draft", entered_on=date(2018, 7, 2), phase_deadlines=every) is None
    assert due_date("draft", entered_on=date(2018, 7, 2), phase_deadlines=every,
                    filing_deadline=date(2018, 7, 20)) == date(2018, 7, 20)
    # a filing deadline is for a periodic filing's draft only: a unit's draft has its working days, a
    # draft the plan made (drafts_follow_plan) and a task without its own deadline take the phase's
    assert due_date("mobilization.draft", entered_on=date(2018, 7, 2), phase_deadlines=every,
                    filing_deadline=date(2018, 7, 20)) == add_working_days(date(2018, 7, 2), 10)
    assert due_date("mobilization.draft", entered_on=date(2018, 7, 2), phase_deadlines=every,
                    filing_deadline=date(2018, 7, 20), drafts_follow_plan=True) == date(2018, 12, 31)
    assert due_date("implementation", entered_on=date(2018, 7, 2), phase_deadlines=every) == date(2018, 12, 31)
