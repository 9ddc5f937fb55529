"""score_weights: the office's weights for the 绩效考核 components

One row per plan and component (on_time, quota, first_pass, reports); a component without a row
takes its default weight.

Revision ID: 0012_score_weights
Revises: 0011_blobs
Create Date: 2026-12-05 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0012_score_weights"
down_revision = "0011_blobs"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "score_weights",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("component", sa.String(length=32), nullable=False),
        sa.Column("weight", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint("weight >= 0 AND weight <= 100", name=op.f("ck_score_weights_weight_range")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_score_weights_plan_id_plans")),
        sa.PrimaryKeyConstraint("plan_id", "component", name=op.f("pk_score_weights")),
    )


def downgrade():
    op.drop_table("score_weights")
