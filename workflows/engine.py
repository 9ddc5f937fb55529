"""The one door for every state change: :func:`fire`.

Checks run in the public order (CONTRACT.md): visible → trigger valid here → role and unit →
version → guard. One refinement: a known trigger that is no longer valid because the item moved
since the caller's version is reported as stale (the loser of a race learns what happened).
Then the shared Machine moves the row, the store applies the transition's effects and appends
the audit event. The caller commits once; if anything raises, the row is
restored and the caller rolls its transaction back, so nothing is half-applied.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from workflows.audit import UNVERSIONED_TRIGGERS, AuditEvent, china_date, make_event
from workflows.base import INPUT_REQUIREMENTS, Requirement, Spec, Workflow, state_title
from workflows.errors import (GuardFailed, InvalidTransition, NotFound, NotPermitted, StaleVersion,
                              TransitionAborted, WorkflowError)
from workflows.guards import guard_reasons, opinion_required
from workflows.permissions import Subject, can_fire, can_see
from workflows.roles import Actor


class Store(Protocol):
    """Persistence port the application implements (in the same transaction as the state change)."""

    def chain_head(self, item_id: int) -> tuple[int, str] | None:
        """(seq, hash) of the item's last audit event, or None."""

    def append_event(self, event: AuditEvent) -> None:
        """Add the event to the current transaction."""

    def apply_effects(self, subject: Subject, sp: Spec, actor: Actor, comment: str | None,
                      data: Mapping[str, Any], today: date) -> None:
        """Decision fields, due dates, numbers, PDFs: whatever the transition must also change."""

    # Optional: ``business_date() -> date | None``, the date the application runs with (its "today"),
    # recorded on events whose caller passes none (see :func:`_business_date`).


class _Dispatch:
    """The model handed to the shared Machine: its ``state`` is the row's column."""

    __slots__ = ("row",)

    def __init__(self, row: Any) -> None:
        self.row = row

    @property
    def state(self) -> str:
        return self.row.state

    @state.setter
    def state(self, value: str) -> None:
        self.row.state = value


@dataclass(frozen=True)
class Outcome:
    from_state: str
    to_state: str
    version: int
    event: AuditEvent


@dataclass(frozen=True)
class Action:
    """A trigger the actor may fire now, with the inputs it needs."""

    trigger: str
    title: str
    requires: tuple[str, ...]
    dests: tuple[str, ...]


def _now() -> datetime:
    return datetime.now(UTC)


def _business_date(store: Store, today: date | None, at: datetime) -> date:
    """The business date an event is recorded on: the caller's ``today``, else the store's, else the
    instant's date in China."""
    if today is not None:
        return today
    own = getattr(store, "business_date", None)
    return (own() if callable(own) else None) or china_date(at)


def fire(subject: Subject, trigger: str, actor: Actor, *, version: int | None, store: Store,
         comment: str | None = None, data: Mapping[str, Any] | None = None, today: date | None = None,
         now: datetime | None = None) -> Outcome:
    """Fire ``trigger`` on ``subject`` for ``actor`` at the version the actor saw."""
    wf: Workflow = subject.workflow
    row = subject.row
    if not can_see(actor, subject):
        raise NotFound()
    state: str = row.state
    variants = wf.variants(state, trigger, subject.facts) if isinstance(trigger, str) else []
    if not variants:
        if version != row.version and any(sp.trigger == trigger for sp in wf.specs):
            # The caller acted on an outdated view (someone else moved the item first): say so,
            # rather than that their button makes no sense.
            raise StaleVersion(f"该事项已被他人处理（当前状态：{state_title(state)}），请刷新后查看")
        raise InvalidTransition(f"“{state_title(state)}”状态下不能执行“{trigger}”操作")
    allowed = [sp for sp in variants if can_fire(actor, sp, subject)]
    if not allowed:
        raise NotPermitted(f"您的角色或单位无权执行“{variants[0].title}”")
    if version != row.version:
        raise StaleVersion(f"该事项已被他人处理（当前状态：{state_title(state)}），请刷新后查看")
    data = dict(data or {})
    now = now or _now()
    today = _business_date(store, today, now)
    reasons = guard_reasons(allowed[0], facts=subject.facts, comment=comment, data=data, today=today)
    if reasons:
        raise GuardFailed(reasons)

    old_version = row.version
    try:
        if not wf.machine.events[trigger].trigger(_Dispatch(row), facts=subject.facts, data=data):
            raise GuardFailed([f"“{allowed[0].title}”的条件不满足"])
        fired = next(sp for sp in allowed if sp.dest == row.state and sp.routes(data))
        row.version = old_version + 1
        store.apply_effects(subject, fired, actor, comment, data, today)
        event = make_event(
            item_id=row.id, item_type=wf.name, head=store.chain_head(row.id), from_state=state,
            to_state=row.state, trigger=trigger, actor=actor.username, actor_id=actor.user_id,
            on_behalf_of=actor.on_behalf_of, role=actor.role.value, unit=actor.unit,
            at=now, comment=(comment or "").strip() or None, data=data, business_date=today,
        )
        store.append_event(event)
    except WorkflowError:
        row.state, row.version = state, old_version
        raise
    except Exception as exc:
        row.state, row.version = state, old_version
        raise TransitionAborted() from exc
    return Outcome(state, row.state, row.version, event)


def start(row: Any, workflow: Workflow) -> None:
    """Put a new row in the workflow's initial state at version 1 (before it is first saved)."""
    row.state = workflow.initial
    row.version = 1


def record_creation(subject: Subject, actor: Actor, *, store: Store, data: Mapping[str, Any] | None = None,
                    now: datetime | None = None, today: date | None = None) -> AuditEvent:
    """The first event of a new (started, saved) item's chain: ``create`` into the initial state."""
    row = subject.row
    wf = subject.workflow
    now = now or _now()
    if row.state != wf.initial or row.version != 1:
        raise ValueError("record_creation needs a freshly started item")
    event = make_event(
        item_id=row.id, item_type=wf.name, head=None, from_state=None, to_state=wf.initial,
        trigger="create", actor=actor.username, actor_id=actor.user_id, on_behalf_of=actor.on_behalf_of,
        role=actor.role.value, unit=actor.unit, at=now, comment=None, data=data,
        business_date=_business_date(store, today, now),
    )
    store.append_event(event)
    return event


def edit(subject: Subject, actor: Actor, *, version: int | None, changes: Mapping[str, Any], store: Store,
         now: datetime | None = None, today: date | None = None) -> AuditEvent:
    """Record an edit of a draft's fields: same checks as a transition, state unchanged, version + 1.

    The caller applies ``changes`` to the row after this returns (they are recorded in the event).
    """
    wf: Workflow = subject.workflow
    row = subject.row
    if not can_see(actor, subject):
        raise NotFound()
    roles = wf.editable.get(row.state)
    if roles is None:
        raise InvalidTransition(f"“{state_title(row.state)}”状态下不能修改，只有草稿可以修改")
    own = wf.name != "notice"
    if actor.role not in roles or (own and actor.unit != subject.unit):
        raise NotPermitted("您的角色或单位无权修改该事项")
    if version != row.version:
        raise StaleVersion(f"该事项已被他人修改（当前版本 {row.version}），请刷新后再编辑")
    row.version = version + 1
    now = now or _now()
    event = make_event(
        item_id=row.id, item_type=wf.name, head=store.chain_head(row.id), from_state=row.state,
        to_state=row.state, trigger="edit", actor=actor.username, actor_id=actor.user_id,
        on_behalf_of=actor.on_behalf_of, role=actor.role.value, unit=actor.unit, at=now,
        comment=None, data={"changes": dict(changes)}, business_date=_business_date(store, today, now),
    )
    store.append_event(event)
    return event


def note(subject: Subject, actor: Actor, trigger: str, *, store: Store, data: Mapping[str, Any] | None = None,
         comment: str | None = None, now: datetime | None = None, today: date | None = None) -> AuditEvent:
    """Record an action that changes neither state nor version (evidence added or removed, receipt
    acknowledged) in the item's chain. ``trigger`` must be one of UNVERSIONED_TRIGGERS."""
    if trigger not in UNVERSIONED_TRIGGERS:
        raise ValueError(f"{trigger!r} is not an unversioned trigger")
    row = subject.row
    now = now or _now()
    event = make_event(
        item_id=row.id, item_type=subject.workflow.name, head=store.chain_head(row.id), from_state=row.state,
        to_state=row.state, trigger=trigger, actor=actor.username, actor_id=actor.user_id,
        on_behalf_of=actor.on_behalf_of, role=actor.role.value, unit=actor.unit, at=now,
        comment=comment, data=data, business_date=_business_date(store, today, now),
    )
    store.append_event(event)
    return event


def available_actions(subject: Subject, actor: Actor) -> list[Action]:
    """The triggers ``actor`` may fire on ``subject`` now, computed from the same definitions."""
    if not can_see(actor, subject):
        return []
    wf = subject.workflow
    actions: list[Action] = []
    for trigger in wf.triggers_from(subject.row.state):
        allowed = [sp for sp in wf.variants(subject.row.state, trigger, subject.facts)
                   if can_fire(actor, sp, subject)]
        if not allowed:
            continue
        requires = tuple(dict.fromkeys(r.value for sp in allowed for r in sp.requires))
        if any(opinion_required(sp, subject.facts) for sp in allowed):  # the office asks for 审批意见
            requires = tuple(dict.fromkeys((*requires, Requirement.comment.value)))
        actions.append(Action(trigger, allowed[0].title, requires, tuple(sp.dest for sp in allowed)))
    return actions


def input_requirements(action: Action) -> tuple[str, ...]:
    """Of an action's requirements, those the caller types in (comment, deadline, ...)."""
    return tuple(r for r in action.requires if r in INPUT_REQUIREMENTS)
