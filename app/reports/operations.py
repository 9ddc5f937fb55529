"""Quarterly progress reports 季度进展报告: open them each quarter, save and submit their figures.

Flush, never commit. A report carries one figure per indicator its unit has a target for (DOMAIN.md),
each cumulative for the year; demo-site indicators are counted from applications and are not
reported. Figures of a draft are saved through :func:`app.items.operations.edit_draft` (so each
change is an audit event); on submit the figures sent with the transition are stored by an effect in
the same transaction, and a report missing any of its unit's figures is refused.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.items.facts import subject_for
from app.items.models import Item
from app.items.operations import create_item, edit_draft
from app.items.store import effect
from app.plans.models import AnnexTask, AnnexTaskUnit, Category, Indicator, Plan, Target
from app.plans.scope import current_plans
from app.reports.models import Report, ReportFigure
from app.reports.texts import apply_sections, section_changes, submitted_sections
from app.tasks.models import TaskAssignment
from app.units.models import Unit, UnitKind
from workflows.base import Spec, state_title
from workflows.deadlines import quarter_end, quarter_report_deadline
from workflows.errors import GuardFailed, InvalidTransition, NotFound, NotPermitted, StaleVersion
from workflows.guards import figure_value
from workflows.permissions import can_see
from workflows.roles import Actor, Role
from app.extensions import db

SYSTEM = Actor(None, "system", Role.admin, None)
QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
#: the attribute ``edit_draft`` records figure changes under (synchronised to ReportFigure rows here)
FIGURE_CHANGES = "figure_values"


@dataclass(frozen=True)
class ReportIndicator:
    code: str
    title: str
    measure: str
    target: Decimal | None


def _demo_codes(session: Session, plan_id: int) -> set[str]:
    return set(session.scalars(select(Category.indicator_code).where(Category.plan_id == plan_id,
                                                                     Category.indicator_code.is_not(None))))


def report_indicators(session: Session, plan_id: int, unit: Unit) -> list[ReportIndicator]:
    """The figures ``unit`` reports each quarter, in plan order.

    A county reports the indicators it holds a quota for; a department reports the city-wide
    indicators of the annex tasks it leads that are not split into county quotas (市商务局: online
    sales; 市交通运输局: rural roads). Demo-site indicators are never reported: applications count them.
    """
    demo = _demo_codes(session, plan_id)
    indicators = session.scalars(select(Indicator).where(Indicator.plan_id == plan_id)
                                 .order_by(Indicator.sort_order, Indicator.id)).all()
    targets = session.execute(select(Target.indicator_id, Target.unit_id, Target.figure)
                              .where(Target.plan_id == plan_id)).all()
    own = {ind_id: fig for ind_id, unit_id, fig in targets if unit_id == unit.id}
    city = {ind_id: fig for ind_id, unit_id, fig in targets if unit_id is None}
    split = {ind_id for ind_id, unit_id, _ in targets if unit_id is not None}
    led: set[str] = set()
    if unit.kind != UnitKind.county:
        for codes in session.scalars(select(AnnexTask.indicator_codes)
                                     .join(AnnexTaskUnit, AnnexTaskUnit.annex_task_id == AnnexTask.id)
                                     .where(AnnexTask.plan_id == plan_id, AnnexTaskUnit.unit_id == unit.id,
                                            AnnexTaskUnit.is_lead.is_(True))):
            led.update(codes or [])
    out: list[ReportIndicator] = []
    for ind in indicators:
        if ind.code in demo:
            continue
        if ind.id in own:
            out.append(ReportIndicator(ind.code, ind.title, ind.measure, own[ind.id]))
        elif ind.code in led and ind.id not in split:
            out.append(ReportIndicator(ind.code, ind.title, ind.measure, city.get(ind.id)))
    return out


def reporting_units(session: Session, plan_id: int) -> list[tuple[Unit, list[ReportIndicator]]]:
    """Every active unit that reports each quarter, in plan order, with the figures it reports.

    "各县区、各相关部门要按季度报告工作进展情况" (§四(三)): every county, every unit responsible for a
    task of the plan (lead or co-operating), and any other unit holding figures to report."""
    responsible = set(session.scalars(select(TaskAssignment.assignee_id).where(TaskAssignment.plan_id == plan_id)))
    region = select(Plan.region_code).where(Plan.id == plan_id).scalar_subquery()
    units = session.scalars(select(Unit).where(Unit.is_active.is_(True), Unit.region_code == region)
                            .order_by(Unit.sort_order, Unit.id)).all()
    out = []
    for unit in units:
        indicators = report_indicators(session, plan_id, unit)
        if indicators or unit.kind == UnitKind.county or unit.id in responsible:
            out.append((unit, indicators))
    return out


def report_title(unit_name: str, year: int, quarter: int) -> str:
    return f"{unit_name}{year}年第{QUARTER_NAMES[quarter]}季度农村电商工作进展报告"


@dataclass
class OpenResult:
    year: int
    quarter: int
    created: list[int] = field(default_factory=list)
    existing: int = 0


def periods_to_open(plan: Plan, today: date) -> list[tuple[int, int]]:
    """The report periods that should be open on ``today``: the current quarter, and the one before
    while its reports are not yet due (so no report is ever opened already late); only quarters that
    end on or after the day the plan was issued."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    previous = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    out = []
    if today <= quarter_report_deadline(*previous):
        out.append(previous)
    out.append((year, quarter))
    return [(y, q) for y, q in out if quarter_end(y, q) >= plan.issued_on]


def ensure_reports_open(session: Session, plan: Plan, today: date) -> list[OpenResult]:
    """Open every period :func:`periods_to_open` names (idempotent: existing reports are left alone)."""
    return [open_quarterly_reports(session, plan, y, q) for y, q in periods_to_open(plan, today)]


def open_due_reports(session: Session, today: date) -> int:
    """:func:`ensure_reports_open` for every region's current plan; how many reports were opened."""
    return sum(len(r.created) for plan in current_plans() for r in ensure_reports_open(session, plan, today))


def open_quarterly_reports(session: Session, plan: Plan, year: int, quarter: int,
                           actor: Actor = SYSTEM) -> OpenResult:
    """Open the (year, quarter) report of every reporting unit that has none yet.

    Idempotent, also under concurrency: each insert runs in a savepoint and the unique
    (reporter_id, year, quarter) constraint turns a second opening into "already there".
    """
    if quarter not in QUARTER_NAMES:
        raise ValueError("quarter must be 1 to 4")
    result = OpenResult(year, quarter)
    have = set(session.scalars(select(Report.reporter_id).where(Report.year == year, Report.quarter == quarter,
                                                                Report.plan_id == plan.id)))
    for unit, _ in reporting_units(session, plan.id):
        if unit.id in have:
            result.existing += 1
            continue
        report = Report(plan_id=plan.id, title=report_title(unit.name, year, quarter), unit_id=unit.id,
                        county_id=unit.id if unit.kind == UnitKind.county else None, reporter_id=unit.id,
                        year=year, quarter=quarter, created_by_id=actor.user_id)
        try:
            with session.begin_nested():
                create_item(report, actor, data={"year": year, "quarter": quarter})
        except IntegrityError:  # opened meanwhile by another process
            result.existing += 1
            continue
        result.created.append(report.id)
    return result


def parse_figures(raw: Mapping[str, Any], allowed: Mapping[str, str]) -> dict[str, Decimal | None]:
    """Figures typed in (code → text or number; blank = none), as Decimals, under the one figure rule
    of ``workflows.guards``; ``allowed`` maps each code to its title. GuardFailed lists each problem."""
    problems: list[str] = []
    out: dict[str, Decimal | None] = {}
    for code, value in raw.items():
        if code not in allowed:
            problems.append(f"指标“{code}”不属于本单位的填报指标")
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            out[code] = None
            continue
        if isinstance(value, str):
            value = value.replace(",", "").replace("，", "")
        number, problem = figure_value(allowed[code] or code, value)
        if problem:
            problems.append(problem)
        else:
            out[code] = number
    if problems:
        raise GuardFailed(problems)
    return out


def current_figures(report: Report) -> dict[str, Decimal]:
    return {f.indicator_code: f.value for f in report.figures}


def _apply(report: Report, values: Mapping[str, Decimal | None]) -> None:
    rows = {f.indicator_code: f for f in report.figures}
    for code, value in values.items():
        row = rows.get(code)
        if value is None:
            if row is not None:
                report.figures.remove(row)
        elif row is None:
            report.figures.append(ReportFigure(indicator_code=code, value=value))
        else:
            row.value = value


def _unit_of(session: Session, report: Item) -> Unit:
    return session.get(Unit, report.unit_id)


def _ensure_editable(report: Report | None, actor: Actor, version: int | None) -> Report:
    """The checks of an edit, without writing anything (the engine repeats them when it records)."""
    if report is None:
        raise NotFound()
    subject = subject_for(report)
    if not can_see(actor, subject):
        raise NotFound()
    roles = subject.workflow.editable.get(report.state)
    if roles is None:
        raise InvalidTransition(f"“{state_title(report.state)}”状态下不能修改，只有草稿可以修改")
    if actor.role not in roles or actor.unit != subject.unit:
        raise NotPermitted("您的角色或单位无权修改该事项")
    if version != report.version:
        raise StaleVersion(f"该事项已被他人修改（当前版本 {report.version}），请刷新后再编辑")
    return report


def save_report_figures(session: Session, report_id: int, actor: Actor, *, version: int | None,
                        figures: Mapping[str, Any], sections: Mapping[str, Any] | None = None) -> Report:
    """Save a draft report's figures (blank removes one) and text sections (工作进展 / 存在问题 / 下步计划,
    blank allowed in a draft) as one ``edit`` event listing what changed.

    Refused like any edit (not found, not a draft, not the unit's filer, stale version); nothing is
    recorded when nothing changed.
    """
    report = _ensure_editable(session.get(Report, report_id), actor, version)
    allowed = {i.code: i.title for i in report_indicators(session, report.plan_id, _unit_of(session, report))}
    values = parse_figures(figures, allowed)
    texts = section_changes(report, sections or {})
    before = current_figures(report)
    changes = {code: (None if value is None else str(value)) for code, value in values.items()
               if before.get(code) != value}
    if not changes and not texts:
        return report
    # the sections are the report's own columns: edit_draft records them and sets them
    edit_draft(report_id, actor, version=version, changes={**({FIGURE_CHANGES: changes} if changes else {}), **texts})
    report = session.get(Report, report_id)
    _apply(report, {code: values[code] for code in changes})
    session.flush()
    return report


@effect("report", "submit")
def store_submitted_figures(item: Item, sp: Spec, actor: Actor, comment: str | None, data: Mapping[str, Any],
                            today: Any) -> None:
    """On submit, store ``data["figures"]`` and the text sections sent with it over the draft's; require
    every figure of the unit and all three text sections (one refusal lists every problem)."""
    session = db.session
    report = item if isinstance(item, Report) else session.get(Report, item.id)
    expected = report_indicators(session, report.plan_id, _unit_of(session, report))
    allowed = {i.code: i.title for i in expected}
    submitted = data.get("figures") or {}
    # a county may also send its demo-site quotas (the engine's guard allows them); they are not stored
    extra = set(submitted) - set(allowed)
    demo = _demo_codes(session, report.plan_id)
    if extra - demo:
        raise GuardFailed([f"指标“{code}”不属于本单位的填报指标" for code in sorted(extra - demo)])
    values = parse_figures({k: v for k, v in submitted.items() if k in allowed}, allowed)
    sections, blank_sections = submitted_sections(report, data)
    merged = {**current_figures(report), **values}
    missing = [i.title for i in expected if merged.get(i.code) is None]
    reasons = (["以下指标未填报：" + "、".join(missing)] if missing else []) + blank_sections
    if reasons:
        raise GuardFailed(reasons)
    _apply(report, values)
    apply_sections(report, sections)


def quarter_reports(session: Session, year: int, quarter: int) -> list[Report]:
    return list(session.scalars(select(Report).where(Report.year == year, Report.quarter == quarter)
                                .order_by(Report.id)))
