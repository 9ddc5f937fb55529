"""items: two deadlines (handling and phase) and the business date of filing; plans: draft working days, groups

``items.due_on`` stays the handling deadline of the current step; ``items.phase_due_on`` is the
plan's date for the item's phase, ``items.filed_on`` the business date it was created on, and
``plans.draft_working_days`` the working days a draft has per workflow, ``plans.unit_groups`` the plan's
groups of units (for reading annex tables that name them). Existing rows get their
phase date from the plan and their filing date from ``created_at``; their handling deadline is
recomputed by the next ``plan load`` (which ``make run`` runs) or at their next transition.

Revision ID: 0007_two_deadlines
Revises: 0006
Create Date: 2026-12-04 21:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_two_deadlines"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("items", sa.Column("phase_due_on", sa.Date(), nullable=True))
    op.add_column("items", sa.Column("filed_on", sa.Date(), nullable=True))
    op.add_column("plans", sa.Column("draft_working_days", sa.JSON(), nullable=True))
    op.add_column("plans", sa.Column("unit_groups", sa.JSON(), nullable=True))
    _backfill()


def _backfill() -> None:
    connection = op.get_bind()
    phases = {(plan_id, code): deadline for plan_id, code, deadline
              in connection.execute(sa.text("SELECT plan_id, code, deadline FROM plan_phases"))}
    annex = dict(connection.execute(sa.text(
        "SELECT t.id, a.deadline FROM task_assignments t JOIN annex_tasks a ON a.id = t.annex_task_id")).all())
    rows = connection.execute(sa.text("SELECT id, plan_id, state, created_at FROM items")).all()
    update = sa.text("UPDATE items SET phase_due_on = :phase, filed_on = :filed WHERE id = :id")
    values = []
    for item_id, plan_id, state, created_at in rows:
        phase = state.split(".", 1)[0]
        deadline = annex.get(item_id) if phase == "implementation" and item_id in annex else phases.get((plan_id, phase))
        filed = created_at.date() if hasattr(created_at, "date") else (str(created_at)[:10] if created_at else None)
        values.append({"id": item_id, "phase": deadline, "filed": filed})
    if values:
        connection.execute(update, values)


def downgrade():
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("unit_groups")
        batch.drop_column("draft_working_days")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("filed_on")
        batch.drop_column("phase_due_on")
