"""The quota board: each county (and the city) against each target of the plan, in one statement."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext
from sqlalchemy import and_, case, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from app.clock import quarter_of
from app.items.counters import ITEM_COUNTS
from app.items.models import Item
from app.plans.models import Category, Indicator, PlanPhase, Target
from app.reports.models import Report, ReportFigure
from app.units.models import Unit
from app.plans.names import indicator_measure, indicator_title
from workflows.roles import COUNTY_ROLES, Actor
from app.dashboards.figures import (ACCEPTED_REPORT, ACHIEVED_STATE, CITY_NAME, NOT_FILED_STATES,
                                    REVIEW_REPORT_STATES, _dec)
from workflows.states import Phase


# -- the quota board ----------------------------------------------------------------------------

@dataclass(frozen=True)
class QuotaRow:
    """One county's (or, with ``county`` None, the whole city's) standing against one target."""

    county: str | None
    county_name: str
    indicator: str
    indicator_title: str
    measure: str
    #: where achievements come from: ``applications`` (demo sites) or ``reports`` (quarterly figures)
    source: str
    target: Decimal
    achieved: Decimal
    pending: Decimal

    @property
    def is_city(self) -> bool:
        return self.county is None

    @property
    def gap(self) -> Decimal:
        """How much is still missing (never negative: targets are minimums, 以上)."""
        return max(self.target - self.achieved, Decimal("0.00"))

    @property
    def rate(self) -> float | None:
        """Share of the target achieved (1.0 = met; may exceed 1); None for a zero target."""
        return float(self.achieved / self.target) if self.target else None

    @property
    def is_met(self) -> bool:
        return self.achieved >= self.target

    #: behind the plan: "filed" (too few sites filed once the plan's date for filing has passed),
    #: "achieved" (target not met once the plan's date for acceptance has passed), else None
    behind: str | None = None
    #: the plan's date the row is behind against
    behind_since: date | None = None

    def as_dict(self) -> dict[str, object]:
        return {"county": self.county, "county_name": self.county_name, "indicator": self.indicator,
                # in the page's language (a stored English translation in English mode)
                "indicator_title": indicator_title(self.indicator, self.indicator_title),
                "measure": indicator_measure(self.indicator, self.measure), "source": self.source,
                "target": number(self.target), "achieved": number(self.achieved), "pending": number(self.pending),
                "gap": number(self.gap), "rate": None if self.rate is None else round(self.rate, 4)}


def number(value: Decimal) -> int | float:
    """A Decimal as JSON wants it: an int when whole (2, not 2.00)."""
    return int(value) if value == value.to_integral_value() else float(value)


def quota_board_statement(plan_id: int, today: date):
    """The one SELECT behind :func:`quota_board` (exposed for EXPLAIN in the benchmark)."""
    items, cats = Item.__table__, Category.__table__
    reports, figures = Report.__table__, ReportFigure.__table__
    targets, indicators, units = Target.__table__, Indicator.__table__, Unit.__table__
    year, quarter = quarter_of(today)

    # Demo-site applications per county and category, from the exact counters (app.items.counters: a
    # few thousand rows whatever the number of items); the categories are mapped to their indicators
    # after the aggregation, not per row.
    counts = ITEM_COUNTS
    is_achieved = case((counts.c.state == ACHIEVED_STATE, counts.c.n), else_=0)
    per_category = (
        select(counts.c.county_id.label("unit_id"), counts.c.category.label("category"),
               func.sum(is_achieved).label("achieved"), func.sum(counts.c.n).label("filed"))
        .where(counts.c.plan_id == plan_id, counts.c.type == "application",
               counts.c.state.not_in(NOT_FILED_STATES), counts.c.county_id != 0)
        .group_by(counts.c.county_id, counts.c.category)
        .cte("per_category"))
    app_counts = (
        select(per_category.c.unit_id, cats.c.indicator_code.label("code"),
               func.sum(per_category.c.achieved).label("achieved"),
               func.sum(per_category.c.filed - per_category.c.achieved).label("pending"))
        .select_from(per_category.join(cats, and_(cats.c.plan_id == plan_id, cats.c.code == per_category.c.category)))
        .where(cats.c.indicator_code.is_not(None))
        .group_by(per_category.c.unit_id, cats.c.indicator_code)
        .cte("app_counts"))

    # Each unit's latest accepted figure and latest figure under review, per indicator.
    accepted_flag = case((items.c.state == ACCEPTED_REPORT, 1), else_=0)
    ranked = (
        select(reports.c.reporter_id.label("unit_id"), figures.c.indicator_code.label("code"),
               figures.c.value.label("value"), accepted_flag.label("accepted"),
               func.row_number().over(partition_by=(reports.c.reporter_id, figures.c.indicator_code, accepted_flag),
                                      order_by=(reports.c.year.desc(), reports.c.quarter.desc())).label("rn"))
        .select_from(figures.join(reports, reports.c.id == figures.c.report_id)
                     .join(items, items.c.id == reports.c.id))
        # type = 'report' lets the (type, state, …) index find the few report rows: without it the
        # planner may walk every item in id order to meet the reports (0.8 s at 1,000,000 items)
        .where(items.c.plan_id == plan_id, items.c.type == "report",
               items.c.state.in_((ACCEPTED_REPORT, *REVIEW_REPORT_STATES)),
               reports.c.year * 4 + reports.c.quarter <= year * 4 + quarter)
        .cte("ranked_figures"))
    latest = (
        select(ranked.c.unit_id, ranked.c.code,
               func.max(case((ranked.c.accepted == 1, ranked.c.value))).label("accepted_value"),
               func.max(case((ranked.c.accepted == 0, ranked.c.value))).label("review_value"))
        .where(ranked.c.rn == 1).group_by(ranked.c.unit_id, ranked.c.code).cte("latest_figures"))
    accepted_value = func.coalesce(latest.c.accepted_value, 0)
    review_increment = case((latest.c.review_value > accepted_value, latest.c.review_value - accepted_value),
                            else_=0)
    unit_figures = (select(latest.c.unit_id, latest.c.code, accepted_value.label("achieved"),
                           review_increment.label("pending")).cte("unit_figures"))

    # Indicators split into per-unit quotas: only units holding a quota add to the city's total.
    quota_units = (select(targets.c.unit_id, indicators.c.code)
                   .select_from(targets.join(indicators, indicators.c.id == targets.c.indicator_id))
                   .where(targets.c.plan_id == plan_id, targets.c.unit_id.is_not(None)).cte("quota_units"))
    counts_to_city = or_(
        exists().where(quota_units.c.unit_id == unit_figures.c.unit_id, quota_units.c.code == unit_figures.c.code),
        ~exists().where(quota_units.c.code == unit_figures.c.code))

    # Everything measured, keyed by unit (0 = the whole city) and source.
    measured = union_all(
        select(app_counts.c.unit_id, app_counts.c.code, literal("applications").label("source"),
               app_counts.c.achieved, app_counts.c.pending),
        select(literal(0).label("unit_id"), app_counts.c.code, literal("applications"),
               func.sum(app_counts.c.achieved), func.sum(app_counts.c.pending)).group_by(app_counts.c.code),
        select(unit_figures.c.unit_id, unit_figures.c.code, literal("reports"),
               unit_figures.c.achieved, unit_figures.c.pending),
        select(literal(0), unit_figures.c.code, literal("reports"),
               func.sum(unit_figures.c.achieved), func.sum(unit_figures.c.pending))
        .where(counts_to_city).group_by(unit_figures.c.code),
    ).cte("measured")

    demo_codes = (select(cats.c.indicator_code).where(cats.c.plan_id == plan_id, cats.c.indicator_code.is_not(None))
                  .scalar_subquery())
    source = case((indicators.c.code.in_(demo_codes), literal("applications")), else_=literal("reports"))
    return (
        select(units.c.slug, units.c.name, indicators.c.code, indicators.c.title, indicators.c.measure,
               source.label("source"), targets.c.figure,
               func.coalesce(measured.c.achieved, 0).label("achieved"),
               func.coalesce(measured.c.pending, 0).label("pending"),
               _phase_date(plan_id, Phase.mobilization.value).label("filing_date"),
               _phase_date(plan_id, Phase.acceptance.value).label("acceptance_date"))
        .select_from(
            targets.join(indicators, indicators.c.id == targets.c.indicator_id)
            .outerjoin(units, units.c.id == targets.c.unit_id)
            .outerjoin(measured, and_(measured.c.unit_id == func.coalesce(targets.c.unit_id, 0),
                                      measured.c.code == indicators.c.code, measured.c.source == source)))
        .where(targets.c.plan_id == plan_id)
        .order_by(indicators.c.sort_order, indicators.c.id, targets.c.unit_id.is_(None), units.c.sort_order,
                  units.c.id))


def _phase_date(plan_id: int, code: str) -> Any:
    """The plan's date for phase ``code``, as a scalar subquery (one row of plan_phases)."""
    return (select(PlanPhase.deadline).where(PlanPhase.plan_id == plan_id, PlanPhase.code == code)
            .scalar_subquery())


def quota_board(session: Session, plan_id: int, today: date, county: str | None = None) -> list[QuotaRow]:
    """Every county's standing against each of its quotas, and the city's against each city-wide target.

    One aggregate query. Rows come ordered by indicator (plan order), each indicator's counties in
    plan order, then its city-wide row (``county`` None). With ``county`` (a slug) only that county's
    rows and the city-wide rows are returned. Shared by the board, the ledger's quota sheet, the JSON
    API and the notices' commendation drafts.
    """
    rows = session.execute(quota_board_statement(plan_id, today)).all()
    out = []
    for r in rows:
        target, achieved, pending = _dec(r[6]), _dec(r[7]), _dec(r[8])
        dates = {Phase.mobilization: _as_day(r[9]), Phase.acceptance: _as_day(r[10])}
        behind, since = (_behind(r[5], target, achieved, pending, dates, today) if r[0] is not None
                         else (None, None))
        out.append(QuotaRow(county=r[0], county_name=r[1] or CITY_NAME, indicator=r[2], indicator_title=r[3],
                            measure=r[4], source=r[5], target=target, achieved=achieved, pending=pending,
                            behind=behind, behind_since=since))
    if county is not None:
        out = [r for r in out if r.county is None or r.county == county]
    return out


def _as_day(value: object) -> date | None:
    """A date from a scalar subquery (SQLite answers ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def _behind(source: str, target: Decimal, achieved: Decimal, pending: Decimal, dates: dict[str, date | None],
            today: date) -> tuple[str | None, date | None]:
    """Whether a county is behind the plan on one quota: lateness belongs to the unit, not to its drafts.

    Demo sites must be filed (accepted as creation objects or under review) by the plan's
    mobilization date; every quota must be met by the plan's acceptance date."""
    filing, acceptance = dates.get(Phase.mobilization), dates.get(Phase.acceptance)
    if acceptance is not None and today > acceptance and achieved < target:
        return "achieved", acceptance
    if source == "applications" and filing is not None and today > filing and achieved + pending < target:
        return "filed", filing
    return None, None


def quota_hint(rows: Iterable[QuotaRow], county: str, indicator: str) -> str | None:
    """The line a filer sees on the application form: 霍邱县 省级电商示范村：已认定 2 / 目标 4，审核中 1."""
    for row in rows:
        if row.county == county and row.indicator == indicator:
            done = gettext("已认定") if row.source == "applications" else gettext("已完成")
            return gettext("%(county)s %(indicator)s：%(done)s %(achieved)s / 目标 %(target)s，审核中 %(pending)s",
                           county=row.county_name, indicator=indicator_title(row.indicator, row.indicator_title), done=done,
                           achieved=number(row.achieved), target=number(row.target), pending=number(row.pending))
    return None


def county_quota_hints(session: Session, plan_id: int, today: date, county: str) -> dict[str, str]:
    """Indicator code → the line a county filer sees on the filing form (one aggregate query)."""
    rows = quota_board(session, plan_id, today, county=county)
    return {row.indicator: hint for row in rows if (hint := quota_hint(rows, county, row.indicator))}


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
