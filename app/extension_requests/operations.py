"""Ask for, grant and refuse deadline extensions (延期申请). Flush, never commit.

``Item.due_on`` is left alone (on-time rates keep the original deadline). A granted extension moves
the deadline shown and the lights (:func:`effective_due`) for as long as the item stays in the state
and at the due date it was granted for; once the item moves on, its new due date applies again.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Date, and_, case, func, select, type_coerce

from app.auth.models import User
from app.clock import today, utcnow
from app.extension_requests.models import ExtensionRequest
from app.extension_requests.permissions import (DECIDER_ROLES, ENDORSER_ROLES, can_decide, can_endorse, can_request,
                                                needs_endorsement)
from app.units.models import Unit
from app.extensions import db
from app.items.facts import subject_for
from app.items.models import Item
from app.items.operations import load_item_for_update, note_action
from app.outbox.operations import queue
from workflows.errors import GuardFailed, InvalidTransition, NotFound, NotPermitted, WorkflowError
from workflows.permissions import can_see
from workflows.roles import Actor, Role

MAX_REASON = 1000


def pending_for(item_id: int) -> ExtensionRequest | None:
    return db.session.scalar(select(ExtensionRequest).where(ExtensionRequest.item_id == item_id,
                                                            ExtensionRequest.decision.is_(None)))


def granted_for(item: Item) -> ExtensionRequest | None:
    """The latest extension granted for the item's current state and due date, if any."""
    if item.due_on is None:
        return None
    return db.session.scalar(select(ExtensionRequest).where(
        ExtensionRequest.item_id == item.id, ExtensionRequest.decision == "granted",
        ExtensionRequest.state == item.state, ExtensionRequest.original_due_on == item.due_on)
        .order_by(ExtensionRequest.granted_until.desc()).limit(1))


def effective_due(item: Item) -> date | None:
    """The deadline that applies now: the later of the item's due date and a granted extension."""
    granted = granted_for(item)
    if granted is None or granted.granted_until is None or item.due_on is None:
        return item.due_on
    return max(item.due_on, granted.granted_until)


def effective_due_map(items: Iterable[Item]) -> dict[int, date | None]:
    """:func:`effective_due` of many items in one query."""
    items = list(items)
    out: dict[int, date | None] = {it.id: it.due_on for it in items}
    ids = [it.id for it in items if it.due_on is not None]
    if not ids:
        return out
    by_id = {it.id: it for it in items}
    rows = db.session.execute(select(ExtensionRequest.item_id, ExtensionRequest.state,
                                     ExtensionRequest.original_due_on, ExtensionRequest.granted_until)
                              .where(ExtensionRequest.item_id.in_(ids), ExtensionRequest.decision == "granted"))
    for item_id, state, original, until in rows:
        it = by_id[item_id]
        if it.state == state and it.due_on == original and until is not None:
            out[item_id] = max(out[item_id] or until, until)
    return out


def effective_due_column():
    """SQL for :func:`effective_due`, for filtering and sorting lists."""
    granted = (select(func.max(ExtensionRequest.granted_until))
               .where(ExtensionRequest.item_id == Item.id, ExtensionRequest.decision == "granted",
                      ExtensionRequest.state == Item.state, ExtensionRequest.original_due_on == Item.due_on)
               .correlate(Item).scalar_subquery())
    return _in_force(granted, Item.due_on)


def _in_force(until: Any, due: Any) -> Any:
    """The deadline in force: a granted date ``until`` when it is later than the item's ``due``."""
    # type_coerce, not CAST: SQLite's CAST(… AS DATE) would turn '2018-07-03' into the number 2018
    return type_coerce(case((and_(until.is_not(None), until > due), until), else_=due), Date)


def granted_extensions():
    """The latest granted date per (item, state, original due date), as a subquery to outer-join.

    Grouped by exactly the columns of :func:`granted_join_condition`, so an item meets at
    most one row: joining never multiplies items, and aggregate queries stay one statement.
    """
    return (select(ExtensionRequest.item_id.label("item_id"), ExtensionRequest.state.label("state"),
                   ExtensionRequest.original_due_on.label("original_due_on"),
                   func.max(ExtensionRequest.granted_until).label("until"))
            .where(ExtensionRequest.decision == "granted")
            .group_by(ExtensionRequest.item_id, ExtensionRequest.state, ExtensionRequest.original_due_on)
            .subquery("granted_ext"))


def granted_join_condition(granted, items=None):
    """The outer-join condition of :func:`granted_extensions` to the ``items`` table (Item's by default)."""
    cols = (Item.__table__ if items is None else items).c
    return and_(granted.c.item_id == cols.id, granted.c.state == cols.state,
                granted.c.original_due_on == cols.due_on)


def effective_due_of(granted, items=None):
    """SQL for :func:`effective_due` over an outer join to :func:`granted_extensions`.

    ``Item.due_on`` itself (the original deadline, which on-time rates use) is never changed.
    """
    return _in_force(granted.c.until, (Item.__table__ if items is None else items).c.due_on)


def request_extension(item_id: int, user: User, actor: Actor, requested_until: date | None,
                      reason: str | None) -> ExtensionRequest:
    """The item's unit asks to move its current deadline to ``requested_until``, giving a reason."""
    item = load_item_for_update(item_id)
    if item is None:
        raise NotFound()
    subject = subject_for(item)
    if not can_see(actor, subject):
        raise NotFound()
    if not can_request(actor, subject):
        if item.due_on is None or item.state in subject.workflow.finals:
            raise InvalidTransition("该事项当前没有办理期限，无需申请延期")
        raise NotPermitted("只有事项所属单位可以申请延期")
    if pending_for(item.id) is not None:
        raise InvalidTransition("该事项已有一份待审批的延期申请")
    current = effective_due(item)
    reasons: list[str] = []
    text = (reason or "").strip()
    if not text:
        reasons.append("必须填写延期理由")
    elif len(text) > MAX_REASON:
        reasons.append(f"延期理由最多 {MAX_REASON} 个字符")
    if requested_until is None:
        reasons.append("请填写申请延至的日期")
    elif current is not None and requested_until <= current:
        reasons.append(f"申请延至的日期必须晚于当前期限（{current.isoformat()}）")
    elif requested_until <= today():
        reasons.append("申请延至的日期必须晚于今天")
    if reasons:
        raise GuardFailed(reasons)
    stage = "county" if needs_endorsement(actor, subject) else "office"
    row = ExtensionRequest(item_id=item.id, state=item.state, original_due_on=item.due_on,
                           requested_until=requested_until, reason=text, requested_by_id=user.id,
                           requested_at=utcnow(), stage=stage)
    db.session.add(row)
    db.session.flush()
    note_action(item, actor, "request_extension", comment=text,
                data={"request": row.id, "due_on": item.due_on.isoformat(),
                      "requested_until": requested_until.isoformat()})
    _tell_next(item, row, user.username, text)
    db.session.flush()
    return row


def _tell_next(item: Item, row: ExtensionRequest, username: str, comment: str | None) -> None:
    """Tell whoever decides the request next: the item's county reviewer, else the office."""
    payload = {"title": item.title, "to_title": f"延期申请：申请延至 {row.requested_until.isoformat()}",
               "trigger": "request_extension", "actor": username, "comment": comment}
    if row.stage == "county":
        queue(db.session, "waiting", item_id=item.id, unit_id=item.unit_id, role=Role.county_reviewer.value,
              payload=payload)
    else:
        queue(db.session, "waiting", item_id=item.id, role=Role.office_approver.value, payload=payload)


def endorse_extension(request_id: int, actor: Actor, decision: str, comment: str | None = None) -> ExtensionRequest:
    """The county reviewer endorses a county filer's request (it goes on to the office) or refuses it."""
    row = db.session.get(ExtensionRequest, request_id)
    if row is None:
        raise NotFound("延期申请不存在")
    item = load_item_for_update(row.item_id)
    db.session.refresh(row)  # read again under the item's lock
    subject = subject_for(item)
    if not can_see(actor, subject):
        raise NotFound("延期申请不存在")
    if not can_endorse(actor, subject):
        raise NotPermitted("只有本县区审核人可以审核该延期申请")
    if row.decision is not None or row.stage != "county":
        raise InvalidTransition("该延期申请已经审核过了")
    if decision not in ("endorse", "refused"):
        raise GuardFailed(["请选择同意上报或不予同意"])
    note = (comment or "").strip() or None
    now = utcnow()
    if decision == "refused":
        if not note:
            raise GuardFailed(["不予同意时必须填写理由"])
        row.decision, row.decided_by_id, row.decided_at, row.decision_comment = "refused", actor.user_id, now, note
        note_action(item, actor, "refuse_extension", comment=note,
                    data={"request": row.id, "due_on": row.original_due_on.isoformat(),
                          "requested_until": row.requested_until.isoformat()})
        queue(db.session, "decided", item_id=item.id, user_id=row.requested_by_id,
              payload={"title": item.title, "trigger_title": "延期申请未获县区审核同意", "to_title": note,
                       "trigger": "decide_extension", "actor": actor.username, "comment": note})
    else:
        row.stage, row.endorsed_by_id, row.endorsed_at, row.endorse_comment = "office", actor.user_id, now, note
        note_action(item, actor, "endorse_extension", comment=note,
                    data={"request": row.id, "due_on": row.original_due_on.isoformat(),
                          "requested_until": row.requested_until.isoformat()})
        _tell_next(item, row, actor.username, note)
    db.session.flush()
    return row


def decide_extension(request_id: int, actor: Actor, decision: str, granted_until: date | None = None,
                     comment: str | None = None) -> ExtensionRequest:
    """The office grants (optionally to an earlier date than asked) or refuses a pending request."""
    row = db.session.get(ExtensionRequest, request_id)
    if row is None:
        raise NotFound("延期申请不存在")
    item = load_item_for_update(row.item_id)
    db.session.refresh(row)  # read again under the item's lock: a concurrent decision may have committed
    subject = subject_for(item)
    if not can_see(actor, subject):
        raise NotFound("延期申请不存在")
    if not can_decide(actor, subject):
        raise NotPermitted("只有领导小组办公室可以审批延期申请")
    if row.decision is not None:
        raise InvalidTransition("该延期申请已经审批过了")
    if row.stage != "office":
        raise InvalidTransition("该延期申请尚待县区审核人审核")
    if decision not in ("granted", "refused"):
        raise GuardFailed(["请选择批准或不批准"])
    note = (comment or "").strip() or None
    if decision == "granted":
        if item.state != row.state or item.due_on != row.original_due_on:
            raise InvalidTransition("事项已进入新的办理环节，该延期申请已失效，请不予批准")
        until = granted_until or row.requested_until
        if until <= row.original_due_on:
            raise GuardFailed([f"批准延至的日期必须晚于原期限（{row.original_due_on.isoformat()}）"])
        row.granted_until = until
    elif not note:
        raise GuardFailed(["不予批准时必须填写理由"])
    row.decision, row.decided_by_id, row.decided_at, row.decision_comment = decision, actor.user_id, utcnow(), note
    note_action(item, actor, "grant_extension" if decision == "granted" else "refuse_extension", comment=note,
                data={"request": row.id, "due_on": row.original_due_on.isoformat(),
                      "requested_until": row.requested_until.isoformat(),
                      **({"granted_until": row.granted_until.isoformat()} if decision == "granted" else {})})
    verdict = f"延期申请已批准，期限延至 {row.granted_until.isoformat()}" if decision == "granted" else "延期申请未获批准"
    queue(db.session, "decided", item_id=item.id, user_id=row.requested_by_id,
          payload={"title": item.title, "trigger_title": verdict, "to_title": note or "",
                   "trigger": "decide_extension", "actor": actor.username, "comment": note})
    db.session.flush()
    return row


def pending_requests(actor: Actor) -> list[ExtensionRequest]:
    """Requests waiting for ``actor``: the office's at its stage, a county reviewer's own county's
    at the county stage (none for anyone else)."""
    q = select(ExtensionRequest).where(ExtensionRequest.decision.is_(None)).order_by(ExtensionRequest.requested_at)
    if actor.role in DECIDER_ROLES:
        q = q.where(ExtensionRequest.stage == "office")
        if actor.excluded_units:
            q = q.where(ExtensionRequest.item_id.in_(select(Item.id).join(Unit, Unit.id == Item.unit_id)
                                                     .where(Unit.slug.not_in(actor.excluded_units))))
        return list(db.session.scalars(q))
    if actor.role in ENDORSER_ROLES and actor.unit and actor.unit not in actor.excluded_units:
        own = select(Item.id).join(Unit, Unit.id == Item.unit_id).where(Unit.slug == actor.unit)
        return list(db.session.scalars(q.where(ExtensionRequest.stage == "county",
                                               ExtensionRequest.item_id.in_(own))))
    return []


def requests_of_item(item_id: int) -> list[ExtensionRequest]:
    return list(db.session.scalars(select(ExtensionRequest).where(ExtensionRequest.item_id == item_id)
                                   .order_by(ExtensionRequest.id)))


def endorse_as_any(actors: Sequence[Actor], request_id: int, decision: str, comment: str | None) -> ExtensionRequest:
    """Endorse as the first of ``actors`` who may (see :func:`decide_as_any`)."""
    first: WorkflowError | None = None
    for actor in actors:
        try:
            with db.session.begin_nested():
                return endorse_extension(request_id, actor, decision, comment)
        except WorkflowError as exc:
            first = first or exc
    raise first or NotPermitted()


def decide_as_any(actors: Sequence[Actor], request_id: int, decision: str, granted_until: date | None,
                  comment: str | None) -> ExtensionRequest:
    """Decide as the first of ``actors`` (the user, then the roles they hold by delegation) who may;
    each refused attempt is rolled back to its savepoint. The first refusal is raised if none may."""
    first: WorkflowError | None = None
    for actor in actors:
        try:
            with db.session.begin_nested():
                return decide_extension(request_id, actor, decision, granted_until, comment)
        except WorkflowError as exc:
            first = first or exc
    raise first or NotPermitted()
