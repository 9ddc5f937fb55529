"""Saving an application's edit form with the files chosen on it; 修改并重新提交 after a 退回.

One unit of work: the edit, the files and (when resubmitting) the ``submit`` transition are flushed
in the caller's transaction, so a refusal of any of them leaves none of them (the caller commits
once, through ``screen_action``)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from app.applications.models import Application
from app.applications.operations import change_application, create_application
from app.attachments.operations import add_attachment
from app.attachments.pending import PendingFile, opened
from app.extensions import db
from app.items.models import Item
from app.items.operations import fire_transition
from app.plans.models import Category
from workflows.engine import Outcome
from workflows.roles import Actor


def attach_pending(item_id: int, actor: Actor, files: Sequence[PendingFile]) -> None:
    """Attach the stashed ``files`` to the item (each checked and recorded as any upload)."""
    with opened(files) as streams:
        for pending, stream in streams:
            add_attachment(item_id, actor, pending.filename, stream, pending.kind)


def file_with_pending(actor: Actor, category: str, site_name: str, fields: Mapping[str, Any],
                      files: Sequence[PendingFile]) -> Application:
    """A new draft application with the files chosen on its form (all or nothing)."""
    item = create_application(actor, category=category, county=actor.unit, site_name=site_name, fields=dict(fields))
    attach_pending(item.id, actor, files)
    return item


def save_edit(item: Application, actor: Actor, version: int | None, category: Category | None, site_name: str,
              fields: Mapping[str, Any], files: Sequence[PendingFile], *, resubmit: bool = False
              ) -> Outcome | Item:
    """The draft's edit and its new files; with ``resubmit``, then ``submit`` at the edited version
    (修改并重新提交: both or nothing, the submit's guard reasons refusing the whole)."""
    edited = change_application(item, actor, version, category, site_name, fields)
    attach_pending(item.id, actor, files)
    if not resubmit:
        return edited
    db.session.flush()
    current = db.session.scalar(select(Item.version).where(Item.id == item.id))
    return fire_transition(item.id, "submit", actor, version=current)
