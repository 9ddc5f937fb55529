"""Notices 通报 and their numbering register (no gaps, no repeats per issuer code and year)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.items.models import Item
from workflows.notice import KINDS

KIND_VALUES = ",".join(f"'{k}'" for k in KINDS)


class Notice(Item):
    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint(f"kind IN ({KIND_VALUES})", name="kind"),
        UniqueConstraint("issuer_code", "year", "seq"),
        UniqueConstraint("verification_code"),
    )

    id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    addressees: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    subject_units: Mapped[list] = mapped_column(JSON, default=list)
    #: 先进个人 a commendation names: [{"name", "unit_name", "deed"}] (printed from the body)
    individuals: Mapped[list | None] = mapped_column(JSON)
    copies: Mapped[str | None] = mapped_column(Text)
    attachments_note: Mapped[str | None] = mapped_column(Text)
    issuer_code: Mapped[str | None] = mapped_column(String(32))
    #: the issuer's full and short names as issued (frozen: a later change of the setting leaves them)
    issuer_name: Mapped[str | None] = mapped_column(String(100))
    issuer_short_name: Mapped[str | None] = mapped_column(String(100))
    year: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(64))
    issued_on: Mapped[date | None] = mapped_column(Date)
    verification_code: Mapped[str | None] = mapped_column(String(16))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    facts_json: Mapped[str | None] = mapped_column(Text)
    facts_sha256: Mapped[str | None] = mapped_column(String(64))

    __mapper_args__ = {"polymorphic_identity": "notice"}


class NoticeCounter(db.Model):
    """The register: the last number issued per (issuer code, year). Locked while issuing."""

    __tablename__ = "notice_counters"

    issuer_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class NoticeReceipt(db.Model):
    """签收: an addressee unit acknowledges an issued notice."""

    __tablename__ = "notice_receipts"
    __table_args__ = (UniqueConstraint("notice_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
