"""Quarterly trends of the reported figures, by indicator."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import quarter_of
from app.items.models import Item
from app.plans.models import Category, Indicator, Target
from app.reports.models import Report, ReportFigure
from app.units.models import Unit
from app.dashboards.figures import ACCEPTED_REPORT, CITY_NAME, _dec


# -- quarterly trends ---------------------------------------------------------------------------

@dataclass
class TrendSeries:
    unit: str | None
    unit_name: str
    values: list[float | None]


@dataclass
class Trend:
    indicator: str
    title: str
    measure: str
    quarters: list[str]
    series: list[TrendSeries]
    city_target: float | None
    unit_targets: dict[str, float]


def quarter_label(year: int, quarter: int) -> str:
    return gettext("%(year)s年Q%(quarter)s", year=year, quarter=quarter)


def quarters_between(start: date, end: date) -> list[tuple[int, int]]:
    y, q = quarter_of(start)
    last = quarter_of(end)
    out = []
    while (y, q) <= last:
        out.append((y, q))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def trends(session: Session, plan_id: int, today: date, start: date) -> list[Trend]:
    """Accepted cumulative figures per indicator, unit and quarter (one GROUP BY), with a city line."""
    items, reports, figures = Item.__table__, Report.__table__, ReportFigure.__table__
    q = (select(figures.c.indicator_code, reports.c.year, reports.c.quarter, reports.c.reporter_id,
                func.max(figures.c.value))
         .select_from(figures.join(reports, reports.c.id == figures.c.report_id)
                      .join(items, items.c.id == reports.c.id))
         .where(items.c.plan_id == plan_id, items.c.state == ACCEPTED_REPORT)
         .group_by(figures.c.indicator_code, reports.c.year, reports.c.quarter, reports.c.reporter_id))
    data: dict[str, dict[int, dict[tuple[int, int], Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for code, year, quarter, unit_id, value in session.execute(q):
        data[code][unit_id][(int(year), int(quarter))] = _dec(value)
    quarters = quarters_between(start, today)
    demo = set(session.scalars(select(Category.indicator_code)
                               .where(Category.plan_id == plan_id, Category.indicator_code.is_not(None))))
    targets = session.execute(select(Indicator.code, Indicator.title, Indicator.measure, Target.unit_id,
                                     Target.figure)
                              .join(Target, Target.indicator_id == Indicator.id)
                              .where(Indicator.plan_id == plan_id)
                              .order_by(Indicator.sort_order, Indicator.id)).all()
    units = {u.id: u for u in session.scalars(select(Unit))}
    out: dict[str, Trend] = {}
    for code, title, measure, unit_id, figure in targets:
        if code in demo:
            continue
        trend = out.setdefault(code, Trend(code, title, measure, [quarter_label(*q) for q in quarters], [], None, {}))
        if unit_id is None:
            trend.city_target = float(figure)
        else:
            trend.unit_targets[units[unit_id].slug] = float(figure)
    for code, trend in out.items():
        by_unit = data.get(code, {})
        reporting = sorted(set(by_unit) | {u.id for u in units.values() if u.slug in trend.unit_targets},
                           key=lambda uid: (units[uid].sort_order, uid))
        quota_units = {u.id for u in units.values() if u.slug in trend.unit_targets}
        city: list[float | None] = []
        for yq in quarters:
            known = [by_unit[uid][yq] for uid in by_unit if yq in by_unit[uid]
                     and (not quota_units or uid in quota_units)]
            city.append(float(sum(known)) if known else None)
        for uid in reporting:
            values = [float(by_unit[uid][yq]) if yq in by_unit.get(uid, {}) else None for yq in quarters]
            trend.series.append(TrendSeries(units[uid].slug, units[uid].name, values))
        trend.series.append(TrendSeries(None, CITY_NAME, city))
    return list(out.values())
