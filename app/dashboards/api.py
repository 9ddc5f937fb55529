"""What the JSON API serves from the dashboards (the API package exposes it; nothing here knows HTTP).

- ``GET /api/v1/dashboard/quotas`` → :func:`quotas_json`
- ``GET /api/v1/exports/ledger.xlsx`` → :func:`app.ledger.xlsx.ledger_xlsx`
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.dashboards.queries import number, quota_board
from app.ledger.xlsx import ledger_xlsx
from workflows.roles import COUNTY_ROLES, Actor

__all__ = ["quotas_json", "ledger_xlsx"]


def quotas_json(session: Session, plan_id: int, today: date, actor: Actor) -> list[dict]:
    """CONTRACT.md's ``[{"county", "indicator", "target", "achieved", "pending"}]``: one row per county ×
    indicator with a quota, zeros included, numbers as JSON numbers (2, not "2.00").

    A county's users get their own county's rows (a county never sees another county's figures);
    every other role gets every county's.
    """
    county = actor.unit if actor.role in COUNTY_ROLES else None
    if actor.role in COUNTY_ROLES and county is None:
        return []
    return [{"county": r.county, "indicator": r.indicator, "target": number(r.target),
             "achieved": number(r.achieved), "pending": number(r.pending)}
            for r in quota_board(session, plan_id, today, county=county) if not r.is_city]
