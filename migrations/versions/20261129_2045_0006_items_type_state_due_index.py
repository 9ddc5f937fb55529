"""items: index (type, state, due_on, id) for filtered lists sorted by deadline

The item list filtered by type and state and sorted by due date (the worklists' and the API's
default) walks this index in order instead of reading every item by due date and dropping the
other types and states. It replaces ix_items_type_state, which is its prefix.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 20:45:00
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_items_type_state_due", "items", ["type", "state", "due_on", "id"])
    op.drop_index("ix_items_type_state", table_name="items")


def downgrade():
    op.create_index("ix_items_type_state", "items", ["type", "state"])
    op.drop_index("ix_items_type_state_due", table_name="items")
