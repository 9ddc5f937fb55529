"""``can_fire``'s own-unit rule holds on its own, for items whose unit is not their county."""
from __future__ import annotations

from datetime import date

import pytest

from tests.workflows.fakes import MemoryStore, subject
from workflows.base import Spec, Workflow
from workflows.engine import fire
from workflows.errors import NotPermitted
from workflows.permissions import can_fire, can_see
from workflows.registry import WORKFLOWS
from workflows.roles import Actor, Role

TODAY = date(2018, 7, 10)
#: an item filed by a unit inside Huoqiu county (a township), so Huoqiu's county roles can see it
ITEM_UNIT, COUNTY = "huoqiu_chengguan", "huoqiu"

#: every spec that only the item's own unit may fire, read from the definitions
OWN_SPECS: list[tuple[Workflow, Spec]] = [(wf, sp) for wf in WORKFLOWS.values() for sp in wf.specs if sp.own]


def _id(case: tuple[Workflow, Spec]) -> str:
    wf, sp = case
    return f"{wf.name}:{sp.sources[0]}:{sp.trigger}->{sp.dest}"


def test_there_are_own_unit_specs_in_every_item_workflow() -> None:
    assert {wf.name for wf, _ in OWN_SPECS} >= {"application", "task", "report"}


@pytest.mark.parametrize("case", OWN_SPECS, ids=_id)
def test_own_unit_specs_need_the_items_unit_not_just_its_county(case: tuple[Workflow, Spec]) -> None:
    wf, sp = case
    subj = subject(wf, sp.sources[0], unit=ITEM_UNIT, county=COUNTY)
    for role in sp.roles:
        county_actor = Actor(7, "county_user", role, COUNTY)
        own_actor = Actor(8, "own_user", role, ITEM_UNIT)
        other_actor = Actor(9, "other_user", role, "shucheng")
        if role.value.startswith("county_"):
            assert can_see(county_actor, subj), "the county sees the item: only the own-unit rule stops it"
        assert not can_fire(county_actor, sp, subj)
        assert not can_fire(other_actor, sp, subj)
        assert can_fire(own_actor, sp, subj)
        unowned = subject(wf, sp.sources[0], unit=None, county=None)
        assert not can_fire(Actor(10, "no_unit", role, None), sp, unowned)


def test_the_engine_refuses_the_county_on_a_units_item_and_changes_nothing() -> None:
    app = WORKFLOWS["application"]
    reviewer = Actor(7, "huoqiu_reviewer", Role.county_reviewer, COUNTY)
    subj = subject(app, "mobilization.county_review", unit=ITEM_UNIT, county=COUNTY, level="municipal")
    store = MemoryStore()
    assert can_see(reviewer, subj)
    with pytest.raises(NotPermitted):
        fire(subj, "endorse", reviewer, version=1, store=store, today=TODAY)
    assert (subj.row.state, subj.row.version) == ("mobilization.county_review", 1)
    assert store.events == [] and store.effects == []


def test_city_wide_specs_ignore_the_unit() -> None:
    for wf in WORKFLOWS.values():
        for sp in wf.specs:
            if not sp.own:
                for role in sp.roles:
                    assert can_fire(Actor(7, "city", role, "leading_group_office"), sp,
                                    subject(wf, sp.sources[0], unit=ITEM_UNIT, county=COUNTY)), (wf.name, sp)
