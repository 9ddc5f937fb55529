"""A draft created today is never overdue and never cited in a criticism (issue: items born overdue).

The scenario that was seen: an application saved as a draft on 2018-09-15 took the mobilization
deadline 2018-07-31 and was "严重逾期, 46 days" the moment it existed."""
from __future__ import annotations

from datetime import date

from app.dashboards.overdue import overdue_items
from app.extensions import db
from app.items.deadlines import filed_late
from app.items.models import Item
from app.items.operations import fire_transition
from app.notices.facts import criticism_facts
from tests.dashboards.journeys import plan, set_today
from tests.factories import actor_of, add_evidence
from tests.api.conftest import Api
from workflows.deadlines import OverdueLevel, add_working_days, overdue_level

FILED = date(2018, 9, 15)


def _cited(facts: dict, item_id: int) -> bool:
    return any(entry["id"] == item_id for unit in facts["units"] for section in
               ("overdue_items", "failed_acceptances", "overdue_rectifications") for entry in unit.get(section, []))


def test_a_draft_filed_after_the_plan_date_is_filed_late_not_overdue(app, ctx, new_application) -> None:
    set_today(app, FILED)
    item_id = new_application()
    item = db.session.get(Item, item_id)
    assert item.filed_on == FILED
    assert item.phase_due_on == date(2018, 7, 31)  # the plan's date, kept as a fact
    assert item.due_on == add_working_days(FILED, 10) > FILED
    assert overdue_level(item.due_on, FILED) is not OverdueLevel.overdue
    assert filed_late(item)
    rows, _total = overdue_items(db.session, plan().id, FILED, limit=None)
    assert item_id not in {r.id for r in rows}
    assert not _cited(criticism_facts(db.session, plan().id, FILED), item_id)
    assert not _cited(criticism_facts(db.session, plan().id, FILED, county="huoqiu"), item_id)


def test_a_returned_draft_gets_its_days_again(app, ctx, new_application) -> None:
    set_today(app, FILED)
    item_id = new_application()
    add_evidence(item_id)
    fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
    db.session.commit()
    returned_on = date(2018, 10, 12)
    set_today(app, returned_on)
    fire_transition(item_id, "send_back", actor_of("huoqiu_reviewer"), version=2, comment="缺少村委会证明")
    db.session.commit()
    item = db.session.get(Item, item_id)
    assert item.state == "mobilization.draft"
    assert item.due_on == add_working_days(returned_on, 10)
    assert not _cited(criticism_facts(db.session, plan().id, returned_on), item_id)


def test_a_draft_filed_in_time_is_not_filed_late(app, ctx, new_application) -> None:
    set_today(app, date(2018, 7, 20))
    item = db.session.get(Item, new_application())
    assert not filed_late(item)
    assert item.due_on == add_working_days(date(2018, 7, 20), 10)


def test_api_due_at_is_the_handling_deadline_and_phase_deadline_the_plan_date(
        app, ctx, client, new_application) -> None:
    set_today(app, FILED)
    item_id = new_application()
    body = Api(client).get(f"/items/{item_id}", "huoqiu_filer").get_json()
    assert body["due_at"] == add_working_days(FILED, 10).isoformat()
    assert body["phase_deadline"] == "2018-07-31"
    assert body["filed_late"] is True
    assert body["overdue"] in ("none", "due_soon")


def test_a_county_short_of_its_quota_after_the_plan_date_is_behind(app, ctx, client, auth) -> None:
    from app.dashboards.board import quota_board

    before = {(r.county, r.indicator): r for r in quota_board(db.session, plan().id, date(2018, 7, 31))}
    after = {(r.county, r.indicator): r for r in quota_board(db.session, plan().id, date(2018, 8, 1))}
    village = ("huoqiu", "provincial_demo_village")
    assert after[village].target > 0 and after[village].achieved + after[village].pending == 0
    assert before[village].behind is None  # the plan's date for filing (2018-07-31) has not passed
    assert (after[village].behind, after[village].behind_since) == ("filed", date(2018, 7, 31))
    assert all(r.behind is None for r in after.values() if r.county is None)  # the city row is no unit
    # report-fed quotas are only behind once the acceptance date has passed
    sales = ("huoqiu", "new_ecommerce_entities")
    assert after[sales].behind is None
    late = {(r.county, r.indicator): r for r in quota_board(db.session, plan().id, date(2019, 3, 1))}
    assert late[sales].behind == "achieved"
    # the unit, not a draft, is cited
    facts = criticism_facts(db.session, plan().id, date(2018, 8, 1), county="huoqiu")
    behind = next(u for u in facts["units"] if u["unit"] == "huoqiu")["behind_quotas"]
    assert {e["indicator"] for e in behind} >= {"provincial_demo_village"}
    assert all(e["behind"] == "filed" and e["deadline"] == "2018-07-31" for e in behind)
    # and the board says so
    set_today(app, date(2018, 8, 1))
    auth.login("city_reviewer")
    assert "落后于方案进度" in client.get("/dashboard").get_data(as_text=True)


def test_plan_load_brings_old_deadlines_in_line_and_changes_nothing_twice(app, ctx, new_application) -> None:
    from app.tasks.loading import DEFAULT_PLAN_FILE, load_plan_file

    set_today(app, FILED)
    item = db.session.get(Item, new_application())
    item.due_on = date(2018, 7, 31)  # as written before the two deadlines
    db.session.commit()
    summary = load_plan_file(DEFAULT_PLAN_FILE)
    db.session.commit()
    assert "deadlines recomputed on 1 items" in summary
    assert db.session.get(Item, item.id).due_on == add_working_days(FILED, 10)
    assert "recomputed" not in load_plan_file(DEFAULT_PLAN_FILE)
