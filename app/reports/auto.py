"""Quarterly reports open by themselves: on the first request of a quarter (and at every ``deadlines tick``).

"各县区、各相关部门要按季度报告工作进展情况": nobody has to remember a command. Each process checks
once per period; opening is idempotent and safe under concurrency (a unique key per unit and quarter),
so several workers or hosts opening at once create each report once.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, request
from sqlalchemy.exc import SQLAlchemyError

from app.clock import today
from app.extensions import db
from app.plans.scope import current_plans
from app.reports.operations import ensure_reports_open, periods_to_open

log = logging.getLogger(__name__)
_KEY = "plandesk.reports_opened"


def open_on_first_request() -> None:
    """Open this period's reports once per process and period (a failure never breaks the request)."""
    if request.endpoint in (None, "static"):
        return
    day = today()
    done: set = current_app.extensions.setdefault(_KEY, set())
    period = (day.year, (day.month - 1) // 3 + 1)
    if period in done:
        return
    try:
        results = [r for plan in current_plans() if periods_to_open(plan, day)
                   for r in ensure_reports_open(db.session, plan, day)]
        if results:
            db.session.commit()
            opened = sum(len(r.created) for r in results)
            if opened:
                log.info("opened %d quarterly reports for %s", opened, [(r.year, r.quarter) for r in results])
        done.add(period)
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not open this quarter's reports; the next request tries again")


def init_app(app: Flask) -> None:
    if app.config.get("PLANDESK_AUTO_OPEN_REPORTS", True):
        app.before_request(open_on_first_request)
