"""blobs, blob_chunks: stored file content in the database (PLANDESK_STORAGE=database)

Content-addressed by SHA-256, in 1 MiB chunks. On PostgreSQL the chunks are kept out of line without
compression (STORAGE EXTERNAL): evidence is mostly PDF, JPEG, PNG and zipped Office files, which do
not compress, so trying would only cost time on every write.

Revision ID: 0011_blobs
Revises: 0010_audit_anchor_sig
Create Date: 2026-12-04 22:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_blobs"
down_revision = "0010_audit_anchor_sig"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "blob_chunks",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["blobs.sha256"]),
        sa.PrimaryKeyConstraint("sha256", "seq"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade():
    op.drop_table("blob_chunks")
    op.drop_table("blobs")
