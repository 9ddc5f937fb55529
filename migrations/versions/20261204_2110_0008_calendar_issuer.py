"""calendar_overrides (工作日调整); the issuer's short name on plans; issued notices freeze their issuer names

calendar_overrides: the administrator's working-day overrides, winning over the calendar package.
plans.notice_issuer_short_name: the issuer as named in bodies and signatures (the full name stays
on the red mark). notices.issuer_name / issuer_short_name: the names a notice was issued under,
so a later change of the setting never alters an issued notice; existing issued notices take the
name they were printed with (the plan's full name, on the mark and in the signature).

Revision ID: 0008_calendar_issuer
Revises: 0007_two_deadlines
Create Date: 2026-12-04 21:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0008_calendar_issuer"
down_revision = "0007_two_deadlines"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_overrides",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_working_day", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_overrides")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_issuer_short_name", sa.String(length=100), nullable=True))
    op.execute("UPDATE plans SET notice_issuer_short_name = notice_issuer_name")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.alter_column("notice_issuer_short_name", existing_type=sa.String(length=100), nullable=False)
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issuer_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("issuer_short_name", sa.String(length=100), nullable=True))
    op.execute("UPDATE notices SET issuer_name = (SELECT p.notice_issuer_name FROM items i JOIN plans p "
               "ON p.id = i.plan_id WHERE i.id = notices.id), issuer_short_name = (SELECT p.notice_issuer_name "
               "FROM items i JOIN plans p ON p.id = i.plan_id WHERE i.id = notices.id) WHERE number IS NOT NULL")


def downgrade():
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_column("issuer_short_name")
        batch_op.drop_column("issuer_name")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_column("notice_issuer_short_name")
    op.drop_table("calendar_overrides")
