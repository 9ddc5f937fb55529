"""China's working-day calendar as PlanDesk uses it: the package plus the override table.

:func:`working_calendar` builds the one calendar every "N working days" is counted on; it is cached
on the application context (one build per request or command) and dropped on every edit.
Flush, never commit.
"""
from __future__ import annotations

from datetime import date
from collections.abc import Mapping
from typing import Any

from flask import g, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AdminEvent
from app.clock import utcnow
from app.workdays.models import CalendarOverride
from workflows.audit import canonical_json
from workflows.errors import GuardFailed
from workflows.guards import parse_iso_date
from workflows.workdays import ChinaCalendar, package_years

_CACHE_KEY = "plandesk_working_calendar"
MAX_NOTE = 200


def _overrides(session: Session) -> dict[date, bool]:
    return dict(session.execute(select(CalendarOverride.day, CalendarOverride.is_working_day)).tuples().all())


def working_calendar(session: Session) -> ChinaCalendar:
    """The package's calendar with the administrator's overrides (cached per application context)."""
    if not has_app_context():
        return ChinaCalendar(_overrides(session))
    calendar = g.get(_CACHE_KEY)
    if calendar is None:
        calendar = ChinaCalendar(_overrides(session))
        setattr(g, _CACHE_KEY, calendar)
    return calendar


def prime_calendar(overrides: Mapping[str, Any]) -> None:
    """Cache the calendar for this application context from overrides read with another statement
    (the row image reads them with the item: ISO day → working day, as JSON gives them); a calendar
    already cached is kept."""
    if has_app_context() and g.get(_CACHE_KEY) is None:
        setattr(g, _CACHE_KEY, ChinaCalendar({date.fromisoformat(day[:10]): bool(working)
                                              for day, working in overrides.items()}))


def forget_calendar() -> None:
    """Drop the cached calendar (after an edit)."""
    if has_app_context():
        g.pop(_CACHE_KEY, None)


def list_overrides(session: Session, year: int | None = None) -> list[CalendarOverride]:
    q = select(CalendarOverride).order_by(CalendarOverride.day)
    if year is not None:
        q = q.where(CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31))
    return list(session.scalars(q))


def unknown_years(years: list[int]) -> list[int]:
    """Of ``years``, those the package has no State Council notice for (counted Monday–Friday plus overrides)."""
    known = package_years()
    return [y for y in years if y not in known]


def _log(session: Session, actor: str, actor_id: int | None, action: str, day: date,
         changes: dict[str, list[Any]]) -> None:
    session.add(AdminEvent(at=utcnow(), actor=actor, actor_id=actor_id, action=action, target_type="calendar",
                           target_id=None, target=day.isoformat(), changes_json=canonical_json(changes)))


def _fields(row: CalendarOverride | None) -> dict[str, Any]:
    if row is None:
        return {"is_working_day": None, "note": None}
    return {"is_working_day": row.is_working_day, "note": row.note}


def set_override(session: Session, day: date, is_working_day: bool, note: str, *, actor: str,
                 actor_id: int | None = None) -> CalendarOverride:
    """Make ``day`` a working day or a day off, whatever the package says (logged in 管理日志)."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise GuardFailed([f"说明不能超过 {MAX_NOTE} 个字符"])
    row = session.get(CalendarOverride, day)
    before = _fields(row)
    if row is None:
        row = CalendarOverride(day=day)
        session.add(row)
    row.is_working_day, row.note = is_working_day, note
    row.updated_at, row.updated_by = utcnow(), actor
    changes = {k: [before[k], v] for k, v in _fields(row).items() if before[k] != v}
    if changes:
        _log(session, actor, actor_id, "set_calendar_day", day, changes)
    session.flush()
    forget_calendar()
    return row


def unset_override(session: Session, day: date, *, actor: str, actor_id: int | None = None) -> bool:
    """Remove ``day``'s override (the package decides again); False when there was none."""
    row = session.get(CalendarOverride, day)
    if row is None:
        return False
    _log(session, actor, actor_id, "unset_calendar_day", day,
         {k: [v, None] for k, v in _fields(row).items()})
    session.delete(row)
    session.flush()
    forget_calendar()
    return True


def parse_day(value: Any) -> date:
    """A YYYY-MM-DD date, or GuardFailed with a Chinese reason."""
    day = parse_iso_date(value)
    if day is None:
        raise GuardFailed(["日期格式应为 YYYY-MM-DD"])
    return day
