"""No assignment belongs to nobody: every task assignment's unit has someone who may act on it.

The plan's 市电商工作领导小组成员单位 (task 18's co-operating units) was one pseudo-unit without an
account: its assignment was overdue for ever and criticised. A group is expanded into its members."""
from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.items.facts import subject_for
from app.plans.models import AnnexTask
from app.tasks.models import TaskAssignment
from app.units.models import Unit
from workflows.engine import available_actions


def test_every_assignment_has_a_user_who_may_act_on_it(ctx) -> None:
    users_by_unit: dict[int, list[User]] = {}
    for user in db.session.scalars(select(User).where(User.is_active_user.is_(True))):
        users_by_unit.setdefault(user.unit_id, []).append(user)
    orphans = []
    assignments = db.session.scalars(select(TaskAssignment).order_by(TaskAssignment.id)).all()
    assert assignments
    for item in assignments:
        subject = subject_for(item)
        if not any(available_actions(subject, user.actor()) for user in users_by_unit.get(item.unit_id, [])):
            orphans.append(f"{item.id} {item.title} ({item.unit.name})")
    assert orphans == []


def test_the_leading_groups_members_each_get_task_18(ctx) -> None:
    rows = db.session.execute(
        select(Unit.slug, Unit.kind, TaskAssignment.is_lead)
        .join(TaskAssignment, TaskAssignment.assignee_id == Unit.id)
        .join(AnnexTask, AnnexTask.id == TaskAssignment.annex_task_id).where(AnnexTask.number == 18)).all()
    cooperating = {slug for slug, _kind, lead in rows if not lead}
    assert {slug for slug, _kind, lead in rows if lead} == {"commerce"}
    assert len(cooperating) == 22 and "agriculture" in cooperating and "statistics" in cooperating
    assert all(kind == "department" for _slug, kind, _lead in rows)
    assert db.session.scalar(select(Unit).where(Unit.kind == "group")) is None
