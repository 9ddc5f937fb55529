"""``flask --app wsgi calendar …``: the working-day calendar and its overrides (工作日调整)."""
from __future__ import annotations

import sys
from datetime import date, timedelta

import click
from flask.cli import AppGroup

from app.extensions import db
from app.workdays.operations import list_overrides, parse_day, set_override, unset_override, working_calendar
from workflows.errors import GuardFailed

calendar_cli = AppGroup("calendar", help="China's working-day calendar and the administrator's overrides.")
WEEKDAYS = "一二三四五六日"


def _day(value: str) -> date:
    try:
        return parse_day(value)
    except GuardFailed as exc:
        raise click.BadParameter("；".join(exc.reasons)) from None


@calendar_cli.command("list")
@click.option("--year", type=int, default=None, help="Only this year's overrides.")
def calendar_list(year: int | None) -> None:
    """Every override: date, working day or day off, note."""
    rows = list_overrides(db.session, year)
    if not rows:
        click.echo("no overrides")
    for o in rows:
        click.echo(f"{o.day.isoformat()}\t{'working' if o.is_working_day else 'holiday'}\t{o.note}")


@calendar_cli.command("set")
@click.argument("day")
@click.option("--working/--holiday", "working", required=True, help="A working day, or a day off.")
@click.option("--note", default="", help="Why (e.g. the State Council notice).")
def calendar_set(day: str, working: bool, note: str) -> None:
    """Make DAY (YYYY-MM-DD) a working day or a day off, whatever the package says."""
    try:
        row = set_override(db.session, _day(day), working, note, actor="cli")
        db.session.commit()
    except GuardFailed as exc:
        db.session.rollback()
        click.echo("；".join(exc.reasons), err=True)
        sys.exit(1)
    click.echo(f"{row.day.isoformat()}: {'working day' if row.is_working_day else 'holiday'}")


@calendar_cli.command("unset")
@click.argument("day")
def calendar_unset(day: str) -> None:
    """Remove DAY's override: the package decides again."""
    parsed = _day(day)
    removed = unset_override(db.session, parsed, actor="cli")
    db.session.commit()
    if not removed:
        click.echo(f"{parsed.isoformat()}: no override", err=True)
        sys.exit(1)
    click.echo(f"{parsed.isoformat()}: override removed")


@calendar_cli.command("show")
@click.argument("year", type=int)
def calendar_show(year: int) -> None:
    """YEAR's days that differ from Monday–Friday (holidays on weekdays, make-up working days on weekends)."""
    if not 1900 <= year <= 9999:
        raise click.BadParameter("year must be 1900–9999")
    calendar = working_calendar(db.session)
    if not calendar.knows_year(year):
        click.echo(f"warning: the calendar package does not know {year}: Monday–Friday plus overrides", err=True)
    day, end = date(year, 1, 1), date(year, 12, 31)
    working_days = 0
    while day <= end:
        working = calendar.is_working_day(day)
        working_days += working
        if working != (day.weekday() < 5):
            source = "override" if day in calendar.overrides else (calendar.holiday_name(day) or "package")
            kind = "make-up working day" if working else "holiday"
            click.echo(f"{day.isoformat()} 周{WEEKDAYS[day.weekday()]}\t{kind}\t{source}")
        day += timedelta(days=1)
    click.echo(f"{year}: {working_days} working days")
