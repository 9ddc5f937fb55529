"""visible_items on a stored plan: city-wide roles see all, a county its county_id, a department its
unit_id, an actor without a known unit nothing. One item is filed by a department for a county
(unit and county differ), so the county rule and the department rule can each be told apart."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.items.models import Item
from app.items.queries import unit_id_of, visible_items
from app.units.models import Unit
from tests.factories import actor_of
from workflows.roles import Actor, Role

pytestmark = pytest.mark.postgres


def seen(actor: Actor) -> set[int]:
    return set(db.session.scalars(visible_items(actor).with_only_columns(Item.id)))


@pytest.fixture
def world(ctx, new_application: Callable[..., int]) -> dict[str, int]:
    ids = {"huoqiu": new_application("huoqiu", site="张家店村"),
           "shucheng": new_application("shucheng", site="晓天村"),
           "cross": new_application("huoqiu", site="宋店村")}
    commerce = db.session.scalar(select(Unit.id).where(Unit.slug == "commerce"))
    db.session.execute(update(Item).where(Item.id == ids["cross"]).values(unit_id=commerce))
    db.session.commit()
    return ids


@pytest.mark.parametrize("username", ["city_reviewer", "office_approver", "supervisor", "admin"])
def test_city_wide_roles_see_every_item(world: dict[str, int], username: str) -> None:
    every = set(db.session.scalars(select(Item.id)))
    assert set(world.values()) <= every
    assert seen(actor_of(username)) == every


def test_a_county_sees_every_item_of_its_county_whoever_filed_it(world: dict[str, int]) -> None:
    for username in ("huoqiu_filer", "huoqiu_reviewer"):
        mine = seen(actor_of(username))
        assert {world["huoqiu"], world["cross"]} <= mine
        assert world["shucheng"] not in mine
        huoqiu = unit_id_of("huoqiu")
        assert all(db.session.get(Item, i).county_id == huoqiu for i in mine)
    assert world["shucheng"] in seen(actor_of("shucheng_reviewer"))
    assert world["huoqiu"] not in seen(actor_of("shucheng_reviewer"))


def test_a_department_sees_the_items_of_its_own_unit_only(world: dict[str, int]) -> None:
    mine = seen(actor_of("commerce_filer"))
    assert world["cross"] in mine
    assert world["huoqiu"] not in mine and world["shucheng"] not in mine
    commerce = unit_id_of("commerce")
    assert all(db.session.get(Item, i).unit_id == commerce for i in mine)


@pytest.mark.parametrize("unit", [None, "", "no-such-unit"])
@pytest.mark.parametrize("role", [Role.county_filer, Role.dept_filer])
def test_an_actor_without_a_known_unit_sees_nothing(world: dict[str, int], unit: str | None, role: Role) -> None:
    assert seen(Actor(user_id=None, username="nobody", role=role, unit=unit)) == set()


def test_unit_id_of_reads_the_slug(world: dict[str, int]) -> None:
    huoqiu = db.session.get(Item, world["huoqiu"]).county_id
    assert unit_id_of("huoqiu") == huoqiu
    assert unit_id_of(None) is None and unit_id_of("") is None and unit_id_of("no-such-unit") is None
