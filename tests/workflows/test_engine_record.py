"""What fire hands on: every field of the event it records, the arguments its effects get, the outcome,
the text of each refusal, and the row put back when an effect fails in an unforeseen way."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.workflows.fakes import MemoryStore, actor, subject
from workflows.engine import fire
from workflows.errors import GuardFailed, InvalidTransition, NotPermitted, StaleVersion, TransitionAborted
from workflows.registry import WORKFLOWS
from workflows.roles import Actor, Role

APP = WORKFLOWS["application"]
TODAY = date(2018, 7, 10)
NOW = datetime(2018, 7, 10, 9, 30, tzinfo=UTC)
DELEGATE = Actor(42, "deputy", Role.county_reviewer, "huoqiu", on_behalf_of="huoqiu_reviewer")


@dataclass
class RecordingStore(MemoryStore):
    calls: list[tuple[Any, ...]] = field(default_factory=list)

    def apply_effects(self, subject: Any, sp: Any, actor: Any, comment: Any, data: Any, today: Any) -> None:
        self.calls.append((subject, sp, actor, comment, data, today))
        super().apply_effects(subject, sp, actor, comment, data, today)


def test_the_event_and_the_outcome_carry_every_field() -> None:
    store = RecordingStore()
    item = subject(APP, "mobilization.county_review")
    outcome = fire(item, "send_back", DELEGATE, version=1, store=store, comment="  材料不全 ",
                   data={"note": "补充"}, today=TODAY, now=NOW)
    event = outcome.event
    assert (outcome.from_state, outcome.to_state, outcome.version) == (
        "mobilization.county_review", "mobilization.draft", 2)
    assert (item.row.state, item.row.version) == ("mobilization.draft", 2)
    assert (event.item_id, event.item_type, event.seq, event.from_state, event.to_state, event.trigger) == (
        1, "application", 1, "mobilization.county_review", "mobilization.draft", "send_back")
    assert (event.actor, event.actor_id, event.on_behalf_of, event.role, event.unit) == (
        "deputy", 42, "huoqiu_reviewer", "county_reviewer", "huoqiu")
    assert (event.at, event.comment, event.data) == (NOW, "材料不全", {"note": "补充"})
    assert store.events == [event]
    # the effects get the subject, the row of the table that fired, the actor, the comment, the input, the day
    [(subj, sp, who, comment, data, today)] = store.calls
    assert subj is item and (sp.trigger, sp.dest) == ("send_back", "mobilization.draft")
    assert who is DELEGATE and comment == "  材料不全 " and data == {"note": "补充"} and today == TODAY


def test_each_refusal_says_what_and_where() -> None:
    filer = actor(Role.county_filer, "huoqiu", "huoqiu_filer")
    reviewer = actor(Role.county_reviewer, "huoqiu", "huoqiu_reviewer")
    item = subject(APP, "mobilization.county_review")
    with pytest.raises(InvalidTransition) as err:
        fire(item, "bogus", filer, version=1, store=MemoryStore())
    assert err.value.message == "“动员部署·县区审核”状态下不能执行“bogus”操作"
    with pytest.raises(NotPermitted) as err:
        fire(item, "send_back", filer, version=1, store=MemoryStore())
    assert err.value.message == "您的角色或单位无权执行“退回”"
    stale = "该事项已被他人处理（当前状态：动员部署·县区审核），请刷新后查看"
    with pytest.raises(StaleVersion) as err:
        fire(item, "send_back", reviewer, version=2, store=MemoryStore())
    assert err.value.message == stale
    # a trigger of the workflow that this state no longer offers, from an outdated page
    with pytest.raises(StaleVersion) as err:
        fire(item, "submit", filer, version=0, store=MemoryStore())
    assert err.value.message == stale


def test_an_unforeseen_failure_puts_the_row_back() -> None:
    item = subject(APP, "mobilization.county_review")
    store = MemoryStore(fail_effect=True)
    with pytest.raises(TransitionAborted) as err:
        fire(item, "send_back", DELEGATE, version=1, store=store, comment="材料不全", today=TODAY)
    assert isinstance(err.value.__cause__, RuntimeError)
    assert (item.row.state, item.row.version) == ("mobilization.county_review", 1)
    assert store.events == []


def test_no_comment_is_recorded_as_none() -> None:
    item = subject(APP, "mobilization.county_review")
    reviewer = actor(Role.county_reviewer, "huoqiu", "huoqiu_reviewer")
    outcome = fire(item, "endorse", reviewer, version=1, store=MemoryStore(), today=TODAY, now=NOW)
    assert outcome.event.comment is None


@dataclass
class RefusingStore(MemoryStore):
    def apply_effects(self, subject: Any, sp: Any, actor: Any, comment: Any, data: Any, today: Any) -> None:
        raise GuardFailed(["编号已用完"])


def test_a_refusal_from_an_effect_puts_the_row_back_and_is_passed_on() -> None:
    item = subject(APP, "mobilization.county_review")
    store = RefusingStore()
    with pytest.raises(GuardFailed) as err:
        fire(item, "send_back", DELEGATE, version=1, store=store, comment="材料不全", today=TODAY)
    assert err.value.reasons == ["编号已用完"]
    assert (item.row.state, item.row.version) == ("mobilization.county_review", 1)
    assert store.events == []
