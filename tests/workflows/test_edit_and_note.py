"""Draft edits and unversioned notes at the engine's door: checks, version, and the event recorded."""
from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime

import pytest

from tests.workflows.fakes import MemoryStore, Row, actor, subject
from workflows.audit import check_chain, event_as_dict
from workflows.engine import Action, edit, input_requirements, note, record_creation, start
from workflows.errors import InvalidTransition, NotFound, NotPermitted, StaleVersion
from workflows.permissions import Subject
from workflows.registry import WORKFLOWS
from workflows.roles import Actor, Role

APP, NOTICE = WORKFLOWS["application"], WORKFLOWS["notice"]
AT = datetime(2018, 7, 10, 2, 0, tzinfo=UTC)
FILER = Actor(7, "huoqiu_filer", Role.county_filer, "huoqiu", on_behalf_of="absent_filer")


def test_an_edit_bumps_the_version_and_records_the_changes() -> None:
    store = MemoryStore()
    subj = subject(APP, "mobilization.draft", version=4)
    event = edit(subj, FILER, version=4, changes={"site_name": "大顾店村"}, store=store, now=AT)
    assert subj.row.version == 5 and subj.row.state == "mobilization.draft"
    assert store.events == [event]
    assert {k: v for k, v in asdict(event).items() if k != "hash"} == dict(
        item_id=1, item_type="application", seq=1, from_state="mobilization.draft", to_state="mobilization.draft",
        trigger="edit", actor="huoqiu_filer", actor_id=7, on_behalf_of="absent_filer", role="county_filer",
        unit="huoqiu", at=AT, comment=None, data_json='{"changes":{"site_name":"大顾店村"}}', prev_hash=None,
        # no business date given and none from the store: the instant's date in China, hashed (version 2)
        business_date=date(2018, 7, 10), hash_version=2)
    second = edit(subj, FILER, version=5, changes={}, store=store)
    assert second.seq == 2 and second.prev_hash == event.hash and second.at.tzinfo is not None
    assert check_chain([event_as_dict(e) for e in store.events]) is None


def test_an_edit_is_checked_like_a_transition_and_changes_nothing_when_refused() -> None:
    cases = [
        (subject(APP, "mobilization.draft"), actor(Role.county_filer, "shucheng"), 1, NotFound, None),
        (subject(APP, "mobilization.county_review"), FILER, 1, InvalidTransition, "“动员部署·县区审核”状态下不能修改，只有草稿可以修改"),
        (subject(APP, "mobilization.draft"), actor(Role.county_reviewer, "huoqiu"), 1, NotPermitted, "您的角色或单位无权修改该事项"),
        (subject(APP, "mobilization.draft", unit="huoqiu_chengguan", county="huoqiu"), FILER, 1, NotPermitted, None),
        (subject(APP, "mobilization.draft", version=2), FILER, 1, StaleVersion, "该事项已被他人修改（当前版本 2），请刷新后再编辑"),
    ]
    for subj, who, version, error, message in cases:
        store = MemoryStore()
        before = (subj.row.state, subj.row.version)
        with pytest.raises(error) as err:
            edit(subj, who, version=version, changes={"x": 1}, store=store)
        if message:
            assert str(err.value) == message
        assert (subj.row.state, subj.row.version) == before and store.events == []


def test_a_notice_draft_is_edited_by_the_office_whatever_its_unit() -> None:
    roles = NOTICE.editable["draft"]
    role = sorted(roles)[0]
    subj = Subject(row=subject(NOTICE, "draft").row, workflow=NOTICE, unit="leading_group_office", county=None)
    event = edit(subj, Actor(1, "office", role, "some_other_unit"), version=1, changes={"title": "t"},
                 store=MemoryStore())
    assert event.trigger == "edit" and subj.row.version == 2


def test_a_note_records_without_changing_state_or_version() -> None:
    store = MemoryStore()
    subj = subject(APP, "implementation", version=6)
    event = note(subj, FILER, "attach", store=store, data={"file": "a.pdf"}, comment="补充", now=AT,
                 today=date(2018, 9, 15))
    assert (subj.row.state, subj.row.version) == ("implementation", 6) and store.events == [event]
    assert {k: v for k, v in asdict(event).items() if k != "hash"} == dict(
        item_id=1, item_type="application", seq=1, from_state="implementation", to_state="implementation",
        trigger="attach", actor="huoqiu_filer", actor_id=7, on_behalf_of="absent_filer", role="county_filer",
        unit="huoqiu", at=AT, comment="补充", data_json='{"file":"a.pdf"}', prev_hash=None,
        # the business date given (PlanDesk's "today") wins over the instant's date
        business_date=date(2018, 9, 15), hash_version=2)
    later = note(subj, FILER, "detach", store=store)
    assert later.seq == 2 and later.prev_hash == event.hash and later.at.tzinfo is not None
    with pytest.raises(ValueError, match="'submit' is not an unversioned trigger"):
        note(subj, FILER, "submit", store=store)
    assert len(store.events) == 2


def test_input_requirements_keep_only_what_the_caller_types() -> None:
    action = Action("pass", "t", ("findings", "evidence", "comment", "fields"), ("x",))
    assert input_requirements(action) == ("findings", "comment")


def test_the_first_event_is_recorded_only_for_a_freshly_started_item() -> None:
    row = Row(1, "", 0)
    start(row, APP)
    assert (row.state, row.version) == ("mobilization.draft", 1)
    store = MemoryStore()
    subj = Subject(row=row, workflow=APP, unit="huoqiu", county="huoqiu")
    event = record_creation(subj, FILER, store=store, data={"site": "大顾店村"}, now=AT)
    assert store.events == [event]
    assert {k: v for k, v in asdict(event).items() if k != "hash"} == dict(
        item_id=1, item_type="application", seq=1, from_state=None, to_state="mobilization.draft",
        trigger="create", actor="huoqiu_filer", actor_id=7, on_behalf_of="absent_filer", role="county_filer",
        unit="huoqiu", at=AT, comment=None, data_json='{"site":"大顾店村"}', prev_hash=None,
        business_date=date(2018, 7, 10), hash_version=2)
    assert record_creation(subj, FILER, store=MemoryStore()).at.tzinfo is not None
    for state, version in (("mobilization.county_review", 1), ("mobilization.draft", 2)):
        with pytest.raises(ValueError, match="^record_creation needs a freshly started item$"):
            record_creation(Subject(row=Row(1, state, version), workflow=APP, unit="huoqiu", county="huoqiu"),
                            FILER, store=store)
    assert len(store.events) == 1
