"""The phase matrix: how many items of each unit stand in each phase, with their lights."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from app.extension_requests.operations import effective_due_of, granted_extensions, granted_join_condition
from app.items.counters import ITEM_DUE_COUNTS, NO_DUE
from app.items.models import Item
from app.plans.models import AnnexTask, PlanPhase
from app.tasks.models import TaskAssignment
from app.plans.scope import region_units
from app.units.models import Unit
from workflows.base import PHASE_TITLES, state_title
from workflows.deadlines import SERIOUS_AFTER_DAYS, OverdueLevel
from workflows.registry import WORKFLOWS
from app.dashboards.figures import CLOSED_COLUMN, CLOSED_TITLE, DUE_SOON_DAYS, PHASES


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
        grouped = _phase_counts(session, plan_id, today, types, unit_ids)
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
        grouped = [Counted(*r) for r in session.execute(q.group_by(row_col, column, items.c.state, level))]

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


class Counted(NamedTuple):
    """Items of one row unit, column, state and overdue level."""

    row_id: int
    col: str | None
    state: str
    level: str
    n: int


def _phase_counts(session: Session, plan_id: int, today: date, types: Sequence[str],
                  unit_ids: Sequence[int] | None) -> list[Counted]:
    """Items by (county, state, overdue level), from the exact counters (app.items.counters).

    The counters hold each item under its own due date; an item whose granted extension (延期) is in
    force lights from the later date, so those few items (one row each in ``extension_requests``) are
    moved from their due date's level to their extension's level."""
    counts = ITEM_DUE_COUNTS
    due = case((counts.c.due_on == NO_DUE, None), else_=counts.c.due_on)
    level = level_case(due, today).label("level")
    q = (select(counts.c.county_id, counts.c.state, level, func.sum(counts.c.n))
         .where(counts.c.plan_id == plan_id, counts.c.type.in_(tuple(types)), counts.c.county_id != 0)
         .group_by(counts.c.county_id, counts.c.state, level))
    items = Item.__table__
    granted = granted_extensions()
    own_level = level_case(items.c.due_on, today).label("own_level")
    in_force_level = level_case(effective_due_of(granted, items), today).label("in_force_level")
    moved = (select(items.c.county_id, items.c.state, own_level, in_force_level, func.count())
             .select_from(items.join(granted, granted_join_condition(granted, items)))
             .where(items.c.plan_id == plan_id, items.c.type.in_(tuple(types)), items.c.county_id.is_not(None),
                    granted.c.until > items.c.due_on)
             .group_by(items.c.county_id, items.c.state, own_level, in_force_level))
    if unit_ids is not None:
        q = q.where(counts.c.county_id.in_(list(unit_ids)))
        moved = moved.where(items.c.county_id.in_(list(unit_ids)))
    tally: dict[tuple[int, str, str], int] = {}
    for county, state, lv, n in session.execute(q):
        tally[(county, state, lv)] = tally.get((county, state, lv), 0) + int(n)
    for county, state, old, new, n in session.execute(moved):
        tally[(county, state, old)] = tally.get((county, state, old), 0) - n
        tally[(county, state, new)] = tally.get((county, state, new), 0) + n
    return [Counted(county, state, state, lv, n) for (county, state, lv), n in tally.items() if n]


def _matrix_units(session: Session, plan_id: int, kind: str, seen: set[int],
                  unit_ids: Sequence[int] | None) -> list[MatrixRow]:
    """Row units: every county (even with nothing yet), or the departments holding assignments."""
    q = select(Unit.id, Unit.slug, Unit.name).order_by(Unit.sort_order, Unit.id)
    if kind in ("phases", "county_tasks"):
        q = q.where(Unit.kind == "county", region_units(plan_id))
    else:
        q = q.where(Unit.id.in_(seen or [-1]))
    if unit_ids is not None:
        q = q.where(Unit.id.in_(list(unit_ids)))
    return [MatrixRow(slug, name, uid) for uid, slug, name in session.execute(q)]
