"""audit_events: the business date of each event and its hash version; reports: the three text sections

audit_events.business_date is the date PlanDesk ran with when the event happened (its "today", which
``PLANDESK_TODAY`` may pin), besides the real instant ``at``. Events written before this revision get
the date of their instant in China (Asia/Shanghai) and keep hash_version 1: their hash does not cover
the filled-in date, so every existing chain still verifies; new events are written with version 2,
whose hash covers the business date. The append-only trigger is lifted for the backfill only.

reports.progress / problems / next_steps: 工作进展 / 存在问题 / 下步计划 of a quarterly report (required
when it is submitted; NULL on reports written before).

Revision ID: 0013_business_dates
Revises: 0012_score_weights
Create Date: 2026-12-04 23:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0013_business_dates"
down_revision = "0012_score_weights"
branch_labels = None
depends_on = None

REPORT_TEXTS = ("progress", "problems", "next_steps")


def upgrade():
    # plain ADD COLUMNs (no table copy), so the append-only triggers stay in place
    op.add_column("audit_events", sa.Column("business_date", sa.Date(), nullable=True))
    op.add_column("audit_events", sa.Column("hash_version", sa.SmallInteger(), server_default="1",
                                            nullable=False))
    _backfill_business_dates()
    for name in REPORT_TEXTS:
        op.add_column("reports", sa.Column(name, sa.Text(), nullable=True))


def _backfill_business_dates() -> None:
    """Each existing event's business date: the date of its instant in China (UTC+8, no daylight saving)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        op.execute("UPDATE audit_events SET business_date = (at AT TIME ZONE 'Asia/Shanghai')::date")
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
    else:
        # SQLite keeps the instant as naive UTC text
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("UPDATE audit_events SET business_date = date(at, '+8 hours')")
        op.execute("CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
                   "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END")


def downgrade():
    for name in reversed(REPORT_TEXTS):
        op.drop_column("reports", name)
    # ALTER TABLE ... DROP COLUMN on both (no SQLite table copy, which would lose the triggers)
    op.execute("ALTER TABLE audit_events DROP COLUMN hash_version")
    op.execute("ALTER TABLE audit_events DROP COLUMN business_date")
