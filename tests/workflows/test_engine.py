"""The engine's door: check order, guards with every reason, atomicity, the audit chain, deadlines."""
from __future__ import annotations

import weakref
from datetime import date

import pytest

from tests.workflows.fakes import MemoryStore, Row, actor, subject
from workflows.audit import check_chain, event_as_dict
from workflows.deadlines import OverdueLevel, add_working_days, due_date, overdue_level
from workflows.engine import fire
from workflows.errors import GuardFailed, InvalidTransition, NotFound, NotPermitted, StaleVersion, TransitionAborted
from workflows.registry import WORKFLOWS
from workflows.roles import Role

APP = WORKFLOWS["application"]
TODAY = date(2018, 7, 10)
FILER = actor(Role.county_filer, "huoqiu", "huoqiu_filer")
REVIEWER = actor(Role.county_reviewer, "huoqiu", "huoqiu_reviewer")
OFFICE = actor(Role.office_approver, "leading_group_office", "office_approver")


def test_checks_run_in_the_public_order() -> None:
    other = actor(Role.county_reviewer, "shucheng")
    # not visible beats everything else, even an unknown trigger and a stale version
    with pytest.raises(NotFound):
        fire(subject(APP, "mobilization.county_review"), "bogus", other, version=9, store=MemoryStore())
    with pytest.raises(InvalidTransition):
        fire(subject(APP, "mobilization.county_review"), "bogus", FILER, version=9, store=MemoryStore())
    with pytest.raises(NotPermitted):
        fire(subject(APP, "mobilization.county_review"), "endorse", FILER, version=9, store=MemoryStore())
    with pytest.raises(StaleVersion):
        fire(subject(APP, "mobilization.county_review"), "send_back", REVIEWER, version=9, store=MemoryStore())
    with pytest.raises(GuardFailed) as err:
        fire(subject(APP, "mobilization.county_review"), "send_back", REVIEWER, version=1, store=MemoryStore())
    assert err.value.reasons == ["退回必须填写理由"]
    assert err.value.code == "guard_failed" and err.value.http_status == 422


def test_guard_reports_every_reason() -> None:
    subj = subject(APP, "self_assessment.draft", evidence_in_phase=0, indicator_codes=["sales", "outlets"])
    with pytest.raises(GuardFailed) as err:
        fire(subj, "submit", FILER, version=1, store=MemoryStore(),
             data={"text": " ", "figures": {"sales": -3, "unknown": 1, "outlets": "many"}})
    reasons = err.value.reasons
    assert "必须填写自查评估报告" in reasons
    assert "“sales”不能为负数" in reasons
    assert "指标“unknown”不属于本事项的考核指标" in reasons
    assert "“outlets”应填写数字" in reasons
    assert "本阶段至少需要上传一份证明材料" in reasons
    assert subj.row.state == "self_assessment.draft" and subj.row.version == 1


def test_rectification_needs_a_future_deadline() -> None:
    for deadline, reason in (("2018-07-10", "整改期限必须晚于今天"), ("next week", "必须设定整改期限（日期格式 YYYY-MM-DD）")):
        with pytest.raises(GuardFailed) as err:
            fire(subject(APP, "acceptance.inspection", level="municipal"), "order_rectification", OFFICE,
                 version=1, store=MemoryStore(), comment="问题清单", data={"deadline": deadline}, today=TODAY)
        assert err.value.reasons == [reason]
    out = fire(subject(APP, "acceptance.inspection", level="municipal"), "order_rectification", OFFICE,
               version=1, store=MemoryStore(), comment="问题清单", data={"deadline": "2018-08-01"}, today=TODAY)
    assert out.to_state == "rectification.draft"


def test_provincial_decision_routes_by_input() -> None:
    for decision, dest in (("approved", "consolidation"), ("rejected", "rejected")):
        out = fire(subject(APP, "acceptance.provincial_review"), "record_provincial_decision", OFFICE, version=1,
                   store=MemoryStore(), data={"decision": decision, "document_number": "皖商秘〔2019〕8号"})
        assert out.to_state == dest
    with pytest.raises(GuardFailed):
        fire(subject(APP, "acceptance.provincial_review"), "record_provincial_decision", OFFICE, version=1,
             store=MemoryStore(), data={"decision": "maybe", "document_number": "x"})


def test_a_failing_effect_leaves_nothing_behind() -> None:
    subj = subject(APP, "mobilization.county_review")
    store = MemoryStore(fail_effect=True)
    with pytest.raises(TransitionAborted) as err:
        fire(subj, "endorse", REVIEWER, version=1, store=store)
    assert isinstance(err.value.__cause__, RuntimeError)
    assert subj.row.state == "mobilization.county_review" and subj.row.version == 1
    assert store.events == []


def test_delegate_may_not_decide_on_their_own_units_items() -> None:
    from workflows.roles import Actor

    delegate = Actor(9, "deputy", Role.office_approver, "huoqiu", on_behalf_of="office_approver",
                     excluded_units=frozenset({"huoqiu"}))
    with pytest.raises(NotPermitted):
        fire(subject(APP, "acceptance.inspection", level="municipal"), "pass", delegate, version=1,
             store=MemoryStore(), data={"findings": "ok"})
    out = fire(subject(APP, "acceptance.inspection", unit="yeji", county="yeji", level="municipal"), "pass",
               delegate, version=1, store=MemoryStore(), data={"findings": "ok"})
    assert out.event.on_behalf_of == "office_approver" and out.event.actor == "deputy"


def test_events_chain_per_item_and_detect_tampering() -> None:
    store = MemoryStore()
    subj = subject(APP, "mobilization.draft", level="municipal")
    fire(subj, "submit", FILER, version=1, store=store)
    fire(subj, "send_back", REVIEWER, version=2, store=store, comment="材料不全")
    fire(subj, "submit", FILER, version=3, store=store)
    events = [event_as_dict(e) for e in store.events]
    assert [e["seq"] for e in events] == [1, 2, 3]
    assert events[0]["prev_hash"] is None and events[1]["prev_hash"] == events[0]["hash"]
    assert check_chain(events) is None
    events[1]["comment"] = "改过的理由"
    assert "content does not match" in check_chain(events)
    assert "seq" in check_chain([events[0], events[2]])


def test_dispatch_keeps_no_reference_to_rows() -> None:
    row = Row(1, "mobilization.draft")
    subj = subject(APP, "mobilization.draft", level="municipal")
    subj.row = row
    fire(subj, "submit", FILER, version=1, store=MemoryStore())
    ref = weakref.ref(row)
    del subj, row
    assert ref() is None
    assert APP.machine.models == []


def test_due_dates_and_levels() -> None:
    phases = {"mobilization": date(2018, 7, 31), "self_assessment": date(2019, 2, 28)}
    # a unit's draft is due ten working days after it was created, whatever the plan's date (tested in
    # tests/workflows/test_two_deadlines.py); a task assignment's draft on the plan's date
    assert due_date("mobilization.draft", entered_on=date(2018, 7, 2), phase_deadlines=phases) == date(2018, 7, 16)
    assert due_date("mobilization.draft", entered_on=date(2018, 7, 2), phase_deadlines=phases,
                    drafts_follow_plan=True) == date(2018, 7, 31)
    # a review step is due ten working days after the item entered it, not on the phase date; on China's
    # calendar: 2018-12-29 (Saturday) was a make-up working day, 2018-12-31 and 2019-01-01 were 元旦
    assert due_date("mobilization.county_review", entered_on=date(2018, 12, 28), phase_deadlines=phases) \
        == add_working_days(date(2018, 12, 28), 10) == date(2019, 1, 14)
    assert due_date("implementation", entered_on=date(2018, 8, 1), phase_deadlines=phases,
                    task_deadline=date(2018, 12, 31)) == date(2018, 12, 31)
    assert due_date("rectification.draft", entered_on=date(2019, 3, 1), phase_deadlines=phases,
                    rectification_deadline=date(2019, 4, 1)) == date(2019, 4, 1)
    assert due_date("consolidation", entered_on=date(2019, 3, 1), phase_deadlines=phases) is None
    due = date(2018, 7, 31)
    assert overdue_level(due, date(2018, 7, 23)) is OverdueLevel.none
    assert overdue_level(due, date(2018, 7, 24)) is OverdueLevel.due_soon
    assert overdue_level(due, date(2018, 7, 31)) is OverdueLevel.due_soon
    assert overdue_level(due, date(2018, 8, 1)) is OverdueLevel.overdue
    assert overdue_level(due, date(2018, 8, 30)) is OverdueLevel.overdue
    assert overdue_level(due, date(2018, 8, 31)) is OverdueLevel.seriously_overdue
    assert overdue_level(None, date(2030, 1, 1)) is OverdueLevel.none


def test_nothing_outside_workflows_assigns_state() -> None:
    """The one door: no module of the app writes ``.state =`` (or setattr 'state')."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\.state\s*=(?!=)|setattr\([^)]*['\"]state['\"]")
    offenders = [f"{p.relative_to(root)}:{n}" for p in (root / "app").rglob("*.py")
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []


def test_a_periodic_filing_draft_is_due_on_its_own_deadline() -> None:
    from workflows.deadlines import quarter_report_deadline

    # ten working days after the quarter, on China's calendar: 清明 2018-04-05..07 (04-08 worked),
    # 国庆 2018-10-01..07
    assert quarter_report_deadline(2018, 1) == date(2018, 4, 16)
    assert quarter_report_deadline(2018, 3) == date(2018, 10, 19)
    assert quarter_report_deadline(2018, 3, days=15) == date(2018, 10, 26)
    with pytest.raises(ValueError):
        quarter_report_deadline(2018, 5)
    # a quarterly report's draft (state "draft") is due on its filing deadline; a notice draft has none
    assert due_date("draft", entered_on=date(2018, 10, 2), phase_deadlines={},
                    filing_deadline=date(2018, 10, 10)) == date(2018, 10, 10)
    assert due_date("draft", entered_on=date(2018, 10, 2), phase_deadlines={}) is None
