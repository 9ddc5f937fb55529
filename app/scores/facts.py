"""The facts a 绩效考核 score is computed from, read from items and their audit trails.

- **Handling deadlines** (:class:`StepFact`): every step of an application, task assignment or
  quarterly report that waits for its own unit (a draft, the county's review, implementation,
  rectification), with the handling deadline it had and the business date the unit acted on it.
  A report's own draft is left to report timeliness (not counted twice).
  The deadline is recomputed with the same rules as ``items.due_on`` (``refresh_due_date``: China's
  working days with the overrides, the plan's dates, the ordered rectification date); a granted
  extension does not move it (on-time rates keep the original deadline). The current step keeps the
  item's stored ``due_on``.
- **Decisions** (:class:`DecisionFact`): an application or task accepted at inspection (验收通过,
  ``pass``) or refused (``reject``); it passed first time when its history holds no return by the city
  or the office (退回) and no rectification order (责令限期整改).
- **Quarterly reports** (:class:`ReportFact`): each reporting unit's report for each quarter, due ten
  working days after the quarter; submitted on time, late (迟报), missing (漏报: not submitted and past
  its deadline) or not yet due.

Dates are business dates (PlanDesk's "today" when the thing happened): an item's ``filed_on`` for
its creation, its ``state_entered_on`` for its latest move, and :func:`event_business_date` for the
events in between.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.applications.models import Application
from app.audit.models import AuditEventRow
from app.clock import CHINA
from app.items.models import Item
from app.items.store import refresh_due_date
from app.plans.models import Plan, Target
from app.reports.models import Report
from app.tasks.models import TaskAssignment
from app.plans.scope import region_units
from app.units.models import Unit, UnitKind
from app.workdays.operations import working_calendar
from app.items.waiting import OPTIONAL_TRIGGERS, waits_for
from workflows.audit import UNVERSIONED_TRIGGERS
from workflows.base import Workflow
from workflows.deadlines import quarter_end, quarter_report_deadline
from workflows.registry import get_workflow
from workflows.roles import CITY_WIDE_ROLES, Role

#: roles of the unit that holds an item (its own filers and reviewers)
UNIT_ROLES = frozenset({Role.county_filer, Role.county_reviewer, Role.dept_filer})
#: the item types whose steps count for the on-time rate
STEP_TYPES = ("application", "task", "report")
#: triggers that return a filing to its unit, or order it rectified
RETURNS = frozenset({"send_back", "order_rectification"})
#: an item's acceptance decision: passed (验收通过) or refused
DECISIONS = frozenset({"pass", "reject"})
#: columns a later revision may give an audit event for its business date (used when present)
BUSINESS_DATE_COLUMNS = ("business_date", "business_day", "on_date")


@dataclass(frozen=True)
class ScoredUnit:
    id: int
    slug: str
    name: str
    kind: str  # "county" | "department"
    sort_order: int


@dataclass(frozen=True)
class StepFact:
    unit_id: int
    item_id: int
    state: str
    entered_on: date
    due_on: date
    acted_on: date | None

    def on_time(self) -> bool:
        return self.acted_on is not None and self.acted_on <= self.due_on


@dataclass(frozen=True)
class DecisionFact:
    unit_id: int
    item_id: int
    decided_on: date
    trigger: str
    first_pass: bool


@dataclass(frozen=True)
class ReportFact:
    unit_id: int
    year: int
    quarter: int
    due_on: date
    item_id: int | None
    submitted_on: date | None
    #: "on_time", "late" (迟报), "missing" (漏报) or "pending" (not due yet)
    status: str


def event_business_date(row: Any) -> date:
    """The business date of an audit event: its own business-date column where the schema has one,
    else the day of its instant in China (Asia/Shanghai)."""
    for column in BUSINESS_DATE_COLUMNS:
        value = getattr(row, column, None)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
    at: datetime = row.at
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(CHINA).date()


def scored_units(session: Session, plan_id: int) -> list[ScoredUnit]:
    """The units scored: the units that report each quarter (``reporting_units``: every active county,
    every active unit responsible for a task of the plan, every unit holding a target of its own), in
    plan order, in one query; counties as ``county``, every other unit as ``department``."""
    responsible = select(TaskAssignment.assignee_id).where(TaskAssignment.plan_id == plan_id)
    with_targets = select(Target.unit_id).where(Target.plan_id == plan_id, Target.unit_id.is_not(None))
    q = (select(Unit.id, Unit.slug, Unit.name, Unit.kind, Unit.sort_order)
         .where(Unit.is_active.is_(True), region_units(plan_id),
                or_(Unit.kind == UnitKind.county, Unit.id.in_(responsible), Unit.id.in_(with_targets)))
         .order_by(Unit.sort_order, Unit.id))
    return [ScoredUnit(uid, slug, name, "county" if kind == UnitKind.county else "department", order)
            for uid, slug, name, kind, order in session.execute(q)]


def held_by_unit(workflow: Workflow, state: str) -> bool:
    """Whether an item in ``state`` waits for its own unit (a filer's or the county reviewer's step)."""
    for sp in workflow.specs:
        if state not in sp.sources or not sp.own or sp.trigger in OPTIONAL_TRIGGERS:
            continue
        if any(waits_for(state, sp.trigger, role) for role in sp.roles & UNIT_ROLES):
            return True
    return False


def _events_by_item(session: Session, plan_id: int, types: Sequence[str]) -> dict[int, list[AuditEventRow]]:
    q = (select(AuditEventRow).join(Item, Item.id == AuditEventRow.item_id)
         .where(Item.plan_id == plan_id, Item.type.in_(list(types)))
         .order_by(AuditEventRow.item_id, AuditEventRow.seq))
    out: dict[int, list[AuditEventRow]] = defaultdict(list)
    for row in session.scalars(q):
        out[row.item_id].append(row)
    return out


def _items(session: Session, plan_id: int, types: Sequence[str]) -> list[Item]:
    out: list[Item] = []
    for model in (Application, TaskAssignment, Report):
        if model.__mapper__.polymorphic_identity not in types:
            continue
        out.extend(session.scalars(select(model).where(model.plan_id == plan_id).order_by(model.id)))
    return out


@dataclass(frozen=True)
class _Move:
    """One change of state in an item's history (its creation included), on its business date."""

    state: str
    day: date
    trigger: str
    role: str
    data: dict


def _moves(item: Item, events: Sequence[AuditEventRow]) -> list[_Move]:
    changes = [e for e in events if e.trigger not in UNVERSIONED_TRIGGERS and e.trigger != "edit"]
    moves: list[_Move] = []
    for i, e in enumerate(changes):
        if e.from_state is None:
            day = item.filed_on or event_business_date(e)
        elif i == len(changes) - 1 and e.to_state == item.state:
            day = item.state_entered_on  # the latest move: the business date PlanDesk stored with it
        else:
            day = event_business_date(e)
        moves.append(_Move(e.to_state, day, e.trigger, e.role, json.loads(e.data_json or "{}")))
    return moves


class _DueDates:
    """Handling deadlines of past steps, by the rules of ``refresh_due_date`` (cached per step shape)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[tuple, date | None] = {}

    def due(self, item: Item, state: str, entered_on: date, rectification: date | None) -> date | None:
        annex = getattr(item, "annex_task", None)
        key = (item.type, item.plan_id, state, entered_on, rectification, getattr(annex, "id", None),
               getattr(item, "year", None), getattr(item, "quarter", None))
        if key not in self._cache:
            proxy = SimpleNamespace(type=item.type, plan_id=item.plan_id, state=state, state_entered_on=entered_on,
                                    rectification_deadline=rectification, annex_task=annex,
                                    year=getattr(item, "year", None), quarter=getattr(item, "quarter", None),
                                    due_on=None, phase_due_on=None)
            refresh_due_date(self.session, proxy)
            self._cache[key] = proxy.due_on
        return self._cache[key]


def _day(value: object) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return value if isinstance(value, date) else None


@dataclass
class PlanFacts:
    units: list[ScoredUnit]
    steps: list[StepFact]
    decisions: list[DecisionFact]
    reports: list[ReportFact]


def plan_facts(session: Session, plan: Plan, today: date, quarters: Iterable[tuple[int, int]], *,
               reports_only: bool = False, units: Sequence[ScoredUnit] | None = None) -> PlanFacts:
    """Every fact of ``plan`` as of ``today`` (reports for ``quarters`` only); with ``reports_only``
    the quarterly reports' facts alone (no steps, no decisions)."""
    units = list(units) if units is not None else scored_units(session, plan.id)
    unit_ids = {u.id for u in units}
    types = ("report",) if reports_only else STEP_TYPES
    events = _events_by_item(session, plan.id, types)
    dues = _DueDates(session)
    steps: list[StepFact] = []
    decisions: list[DecisionFact] = []
    reports_by_key: dict[tuple[int, int, int], Report] = {}
    first_submit: dict[int, date] = {}
    for item in _items(session, plan.id, types):
        if item.unit_id not in unit_ids:
            continue
        moves = _moves(item, events.get(item.id, ()))
        if isinstance(item, Report):
            reports_by_key[(item.reporter_id, item.year, item.quarter)] = item
            submit = next((m.day for m in moves if m.trigger == "submit"), None)
            if submit is not None:
                first_submit[item.id] = submit
        if reports_only:
            continue
        steps.extend(_steps_of(item, moves, dues))
        if item.type in ("application", "task"):
            decision = _decision_of(item, moves)
            if decision is not None:
                decisions.append(decision)
    reports = _report_facts(session, plan, today, units, quarters, reports_by_key, first_submit)
    return PlanFacts(units, steps, decisions, reports)


def _steps_of(item: Item, moves: Sequence[_Move], dues: _DueDates) -> list[StepFact]:
    workflow = get_workflow(item.type)
    out: list[StepFact] = []
    rectification: date | None = None
    for i, move in enumerate(moves):
        if move.trigger == "order_rectification":
            rectification = _day(move.data.get("deadline"))
        if not held_by_unit(workflow, move.state) or (item.type == "report" and move.state == "draft"):
            continue  # a report's draft is scored by report timeliness, not twice
        current = i == len(moves) - 1
        if current and move.state == item.state:
            due = item.due_on
        else:
            due = dues.due(item, move.state, move.day, rectification)
        if due is None:
            continue
        acted = None if current else moves[i + 1].day
        out.append(StepFact(item.unit_id, item.id, move.state, move.day, due, acted))
    return out


def _decision_of(item: Item, moves: Sequence[_Move]) -> DecisionFact | None:
    returned = False
    for move in moves:
        if move.trigger in DECISIONS:
            return DecisionFact(item.unit_id, item.id, move.day, move.trigger,
                                move.trigger == "pass" and not returned)
        if move.trigger in RETURNS and (move.trigger == "order_rectification" or _city_role(move.role)):
            returned = True
    return None


def _city_role(role: str) -> bool:
    try:
        return Role(role) in CITY_WIDE_ROLES
    except ValueError:
        return False


def _report_facts(session: Session, plan: Plan, today: date, units: Sequence[ScoredUnit],
                  quarters: Iterable[tuple[int, int]], reports: dict[tuple[int, int, int], Report],
                  first_submit: dict[int, date]) -> list[ReportFact]:
    calendar = working_calendar(session)
    out: list[ReportFact] = []
    for year, quarter in quarters:
        if quarter_end(year, quarter) < plan.issued_on:
            continue  # the plan did not exist yet
        deadline = quarter_report_deadline(year, quarter, calendar=calendar)
        for unit in units:
            report = reports.get((unit.id, year, quarter))
            submitted = first_submit.get(report.id) if report is not None else None
            if submitted is not None:
                status = "on_time" if submitted <= deadline else "late"
            elif today > deadline:
                status = "missing"
            else:
                status = "pending"
            out.append(ReportFact(unit.id, year, quarter, deadline, report.id if report else None, submitted, status))
    return out


def quarters_until(plan: Plan, today: date) -> list[tuple[int, int]]:
    """Every quarter from the plan's issue to ``today``'s."""
    year, quarter = plan.issued_on.year, (plan.issued_on.month - 1) // 3 + 1
    last = (today.year, (today.month - 1) // 3 + 1)
    out = []
    while (year, quarter) <= last:
        out.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out


def unit_by_id(units: Iterable[ScoredUnit]) -> dict[int, ScoredUnit]:
    return {u.id: u for u in units}


__all__ = ["StepFact", "DecisionFact", "ReportFact", "ScoredUnit", "PlanFacts", "plan_facts", "scored_units",
           "event_business_date", "held_by_unit", "quarters_until", "unit_by_id", "Unit"]
