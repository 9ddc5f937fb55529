"""延期申请: a unit asks for more time on an item's current deadline; the office decides.

A county's request goes through its county reviewer first (``stage`` "county": the filer asks, the
reviewer endorses or refuses); a department's request, or one the county reviewer makes, starts at the
office (``stage`` "office").

The item's own ``due_on`` is never changed, so on-time rates keep the original deadline; a granted
request extends the deadline shown (and the lights) while the item stays in the state and at the
due date it was granted for.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.extensions import db

DECISIONS = ("granted", "refused")
STAGES = ("county", "office")


class ExtensionRequest(db.Model):
    __tablename__ = "extension_requests"
    __table_args__ = (
        CheckConstraint("decision IS NULL OR decision IN ('granted','refused')", name="decision"),
        CheckConstraint("(decision IS NULL AND decided_at IS NULL) OR "
                        "(decision IS NOT NULL AND decided_at IS NOT NULL)", name="decided_together"),
        CheckConstraint("decision IS NULL OR decision <> 'granted' OR granted_until IS NOT NULL",
                        name="granted_has_date"),
        CheckConstraint("requested_until > original_due_on", name="later_than_original"),
        CheckConstraint("stage IN ('county','office')", name="stage"),
        Index("ix_extension_requests_item_decision", "item_id", "decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    #: the item's state and due date when asked: the extension holds only while both are unchanged
    state: Mapped[str] = mapped_column(String(40))
    original_due_on: Mapped[date] = mapped_column(Date)
    requested_until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decision: Mapped[str | None] = mapped_column(String(20))
    granted_until: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_comment: Mapped[str | None] = mapped_column(Text)
    #: who decides next while undecided: the county reviewer ("county") or the office ("office")
    stage: Mapped[str] = mapped_column(String(10), default="office", server_default="office")
    endorsed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    endorsed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    endorse_comment: Mapped[str | None] = mapped_column(Text)

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id], lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id], lazy="joined")
    endorsed_by: Mapped[User | None] = relationship(foreign_keys=[endorsed_by_id], lazy="joined")
