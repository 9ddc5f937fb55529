"""China's working-day calendar (工作日): statutory holidays and make-up working days (调休).

The core counts every "N working days" through a :class:`WorkingCalendar`. :class:`ChinaCalendar`
answers from the ``chinesecalendar`` package (the State Council's yearly notices) and an override
table that wins over it: the administrator enters the days of a year the package does not know yet
(the next year's notice arrives each December) or corrects a day. A year the package does not know
falls back to Monday–Friday plus the overrides. The application builds the overrides from its
database; the core only sees a mapping.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from typing import Protocol, runtime_checkable

import chinese_calendar
from chinese_calendar import constants as _package_data

#: the longest run of consecutive days off a calendar may have before counting is refused
_MAX_DAYS_OFF = 400


@runtime_checkable
class WorkingCalendar(Protocol):
    """Which days are working days, and counting them."""

    def is_working_day(self, day: date) -> bool: ...

    def add_working_days(self, start: date, days: int) -> date: ...


def _add(calendar: WorkingCalendar, start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself never counts); ``start`` for 0."""
    if days < 0:
        raise ValueError(f"days must not be negative, not {days}")
    current, remaining, idle = start, days, 0
    while remaining > 0:
        current += timedelta(days=1)
        if calendar.is_working_day(current):
            remaining -= 1
            idle = 0
        else:
            idle += 1
            if idle > _MAX_DAYS_OFF:
                raise ValueError(f"no working day in the {_MAX_DAYS_OFF} days after {current - timedelta(days=idle)}")
    return current


class WeekdayCalendar:
    """Monday to Friday, every week of every year (no holidays)."""

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        return _add(self, start, days)


def package_years() -> range:
    """The years the installed ``chinesecalendar`` package has the State Council's notice for."""
    known = [*_package_data.holidays, *_package_data.workdays]
    return range(min(known).year, max(known).year + 1)


@lru_cache(maxsize=8192)
def _package_workday(day: date) -> bool:
    """``chinese_calendar.is_workday``, remembered: the package's tables never change in a process, and
    its own lookup (date validation, two dict probes, a tuple) is most of what counting working days costs."""
    return bool(chinese_calendar.is_workday(day))


class ChinaCalendar:
    """The package's holidays and make-up working days, with ``overrides`` (date → is working day) winning.

    For a year outside :func:`package_years`, Monday–Friday plus the overrides.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self.overrides: dict[date, bool] = dict(overrides or {})
        self.years = package_years()

    def knows_year(self, year: int) -> bool:
        """Whether the package has that year's notice (overrides aside)."""
        return year in self.years

    def package_says(self, day: date) -> bool:
        """The package's answer (Monday–Friday for a year it does not know)."""
        if not self.knows_year(day.year):
            return day.weekday() < 5
        return _package_workday(day)

    def is_working_day(self, day: date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return override
        return self.package_says(day)

    def holiday_name(self, day: date) -> str | None:
        """The package's name of the festival a day belongs to (off or make-up), if any."""
        if not self.knows_year(day.year):
            return None
        _, holiday = chinese_calendar.get_holiday_detail(day)
        return str(holiday) if holiday else None

    def add_working_days(self, start: date, days: int) -> date:
        return _add(self, start, days)


#: the calendar used when a caller supplies none: the package alone, without overrides
DEFAULT_CALENDAR: WorkingCalendar = ChinaCalendar()
