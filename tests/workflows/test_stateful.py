"""Hypothesis drives random trigger sequences by random actors through the engine (no database).

Invariants: the state is always a state of the workflow; a refused trigger changes nothing; replaying
the audit events from the first one reproduces the current state and version; the chain verifies.
"""
from __future__ import annotations

from datetime import date

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.workflows.fakes import MemoryStore, Row, actor
from workflows.audit import check_chain, event_as_dict, versioned_count
from workflows.engine import fire, record_creation, start
from workflows.errors import WorkflowError
from workflows.permissions import Subject
from workflows.registry import WORKFLOWS
from workflows.roles import Role

ACTORS = [actor(r, u, f"{r.value}@{u}") for r, u in [
    (Role.county_filer, "huoqiu"), (Role.county_reviewer, "huoqiu"), (Role.county_filer, "shucheng"),
    (Role.dept_filer, "transport"), (Role.city_reviewer, "commerce"), (Role.office_approver, "leading_group_office"),
    (Role.supervisor, "inspection")]]
COMMENTS = st.sampled_from([None, "", "理由"])
DATA = st.fixed_dictionaries({}, optional={
    "deadline": st.sampled_from(["2018-07-01", "2018-12-01", "bad"]),
    "findings": st.sampled_from(["", "合格"]),
    "decision": st.sampled_from(["approved", "rejected", "maybe"]),
    "document_number": st.sampled_from(["", "皖〔2019〕1号"]),
    "text": st.just("自查"), "report": st.just("整改"),
    "figures": st.sampled_from([{}, {"a": 1}, {"a": -1}]),
})


class EngineMachine(RuleBasedStateMachine):
    @initialize(workflow=st.sampled_from(sorted(WORKFLOWS)), department=st.booleans(),
                level=st.sampled_from(["provincial", "municipal"]))
    def setup(self, workflow: str, department: bool, level: str) -> None:
        self.wf = WORKFLOWS[workflow]
        self.store = MemoryStore()
        row = Row(1, "")
        unit, county = ("transport", None) if department else ("huoqiu", "huoqiu")
        self.subject = Subject(row=row, workflow=self.wf, unit=unit, county=county,
                               facts={"is_department": department, "level": level, "evidence_in_phase": 1,
                                      "has_plan_document": True, "missing_fields": []})
        start(row, self.wf)
        record_creation(self.subject, ACTORS[0], store=self.store)

    @rule(who=st.sampled_from(ACTORS), trigger=st.sampled_from(["submit", "endorse", "send_back", "withdraw",
                                                                "accept", "reject", "start_self_assessment",
                                                                "pass", "record_provincial_decision",
                                                                "order_rectification", "revoke", "file_plan",
                                                                "submit_self_assessment", "schedule_inspection",
                                                                "issue", "bogus"]),
          comment=COMMENTS, data=DATA, stale=st.booleans())
    def fire_something(self, who, trigger, comment, data, stale) -> None:
        row = self.subject.row
        before = (row.state, row.version, len(self.store.events))
        try:
            fire(self.subject, trigger, who, version=row.version - (1 if stale else 0), store=self.store,
                 comment=comment, data=data, today=date(2018, 7, 10))
        except WorkflowError:
            assert (row.state, row.version, len(self.store.events)) == before
        else:
            assert not stale
            assert row.version == before[1] + 1 and len(self.store.events) == before[2] + 1

    @invariant()
    def state_is_valid(self) -> None:
        assert self.subject.row.state in {s.value for s in self.wf.states}

    @invariant()
    def replay_reproduces_state_and_version(self) -> None:
        events = [event_as_dict(e) for e in self.store.events]
        assert check_chain(events) is None
        assert events[-1]["to_state"] == self.subject.row.state
        assert versioned_count(e["trigger"] for e in events) == self.subject.row.version
        state = None
        for e in events:
            assert e["from_state"] == state
            state = e["to_state"]


EngineMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
TestEngineStateful = EngineMachine.TestCase
