"""Organisation units: the city office, the leading-group office, departments, counties."""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class UnitKind(StrEnum):
    city_office = "city_office"
    office = "office"
    department = "department"
    county = "county"
    zone = "zone"
    group = "group"


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint("kind IN ('city_office','office','department','county','zone','group')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(12))  # GB/T 2260 for counties
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    #: the region (city) whose plans list the unit: its users see those plans only (``app.plans.scope``)
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)

    @property
    def is_county(self) -> bool:
        return self.kind == UnitKind.county

    def __repr__(self) -> str:
        return f"<Unit {self.slug}>"
