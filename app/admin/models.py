"""管理日志: what administrators did to accounts and units (who, when, what changed).

Append-only: the database refuses UPDATE and DELETE on the table (triggers created by the migration).
A password is never recorded, nor its hash: a reset is recorded as the fact that it happened.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

#: every action an administrator's change is recorded as
ADMIN_ACTIONS = ("create_user", "update_user", "reset_password", "activate_user", "deactivate_user",
                 "create_unit", "update_unit")


class AdminEvent(db.Model):
    __tablename__ = "admin_events"
    __table_args__ = (
        Index("ix_admin_events_at", "at"),
        Index("ix_admin_events_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: the administrator (username kept as text: the record outlives renames and deactivation)
    actor: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    #: ``user`` or ``unit``, its id and its username or slug
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(100))
    #: field → [before, after] (JSON); never a password or its hash
    changes_json: Mapped[str] = mapped_column(Text)

    @property
    def changes(self) -> dict[str, Any]:
        return json.loads(self.changes_json or "{}")
