"""A small known set of facts for the 绩效考核 tests: two applications and one quarterly report of 霍邱县
in 2018Q4, each action on a chosen business date (PlanDesk's "today" and the audit instant agree).

霍邱县's steps (the handling deadline of each step it holds, China's working days: 2018-10-01..07 国庆):

application A (a city return, then a late self-assessment):
  1 draft            entered 10-08, due 10-22 (10 wd), submitted 10-15            on time
  2 county review    entered 10-15, due 10-29,         endorsed 10-31             late
    (city review: the city sends it back on 11-01: a return)
  3 draft            entered 11-01, due 11-15,         submitted 11-14            on time
  4 county review    entered 11-14, due 11-28,         endorsed 11-14             on time
    (city accepts on 11-15)
  5 implementation   entered 11-15, due max(10-31 plan, 11-29) = 11-29, self-assessment begun 11-16  on time
  6 s-a draft        entered 11-16, due 11-30,         submitted 12-03            late
  7 s-a county rev.  entered 12-03, due 12-17,         endorsed 12-04             on time
    (the office passes it on 12-05: accepted, but not first time)
application B (no return):
  8 draft            entered 10-08, due 10-22, submitted 10-09                    on time
  9 county review    entered 10-09, due 10-23, endorsed 10-10                     on time
    (city accepts on 10-11)
 10 implementation   entered 10-11, due max(10-31, 10-25) = 10-31, begun 10-12    on time
 11 s-a draft        entered 10-12, due 10-26, submitted 10-15                    on time
 12 s-a county rev.  entered 10-15, due 10-29, endorsed 10-16                     on time
    (the office passes it on 10-17: first time)
report 2018Q4: due 2019-01-15 (Dec 31 + 10 working days; 2019-01-01 元旦), submitted 2019-01-17: late.
Every other unit's 2018Q4 report is opened and never submitted: missing.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.reports.models import Report
from app.reports.operations import report_indicators
from app.units.models import Unit
from tests.dashboards.journeys import (REPORT_TEXTS, SELF_ASSESSMENT, _checklist_figures, fire, new_application,
                                      open_reports)
from tests.factories import add_evidence

TODAY = date(2019, 1, 25)
CATEGORY = "municipal_demo_village"


class Clock:
    """Sets PlanDesk's business date and the audit clock to the same day (10:00 in China)."""

    def __init__(self, app, monkeypatch: pytest.MonkeyPatch) -> None:
        self.app = app
        self.day: date = TODAY
        monkeypatch.setattr("workflows.engine._now", self._now)

    def _now(self) -> datetime:
        return datetime.combine(self.day, time(2, 0), tzinfo=UTC)  # 10:00 in Asia/Shanghai

    def on(self, day: date) -> None:
        self.day = day
        self.app.config["PLANDESK_TODAY"] = day


def build(app, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    clock = Clock(app, monkeypatch)
    d = lambda m, dd, y=2018: date(y, m, dd)  # noqa: E731

    def at(day: date, item_id: int, user: str, trigger: str, **kw) -> None:
        clock.on(day)
        if trigger in ("submit",):
            add_evidence(item_id)
        fire(item_id, user, trigger, **kw)

    clock.on(d(10, 8))
    a = new_application("huoqiu", CATEGORY, "甲村")
    b = new_application("huoqiu", CATEGORY, "乙村")
    sa = lambda item: {**SELF_ASSESSMENT, "figures": _checklist_figures(item)}  # noqa: E731
    # B: straight through
    at(d(10, 9), b, "huoqiu_filer", "submit")
    at(d(10, 10), b, "huoqiu_reviewer", "endorse")
    at(d(10, 11), b, "city_reviewer", "accept")
    at(d(10, 12), b, "huoqiu_filer", "start_self_assessment")
    at(d(10, 15), b, "huoqiu_filer", "submit", **sa(b))
    at(d(10, 16), b, "huoqiu_reviewer", "endorse")
    at(d(10, 17), b, "office_approver", "pass", findings="现场核查属实")
    # A: late county review, a city return, a late self-assessment
    at(d(10, 15), a, "huoqiu_filer", "submit")
    at(d(10, 31), a, "huoqiu_reviewer", "endorse")
    at(d(11, 1), a, "city_reviewer", "send_back", comment="材料不全")
    at(d(11, 14), a, "huoqiu_filer", "submit")
    at(d(11, 14), a, "huoqiu_reviewer", "endorse")
    at(d(11, 15), a, "city_reviewer", "accept")
    at(d(11, 16), a, "huoqiu_filer", "start_self_assessment")
    at(d(12, 3), a, "huoqiu_filer", "submit", **sa(a))
    at(d(12, 4), a, "huoqiu_reviewer", "endorse")
    at(d(12, 5), a, "office_approver", "pass", findings="整改后核查属实")
    # every unit's 2018Q4 report; 霍邱县 submits its own late
    clock.on(d(12, 20))
    reports = open_reports(2018, 4)
    huoqiu = db.session.scalar(select(Unit).where(Unit.slug == "huoqiu"))
    plan_id = db.session.get(Report, reports["huoqiu"]).plan_id
    figures = {i.code: 1 for i in report_indicators(db.session, plan_id, huoqiu)}
    clock.on(d(1, 17, 2019))
    fire(reports["huoqiu"], "huoqiu_filer", "submit", figures=figures, **REPORT_TEXTS)
    clock.on(TODAY)
    return {"a": a, "b": b, "report": reports["huoqiu"]}
