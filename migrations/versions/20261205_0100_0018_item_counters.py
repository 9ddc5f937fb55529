"""Exact item counters for the dashboards: item_counts and item_due_counts, back-filled from items

item_counts (plan, county, type, category, state) → n feeds the quota board; item_due_counts (plan,
county, type, state, due date) → n feeds the phase matrix. The application keeps them in the same
transaction as every write of an item (app.items.counters); this revision creates and fills them.

Revision ID: 0018_item_counters
Revises: 0017_notice_individuals
Create Date: 2026-12-05 01:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_item_counters"
down_revision = "0017_notice_individuals"
branch_labels = None
depends_on = None

#: the same statements as app.items.counters.BACKFILL_SQL (a migration does not import the app)
BACKFILL_SQL = (
    "DELETE FROM item_counts",
    "DELETE FROM item_due_counts",
    "INSERT INTO item_counts (plan_id, county_id, type, category, state, n) "
    "SELECT i.plan_id, COALESCE(i.county_id, 0), i.type, COALESCE(a.category, ''), i.state, count(*) "
    "FROM items i LEFT JOIN applications a ON a.id = i.id "
    "GROUP BY i.plan_id, COALESCE(i.county_id, 0), i.type, COALESCE(a.category, ''), i.state",
    "INSERT INTO item_due_counts (plan_id, county_id, type, state, due_on, n) "
    "SELECT plan_id, COALESCE(county_id, 0), type, state, COALESCE(due_on, '0001-01-01'), count(*) "
    "FROM items GROUP BY plan_id, COALESCE(county_id, 0), type, state, COALESCE(due_on, '0001-01-01')",
)


def upgrade():
    op.create_table(
        "item_counts",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "county_id", "type", "category", "state", name="pk_item_counts"),
    )
    op.create_table(
        "item_due_counts",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "county_id", "type", "state", "due_on", name="pk_item_due_counts"),
    )
    for sql in BACKFILL_SQL:
        op.execute(sql)


def downgrade():
    op.drop_table("item_due_counts")
    op.drop_table("item_counts")
