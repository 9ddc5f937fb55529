"""Add, remove and open evidence files of an item. Flush, never commit.

Evidence is filed by the item's own unit while the item is in a state whose fields it may edit
(WORKFLOWS.md: drafts, and a task's implementation), the same rule as editing a draft.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy import bindparam, func, select

from app.attachments.models import Attachment
from app.audit.models import AuditEventRow
from app.attachments.storage import safe_name, store_stream
from app.blobs.backends import storage
from app.clock import utcnow
from app.extensions import db
from app.items.facts import subject_for
from app.items.models import Item
from app.items.operations import load_item_for_update, note_action
from workflows.base import PHASE_TITLES, state_title
from workflows.errors import InvalidTransition, NotFound, NotPermitted
from workflows.permissions import Subject, can_see
from workflows.roles import Actor

KINDS: dict[str, str] = {"evidence": "证明材料", "plan": "实施方案"}


@dataclass(frozen=True)
class OpenedFile:
    attachment: Attachment
    size: int
    #: the content piece by piece, read lazily (also after the request's context has ended)
    chunks: Iterator[bytes]


def _check_may_file(subject: Subject, actor: Actor, verb: str) -> None:
    """404 unseen, 409 not a filing state, 403 not the item's own filer (engine.edit's order)."""
    if not can_see(actor, subject):
        raise NotFound()
    state = subject.row.state
    roles = subject.workflow.editable.get(state)
    if roles is None:
        raise InvalidTransition(f"“{state_title(state)}”状态下不能{verb}材料")
    own = subject.workflow.name != "notice"
    if actor.role not in roles or (own and actor.unit != subject.unit):
        raise NotPermitted(f"只有本单位经办人可以{verb}材料")


def _locked(item_id: int) -> Item:
    item = load_item_for_update(item_id)
    if item is None:
        raise NotFound()
    return item


def add_attachment(item_id: int, actor: Actor, filename: str | None, stream: BinaryIO,
                   kind: str = "evidence") -> Attachment:
    """Store ``stream`` as evidence of item ``item_id`` in its current phase, recorded in its chain.

    Refusals: NotFound, InvalidTransition (not a filing state), NotPermitted, UploadTooLarge (413),
    InvalidFile (empty or a type we do not keep, judged by content), ValueError for an unknown kind.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown attachment kind {kind!r}")
    item = _locked(item_id)
    _check_may_file(subject_for(item), actor, "上传")
    blob = store_stream(stream, name=filename or "")
    attachment = Attachment(item_id=item.id, name=safe_name(filename), kind=kind, content_type=blob.content_type,
                            size=blob.size, sha256=blob.sha256, phase=item.phase, uploaded_by_id=actor.user_id,
                            uploaded_at=utcnow())
    db.session.add(attachment)
    db.session.flush()
    note_action(item, actor, "attach", data={"attachment_id": attachment.id, "name": attachment.name,
                                             "kind": kind, "size": blob.size, "sha256": blob.sha256})
    db.session.flush()
    return attachment


def _attachment_of(item: Item, attachment_id: int) -> Attachment:
    attachment = db.session.scalar(select(Attachment).where(Attachment.id == attachment_id,
                                                            Attachment.item_id == item.id,
                                                            Attachment.deleted_at.is_(None)))
    if attachment is None:
        raise NotFound("材料不存在或已删除")
    return attachment


def locked_attachment_ids(item: Item, attachments: list[Attachment] | None = None) -> set[int]:
    """The live files of ``item`` that belong to a stage already decided, so no longer withdrawable.

    A file is locked when it was added in an earlier phase (动员部署 evidence at the self-assessment
    stage), or in an earlier round of the current phase: uploaded before the item last entered
    the phase (a second 限期整改 after re-inspection). A 退回 or 撤回 stays within the phase and
    locks nothing: the returned draft is still the filer's to correct.
    """
    rows = live_attachments(item.id) if attachments is None else attachments
    locked = {a.id for a in rows if a.phase != item.phase}
    current = [a for a in rows if a.phase == item.phase]
    if not current:
        return locked
    entered, attached = 0, {}
    events = db.session.execute(select(AuditEventRow.seq, AuditEventRow.trigger, AuditEventRow.from_state,
                                       AuditEventRow.to_state, AuditEventRow.data_json)
                                .where(AuditEventRow.item_id == item.id).order_by(AuditEventRow.seq)).tuples()
    for seq, trigger, source, target, data in events:
        if trigger == "attach":
            attachment_id = (json.loads(data or "{}") or {}).get("attachment_id")
            attached[attachment_id] = seq
        elif (source is not None and target.split(".", 1)[0] == item.phase
              and source.split(".", 1)[0] != item.phase):
            entered = seq
    return locked | {a.id for a in current if attached.get(a.id, entered + 1) < entered}


def delete_attachment(item_id: int, attachment_id: int, actor: Actor) -> Attachment:
    """Withdraw a file from a draft (soft delete: the stored file and its audit event stay).

    Refused (409) for a file of a decided stage (:func:`locked_attachment_ids`)."""
    item = _locked(item_id)
    _check_may_file(subject_for(item), actor, "删除")
    attachment = _attachment_of(item, attachment_id)
    if attachment.id in locked_attachment_ids(item, [attachment]):
        phase = PHASE_TITLES.get(attachment.phase, attachment.phase)
        raise InvalidTransition(f"材料“{attachment.name}”属于已审定的“{phase}”阶段，不能删除；"
                                "如需更正，请上传新的材料并在说明中注明")
    attachment.deleted_at = utcnow()
    note_action(item, actor, "detach", data={"attachment_id": attachment.id, "name": attachment.name,
                                             "sha256": attachment.sha256})
    db.session.flush()
    return attachment


def open_attachment(item_id: int, attachment_id: int, actor: Actor) -> OpenedFile:
    """The file of a live attachment, for whoever may see its item (else NotFound)."""
    item = db.session.get(Item, item_id)
    if item is None or not can_see(actor, subject_for(item)):
        raise NotFound()
    attachment = _attachment_of(item, attachment_id)
    kept = storage()
    size = kept.size(attachment.sha256)
    if size is None:
        raise NotFound("材料文件缺失，请联系管理员")
    return OpenedFile(attachment, size, kept.chunks(attachment.sha256))


def live_attachments(item_id: int) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).where(Attachment.item_id == item_id,
                                                            Attachment.deleted_at.is_(None))
                                   .order_by(Attachment.id)))


_EVIDENCE = (select(func.count()).select_from(Attachment)
             .where(Attachment.item_id == bindparam("item_id"), Attachment.phase == bindparam("phase"),
                    Attachment.deleted_at.is_(None)))
_EVIDENCE_OF_KIND = _EVIDENCE.where(Attachment.kind == bindparam("kind"))


def evidence_in_phase(item: Any, kind: str | None = None) -> int:
    """Live evidence files added to ``item`` in its current phase (of ``kind`` when given)."""
    params = {"item_id": item.id, "phase": item.phase}
    if kind is None:
        return db.session.connection().execute(_EVIDENCE, params).scalar() or 0
    return db.session.connection().execute(_EVIDENCE_OF_KIND, {**params, "kind": kind}).scalar() or 0


def evidence_facts(item: Any, values: dict[str, Any], loaders: dict[str, Any]) -> None:
    """What the evidence guards read: files of the current phase (an implementation plan for a task)."""
    loaders["evidence_in_phase"] = lambda: evidence_in_phase(item)
    if item.type == "task":
        loaders["has_plan_document"] = lambda: evidence_in_phase(item, "plan") > 0
