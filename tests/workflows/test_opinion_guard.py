"""The approval opinion (审批意见) the office requires: a fact names the roles whose decisions need one,
the guard refuses a blank opinion with one reason, and the available actions ask for ``comment``."""
from __future__ import annotations

from datetime import date

import pytest

from tests.workflows.fakes import MemoryStore, actor, subject
from workflows.application import APPLICATION
from workflows.base import Requirement
from workflows.engine import available_actions, fire
from workflows.errors import GuardFailed
from workflows.guards import OPINION_REASON, guard_reasons, opinion_required
from workflows.registry import WORKFLOWS
from workflows.roles import Role

TODAY = date(2018, 7, 10)
CITY_AND_OFFICE = ("city_reviewer", "office_approver")


def _spec(trigger: str, source: str):
    return next(sp for sp in APPLICATION.specs if sp.trigger == trigger and source in sp.sources)


def test_a_city_decision_needs_an_opinion_when_the_fact_names_the_city() -> None:
    accept = _spec("accept", "mobilization.city_review")
    facts = {"opinion_roles": CITY_AND_OFFICE}
    assert guard_reasons(accept, facts=facts, comment=None, data={}, today=TODAY) == [OPINION_REASON]
    assert guard_reasons(accept, facts=facts, comment=" \u3000 ", data={}, today=TODAY) == [OPINION_REASON]
    assert guard_reasons(accept, facts=facts, comment="同意", data={}, today=TODAY) == []


def test_without_the_fact_or_for_another_role_no_opinion_is_needed() -> None:
    accept, endorse = _spec("accept", "mobilization.city_review"), _spec("endorse", "mobilization.county_review")
    assert guard_reasons(accept, facts={}, comment=None, data={}, today=TODAY) == []
    assert guard_reasons(endorse, facts={"opinion_roles": CITY_AND_OFFICE}, comment=None, data={}, today=TODAY) == []
    assert guard_reasons(endorse, facts={"opinion_roles": ("county_reviewer",)}, comment=None, data={},
                         today=TODAY) == [OPINION_REASON]


def test_a_trigger_that_already_needs_a_reason_gives_one_reason_not_two() -> None:
    send_back = _spec("send_back", "mobilization.city_review")
    reasons = guard_reasons(send_back, facts={"opinion_roles": CITY_AND_OFFICE}, comment="", data={}, today=TODAY)
    assert reasons == ["退回必须填写理由"]


@pytest.mark.parametrize("wf", list(WORKFLOWS.values()), ids=lambda wf: wf.name)
def test_opinion_required_follows_the_roles_of_every_spec(wf) -> None:
    for sp in wf.specs:
        for role in Role:
            assert opinion_required(sp, {"opinion_roles": (role.value,)}) == (role in sp.roles)
        assert not opinion_required(sp, {"opinion_roles": ()})


def test_the_engine_refuses_and_lists_comment_as_an_input() -> None:
    city = actor(Role.city_reviewer, "city_commerce")
    item = subject(APPLICATION, "mobilization.city_review", level="municipal", opinion_roles=CITY_AND_OFFICE)
    accept = next(a for a in available_actions(item, city) if a.trigger == "accept")
    assert Requirement.comment.value in accept.requires
    with pytest.raises(GuardFailed) as refused:
        fire(item, "accept", city, version=1, store=MemoryStore(), today=TODAY)
    assert refused.value.reasons == [OPINION_REASON]
    store = MemoryStore()
    out = fire(item, "accept", city, version=1, store=store, comment="情况属实，同意", today=TODAY)
    assert out.to_state == "implementation" and store.events[-1].comment == "情况属实，同意"


def test_a_county_endorsement_is_not_asked_for_an_opinion_by_default() -> None:
    reviewer = actor(Role.county_reviewer, "huoqiu")
    item = subject(APPLICATION, "mobilization.county_review", opinion_roles=CITY_AND_OFFICE)
    endorse = next(a for a in available_actions(item, reviewer) if a.trigger == "endorse")
    assert "comment" not in endorse.requires
    assert fire(item, "endorse", reviewer, version=1, store=MemoryStore(), today=TODAY).to_state \
        == "mobilization.city_review"
