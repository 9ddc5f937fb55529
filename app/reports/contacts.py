"""Whom a unit asks about its quarterly report: the city's reviewers (市商务局审核人), by name and unit."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from workflows.roles import Role


@dataclass(frozen=True)
class Contact:
    name: str
    unit: str | None

    @property
    def label(self) -> str:
        return f"{self.name}（{self.unit}）" if self.unit else self.name


def report_contacts() -> list[Contact]:
    """The active city reviewers, who accept the reports and can open a missing one."""
    users = db.session.scalars(select(User).where(User.role == Role.city_reviewer.value,
                                                  User.is_active_user.is_(True)).order_by(User.id))
    return [Contact(u.display_name, u.unit.name if u.unit else None) for u in users]
