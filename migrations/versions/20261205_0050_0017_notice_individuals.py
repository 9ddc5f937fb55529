"""先进个人 named in a commendation

notices.individuals: the people a commendation names (name, unit, what they did), as the edit screen
keeps them; the body prints them under 先进个人.

Revision ID: 0017_notice_individuals
Revises: 0016_english_and_chain
Create Date: 2026-12-05 00:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_notice_individuals"
down_revision = "0016_english_and_chain"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("notices", sa.Column("individuals", sa.JSON(), nullable=True))


def downgrade():
    # plain DROP COLUMN (SQLite 3.35+), as the other revisions drop theirs
    op.drop_column("notices", "individuals")
