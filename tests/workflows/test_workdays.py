"""China's working-day calendar in the core: the package's holidays and make-up days (调休), overrides
winning over it, Monday–Friday for a year the package does not know."""
from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from workflows.deadlines import add_working_days, due_date
from workflows.workdays import ChinaCalendar, WeekdayCalendar, WorkingCalendar, package_years

ROOT = Path(__file__).resolve().parents[2]


def test_mid_autumn_and_a_make_up_saturday_2018() -> None:
    # 2018-09-24 (Monday) was 中秋; 2018-09-29 (Saturday) a make-up working day before 国庆
    assert add_working_days(date(2018, 9, 15), 10) == date(2018, 9, 29)
    assert WeekdayCalendar().add_working_days(date(2018, 9, 15), 10) == date(2018, 9, 28)
    calendar = ChinaCalendar()
    assert not calendar.is_working_day(date(2018, 9, 24))
    assert calendar.is_working_day(date(2018, 9, 29)) and calendar.is_working_day(date(2018, 9, 30))
    assert not any(calendar.is_working_day(date(2018, 10, d)) for d in range(1, 8))  # 国庆
    assert calendar.add_working_days(date(2018, 9, 28), 3) == date(2018, 10, 8)


def test_new_year_2019_with_the_make_up_saturday_before_it() -> None:
    # 2018-12-29 (Saturday) was worked; 2018-12-30 to 2019-01-01 were off
    assert add_working_days(date(2018, 12, 28), 5) == date(2019, 1, 7)
    assert add_working_days(date(2018, 12, 28), 1) == date(2018, 12, 29)
    assert WeekdayCalendar().add_working_days(date(2018, 12, 28), 5) == date(2019, 1, 4)


def test_spring_festival_2019() -> None:
    # 春节 2019-02-04 to 02-10 off; 2019-02-02 and 02-03 (a weekend) were worked
    calendar = ChinaCalendar()
    assert calendar.is_working_day(date(2019, 2, 2)) and calendar.is_working_day(date(2019, 2, 3))
    assert not any(calendar.is_working_day(date(2019, 2, d)) for d in range(4, 11))
    assert calendar.add_working_days(date(2019, 1, 31), 5) == date(2019, 2, 12)
    assert calendar.add_working_days(date(2019, 2, 3), 1) == date(2019, 2, 11)


def test_an_override_wins_over_the_package() -> None:
    # make the 中秋 holiday a working day, and the make-up Saturday a day off
    calendar = ChinaCalendar({date(2018, 9, 24): True, date(2018, 9, 29): False})
    assert calendar.is_working_day(date(2018, 9, 24)) and not calendar.is_working_day(date(2018, 9, 29))
    assert calendar.add_working_days(date(2018, 9, 15), 10) == date(2018, 9, 28)
    assert add_working_days(date(2018, 9, 15), 10, calendar) == date(2018, 9, 28)


def test_a_year_the_package_does_not_know_is_monday_to_friday_plus_overrides() -> None:
    unknown = package_years().stop  # the first year after the package's last notice
    assert unknown not in package_years() and 2018 in package_years()
    jan1 = date(unknown, 1, 1)
    calendar = ChinaCalendar()
    assert not calendar.knows_year(unknown)
    assert calendar.is_working_day(jan1) is (jan1.weekday() < 5)
    # a whole week of Mondays to Fridays
    monday = date(unknown, 3, 1)
    while monday.weekday() != 0:
        monday = date(unknown, 3, monday.day + 1)
    assert calendar.add_working_days(monday, 5) == WeekdayCalendar().add_working_days(monday, 5)
    # the administrator enters the State Council notice: 1 January off
    with_notice = ChinaCalendar({jan1: False})
    assert not with_notice.is_working_day(jan1)
    first_week = [date(unknown, 1, n) for n in range(1, 8)]
    weekdays = [d for d in first_week if d.weekday() < 5]
    assert [d for d in first_week if calendar.is_working_day(d)] == weekdays
    assert [d for d in first_week if with_notice.is_working_day(d)] == [d for d in weekdays if d != jan1]
    assert with_notice.add_working_days(jan1, 1) == calendar.add_working_days(jan1, 1)


def test_review_due_dates_follow_the_calendar_given() -> None:
    overrides = ChinaCalendar({date(2018, 9, 24): True})
    assert due_date("mobilization.city_review", entered_on=date(2018, 9, 15), phase_deadlines={}) \
        == date(2018, 9, 29)
    assert due_date("mobilization.city_review", entered_on=date(2018, 9, 15), phase_deadlines={},
                    calendar=overrides) == date(2018, 9, 28)


def test_calendars_satisfy_the_protocol_and_refuse_negative_counts() -> None:
    assert isinstance(ChinaCalendar(), WorkingCalendar) and isinstance(WeekdayCalendar(), WorkingCalendar)
    assert ChinaCalendar().add_working_days(date(2018, 9, 24), 0) == date(2018, 9, 24)
    with pytest.raises(ValueError):
        ChinaCalendar().add_working_days(date(2018, 9, 24), -1)


def test_the_core_stays_free_of_flask_and_the_database() -> None:
    banned = ("flask", "sqlalchemy", "app", "psycopg")
    for path in sorted((ROOT / "workflows").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [n for n in names if n.split(".")[0] in banned], (path.name, names)
