"""app/dashboards/permissions.py, predicate by predicate, for every role (no database).

The screen tests show the same rules on rendered pages; these pin each predicate's whole truth
table, so that a slip in one line (a role left out, ``and`` for ``or``, another county's unit) fails
here by name.
"""
from __future__ import annotations

import pytest

from app.dashboards import permissions as p
from app.ledger.permissions import can_import_plan
from app.reports.permissions import can_open_reports
from workflows.roles import Role, Actor

CITY_WIDE = (Role.city_reviewer, Role.office_approver, Role.supervisor, Role.admin)
COUNTY = (Role.county_filer, Role.county_reviewer)


def actor(role: Role, unit: str | None) -> Actor:
    return Actor(user_id=1, username=f"{role}-{unit}", role=role, unit=unit)


@pytest.mark.parametrize("role", CITY_WIDE)
def test_city_wide_roles_see_every_county_and_department(role: Role) -> None:
    a = actor(role, "city")
    assert p.sees_everything(a) and not p.is_county_user(a)
    for county in ("huoqiu", "shucheng", None):
        assert p.can_see_county_row(a, county)
    assert p.can_open_county_items(a, "huoqiu") and p.can_open_county_items(a, "shucheng")
    assert p.can_open_unit_items(a, "commerce") and p.can_open_unit_items(a, "huoqiu")
    assert p.matrix_kinds_for(a) == ("phases", "tasks", "county_tasks")
    for kind in ("phases", "tasks", "county_tasks"):
        assert p.can_see_matrix_row(a, kind, "huoqiu") and p.can_see_matrix_row(a, kind, "commerce")


@pytest.mark.parametrize("role", COUNTY)
def test_a_county_user_sees_its_own_county_and_the_city_total_only(role: Role) -> None:
    a = actor(role, "huoqiu")
    assert p.is_county_user(a) and not p.sees_everything(a)
    assert p.can_see_county_row(a, "huoqiu")
    assert p.can_see_county_row(a, None)
    assert not p.can_see_county_row(a, "shucheng")
    assert p.can_open_county_items(a, "huoqiu") and not p.can_open_county_items(a, "shucheng")
    assert p.can_open_unit_items(a, "huoqiu") and not p.can_open_unit_items(a, "shucheng")
    assert p.matrix_kinds_for(a) == ("phases", "county_tasks")
    assert p.can_see_matrix_row(a, "phases", "huoqiu") and p.can_see_matrix_row(a, "county_tasks", "huoqiu")
    assert not p.can_see_matrix_row(a, "phases", "shucheng")
    assert not p.can_see_matrix_row(a, "county_tasks", "shucheng")
    # the departments x tasks matrix is no county's, not even for its own unit name
    assert not p.can_see_matrix_row(a, "tasks", "huoqiu")


def test_a_department_filer_sees_its_own_row_of_the_task_matrix_and_every_county_total() -> None:
    a = actor(Role.dept_filer, "commerce")
    assert not p.sees_everything(a) and not p.is_county_user(a)
    # the county rows of the board are totals a department's work feeds: all shown
    assert p.can_see_county_row(a, "huoqiu") and p.can_see_county_row(a, None)
    assert not p.can_open_county_items(a, "huoqiu") and not p.can_open_county_items(a, "commerce")
    assert p.can_open_unit_items(a, "commerce") and not p.can_open_unit_items(a, "agriculture")
    assert p.matrix_kinds_for(a) == ("tasks",)
    assert p.can_see_matrix_row(a, "tasks", "commerce")
    assert not p.can_see_matrix_row(a, "tasks", "agriculture")
    assert not p.can_see_matrix_row(a, "phases", "commerce")
    assert not p.can_see_matrix_row(a, "county_tasks", "commerce")


def test_a_county_user_whose_unit_is_a_county_name_does_not_get_a_department_row() -> None:
    # a county user named after a department's slug still only sees county matrices
    a = actor(Role.county_reviewer, "commerce")
    assert not p.can_see_matrix_row(a, "tasks", "commerce")
    assert p.can_see_matrix_row(a, "phases", "commerce")


def test_a_user_without_a_unit_sees_no_unit_of_its_own() -> None:
    a = actor(Role.county_filer, None)
    assert not p.can_see_county_row(a, "huoqiu")
    assert p.can_see_county_row(a, None)
    assert not p.can_open_county_items(a, "huoqiu")
    assert not p.can_see_matrix_row(a, "phases", "huoqiu")


@pytest.mark.parametrize("role", (Role.city_reviewer, Role.office_approver))
def test_the_citys_reviewer_and_office_remind_on_any_item(role: Role) -> None:
    a = actor(role, "city")
    assert p.can_remind(a, "huoqiu") and p.can_remind(a, None)
    assert p.can_remind_anything(a)


def test_a_county_reviewer_reminds_on_its_own_countys_items_only() -> None:
    a = actor(Role.county_reviewer, "huoqiu")
    assert p.can_remind(a, "huoqiu")
    assert not p.can_remind(a, "shucheng")
    assert not p.can_remind(a, None)
    assert p.can_remind_anything(a)


@pytest.mark.parametrize("role", (Role.county_filer, Role.dept_filer, Role.supervisor, Role.admin))
def test_nobody_else_reminds(role: Role) -> None:
    a = actor(role, "huoqiu")
    assert not p.can_remind(a, "huoqiu") and not p.can_remind(a, None)
    assert not p.can_remind_anything(a)


@pytest.mark.parametrize("role", list(Role))
def test_report_opening_and_plan_import(role: Role) -> None:
    a = actor(role, "city")
    assert can_open_reports(a) is (role in {Role.city_reviewer, Role.office_approver, Role.admin})
    assert can_import_plan(a) is (role is Role.admin)
