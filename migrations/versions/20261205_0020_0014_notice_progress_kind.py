"""notices.kind: the progress bulletin (工作进展情况通报, "progress")

Revision ID: 0014_notice_progress_kind
Revises: 0013_business_dates
Create Date: 2026-12-05 00:00:00
"""
from alembic import op

revision = "0014_notice_progress_kind"
down_revision = "0013_business_dates"
branch_labels = None
depends_on = None

BEFORE = "kind IN ('criticism','commendation','approval_reply')"
AFTER = "kind IN ('criticism','commendation','progress','approval_reply')"


def _replace(condition: str) -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_constraint(op.f("ck_notices_kind"), type_="check")
        batch.create_check_constraint("kind", condition)


def upgrade():
    _replace(AFTER)


def downgrade():
    _replace(BEFORE)
