"""The engine's persistence port on SQLAlchemy: chain heads, audit rows, transition effects."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.audit.models import AuditEventRow
from app.clock import today as clock_today
from app.outbox.operations import send, transition_messages
from app.plans.models import Plan, PlanPhase
from app.workdays.operations import working_calendar
from workflows.audit import AuditEvent
from workflows.base import Spec, Workflow
from workflows.deadlines import NO_DEADLINE_PHASES, REVIEW_STEPS, due_date, phase_deadline, quarter_report_deadline
from workflows.permissions import Subject
from workflows.registry import get_workflow
from workflows.roles import Actor
from workflows.states import Phase, Step

Effect = Callable[[Any, Spec, Actor, "str | None", Mapping[str, Any], date], None]

#: (workflow, trigger) → what else the transition changes; features register theirs.
EFFECTS: dict[tuple[str, str], list[Effect]] = {}
#: (workflow, trigger) pairs with an effect that needs the full ORM object (not only its columns)
NEEDS_ORM: set[tuple[str, str]] = set()

AUDIT: Table = AuditEventRow.__table__  # type: ignore[assignment]
_HEAD = (select(AUDIT.c.seq, AUDIT.c.hash).where(AUDIT.c.item_id == bindparam("item_id"))
         .order_by(AUDIT.c.seq.desc()).limit(1))
_EVENT_FIELDS = tuple(AuditEvent.__dataclass_fields__)
_INSERT_EVENT = insert(AUDIT)


@dataclass(frozen=True)
class EffectSpec:
    workflow: str
    triggers: tuple[str, ...]
    first: bool
    columns_only: bool


def effect(workflow: str, *triggers: str, first: bool = False,
           columns_only: bool = False) -> Callable[[Effect], Effect]:
    """Declare an effect run inside the transition's transaction (failure rolls everything back).

    Declaring does not install it: ``create_app`` installs the one list of effects (``app.effects``),
    so nothing depends on which modules happen to be imported. Effects run in installation order,
    except that ``first=True`` ones run before the others, in their installation order (the effect that
    checks whether the transition may go on, or produces what others read, e.g. a notice's number).
    ``columns_only=True`` declares that the effect only reads and assigns the item's own columns, so it
    also runs on the Core row image (``app.items.rowimage``); any other effect makes its transitions
    load the ORM object.
    """
    def declare(fn: Effect) -> Effect:
        # stacked declarations (one per workflow) accumulate, each one is installed; declaring a
        # workflow again replaces its earlier declaration
        declared = tuple(d for d in getattr(fn, "__effect__", ()) if d.workflow != workflow)
        fn.__effect__ = (*declared, EffectSpec(workflow, triggers, first, columns_only))  # type: ignore[attr-defined]
        return fn
    return declare


def install_effect(fn: Effect) -> None:
    """Install a declared effect (once: installing it again changes nothing)."""
    specs: tuple[EffectSpec, ...] = fn.__effect__  # type: ignore[attr-defined]
    for spec in specs:
        for trigger in spec.triggers:
            effects = EFFECTS.setdefault((spec.workflow, trigger), [])
            if fn in effects:
                continue
            if spec.first:  # after the first ones installed before it: the listed order among them
                effects.insert(sum(1 for f in effects if _is_first(f, spec.workflow)), fn)
            else:
                effects.append(fn)
            if not spec.columns_only:
                NEEDS_ORM.add((spec.workflow, trigger))


def _is_first(fn: Effect, workflow: str) -> bool:
    return any(d.first for d in getattr(fn, "__effect__", ()) if d.workflow == workflow)


def needs_orm(workflow: str, trigger: str) -> bool:
    return (workflow, trigger) in NEEDS_ORM


class SqlStore:
    """Audit rows go in as a Core INSERT, messages through :func:`app.outbox.operations.send` (in-app
    notifications in one statement, e-mail queued when configured). With ``deferred=True`` (a transition)
    they are kept until :meth:`write`, so a duplicate chain position surfaces outside the engine, where
    it is reported as a stale version."""

    def __init__(self, session: Session, *, deferred: bool = False, connection: Connection | None = None) -> None:
        self.session = session
        self.deferred = deferred
        self._connection = connection
        self._heads: dict[int, tuple[int, str] | None] = {}
        self.events: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []

    @property
    def connection(self) -> Connection:
        """The session's connection in this transaction (looked up once)."""
        if self._connection is None:
            self._connection = self.session.connection()
        return self._connection

    def business_date(self) -> date:
        """The date events are recorded on: PlanDesk's "today" (``PLANDESK_TODAY`` when pinned)."""
        return clock_today()

    def preload_head(self, item_id: int, head: tuple[int, str] | None) -> None:
        """The chain head read with the row-locked item (the row image): no second query for it.

        Only for a transition whose effects append no event of their own to the same item (none do):
        if one did, the event's position would be taken and the transition refused as stale."""
        self._heads[item_id] = head

    def chain_head(self, item_id: int) -> tuple[int, str] | None:
        if item_id in self._heads:
            return self._heads.pop(item_id)
        row = self.connection.execute(_HEAD, {"item_id": item_id}).first()
        return (row[0], row[1]) if row else None

    def append_event(self, event: AuditEvent) -> None:
        if event.business_date is None:
            raise ValueError("an audit event needs its business date")
        self.events.append({f: getattr(event, f) for f in _EVENT_FIELDS})
        if not self.deferred:
            self.write()

    def apply_effects(self, subject: Subject, sp: Spec, actor: Actor, comment: str | None,
                      data: Mapping[str, Any], today: date) -> None:
        item = subject.row
        for fn in EFFECTS.get((subject.workflow.name, sp.trigger), []):
            fn(item, sp, actor, comment, data, today)
        item.state_entered_on = today
        refresh_due_date(self.session, item)
        self.messages.extend(transition_messages(item, sp, actor, comment))
        if not self.deferred:
            self.write()

    def write(self) -> None:
        """Insert what was kept (one statement per table)."""
        connection = self.connection
        if self.events:
            connection.execute(_INSERT_EVENT, self.events)
            self.events = []
        if self.messages:
            send(connection, self.messages)
            self.messages = []


class _PhaseDeadlines(Mapping[str, "date | None"]):
    """A plan's phase deadlines, read from the database only when a due date needs one."""

    _ONE = (select(PlanPhase.deadline).where(PlanPhase.plan_id == bindparam("plan_id"),
                                             PlanPhase.code == bindparam("code")))

    def __init__(self, session: Session, plan_id: int) -> None:
        self.session, self.plan_id = session, plan_id
        self._read: dict[str, date | None] = {}  # the handling and the phase deadline ask for the same code

    def __getitem__(self, code: str) -> date | None:
        if code not in self._read:
            row = self.session.connection().execute(self._ONE, {"plan_id": self.plan_id, "code": code}).first()
            if row is None:
                raise KeyError(code)
            self._read[code] = row[0]
        return self._read[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self.session.scalars(select(PlanPhase.code).where(PlanPhase.plan_id == self.plan_id)))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def refresh_due_date(session: Session, item: Any) -> None:
    """Recompute the item's two deadlines from its state, the plan's dates and its own deadlines.

    ``due_on`` is the handling deadline of the current step (what lights, worklists, reminders and
    "overdue" count from), its working days counted on China's calendar with the administrator's
    overrides; ``phase_due_on`` the plan's date for its phase. Queries only what the state's rules need."""
    workflow = get_workflow(item.type)
    # a row image carries them (read with the row); an ORM item reads the ones it needs
    phases = getattr(item, "phase_deadlines", None)
    if phases is None:
        phases = _PhaseDeadlines(session, item.plan_id)
    annex = getattr(item, "annex_task", None)
    task_deadline = annex.deadline if annex is not None else None
    filing_deadline = (quarter_report_deadline(item.year, item.quarter, calendar=working_calendar(session))
                       if getattr(item, "type", None) == "report" else None)
    item.due_on = due_date(
        item.state, entered_on=item.state_entered_on, phase_deadlines=phases, task_deadline=task_deadline,
        rectification_deadline=item.rectification_deadline, review_days=_review_days(session, item),
        filing_deadline=filing_deadline, draft_days=_draft_days(session, item, workflow),
        drafts_follow_plan=workflow.drafts_follow_plan,
        calendar=working_calendar(session) if _counts_working_days(item) else None)
    item.phase_due_on = phase_deadline(item.state, phase_deadlines=phases, task_deadline=task_deadline,
                                       filing_deadline=filing_deadline)


def _counts_working_days(item: Any) -> bool:
    """Whether the state's handling deadline counts working days (China's calendar with the overrides)."""
    phase, _, step = item.state.partition(".")
    return not (phase == Phase.rectification or phase in NO_DEADLINE_PHASES
                or (item.state == Step.draft and getattr(item, "type", None) == "report"))


def _review_days(session: Session, item: Any) -> int:
    review_days = getattr(item, "review_working_days", None)
    phase, _, step = item.state.partition(".")
    if review_days is None and (step or phase) in REVIEW_STEPS:
        review_days = session.scalar(select(Plan.review_working_days).where(Plan.id == item.plan_id))
    return review_days or 10


def _draft_days(session: Session, item: Any, workflow: Workflow) -> int:
    """The plan's working days for a draft of this workflow, else the workflow's own default.

    Read only for the steps whose deadline uses it (drafts and plan-dated steps)."""
    phase, _, step = item.state.partition(".")
    if step in REVIEW_STEPS or phase in REVIEW_STEPS or phase in (Phase.rectification, *NO_DEADLINE_PHASES):
        return workflow.draft_working_days
    configured = getattr(item, "draft_working_days", None)
    if configured is None:
        configured = session.scalar(select(Plan.draft_working_days).where(Plan.id == item.plan_id))
    return int((configured or {}).get(workflow.name, workflow.draft_working_days))
