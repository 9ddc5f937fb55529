"""Transitions on the Core row image: the same result as the ORM, the ORM where an effect needs it,
nothing written that a transition may not change, and no stale ORM copy left in the session."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from app.applications.models import Application
from app.audit.models import AuditEventRow
from app.audit.operations import verify
from app.extensions import db
from app.items.models import Item
from app.items.operations import fire_transition
from app.items.rowimage import ItemImage, load_image_for_update
from app.items.store import EFFECTS, NEEDS_ORM, effect, install_effect
from app.notifications.models import Notification
from tests.factories import actor_of, add_evidence
from workflows.base import Spec
from workflows.roles import Actor


@contextmanager
def temporary_effect(fn: Any, *, columns_only: bool) -> Iterator[None]:
    """Register ``fn`` on (application, submit) for the block only."""
    key = ("application", "submit")
    had_orm = key in NEEDS_ORM
    install_effect(effect(*key, columns_only=columns_only)(fn))
    try:
        yield
    finally:
        EFFECTS[key].remove(fn)
        if not had_orm:
            NEEDS_ORM.discard(key)


def _counts(item_id: int) -> tuple[int, int]:
    """(audit events, kinds of notification written) of the item."""
    return (db.session.scalar(select(func.count()).select_from(AuditEventRow).where(AuditEventRow.item_id == item_id)),
            db.session.scalar(select(func.count(func.distinct(Notification.kind)))
                              .where(Notification.item_id == item_id)))


def test_image_loads_the_columns_and_refs_the_facts_need(ctx, new_application) -> None:
    item_id = new_application()
    image = load_image_for_update(db.session.connection(), item_id)
    orm = db.session.get(Application, item_id)
    assert isinstance(image, ItemImage)
    assert (image.id, image.type, image.state, image.version, image.category, image.site_name) == (
        orm.id, "application", orm.state, orm.version, orm.category, orm.site_name)
    assert (image.unit.slug, image.unit.kind, image.county.slug) == ("huoqiu", "county", "huoqiu")
    assert image.category_ref is not None and image.category_ref.level == "provincial"
    assert image.review_working_days == 10 and image.annex_task is None
    with pytest.raises(AttributeError):
        image.no_such_column = 1
    assert load_image_for_update(db.session.connection(), 999_999) is None


def test_fast_transition_refreshes_an_orm_copy_already_in_the_session(ctx, new_application) -> None:
    item_id = new_application()
    add_evidence(item_id)
    loaded = db.session.get(Item, item_id)
    assert loaded.state == "mobilization.draft"
    outcome = fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
    # the same object, before any commit, shows what the transition wrote
    assert (loaded.state, loaded.version) == (outcome.to_state, 2) == ("mobilization.county_review", 2)
    assert loaded.due_on is not None and loaded.state_entered_on == date(2018, 7, 10)
    db.session.commit()
    # the county reviewer is told (waiting); the filer who submitted is not told of their own act
    assert _counts(item_id) == (2, 1)
    assert verify(db.session).ok


def test_columns_only_effects_get_the_image_and_others_the_orm_object(ctx, new_application) -> None:
    seen: list[type] = []

    def record(item: Any, sp: Spec, actor: Actor, comment: str | None, data: Mapping[str, Any], on: date) -> None:
        seen.append(type(item))

    first, second = new_application(), new_application()
    for item_id in (first, second):
        add_evidence(item_id)
    with temporary_effect(record, columns_only=True):
        fire_transition(first, "submit", actor_of("huoqiu_filer"), version=1)
    with temporary_effect(record, columns_only=False):
        fire_transition(second, "submit", actor_of("huoqiu_filer"), version=1)
    db.session.commit()
    assert seen == [ItemImage, Application]
    assert [db.session.get(Item, i).state for i in (first, second)] == ["mobilization.county_review"] * 2


def test_a_column_a_transition_may_not_change_rolls_everything_back(ctx, new_application) -> None:
    item_id = new_application()
    add_evidence(item_id)
    db.session.commit()

    def retitle(item: Any, sp: Spec, actor: Actor, comment: str | None, data: Mapping[str, Any], on: date) -> None:
        item.title = "改名"

    with temporary_effect(retitle, columns_only=True), pytest.raises(ValueError, match="title"):
        fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
    item = db.session.get(Item, item_id)
    assert (item.state, item.version, item.title != "改名") == ("mobilization.draft", 1, True)
    assert _counts(item_id) == (1, 0)


def test_decision_fields_written_through_the_image(ctx, new_application) -> None:
    """order_rectification sets the deadline on ``items``; pass keeps the findings on ``applications``."""
    item_id = new_application()
    add_evidence(item_id)
    steps = [("submit", "huoqiu_filer", {}), ("endorse", "huoqiu_reviewer", {}), ("accept", "city_reviewer", {}),
             ("start_self_assessment", "huoqiu_filer", {})]
    for version, (trigger, who, data) in enumerate(steps, start=1):
        fire_transition(item_id, trigger, actor_of(who), version=version, data=data)
    add_evidence(item_id)
    codes = [c["code"] for c in load_image_for_update(db.session.connection(), item_id).category_ref.checklist]
    figures = {code: 3 for code in codes}
    fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=5, data={"text": "自查", "figures": figures})
    fire_transition(item_id, "endorse", actor_of("huoqiu_reviewer"), version=6)
    fire_transition(item_id, "order_rectification", actor_of("office_approver"), version=7,
                    comment="整改", data={"deadline": "2018-09-30", "findings": "台账不全"})
    db.session.commit()
    item = db.session.get(Application, item_id)
    assert item.state.startswith("rectification") and item.version == 8
    assert item.rectification_deadline == date(2018, 9, 30) == item.due_on
    assert item.self_assessment == {"text": "自查", "figures": {code: "3" for code in codes}}
    assert verify(db.session).ok
