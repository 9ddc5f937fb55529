"""A workflow built at test time: every definition problem named, and its one Machine built and routing."""
from __future__ import annotations

import pytest
from transitions import MachineError

from tests.workflows.fakes import MemoryStore, subject
from workflows.base import Workflow, spec
from workflows.engine import fire
from workflows.report import ReportState as S
from workflows.roles import Actor, Role

CF, DF, CITY = Role.county_filer, Role.dept_filer, Role.city_reviewer


def _mini() -> Workflow:
    return Workflow(name="mini", title="小流程", states=S, initial=S.draft.value, finals=frozenset({"accepted"}), specs=(
        spec(S.draft, "submit", S.county_review, [CF], "提交", when=["county_item"]),
        spec(S.draft, "submit", S.city_review, [DF], "提交", when=["department_item"]),
        spec([S.county_review, S.city_review], "decide", S.accepted, [CITY], "认定", own=False, when=["approved"]),
        spec([S.county_review, S.city_review], "decide", S.draft, [CITY], "退回", own=False, when=["declined"]),
    ), editable={"draft": frozenset({CF})})


def test_every_definition_problem_is_named() -> None:
    with pytest.raises(ValueError) as err:
        Workflow(name="broken", title="x", states=S, initial="nowhere", finals=frozenset({"accepted"}), specs=(
            spec("draft", "to_city_review", "city_review", [CF], "a"),
            spec("draft", "version", "city_review", [CF], "b"),
            spec("accepted", "reopen", "draft", [CITY], "c"),
            spec("draft", "submit", "nowhere", [CF], "d", when=["typo"]),
        ), editable={"gone": frozenset({CF})})
    assert str(err.value) == (
        "workflow broken: initial state 'nowhere' unknown; to_city_review: reserved trigger name; "
        "version: reserved trigger name; reopen: leaves a final state; submit: unknown state 'nowhere'; "
        "submit: unknown predicate 'typo'; editable state 'gone' unknown")


def test_a_workflow_builds_one_strict_machine_over_plain_state_names() -> None:
    wf = _mini()
    first = wf.specs[0]
    assert (first.sources, first.dest, first.trigger, first.title, first.own) == (
        ("draft",), "county_review", "submit", "提交", True)
    assert type(first.dest) is str and wf.specs[2].sources == ("county_review", "city_review")
    m = wf.machine
    assert m.initial == "draft" and sorted(m.states) == sorted(s.value for s in S)
    assert set(m.events) == {"submit", "decide"}
    assert m.send_event and not m.auto_transitions and not m.ignore_invalid_triggers

    class Model:
        state = "draft"

    with pytest.raises(MachineError):
        m.events["decide"].trigger(Model(), facts={}, data={"decision": "approved"})


@pytest.mark.parametrize("facts, who, dest", [
    ({"is_department": False}, Actor(1, "f", CF, "huoqiu"), "county_review"),
    ({"is_department": True}, Actor(2, "d", DF, "huoqiu"), "city_review"),
])
def test_the_machine_routes_by_the_items_facts(facts: dict, who: Actor, dest: str) -> None:
    subj = subject(_mini(), "draft", **facts)
    assert fire(subj, "submit", who, version=1, store=MemoryStore()).to_state == dest


@pytest.mark.parametrize("decision, dest", [("approved", "accepted"), ("rejected", "draft")])
def test_the_machine_routes_by_the_input(decision: str, dest: str) -> None:
    for start in ("county_review", "city_review"):
        subj = subject(_mini(), start)
        out = fire(subj, "decide", Actor(3, "c", CITY, "leading_group_office"), version=1, store=MemoryStore(),
                   data={"decision": decision})
        assert (out.from_state, out.to_state, subj.row.state) == (start, dest, dest)
