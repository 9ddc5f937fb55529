"""opinion_rules and opinion_phrases: the 审批意见 rule per plan and each user's 常用意见

No rule row for a plan: the city's and the office's decisions need an opinion (the default). No
phrase row for a user: the shipped phrases.

Revision ID: 0015_opinions
Revises: 0014_notice_progress_kind
Create Date: 2026-12-05 00:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0015_opinions"
down_revision = "0014_notice_progress_kind"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "opinion_rules",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("county_reviewer", sa.Boolean(), nullable=False),
        sa.Column("city_reviewer", sa.Boolean(), nullable=False),
        sa.Column("office_approver", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_opinion_rules_plan_id_plans")),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_opinion_rules")),
    )
    op.create_table(
        "opinion_phrases",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("phrases", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_opinion_phrases_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_opinion_phrases")),
    )


def downgrade():
    op.drop_table("opinion_phrases")
    op.drop_table("opinion_rules")
