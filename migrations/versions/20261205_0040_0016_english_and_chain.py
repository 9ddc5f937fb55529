"""English names of indicators; the office's workflow switches; county review of extension requests

indicators.title_en / measure_en: the stored English name and measure (from the plan data).
workflow_settings: one row per switch the office has set (e.g. office_approves_acceptance).
extension_requests.stage / endorsed_by_id / endorsed_at / endorse_comment: a county's request is
endorsed by its county reviewer before the office decides.
items.state: the application state mobilization.office_review (the office's approval of a city acceptance).

Revision ID: 0016_english_and_chain
Revises: 0015_opinions
Create Date: 2026-12-05 00:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_english_and_chain"
down_revision = "0015_opinions"
branch_labels = None
depends_on = None

#: items.state: an application may now wait at the office's approval of a city acceptance
STATES_BEFORE = ("(type = 'application' AND state IN ('mobilization.draft','mobilization.county_review','mobilization.city_review','implementation','self_assessment.draft','self_assessment.county_review','acceptance.inspection','acceptance.provincial_review','rectification.draft','rectification.county_review','consolidation','rejected','revoked')) OR (type = 'task' AND state IN ('mobilization.draft','mobilization.county_review','mobilization.city_review','implementation','self_assessment.county_review','self_assessment.city_review','acceptance.inspection','rectification.draft','rectification.county_review','consolidation')) OR (type = 'report' AND state IN ('draft','county_review','city_review','accepted')) OR (type = 'notice' AND state IN ('draft','review','issued','revoked'))")
STATES_AFTER = STATES_BEFORE.replace("'mobilization.city_review','implementation','self_assessment.draft'",
                                     "'mobilization.city_review','mobilization.office_review','implementation',"
                                     "'self_assessment.draft'")


def _states(condition: str) -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_constraint(op.f("ck_items_state_valid"), type_="check")
        batch.create_check_constraint("state_valid", condition)


def upgrade():
    _states(STATES_AFTER)
    with op.batch_alter_table("indicators") as batch:
        batch.add_column(sa.Column("title_en", sa.String(200), nullable=True))
        batch.add_column(sa.Column("measure_en", sa.String(40), nullable=True))
    op.create_table(
        "workflow_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
    )
    with op.batch_alter_table("extension_requests") as batch:
        batch.add_column(sa.Column("stage", sa.String(10), nullable=False, server_default="office"))
        batch.add_column(sa.Column("endorsed_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("endorsed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("endorse_comment", sa.Text(), nullable=True))
        batch.create_foreign_key(op.f("fk_extension_requests_endorsed_by_id_users"), "users",
                                 ["endorsed_by_id"], ["id"])
        batch.create_check_constraint("stage", "stage IN ('county','office')")


def downgrade():
    with op.batch_alter_table("extension_requests") as batch:
        batch.drop_constraint(op.f("ck_extension_requests_stage"), type_="check")
        batch.drop_constraint(op.f("fk_extension_requests_endorsed_by_id_users"), type_="foreignkey")
        batch.drop_column("endorse_comment")
        batch.drop_column("endorsed_at")
        batch.drop_column("endorsed_by_id")
        batch.drop_column("stage")
    op.drop_table("workflow_settings")
    # plain DROP COLUMN (SQLite 3.35+): recreating ``indicators`` would break the targets' foreign keys
    op.drop_column("indicators", "measure_en")
    op.drop_column("indicators", "title_en")
    _states(STATES_BEFORE)
