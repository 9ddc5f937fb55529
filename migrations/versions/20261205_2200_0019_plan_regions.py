"""Several plans and regions in one deployment

plans.region_code / region_name: the city a plan belongs to; units.region_code: the city whose plans
list the unit (its users see those plans only); user_plans: the plan a user has chosen to work in
(absent: their region's current plan). is_current now means "the region's current plan".
reports.plan_id: the report's plan beside its item's, so a unit reports once a quarter per plan.

Existing plans get their region from their counties' GB/T 2260 codes (the city is the first four
digits followed by 00), named from Anhui's sixteen cities; every existing unit takes the region of the
current plan (an installation before this revision held one region). The item list's index leads with
plan_id, since every list is one plan's.

Revision ID: 0019_plan_regions
Revises: 0018_item_counters
Create Date: 2026-12-05 22:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_plan_regions"
down_revision = "0018_item_counters"
branch_labels = None
depends_on = None

#: as app.units.regions.ANHUI_CITIES (a migration does not import the app)
ANHUI_CITIES = {
    "340100": "合肥市", "340200": "芜湖市", "340300": "蚌埠市", "340400": "淮南市", "340500": "马鞍山市",
    "340600": "淮北市", "340700": "铜陵市", "340800": "安庆市", "341000": "黄山市", "341100": "滁州市",
    "341200": "阜阳市", "341300": "宿州市", "341500": "六安市", "341600": "亳州市", "341700": "池州市",
    "341800": "宣城市",
}


def _fill_regions(conn) -> None:
    plans = conn.execute(sa.text("SELECT id, is_current FROM plans ORDER BY id")).all()
    current = None
    for plan_id, is_current in plans:
        codes = conn.execute(sa.text(
            "SELECT DISTINCT u.code FROM units u JOIN targets t ON t.unit_id = u.id "
            "WHERE t.plan_id = :p AND u.kind = 'county' AND u.code IS NOT NULL "
            "UNION SELECT DISTINCT u.code FROM units u JOIN items i ON i.county_id = u.id "
            "WHERE i.plan_id = :p AND u.code IS NOT NULL"), {"p": plan_id}).scalars().all()
        cities = {c[:4] + "00" for c in codes if c and len(c) == 6 and c.isdigit()}
        code = cities.pop() if len(cities) == 1 else ""
        conn.execute(sa.text("UPDATE plans SET region_code = :c, region_name = :n WHERE id = :p"),
                     {"c": code, "n": ANHUI_CITIES.get(code, code), "p": plan_id})
        if is_current or current is None:
            current = code
    if current is not None:
        conn.execute(sa.text("UPDATE units SET region_code = :c"), {"c": current})


def upgrade():
    op.add_column("plans", sa.Column("region_code", sa.String(length=12), server_default="", nullable=False))
    op.add_column("plans", sa.Column("region_name", sa.String(length=100), server_default="", nullable=False))
    op.create_index(op.f("ix_plans_region_code"), "plans", ["region_code"])
    op.add_column("units", sa.Column("region_code", sa.String(length=12), nullable=True))
    op.create_index(op.f("ix_units_region_code"), "units", ["region_code"])
    op.create_table(
        "user_plans",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_user_plans_plan_id_plans")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_plans_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_plans")),
    )
    op.create_index("ix_items_plan_type_state_due", "items", ["plan_id", "type", "state", "due_on", "id"])
    op.drop_index("ix_items_type_state_due", table_name="items")
    _fill_regions(op.get_bind())
    op.add_column("reports", sa.Column("plan_id", sa.Integer(), nullable=True))
    op.execute("UPDATE reports SET plan_id = (SELECT items.plan_id FROM items WHERE items.id = reports.id)")
    with op.batch_alter_table("reports") as batch:
        batch.alter_column("plan_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(op.f("fk_reports_plan_id_plans"), "plans", ["plan_id"], ["id"])
        batch.drop_constraint("uq_reports_reporter_id_year_quarter", type_="unique")
        batch.create_unique_constraint(op.f("uq_reports_plan_id_reporter_id_year_quarter"),
                                       ["plan_id", "reporter_id", "year", "quarter"])


def downgrade():
    with op.batch_alter_table("reports") as batch:
        batch.drop_constraint("uq_reports_plan_id_reporter_id_year_quarter", type_="unique")
        batch.create_unique_constraint("uq_reports_reporter_id_year_quarter", ["reporter_id", "year", "quarter"])
        batch.drop_constraint("fk_reports_plan_id_plans", type_="foreignkey")
        batch.drop_column("plan_id")
    op.create_index("ix_items_type_state_due", "items", ["type", "state", "due_on", "id"])
    op.drop_index("ix_items_plan_type_state_due", table_name="items")
    op.drop_table("user_plans")
    op.drop_index(op.f("ix_units_region_code"), table_name="units")
    op.drop_column("units", "region_code")
    op.drop_index(op.f("ix_plans_region_code"), table_name="plans")
    op.drop_column("plans", "region_name")
    op.drop_column("plans", "region_code")
