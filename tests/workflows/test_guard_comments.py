"""Every trigger that needs a reason refuses a blank one: in the guard and at the engine's door."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.workflows.fakes import MemoryStore, subject
from workflows.base import Requirement, Spec, Workflow
from workflows.engine import fire
from workflows.errors import GuardFailed
from workflows.guards import guard_reasons
from workflows.registry import WORKFLOWS
from workflows.roles import Actor

TODAY = date(2018, 7, 10)
BLANKS = ("", "   ", "\t\u3000\n", None)

#: every (workflow, spec) whose guard requires a comment, read from the definitions
NEEDS_COMMENT: list[tuple[Workflow, Spec]] = [
    (wf, sp) for wf in WORKFLOWS.values() for sp in wf.specs if Requirement.comment in sp.requires]


def _id(case: tuple[Workflow, Spec]) -> str:
    wf, sp = case
    return f"{wf.name}:{sp.sources[0]}:{sp.trigger}->{sp.dest}"


def _facts(sp: Spec) -> dict[str, Any]:
    """Item facts under which this variant applies."""
    return {"is_department": "department_item" in sp.when,
            "level": "provincial" if "provincial" in sp.when else "municipal"}


def _data(sp: Spec) -> dict[str, Any]:
    """Valid input for every other requirement of the spec, so only the comment can fail."""
    data: dict[str, Any] = {"deadline": "2018-08-01"}
    if "declined" in sp.when:
        data["decision"] = "rejected"
    elif "approved" in sp.when:
        data["decision"] = "approved"
    return data


def test_the_definitions_have_triggers_that_need_a_comment() -> None:
    names = {wf.name for wf, _ in NEEDS_COMMENT}
    assert names == set(WORKFLOWS), "every workflow has a send_back or revoke that needs a reason"
    assert len(NEEDS_COMMENT) >= 20


@pytest.mark.parametrize("case", NEEDS_COMMENT, ids=_id)
def test_guard_refuses_a_blank_comment(case: tuple[Workflow, Spec]) -> None:
    _, sp = case
    reason = f"{sp.title}必须填写理由"
    for blank in BLANKS:
        reasons = guard_reasons(sp, facts=_facts(sp), comment=blank, data=_data(sp), today=TODAY)
        assert reasons == [reason], (blank, reasons)
    assert guard_reasons(sp, facts=_facts(sp), comment=" 材料不全 ", data=_data(sp), today=TODAY) == []


@pytest.mark.parametrize("case", NEEDS_COMMENT, ids=_id)
def test_engine_refuses_a_blank_comment_and_changes_nothing(case: tuple[Workflow, Spec]) -> None:
    wf, sp = case
    role = sorted(sp.roles)[0]
    who = Actor(7, "someone", role, "huoqiu")
    for blank in BLANKS:
        store = MemoryStore()
        subj = subject(wf, sp.sources[0], **_facts(sp))
        with pytest.raises(GuardFailed) as err:
            fire(subj, sp.trigger, who, version=1, store=store, comment=blank, data=_data(sp), today=TODAY)
        assert err.value.reasons == [f"{sp.title}必须填写理由"]
        assert (subj.row.state, subj.row.version) == (sp.sources[0], 1)
        assert store.events == [] and store.effects == []
    store = MemoryStore()
    subj = subject(wf, sp.sources[0], **_facts(sp))
    out = fire(subj, sp.trigger, who, version=1, store=store, comment="  材料不全 ", data=_data(sp), today=TODAY)
    assert out.to_state == sp.dest and store.events[-1].comment == "材料不全"
