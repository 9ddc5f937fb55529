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
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from app.applications.models import Application
from app.audit.models import AuditEventRow
from app.extension_requests.operations import effective_due_of, granted_extensions, granted_join_condition
from app.items.models import Item
from app.items.queries import visible_items
from app.plans.models import AnnexTask, Category, Indicator, PlanPhase, Target
from app.reports.models import Report, ReportFigure
from app.tasks.models import TaskAssignment
from app.units.models import Unit
from workflows.base import PHASE_TITLES, state_title
from workflows.deadlines import SERIOUS_AFTER_DAYS, OverdueLevel
from workflows.registry import WORKFLOWS
from workflows.roles import Actor

#: an application counts toward its county's quota in this state
ACHIEVED_STATE = "consolidation"
#: states of an application that is not (or no longer) under consideration
NOT_FILED_STATES = ("mobilization.draft", "rejected", "revoked")
#: report states whose figures are decided (accepted) or awaiting a decision
ACCEPTED_REPORT = "accepted"
REVIEW_REPORT_STATES = ("county_review", "city_review")
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


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


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
                "indicator_title": self.indicator_title, "measure": self.measure, "source": self.source,
                "target": number(self.target), "achieved": number(self.achieved), "pending": number(self.pending),
                "gap": number(self.gap), "rate": None if self.rate is None else round(self.rate, 4)}


def number(value: Decimal) -> int | float:
    """A Decimal as JSON wants it: an int when whole (2, not 2.00)."""
    return int(value) if value == value.to_integral_value() else float(value)


def quota_board_statement(plan_id: int, today: date):
    """The one SELECT behind :func:`quota_board` (exposed for EXPLAIN in the benchmark)."""
    items, apps, cats = Item.__table__, Application.__table__, Category.__table__
    reports, figures = Report.__table__, ReportFigure.__table__
    targets, indicators, units = Target.__table__, Indicator.__table__, Unit.__table__
    year, quarter = quarter_of(today)

    # Demo-site applications per county and category, in one pass over the plan's applications; the
    # categories (a handful of rows) are mapped to their indicators after the aggregation, not per row.
    is_achieved = case((items.c.state == ACHIEVED_STATE, 1), else_=0)
    per_category = (
        select(items.c.county_id.label("unit_id"), apps.c.category.label("category"),
               func.sum(is_achieved).label("achieved"), func.count().label("filed"))
        .select_from(items.join(apps, apps.c.id == items.c.id))
        .where(items.c.plan_id == plan_id, items.c.type == "application", items.c.state.not_in(NOT_FILED_STATES),
               items.c.county_id.is_not(None))
        .group_by(items.c.county_id, apps.c.category)
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
        .where(items.c.plan_id == plan_id, items.c.state.in_((ACCEPTED_REPORT, *REVIEW_REPORT_STATES)),
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
               _phase_date(plan_id, "mobilization").label("filing_date"),
               _phase_date(plan_id, "acceptance").label("acceptance_date"))
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
        dates = {"mobilization": _as_day(r[9]), "acceptance": _as_day(r[10])}
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
    filing, acceptance = dates.get("mobilization"), dates.get("acceptance")
    if acceptance is not None and today > acceptance and achieved < target:
        return "achieved", acceptance
    if source == "applications" and filing is not None and today > filing and achieved + pending < target:
        return "filed", filing
    return None, None


def quota_hint(rows: Iterable[QuotaRow], county: str, indicator: str) -> str | None:
    """The line a filer sees on the application form: 霍邱县 省级电商示范村：已认定 2 / 目标 4，审核中 1."""
    for row in rows:
        if row.county == county and row.indicator == indicator:
            from app.screens.ui import tr

            done = gettext("已认定") if row.source == "applications" else gettext("已完成")
            return gettext("%(county)s %(indicator)s：%(done)s %(achieved)s / 目标 %(target)s，审核中 %(pending)s",
                           county=row.county_name, indicator=tr(row.indicator_title), done=done,
                           achieved=number(row.achieved), target=number(row.target), pending=number(row.pending))
    return None


# -- the phase matrix ---------------------------------------------------------------------------

LIGHTS = ("red", "yellow", "green")


def level_case(due_on, today: date):
    """SQL for the overdue level of workflows.deadlines.overdue_level, from bound dates only."""
    return case(
        (due_on.is_(None), literal(OverdueLevel.none.value)),
        (due_on < today - timedelta(days=SERIOUS_AFTER_DAYS), literal(OverdueLevel.seriously_overdue.value)),
        (due_on < today, literal(OverdueLevel.overdue.value)),
        (due_on <= today + timedelta(days=DUE_SOON_DAYS), literal(OverdueLevel.due_soon.value)),
        else_=literal(OverdueLevel.none.value))


def _state_order() -> dict[str, int]:
    order: dict[str, int] = {}
    for name in ("application", "task"):
        for state in WORKFLOWS[name].states:
            order.setdefault(state.value, len(order))
    return order


STATE_ORDER = _state_order()


def state_rank(state: str) -> tuple[int, int]:
    phase = state.split(".", 1)[0]
    return (PHASES.index(phase) if phase in PHASES else len(PHASES), STATE_ORDER.get(state, len(STATE_ORDER)))


@dataclass
class Cell:
    """One cell of a matrix: items by state and by deadline light."""

    states: dict[str, int] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.states.values())

    @property
    def lights(self) -> dict[str, int]:
        out = dict.fromkeys(LIGHTS, 0)
        for level, n in self.levels.items():
            out[OverdueLevel(level).light] += n
        return out

    @property
    def light(self) -> str | None:
        """The cell's overall light: red if anything is overdue, yellow if due soon, else green."""
        if not self.total:
            return None
        lights = self.lights
        return next(name for name in LIGHTS if lights[name] or name == "green")

    @property
    def serious(self) -> int:
        return self.levels.get(OverdueLevel.seriously_overdue.value, 0)

    def state_lines(self) -> list[tuple[str, str, int]]:
        """(state, Chinese title, count) in workflow order (draft before review, phases in plan order)."""
        return [(s, state_title(s), n) for s, n in sorted(self.states.items(), key=lambda kv: state_rank(kv[0]))]

    def add(self, state: str, level: str, n: int) -> None:
        self.states[state] = self.states.get(state, 0) + n
        self.levels[level] = self.levels.get(level, 0) + n


@dataclass
class MatrixRow:
    key: str
    title: str
    unit_id: int | None = None


@dataclass
class Matrix:
    """Rows (units) × columns (phases or annex tasks); ``cells[(row key, column key)]``."""

    kind: str
    rows: list[MatrixRow]
    columns: list[tuple[str, str]]
    cells: dict[tuple[str, str], Cell]
    #: column key → long title (an annex task's text, shown as a tooltip)
    notes: dict[str, str] = field(default_factory=dict)

    def cell(self, row: str, column: str) -> Cell:
        return self.cells.get((row, column)) or Cell()

    def row_total(self, row: str) -> Cell:
        return _merged(c for (r, _), c in self.cells.items() if r == row)

    def column_total(self, column: str) -> Cell:
        return _merged(c for (_, col), c in self.cells.items() if col == column)

    def total(self) -> Cell:
        return _merged(self.cells.values())


def _merged(cells: Iterable[Cell]) -> Cell:
    out = Cell()
    for cell in cells:
        for s, n in cell.states.items():
            out.states[s] = out.states.get(s, 0) + n
        for lv, n in cell.levels.items():
            out.levels[lv] = out.levels.get(lv, 0) + n
    return out


MATRIX_KINDS = {
    "phases": _l("县区 × 阶段"),
    "tasks": _l("市直部门 × 任务"),
    "county_tasks": _l("县区 × 任务"),
}
ITEM_TYPES = {"task": "任务落实", "application": "示范创建申报"}


def phase_column(state: str) -> str:
    phase = state.split(".", 1)[0]
    return phase if phase in PHASES else CLOSED_COLUMN


def phase_matrix(session: Session, plan_id: int, today: date, *, kind: str = "phases",
                 types: Sequence[str] = ("task", "application"), unit_ids: Sequence[int] | None = None) -> Matrix:
    """Counts of items by (row unit, column, state, overdue level), in one GROUP BY.

    ``kind``: ``phases`` = counties × the six phases (task assignments and applications);
    ``tasks`` = departments × annex tasks (their task assignments); ``county_tasks`` = counties ×
    annex tasks. ``unit_ids`` keeps only those row units (a department filer's own unit).
    """
    if kind not in MATRIX_KINDS:
        raise ValueError(f"unknown matrix kind {kind!r}")
    items = Item.__table__
    # lights count from the effective deadline: a granted extension (延期) moves it
    granted = granted_extensions()
    level = level_case(effective_due_of(granted, items), today).label("level")
    with_granted = items.outerjoin(granted, granted_join_condition(granted, items))
    if kind == "phases":
        row_col = items.c.county_id
        column = items.c.state  # folded into phases below: a dozen states, not items
        q = (select(row_col.label("row_id"), column.label("col"), items.c.state, level, func.count().label("n"))
             .select_from(with_granted)
             .where(items.c.plan_id == plan_id, items.c.type.in_(tuple(types)), items.c.county_id.is_not(None)))
    else:
        tasks_t, annex = TaskAssignment.__table__, AnnexTask.__table__
        row_col = items.c.unit_id
        column = annex.c.number
        q = (select(row_col.label("row_id"), column.label("col"), items.c.state, level, func.count().label("n"))
             .select_from(with_granted.join(tasks_t, tasks_t.c.id == items.c.id)
                          .join(annex, annex.c.id == tasks_t.c.annex_task_id))
             .where(items.c.plan_id == plan_id, items.c.type == "task",
                    items.c.county_id.is_(None) if kind == "tasks" else items.c.county_id.is_not(None)))
    if unit_ids is not None:
        q = q.where(row_col.in_(list(unit_ids)))
    q = q.group_by(row_col, column, items.c.state, level) if kind != "phases" else \
        q.group_by(row_col, items.c.state, level)
    grouped = session.execute(q).all()

    unit_rows = _matrix_units(session, plan_id, kind, {r.row_id for r in grouped}, unit_ids)
    notes: dict[str, str] = {}
    if kind == "phases":
        titles = dict(session.execute(select(PlanPhase.code, PlanPhase.title)
                                      .where(PlanPhase.plan_id == plan_id)).tuples().all())
        columns = [(p, titles.get(p) or PHASE_TITLES[p]) for p in PHASES]
        if any(phase_column(r.state) == CLOSED_COLUMN for r in grouped):
            columns.append((CLOSED_COLUMN, CLOSED_TITLE))
    else:
        numbers = session.execute(select(AnnexTask.number, AnnexTask.title).where(AnnexTask.plan_id == plan_id)
                                  .order_by(AnnexTask.number)).all()
        columns = [(str(n), str(n)) for n, _ in numbers]
        notes = {str(n): title for n, title in numbers}
    key_of = {u.unit_id: u.key for u in unit_rows}
    cells: dict[tuple[str, str], Cell] = {}
    for r in grouped:
        if r.row_id not in key_of:
            continue
        col = phase_column(r.state) if kind == "phases" else str(r.col)
        cells.setdefault((key_of[r.row_id], col), Cell()).add(r.state, r.level, r.n)
    return Matrix(kind, unit_rows, columns, cells, notes)


def _matrix_units(session: Session, plan_id: int, kind: str, seen: set[int],
                  unit_ids: Sequence[int] | None) -> list[MatrixRow]:
    """Row units: every county (even with nothing yet), or the departments holding assignments."""
    q = select(Unit.id, Unit.slug, Unit.name).order_by(Unit.sort_order, Unit.id)
    if kind in ("phases", "county_tasks"):
        q = q.where(Unit.kind == "county")
    else:
        q = q.where(Unit.id.in_(seen or [-1]))
    if unit_ids is not None:
        q = q.where(Unit.id.in_(list(unit_ids)))
    return [MatrixRow(slug, name, uid) for uid, slug, name in session.execute(q)]


# -- the overdue list ---------------------------------------------------------------------------

@dataclass(frozen=True)
class OverdueRow:
    id: int
    type: str
    title: str
    state: str
    unit: str
    unit_name: str
    county: str | None
    county_name: str | None
    due_on: date
    days_late: int
    level: OverdueLevel
    #: the business date of the item's latest reminder (催办)
    last_reminded_at: date | None = None

    @property
    def state_title(self) -> str:
        return state_title(self.state)


def overdue_items(session: Session, plan_id: int, today: date, *, actor: Actor | None = None,
                  county: str | None = None, level: str | None = None, item_type: str | None = None,
                  include_due_soon: bool = False, limit: int | None = 100,
                  offset: int = 0) -> tuple[list[OverdueRow], int]:
    """Items past their due date (most overdue first), as the actor may see them, and their total.

    ``level``: only ``overdue`` or ``seriously_overdue`` ones; ``include_due_soon`` adds the items due
    within a week (days_late ≤ 0). Each row carries when it was last reminded (催办).
    """
    unit_t, county_t = aliased(Unit), aliased(Unit)
    granted = granted_extensions()
    due = effective_due_of(granted)  # a granted extension (延期) moves the deadline
    lvl = level_case(due, today)
    base = visible_items(actor) if actor is not None else select(Item)
    cutoff = today + timedelta(days=DUE_SOON_DAYS) if include_due_soon else today - timedelta(days=1)
    # the original due date is never later than the effective one: it narrows the scan by its index
    base = (base.outerjoin(granted, granted_join_condition(granted))
            .where(Item.plan_id == plan_id, Item.due_on.is_not(None), Item.due_on <= cutoff, due <= cutoff))
    if county is not None:
        base = base.where(Item.county_id == select(Unit.id).where(Unit.slug == county).scalar_subquery())
    if level is not None:
        base = base.where(lvl == level)
    if item_type is not None:
        base = base.where(Item.type == item_type)
    total = session.scalar(base.with_only_columns(func.count(Item.id)).order_by(None)) or 0
    q = (base.with_only_columns(Item.id, Item.type, Item.title, Item.state, unit_t.slug, unit_t.name, county_t.slug,
                                county_t.name, due, lvl)
         .join(unit_t, unit_t.id == Item.unit_id).outerjoin(county_t, county_t.id == Item.county_id)
         .order_by(due, Item.id).offset(offset))
    if limit is not None:
        q = q.limit(limit)
    rows = session.execute(q).all()
    reminded = last_reminders(session, [r[0] for r in rows])
    return [OverdueRow(id=r[0], type=r[1], title=r[2], state=r[3], unit=r[4], unit_name=r[5], county=r[6],
                       county_name=r[7], due_on=r[8], days_late=(today - r[8]).days, level=OverdueLevel(r[9]),
                       last_reminded_at=reminded.get(r[0])) for r in rows], total


def last_reminders(session: Session, item_ids: Sequence[int]) -> dict[int, date]:
    """The business date each item was last reminded on (its latest ``remind`` audit event)."""
    if not item_ids:
        return {}
    q = (select(AuditEventRow.item_id, func.max(AuditEventRow.business_date))
         .where(AuditEventRow.item_id.in_(list(item_ids)), AuditEventRow.trigger == "remind")
         .group_by(AuditEventRow.item_id))
    return dict(session.execute(q).tuples().all())


@dataclass(frozen=True)
class OverdueUnit:
    """One unit's overdue items in a line, for the board's summary and the criticism draft."""

    unit: str
    unit_name: str
    kind: str
    overdue: int
    seriously_overdue: int
    max_days_late: int


def overdue_by_unit(session: Session, plan_id: int, today: date) -> list[OverdueUnit]:
    """Units with overdue items, worst first, from one GROUP BY (the criticism draft starts here)."""
    granted = granted_extensions()
    due = effective_due_of(granted)  # a granted extension (延期) moves the deadline
    serious = case((due < today - timedelta(days=SERIOUS_AFTER_DAYS), 1), else_=0)
    q = (select(Unit.slug, Unit.name, Unit.kind, func.count(Item.id), func.sum(serious), func.min(due))
         .select_from(Item)
         .join(Unit, Unit.id == Item.unit_id)
         .outerjoin(granted, granted_join_condition(granted))
         .where(Item.plan_id == plan_id, Item.due_on.is_not(None), Item.due_on < today, due < today)
         .group_by(Unit.slug, Unit.name, Unit.kind, Unit.sort_order)
         .order_by(func.count(Item.id).desc(), Unit.sort_order))
    return [OverdueUnit(slug, name, kind, int(n), int(s or 0), (today - oldest).days)
            for slug, name, kind, n, s, oldest in session.execute(q)]


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


__all__ = ["QuotaRow", "quota_board", "quota_board_statement", "quota_hint", "phase_matrix", "Matrix", "Cell",
           "overdue_items", "overdue_by_unit", "OverdueRow", "OverdueUnit", "trends", "Trend", "number",
           "quarter_of", "level_case"]
