"""login_attempts: a lifted failure stays counted for its address; index by address

A successful sign-in or an administrator's password reset lifts an account's lock by setting
``cleared_at`` on its failures instead of deleting them, so the failures still count against the
client address they came from. The per-address limit counts by (remote_addr, at).

Revision ID: 0009_signin_throttle
Revises: 0008_calendar_issuer
Create Date: 2026-12-04 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_signin_throttle"
down_revision = "0008_calendar_issuer"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_login_attempts_remote_addr_at", ["remote_addr", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_remote_addr_at")
        batch_op.drop_column("cleared_at")
