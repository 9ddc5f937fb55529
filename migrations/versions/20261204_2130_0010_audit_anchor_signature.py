"""audit_anchors: an HMAC signature per anchor, made with a key the database does not hold

Anchors written before this revision keep a NULL signature; `audit verify` accepts unsigned anchors
only before the first signed one.

Revision ID: 0010_audit_anchor_sig
Revises: 0009_signin_throttle
Create Date: 2026-12-04 20:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_audit_anchor_sig"
down_revision = "0009_signin_throttle"
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN (no table copy), so the append-only triggers stay in place
    op.add_column("audit_anchors", sa.Column("signature", sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column("audit_anchors", "signature")
