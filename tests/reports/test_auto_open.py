"""Quarterly reports open by themselves for every responsible unit: nobody runs a command (issue: §四(三))."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from sqlalchemy import func, select

from app.extensions import db
from app.reports.models import Report
from app.reports.operations import periods_to_open
from app.tasks.models import TaskAssignment
from app.units.models import Unit, UnitKind

PLAN = SimpleNamespace(issued_on=date(2018, 7, 25))


def test_the_periods_open_on_a_day() -> None:
    # the quarter the plan was issued in opens with it; the one before had ended already
    assert periods_to_open(PLAN, date(2018, 7, 26)) == [(2018, 3)]
    # early in a quarter the previous quarter's report is still being written: both are open
    assert periods_to_open(PLAN, date(2018, 10, 8)) == [(2018, 3), (2018, 4)]
    # once the previous quarter's reports are due, only the current one opens (never opened late)
    assert periods_to_open(PLAN, date(2018, 11, 20)) == [(2018, 4)]
    assert periods_to_open(PLAN, date(2019, 1, 3)) == [(2018, 4), (2019, 1)]
    assert periods_to_open(PLAN, date(2018, 5, 1)) == []  # before the plan


def _responsible_slugs() -> set[str]:
    counties = set(db.session.scalars(select(Unit.slug).where(Unit.kind == UnitKind.county)))
    assigned = set(db.session.scalars(select(Unit.slug).join(TaskAssignment, TaskAssignment.assignee_id == Unit.id)))
    return counties | assigned


def _reporters(year: int, quarter: int) -> set[str]:
    return set(db.session.scalars(select(Unit.slug).join(Report, Report.reporter_id == Unit.id)
                                  .where(Report.year == year, Report.quarter == quarter)))


def test_at_the_start_of_2018q4_every_responsible_unit_has_its_q3_report(app, client) -> None:
    app.config.update(PLANDESK_AUTO_OPEN_REPORTS=True, PLANDESK_TODAY=date(2018, 10, 8))
    from app.reports.auto import init_app

    init_app(app)  # the test configuration leaves it off (tests count items)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == 0
    assert client.get("/login").status_code == 200  # anybody's first request of the quarter
    with app.app_context():
        expected = _responsible_slugs()
        assert len(expected) == 30 and {"huoqiu", "commerce", "statistics", "women"} <= expected
        assert _reporters(2018, 3) == expected and _reporters(2018, 4) == expected
        total = db.session.scalar(select(func.count()).select_from(Report))
        q3 = db.session.scalars(select(Report).where(Report.year == 2018, Report.quarter == 3)).all()
        assert all(r.state == "draft" and r.due_on is not None and r.due_on > date(2018, 10, 8) for r in q3)
    client.get("/login")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == total  # once per period


def test_deadlines_tick_opens_them_too(app) -> None:
    app.config["PLANDESK_TODAY"] = date(2018, 10, 8)
    runner = app.test_cli_runner()
    assert "reports opened: 60;" in runner.invoke(args=["deadlines", "tick"]).output
    assert "reports opened: 0;" in runner.invoke(args=["deadlines", "tick"]).output
