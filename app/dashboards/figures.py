"""Aggregate read queries behind the dashboards, the ledger's quota sheet and the notices' drafts.

Every figure is computed by the database (GROUP BY, window functions) in one statement per view;
Python only shapes the few hundred aggregate rows that come back. Nothing here loads items as
objects, so the answers stay fast at province scale (see ``bench/dashboard_bench.py``).

Rules (DOMAIN.md, WORKFLOWS.md):

- a demo-site indicator (one a category counts toward) is *achieved* by the county's applications
  in ``consolidation``; *pending* are the applications filed but not yet decided (any state but
  the draft, consolidation and the final refusals);
- any other indicator is *achieved* by the unit's latest accepted quarterly figure (figures are
  cumulative for the year, so the latest one is the unit's standing); *pending* is how much a
  figure still under review would add to it;
- a city-wide total sums the counties' figures where the indicator is split into county quotas,
  and every reporting unit's otherwise (a department such as 市交通运输局 reports the city's roads).

This module holds the rules' constants and number shapes; the views are ``board``, ``matrix``,
``overdue`` and ``trends``.
"""
from __future__ import annotations

from decimal import Decimal


from workflows.base import PHASE_TITLES
from workflows.application import ApplicationState
from workflows.report import ReportState
from workflows.states import StateSet


#: an application counts toward its county's quota in this state
ACHIEVED_STATE = StateSet.ACHIEVED
#: states of an application that is not (or no longer) under consideration
NOT_FILED_STATES = (ApplicationState.mobilization_draft.value, ApplicationState.rejected.value,
                    ApplicationState.revoked.value)
#: report states whose figures are decided (accepted) or awaiting a decision
ACCEPTED_REPORT = ReportState.accepted.value
REVIEW_REPORT_STATES = (ReportState.county_review.value, ReportState.city_review.value)
DUE_SOON_DAYS = 7
CITY_NAME = "全市"
PHASES: tuple[str, ...] = tuple(PHASE_TITLES)
#: column of the phase matrix for applications that left the six phases (未通过, 已撤销)
CLOSED_COLUMN = "closed"
CLOSED_TITLE = "已终止"
TWO_PLACES = Decimal("0.01")


def _dec(value: object) -> Decimal:
    """A database number as a Decimal with two places (SQLite sums come back as floats)."""
    if value is None:
        return Decimal("0.00")
    if isinstance(value, float):
        value = repr(value)
    return Decimal(str(value)).quantize(TWO_PLACES)
