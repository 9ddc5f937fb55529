"""The engine's persistence port on SQLAlchemy: chain heads, audit rows, transition effects."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEventRow
from app.items.models import Item
from app.outbox.operations import queue_transition_messages
from app.plans.models import Plan
from workflows.audit import AuditEvent
from workflows.base import Spec
from workflows.deadlines import due_date
from workflows.permissions import Subject
from workflows.roles import Actor

Effect = Callable[[Item, Spec, Actor, "str | None", Mapping[str, Any], date], None]

#: (workflow, trigger) → what else the transition changes; features register theirs.
EFFECTS: dict[tuple[str, str], list[Effect]] = {}


def effect(workflow: str, *triggers: str, first: bool = False) -> Callable[[Effect], Effect]:
    """Register an effect run inside the transition's transaction (failure rolls everything back).

    Effects run in registration order, except that ``first=True`` ones run before the others (the
    effect that produces what others read, e.g. a notice's number).
    """
    def register(fn: Effect) -> Effect:
        for trigger in triggers:
            effects = EFFECTS.setdefault((workflow, trigger), [])
            if first:
                effects.insert(0, fn)
            else:
                effects.append(fn)
        return fn
    return register


class SqlStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def chain_head(self, item_id: int) -> tuple[int, str] | None:
        row = self.session.execute(
            select(AuditEventRow.seq, AuditEventRow.hash).where(AuditEventRow.item_id == item_id)
            .order_by(AuditEventRow.seq.desc()).limit(1)).first()
        return (row[0], row[1]) if row else None

    def append_event(self, event: AuditEvent) -> None:
        self.session.add(AuditEventRow(**{f: getattr(event, f) for f in AuditEvent.__dataclass_fields__}))

    def apply_effects(self, subject: Subject, sp: Spec, actor: Actor, comment: str | None,
                      data: Mapping[str, Any], today: date) -> None:
        item: Item = subject.row
        for fn in EFFECTS.get((subject.workflow.name, sp.trigger), []):
            fn(item, sp, actor, comment, data, today)
        item.state_entered_on = today
        refresh_due_date(self.session, item)
        queue_transition_messages(self.session, item, sp, actor, comment)


def refresh_due_date(session: Session, item: Item) -> None:
    """Recompute the stored due date from the state, the plan's dates and the item's own deadlines."""
    plan = session.get(Plan, item.plan_id)
    annex = getattr(item, "annex_task", None)
    item.due_on = due_date(
        item.state, entered_on=item.state_entered_on,
        phase_deadlines=plan.phase_deadlines() if plan else {},
        task_deadline=annex.deadline if annex is not None else None,
        rectification_deadline=item.rectification_deadline,
        review_days=plan.review_working_days if plan else 10,
    )
