"""The quota board against hand-computed figures, on SQLite and PostgreSQL."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import event

from app.dashboards.board import quota_board, quota_hint
from app.dashboards.board import quotas_json
from app.extensions import db
from app.clock import today
from tests.dashboards.journeys import application_to, open_reports, plan, report_to
from tests.items.conftest import actor_of

COUNTIES = ("huoqiu", "shucheng", "jinzhai", "huoshan", "jinan", "yuan", "yeji")


def board(county: str | None = None) -> dict[tuple[str | None, str], tuple]:
    rows = quota_board(db.session, plan().id, today(), county=county)
    return {(r.county, r.indicator): (r.target, r.achieved, r.pending, r.gap) for r in rows}


def d(*values: int | str) -> tuple[Decimal, ...]:
    return tuple(Decimal(str(v)).quantize(Decimal("0.01")) for v in values)


def test_shipped_plan_board_is_all_targets_and_zeros(ctx) -> None:
    rows = quota_board(db.session, plan().id, today())
    county_rows = [r for r in rows if not r.is_city]
    # 12 indicators split into county quotas × 7 counties, and 16 city-wide targets
    assert len(county_rows) == 84 and len(rows) == 100
    assert {r.county for r in county_rows} == set(COUNTIES)
    assert all(r.achieved == 0 and r.pending == 0 and r.gap == r.target for r in rows)
    figures = board()
    assert figures[("huoqiu", "provincial_demo_village")] == d(4, 0, 0, 4)
    assert figures[("yeji", "training_person_times")] == d(500, 0, 0, 500)
    assert figures[(None, "online_sales")] == d(65, 0, 0, 65)
    assert figures[(None, "rural_roads_km")] == d(4451, 0, 0, 4451)
    # a county's quotas sum to the city-wide figure
    for code in {r.indicator for r in county_rows}:
        assert sum(r.target for r in county_rows if r.indicator == code) == figures[(None, code)][0]


def test_consolidated_applications_are_achieved_and_filed_ones_pending(ctx) -> None:
    application_to("huoqiu", "provincial_demo_village", "consolidation", "大顾店村")
    application_to("huoqiu", "provincial_demo_village", "mobilization.county_review", "新店村")
    application_to("huoqiu", "provincial_demo_village", "mobilization.draft", "草稿村")  # not filed: not counted
    application_to("huoqiu", "provincial_demo_village", "self_assessment.draft", "自查村")
    application_to("shucheng", "municipal_demo_town", "consolidation", "舒茶镇")
    figures = board()
    assert figures[("huoqiu", "provincial_demo_village")] == d(4, 1, 2, 3)
    assert figures[(None, "provincial_demo_village")] == d(21, 1, 2, 20)
    assert figures[("shucheng", "provincial_demo_village")] == d(4, 0, 0, 4)
    assert figures[("shucheng", "municipal_demo_town")] == d(2, 1, 0, 1)
    assert figures[(None, "municipal_demo_town")] == d(9, 1, 0, 8)
    assert figures[("huoqiu", "municipal_demo_town")] == d(2, 0, 0, 2)


def test_rejected_and_revoked_applications_count_nowhere(ctx) -> None:
    from tests.dashboards.journeys import fire

    rejected = application_to("jinzhai", "provincial_demo_outlet", "mobilization.city_review")
    fire(rejected, "office_approver", "reject", comment="不符合申报条件")
    revoked = application_to("jinzhai", "municipal_demo_outlet", "consolidation")
    assert board()[("jinzhai", "municipal_demo_outlet")] == d(8, 1, 0, 7)
    fire(revoked, "office_approver", "revoke", comment="动态管理，撤销称号")
    figures = board()
    assert figures[("jinzhai", "provincial_demo_outlet")] == d(6, 0, 0, 6)
    assert figures[("jinzhai", "municipal_demo_outlet")] == d(8, 0, 0, 8)


def test_accepted_report_figures_are_achieved_and_reviewed_ones_pending(ctx) -> None:
    q3 = open_reports(2018, 3)
    report_to(q3["huoqiu"], "accepted", {"training_person_times": 800, "new_ecommerce_entities": 30,
                                         "entities_over_10m": 1, "brands_over_1m": 0, "sanpin_yibiao_online": 2,
                                         "trademark_enterprises_online": 1})
    report_to(q3["jinan"], "city_review", {"training_person_times": 1200, "new_ecommerce_entities": 40,
                                           "entities_over_10m": 2, "brands_over_1m": 1, "sanpin_yibiao_online": 3,
                                           "trademark_enterprises_online": 2})
    report_to(q3["transport"], "accepted", {"rural_roads_km": "1234.5"})
    report_to(q3["commerce"], "city_review", {"online_sales": 20})
    figures = board()
    assert figures[("huoqiu", "training_person_times")] == d(2500, 800, 0, 1700)
    assert figures[("huoqiu", "entities_over_10m")] == d(2, 1, 0, 1)
    assert figures[("jinan", "training_person_times")] == d(2500, 0, 1200, 2500)
    assert figures[(None, "training_person_times")] == d(12800, 800, 1200, 12000)
    assert figures[(None, "rural_roads_km")] == d(4451, "1234.5", 0, "3216.5")
    assert figures[(None, "online_sales")] == d(65, 0, 20, 65)

    # Q4 (cumulative for the year): the latest accepted figure is the standing, a higher one under review
    # adds only its increase to pending
    from tests.dashboards.journeys import set_today
    from datetime import date

    set_today(ctx, date(2018, 10, 8))
    q4 = open_reports(2018, 4)
    report_to(q4["huoqiu"], "county_review", {"training_person_times": 1500, "new_ecommerce_entities": 50,
                                              "entities_over_10m": 2, "brands_over_1m": 1, "sanpin_yibiao_online": 3,
                                              "trademark_enterprises_online": 2})
    assert board()[("huoqiu", "training_person_times")] == d(2500, 800, 700, 1700)
    from tests.dashboards.journeys import fire

    fire(q4["huoqiu"], "huoqiu_reviewer", "endorse")
    fire(q4["huoqiu"], "city_reviewer", "accept")
    figures = board()
    assert figures[("huoqiu", "training_person_times")] == d(2500, 1500, 0, 1000)
    assert figures[("huoqiu", "entities_over_10m")] == d(2, 2, 0, 0)
    assert figures[(None, "training_person_times")] == d(12800, 1500, 1200, 11300)


def test_board_is_one_query(ctx) -> None:
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    application_to("huoqiu", "provincial_demo_village", "mobilization.county_review")
    plan_id, now = plan().id, today()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        quota_board(db.session, plan_id, now)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1 and "GROUP BY" in statements[0]


def test_county_filter_keeps_the_county_and_the_city(ctx) -> None:
    rows = quota_board(db.session, plan().id, today(), county="yeji")
    assert {r.county for r in rows} == {"yeji", None}
    assert len([r for r in rows if r.county == "yeji"]) == 12


def test_quota_hint_for_the_application_form(ctx) -> None:
    application_to("huoqiu", "provincial_demo_village", "consolidation", "甲村")
    application_to("huoqiu", "provincial_demo_village", "consolidation", "乙村")
    application_to("huoqiu", "provincial_demo_village", "mobilization.city_review", "丙村")
    rows = quota_board(db.session, plan().id, today(), county="huoqiu")
    assert quota_hint(rows, "huoqiu", "provincial_demo_village") == "霍邱县 省级电商示范村：已认定 2 / 目标 4，审核中 1"


def test_quotas_json_has_the_contract_shape(ctx) -> None:
    application_to("huoqiu", "provincial_demo_village", "consolidation")
    rows = quotas_json(db.session, plan().id, today(), actor_of("city_reviewer"))
    assert len(rows) == 84 and all(set(r) == {"county", "indicator", "target", "achieved", "pending"} for r in rows)
    assert {"county": "huoqiu", "indicator": "provincial_demo_village", "target": 4, "achieved": 1,
            "pending": 0} in rows
    assert {"county": "yeji", "indicator": "training_person_times", "target": 500, "achieved": 0,
            "pending": 0} in rows
    own = quotas_json(db.session, plan().id, today(), actor_of("shucheng_filer"))
    assert len(own) == 12 and {r["county"] for r in own} == {"shucheng"}
    assert len(quotas_json(db.session, plan().id, today(), actor_of("commerce_filer"))) == 84
