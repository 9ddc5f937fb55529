"""The append-only audit trail (one hash chain per item) and its anchors over all chain heads.

The database refuses UPDATE and DELETE on both tables (triggers created by the migrations).
"""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class AuditEventRow(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("item_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    item_type: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(Integer)
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    trigger: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    on_behalf_of: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str | None] = mapped_column(Text)
    data_json: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    #: the business date the event happened on (PlanDesk's "today" then); ``at`` is the real instant.
    #: Events written before it was recorded have it filled in from ``at`` (the date in China).
    business_date: Mapped[date | None] = mapped_column(Date)
    #: which fields ``hash`` covers (``workflows.audit.event_hash``): 2 includes ``business_date``
    hash_version: Mapped[int] = mapped_column(SmallInteger, server_default="1")

    def as_fields(self) -> dict:
        return {c: getattr(self, c) for c in (
            "id", "item_id", "item_type", "seq", "from_state", "to_state", "trigger", "actor", "actor_id",
            "on_behalf_of", "role", "unit", "at", "comment", "data_json", "prev_hash", "hash", "business_date",
            "hash_version")}


class AuditAnchor(db.Model):
    """A hash over every item's chain head as of ``last_event_id``, chained to the previous anchor.

    ``signature`` is an HMAC of the anchor with the audit key, which is not stored in the database
    (NULL only on anchors written before anchors were signed).
    """

    __tablename__ = "audit_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_event_id: Mapped[int] = mapped_column(Integer)
    item_count: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(64))


#: 管理日志: administrators' changes to accounts, units, the calendar and the issuer
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
