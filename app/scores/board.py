"""Late (迟报) and missing (漏报) quarterly reports, as the quota board shows them to a supervisor."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.plans.models import Plan
from app.scores.facts import scored_units
from app.scores.permissions import can_see_unit
from app.scores.queries import late_and_missing_reports
from workflows.roles import Actor


@dataclass(frozen=True)
class LateReportRow:
    unit: str
    unit_name: str
    year: int
    quarter: int
    due_on: date
    #: "late" (submitted after the deadline) or "missing" (not submitted, deadline passed)
    status: str
    submitted_on: date | None
    days_late: int
    report_id: int | None


def late_report_rows(session: Session, plan: Plan, today: date, actor: Actor) -> list[LateReportRow]:
    """Every late or missing report since the plan was issued that ``actor`` may see, newest quarter first."""
    units = {u.id: u for u in scored_units(session, plan.id)}
    out = []
    for r in late_and_missing_reports(session, plan, today, units=list(units.values())):
        unit = units[r.unit_id]
        if not can_see_unit(actor, unit.slug):
            continue
        end = r.submitted_on if r.submitted_on is not None else today
        out.append(LateReportRow(unit.slug, unit.name, r.year, r.quarter, r.due_on, r.status, r.submitted_on,
                                 (end - r.due_on).days, r.item_id))
    return out
