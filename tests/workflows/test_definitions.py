"""Every (state, trigger, role, own/other unit) triple against WORKFLOWS.md, with no database.

The expectation below is transcribed from WORKFLOWS.md independently of workflows/, so a change
of the definitions that the design does not allow fails here.
"""
from __future__ import annotations

from datetime import date
from itertools import product

import pytest

from tests.workflows.fakes import MemoryStore, actor, subject
from workflows.engine import available_actions, fire
from workflows.errors import InvalidTransition, NotFound, NotPermitted
from workflows.registry import WORKFLOWS
from workflows.roles import Role

CF, CR, DF = "county_filer", "county_reviewer", "dept_filer"
CITY, OFFICE = "city_reviewer", "office_approver"
TODAY = date(2018, 7, 10)
INPUTS = {"comment": "理由",
          "data": {"deadline": "2018-09-30", "findings": "合格", "decision": "approved",
                   "document_number": "皖商办〔2019〕1号", "text": "自查报告", "figures": {"x": 1}, "report": "整改报告"}}

# (workflow, variant) -> {(state, trigger): (role, dest)}; "own" everywhere for county/dept roles,
# city roles act on any unit's item.
APPLICATION = {
    ("mobilization.draft", "submit"): (CF, "mobilization.county_review"),
    ("mobilization.county_review", "endorse"): (CR, "mobilization.city_review"),
    ("mobilization.county_review", "send_back"): (CR, "mobilization.draft"),
    ("mobilization.city_review", "send_back"): (CITY, "mobilization.draft"),
    ("mobilization.county_review", "withdraw"): (CF, "mobilization.draft"),
    ("mobilization.city_review", "withdraw"): (CR, "mobilization.county_review"),
    ("mobilization.city_review", "accept"): (CITY, "implementation"),
    ("mobilization.city_review", "reject"): (OFFICE, "rejected"),
    # the office's approval of a city acceptance (when the office's switch asks for it); an item already
    # there stays decidable after the switch is turned off
    ("mobilization.office_review", "approve"): (OFFICE, "implementation"),
    ("mobilization.office_review", "send_back"): (OFFICE, "mobilization.city_review"),
    ("mobilization.office_review", "reject"): (OFFICE, "rejected"),
    ("implementation", "start_self_assessment"): (CF, "self_assessment.draft"),
    ("self_assessment.draft", "submit"): (CF, "self_assessment.county_review"),
    ("self_assessment.county_review", "endorse"): (CR, "acceptance.inspection"),
    ("self_assessment.county_review", "send_back"): (CR, "self_assessment.draft"),
    ("acceptance.provincial_review", "record_provincial_decision"): (OFFICE, "consolidation"),
    ("acceptance.inspection", "order_rectification"): (OFFICE, "rectification.draft"),
    ("acceptance.inspection", "reject"): (OFFICE, "rejected"),
    ("rectification.draft", "submit"): (CF, "rectification.county_review"),
    ("rectification.county_review", "endorse"): (CR, "acceptance.inspection"),
    ("rectification.county_review", "send_back"): (CR, "rectification.draft"),
    ("consolidation", "revoke"): (OFFICE, "revoked"),
}
EXPECTED = {
    ("application", "provincial"): {**APPLICATION,
                                    ("acceptance.inspection", "pass"): (OFFICE, "acceptance.provincial_review")},
    ("application", "municipal"): {**APPLICATION, ("acceptance.inspection", "pass"): (OFFICE, "consolidation")},
    # the office's switch on: the city's 确定为创建对象 goes to the office for approval
    ("application", "office_approves"): {**APPLICATION,
                                         ("mobilization.city_review", "accept"): (CITY, "mobilization.office_review"),
                                         ("acceptance.inspection", "pass"): (OFFICE, "consolidation")},
    ("task", "county"): {
        ("mobilization.draft", "submit"): (CF, "mobilization.county_review"),
        ("mobilization.county_review", "endorse"): (CR, "mobilization.city_review"),
        ("mobilization.county_review", "send_back"): (CR, "mobilization.draft"),
        ("mobilization.city_review", "send_back"): (CITY, "mobilization.draft"),
        ("mobilization.city_review", "file_plan"): (CITY, "implementation"),
        ("implementation", "submit_self_assessment"): (CF, "self_assessment.county_review"),
        ("self_assessment.county_review", "endorse"): (CR, "self_assessment.city_review"),
        ("self_assessment.county_review", "send_back"): (CR, "implementation"),
        ("self_assessment.city_review", "send_back"): (CITY, "implementation"),
        ("self_assessment.city_review", "schedule_inspection"): (CITY, "acceptance.inspection"),
        ("acceptance.inspection", "pass"): (OFFICE, "consolidation"),
        ("acceptance.inspection", "order_rectification"): (OFFICE, "rectification.draft"),
        ("rectification.draft", "submit"): (CF, "rectification.county_review"),
        ("rectification.county_review", "endorse"): (CR, "acceptance.inspection"),
        ("rectification.county_review", "send_back"): (CR, "rectification.draft"),
    },
    ("task", "department"): {
        ("mobilization.draft", "submit"): (DF, "mobilization.city_review"),
        ("mobilization.city_review", "send_back"): (CITY, "mobilization.draft"),
        ("mobilization.city_review", "file_plan"): (CITY, "implementation"),
        ("implementation", "submit_self_assessment"): (DF, "self_assessment.city_review"),
        ("self_assessment.city_review", "send_back"): (CITY, "implementation"),
        ("self_assessment.city_review", "schedule_inspection"): (CITY, "acceptance.inspection"),
        ("acceptance.inspection", "pass"): (OFFICE, "consolidation"),
        ("acceptance.inspection", "order_rectification"): (OFFICE, "rectification.draft"),
        ("rectification.draft", "submit"): (DF, "acceptance.inspection"),
    },
    ("report", "county"): {
        ("draft", "submit"): (CF, "county_review"),
        ("county_review", "endorse"): (CR, "city_review"),
        ("county_review", "send_back"): (CR, "draft"),
        ("city_review", "send_back"): (CITY, "draft"),
        ("city_review", "accept"): (CITY, "accepted"),
    },
    ("report", "department"): {
        ("draft", "submit"): (DF, "city_review"),
        ("city_review", "send_back"): (CITY, "draft"),
        ("city_review", "accept"): (CITY, "accepted"),
    },
    ("notice", "city"): {
        # the office drafts and submits (its drafting clerk or its head); the head signs
        ("draft", "submit"): ((CITY, OFFICE), "review"),
        ("review", "send_back"): (OFFICE, "draft"),
        ("review", "issue"): (OFFICE, "issued"),
        ("issued", "revoke"): (OFFICE, "revoked"),
    },
}


def item_setup(workflow: str, variant: str) -> dict:
    """unit/county of the item, its facts, and the actor units for 'own' and 'other'."""
    if variant in ("provincial", "municipal"):
        return {"unit": "huoqiu", "county": "huoqiu", "facts": {"level": variant, "is_department": False}}
    if variant == "office_approves":
        return {"unit": "huoqiu", "county": "huoqiu",
                "facts": {"level": "municipal", "is_department": False, "office_approves_acceptance": True}}
    if variant == "county":
        return {"unit": "huoqiu", "county": "huoqiu", "facts": {"is_department": False}}
    if variant == "department":
        return {"unit": "transport", "county": None, "facts": {"is_department": True}}
    return {"unit": "leading_group_office", "county": None, "facts": {"is_department": True}}


def actor_unit(role: Role, setup: dict, own: bool) -> str:
    if role in (Role.county_filer, Role.county_reviewer):
        return (setup["county"] or "huoqiu") if own else "shucheng"
    if role is Role.dept_filer:
        return setup["unit"] if own and setup["county"] is None else "finance"
    return {"city_reviewer": "commerce", "office_approver": "leading_group_office"}.get(role.value, "inspection")


def visible(role: Role, setup: dict, unit: str) -> bool:
    if role in (Role.city_reviewer, Role.office_approver, Role.supervisor, Role.admin):
        return True
    return unit in (setup["unit"], setup["county"])


CASES = [(wf, variant) for wf, variant in EXPECTED]


def _roles(expected: str | tuple[str, ...]) -> tuple[str, ...]:
    """A table cell names one role, or a tuple of the roles that may all fire the trigger."""
    return expected if isinstance(expected, tuple) else (expected,)


@pytest.mark.parametrize("workflow, variant", CASES)
def test_every_state_trigger_role_triple(workflow: str, variant: str) -> None:
    wf = WORKFLOWS[workflow]
    table = EXPECTED[(workflow, variant)]
    setup = item_setup(workflow, variant)
    triggers = sorted({sp.trigger for sp in wf.specs} | {"bogus", "to_consolidation"})
    checked = 0
    for state, trigger, role, own in product([s.value for s in wf.states], triggers, list(Role), (True, False)):
        unit = actor_unit(role, setup, own)
        subj = subject(wf, state, unit=setup["unit"], county=setup["county"], **setup["facts"])
        store = MemoryStore()
        who = actor(role, unit)
        expected = table.get((state, trigger))
        if not visible(role, setup, unit):
            outcome: object = NotFound
        elif expected is None:
            outcome = InvalidTransition
        elif role.value not in _roles(expected[0]):
            outcome = NotPermitted
        else:
            outcome = expected[1]
        try:
            result = fire(subj, trigger, who, version=1, store=store, today=TODAY, **INPUTS)
            got: object = result.to_state
        except (NotFound, InvalidTransition, NotPermitted) as exc:
            got = type(exc)
        assert got == outcome, (state, trigger, role.value, "own" if own else "other")
        if isinstance(outcome, str):
            assert subj.row.state == outcome and subj.row.version == 2 and len(store.events) == 1
            # the same answer is offered as an available action beforehand
        else:
            assert subj.row.state == state and subj.row.version == 1 and store.events == []
        checked += 1
    assert checked == len(wf.states) * len(triggers) * len(Role) * 2


@pytest.mark.parametrize("workflow, variant", CASES)
def test_available_actions_match_the_table(workflow: str, variant: str) -> None:
    wf = WORKFLOWS[workflow]
    table = EXPECTED[(workflow, variant)]
    setup = item_setup(workflow, variant)
    for state, role in product([s.value for s in wf.states], list(Role)):
        unit = actor_unit(role, setup, True)
        subj = subject(wf, state, unit=setup["unit"], county=setup["county"], **setup["facts"])
        offered = {a.trigger for a in available_actions(subj, actor(role, unit))}
        allowed = {t for (s, t), (r, _) in table.items() if s == state and role.value in _roles(r)}
        if not visible(role, setup, unit):
            allowed = set()
        assert offered == allowed, (state, role.value)


def test_supervisor_is_read_only_everywhere() -> None:
    for wf in WORKFLOWS.values():
        assert all(Role.supervisor not in sp.roles for sp in wf.specs)
        assert all(Role.supervisor not in roles for roles in wf.editable.values())


def test_one_machine_per_workflow_with_no_models_and_no_auto_transitions() -> None:
    for wf in WORKFLOWS.values():
        assert wf.machine.models == []
        assert not wf.machine.auto_transitions
        assert not any(t.startswith("to_") for t in wf.machine.events)


def test_definitions_are_checked_at_build_time() -> None:
    from workflows.base import Workflow, spec
    from workflows.report import ReportState

    with pytest.raises(ValueError, match="unknown state"):
        Workflow(name="broken", title="x", states=ReportState, initial="draft", finals=frozenset(),
                 specs=(spec("draft", "submit", "nowhere", [Role.county_filer], "提交"),))
    with pytest.raises(ValueError, match="unknown predicate"):
        Workflow(name="broken", title="x", states=ReportState, initial="draft", finals=frozenset(),
                 specs=(spec("draft", "submit", "city_review", [Role.county_filer], "提交", when=["typo"]),))
