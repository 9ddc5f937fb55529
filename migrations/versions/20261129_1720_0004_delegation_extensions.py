"""delegations (委托代办) and deadline extension requests (延期申请)

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-29 17:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

ROLES = ("'county_filer','county_reviewer','dept_filer','city_reviewer','office_approver','supervisor','admin'")


def upgrade():
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delegator_id", sa.Integer(), nullable=False),
        sa.Column("delegate_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_delegations_dates_ordered")),
        sa.CheckConstraint("delegator_id <> delegate_id", name=op.f("ck_delegations_not_self")),
        sa.CheckConstraint(f"role IN ({ROLES})", name=op.f("ck_delegations_role")),
        sa.ForeignKeyConstraint(["delegator_id"], ["users.id"], name=op.f("fk_delegations_delegator_id_users")),
        sa.ForeignKeyConstraint(["delegate_id"], ["users.id"], name=op.f("fk_delegations_delegate_id_users")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_delegations_created_by_id_users")),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"], name=op.f("fk_delegations_revoked_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
    )
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.create_index("ix_delegations_delegate_ends", ["delegate_id", "ends_on"], unique=False)
        batch_op.create_index("ix_delegations_delegator_ends", ["delegator_id", "ends_on"], unique=False)

    op.create_table(
        "extension_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("original_due_on", sa.Date(), nullable=False),
        sa.Column("requested_until", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("granted_until", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
        sa.CheckConstraint("decision IS NULL OR decision IN ('granted','refused')",
                           name=op.f("ck_extension_requests_decision")),
        sa.CheckConstraint("(decision IS NULL AND decided_at IS NULL) OR "
                           "(decision IS NOT NULL AND decided_at IS NOT NULL)",
                           name=op.f("ck_extension_requests_decided_together")),
        sa.CheckConstraint("decision IS NULL OR decision <> 'granted' OR granted_until IS NOT NULL",
                           name=op.f("ck_extension_requests_granted_has_date")),
        sa.CheckConstraint("requested_until > original_due_on", name=op.f("ck_extension_requests_later_than_original")),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_extension_requests_item_id_items")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"],
                                name=op.f("fk_extension_requests_requested_by_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_extension_requests_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extension_requests")),
    )
    with op.batch_alter_table("extension_requests", schema=None) as batch_op:
        batch_op.create_index("ix_extension_requests_item_decision", ["item_id", "decision"], unique=False)


def downgrade():
    with op.batch_alter_table("extension_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_extension_requests_item_decision")
    op.drop_table("extension_requests")
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.drop_index("ix_delegations_delegator_ends")
        batch_op.drop_index("ix_delegations_delegate_ends")
    op.drop_table("delegations")
