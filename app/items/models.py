"""The shared item table: applications, task assignments, reports and notices share one id space.

Joined-table inheritance: ``items`` holds what every workflow item has (state, version, owning
unit, county, due date); each type adds its own table. ``version`` is the optimistic lock: the
engine sets it, SQLAlchemy adds ``WHERE version = :old`` to every UPDATE.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.units.models import Unit
from workflows.registry import WORKFLOWS

ITEM_TYPES = tuple(WORKFLOWS)


def state_check_sql() -> str:
    """SQL tying each item type to its workflow's states (the same text the migration holds)."""
    parts = []
    for name, wf in WORKFLOWS.items():
        states = ",".join(f"'{s.value}'" for s in wf.states)
        parts.append(f"(type = '{name}' AND state IN ({states}))")
    return " OR ".join(parts)


class Item(db.Model):
    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint(state_check_sql(), name="state_valid"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_items_plan_type_state_due", "plan_id", "type", "state", "due_on", "id"),
        Index("ix_items_county_due", "county_id", "due_on", "id"),
        Index("ix_items_unit_state", "unit_id", "state"),
        Index("ix_items_due_id", "due_on", "id"),
        Index("ix_items_updated_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    # active_history: the dashboards' counters (app.items.counters) need the old value of each key column
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), active_history=True)
    title: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(40), active_history=True)
    version: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), active_history=True)
    state_entered_on: Mapped[date] = mapped_column(Date)
    #: the handling deadline of the current step (lights, worklists, reminders and "overdue" count from it)
    due_on: Mapped[date | None] = mapped_column(Date, active_history=True)
    #: the plan's date for the item's current phase (a fact about the plan)
    phase_due_on: Mapped[date | None] = mapped_column(Date)
    #: the business date the item was created on (PlanDesk's "today" then, not the wall clock)
    filed_on: Mapped[date | None] = mapped_column(Date)
    rectification_deadline: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id], lazy="joined")
    county: Mapped[Unit | None] = relationship(foreign_keys=[county_id], lazy="joined")

    __mapper_args__ = {
        "polymorphic_on": "type",
        "version_id_col": version,
        "version_id_generator": False,
    }

    @property
    def phase(self) -> str:
        return self.state.split(".", 1)[0]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.state} v{self.version}>"
