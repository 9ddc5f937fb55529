"""Read and set the office's workflow switches. Flush, never commit."""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.audit.models import AdminEvent
from app.clock import utcnow
from app.extensions import db
from app.workflow_settings.models import WorkflowSetting
from app.workflow_settings.permissions import can_set_switches
from app.workflow_settings.switches import OFFICE_APPROVES_ACCEPTANCE, SWITCHES
from workflows.errors import NotPermitted
from workflows.roles import Actor


def switch_values(session: Session | None = None) -> dict[str, bool]:
    """Every switch's value: the stored one, else its default."""
    session = session or db.session
    stored = dict(session.execute(select(WorkflowSetting.key, WorkflowSetting.enabled)).tuples().all())
    return {key: bool(stored.get(key, default)) for key, (_title, default) in SWITCHES.items()}


_ENABLED = select(WorkflowSetting.enabled).where(WorkflowSetting.key == bindparam("key"))


def switch_on(key: str) -> bool:
    """One switch's value (a cached Core statement: the accept guard reads it inside the transition)."""
    enabled = db.session.connection().execute(_ENABLED, {"key": key}).scalar()
    return SWITCHES[key][1] if enabled is None else bool(enabled)


def save_switches(session: Session, actor: Actor, values: Mapping[str, bool]) -> dict[str, bool]:
    """Store each known switch given in ``values`` (unknown keys are ignored)."""
    if not can_set_switches(actor):
        raise NotPermitted(_("只有领导小组办公室或系统管理员可以设置审批流程"))
    now, before = utcnow(), switch_values(session)
    for key in SWITCHES:
        if key not in values:
            continue
        row = session.get(WorkflowSetting, key) or WorkflowSetting(key=key)
        session.add(row)
        row.enabled, row.updated_at, row.updated_by = bool(values[key]), now, actor.username
        if before[key] != bool(values[key]):
            session.add(AdminEvent(at=now, actor=actor.username, actor_id=actor.user_id, action="set_switch",
                                   target_type="workflow", target_id=None, target=key,
                                   changes_json=json.dumps({key: [before[key], bool(values[key])]})))
    session.flush()
    return switch_values(session)


def acceptance_facts(item: Any, values: dict[str, Any], loaders: dict[str, Any]) -> None:
    """The application fact its ``accept`` routes on (installed by ``app.wiring``)."""
    loaders["office_approves_acceptance"] = lambda: switch_on(OFFICE_APPROVES_ACCEPTANCE)
