"""Roles and actors."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    county_filer = "county_filer"
    county_reviewer = "county_reviewer"
    dept_filer = "dept_filer"
    city_reviewer = "city_reviewer"
    office_approver = "office_approver"
    supervisor = "supervisor"
    admin = "admin"

    @property
    def label(self) -> str:
        return ROLE_TITLES[self]


ROLE_TITLES: dict[Role, str] = {
    Role.county_filer: "县区经办人",
    Role.county_reviewer: "县区审核人",
    Role.dept_filer: "市直部门经办人",
    Role.city_reviewer: "市商务局审核人",
    Role.office_approver: "领导小组办公室负责人",
    Role.supervisor: "督查/市领导（只读）",
    Role.admin: "系统管理员",
}

#: Roles bound to one county.
COUNTY_ROLES = frozenset({Role.county_filer, Role.county_reviewer})
#: Roles that see every item of the plan.
CITY_WIDE_ROLES = frozenset({Role.city_reviewer, Role.office_approver, Role.supervisor, Role.admin})


@dataclass(frozen=True)
class Actor:
    """Who fires a trigger: a user acting in a role for a unit.

    ``on_behalf_of`` names the absent colleague whose role a delegate exercises.
    """

    user_id: int | None
    username: str
    role: Role
    unit: str | None
    on_behalf_of: str | None = None
    #: units whose filings this actor may not decide on (a delegate's own unit)
    excluded_units: frozenset[str] = frozenset()
