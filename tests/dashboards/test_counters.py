"""The dashboards' exact counters (item_counts, item_due_counts) against a fresh GROUP BY over the
items, after transitions, edits, extensions, concurrent transitions and a repair; and the quota board
and phase matrix read from them against the item aggregations they replaced."""
from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import case, func, select, text

from app.applications.models import Application
from app.clock import today
from app.dashboards.board import quota_board
from app.dashboards.figures import ACHIEVED_STATE, NOT_FILED_STATES
from app.dashboards.matrix import _phase_counts, level_case
from app.extension_requests.operations import effective_due_of, granted_extensions, granted_join_condition
from app.extensions import db
from app.items.counters import ITEM_COUNTS, ITEM_DUE_COUNTS, NO_DUE
from app.items.models import Item
from app.plans.models import Category
from app.units.models import Unit
from tests.dashboards.journeys import application_to, fire, new_application, plan, set_today, task_of
from tests.dashboards.test_extension_deadlines import DAY, ask, decide
from tests.items.conftest import add_evidence

TARGETS = ("mobilization.draft", "mobilization.county_review", "mobilization.city_review", "implementation",
           "self_assessment.county_review", "acceptance.inspection", "consolidation")
CATEGORIES = ("provincial_demo_village", "municipal_demo_town")


def fresh() -> tuple[dict, dict]:
    """Both counters as a GROUP BY over the items computes them now (zero rows left out)."""
    items, apps = Item.__table__, Application.__table__
    county = func.coalesce(items.c.county_id, 0).label("county")
    category = func.coalesce(apps.c.category, "").label("category")
    counts = db.session.execute(
        select(items.c.plan_id, county, items.c.type, category, items.c.state, func.count())
        .select_from(items.outerjoin(apps, apps.c.id == items.c.id))
        .group_by(items.c.plan_id, county, items.c.type, category, items.c.state)).all()
    dues = db.session.execute(
        select(items.c.plan_id, county, items.c.type, items.c.state, items.c.due_on, func.count())
        .group_by(items.c.plan_id, county, items.c.type, items.c.state, items.c.due_on)).all()
    return ({tuple(r[:-1]): r[-1] for r in counts},
            {(*r[:4], r[4] or NO_DUE): r[5] for r in dues})


def stored() -> tuple[dict, dict]:
    def rows(table) -> dict:
        return {tuple(r[:-1]): r[-1] for r in db.session.execute(
            select(*[c for c in table.c if c.name != "n"], table.c.n).where(table.c.n != 0))}
    return rows(ITEM_COUNTS), rows(ITEM_DUE_COUNTS)


def assert_exact() -> None:
    assert stored() == fresh()


def test_counters_start_from_the_loaded_plan(ctx) -> None:
    counts, dues = stored()
    # the Lu'an plan loads its task assignments: every one is counted, nothing else is
    tasks = db.session.scalar(select(func.count()).select_from(Item).where(Item.type == "task"))
    assert tasks > 0 and sum(counts.values()) == sum(dues.values()) == tasks
    assert_exact()


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(("huoqiu", "shucheng", "yeji")), st.sampled_from(CATEGORIES),
                                st.sampled_from(TARGETS), st.sampled_from(("as is", "edit draft"))),
                      min_size=1, max_size=3))
def test_counters_equal_a_fresh_group_by_after_any_transitions(ctx, steps) -> None:
    for county, category, target, then in steps:
        item_id = application_to(county, category, target, site=f"{county}{target}村")
        row = db.session.get(Application, item_id)
        if then == "edit draft" and row.state.endswith("draft"):  # an ORM edit of the key columns
            row.category = next(c for c in CATEGORIES if c != row.category)
            row.due_on = date(2018, 12, 1)
            db.session.commit()
        assert_exact()


def test_counters_follow_a_granted_extension_and_the_matrix_its_deadline(app, ctx) -> None:
    set_today(app, DAY)
    item_id = task_of("huoqiu", 3).id
    decide(ask(item_id, date(2018, 8, 20)), "granted", date(2018, 8, 20))
    application_to("huoqiu", "provincial_demo_village", "mobilization.county_review")
    assert_exact()
    assert new_phase_counts(DAY) == old_phase_counts(DAY)


def test_two_transitions_at_once_lose_no_count(app, backend) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serializes writers: the race needs PostgreSQL")
    with app.app_context():
        ids = [new_application("huoqiu", "provincial_demo_village", f"并发村{i}") for i in range(2)]
        for item_id in ids:
            add_evidence(item_id)
        db.session.commit()
        db.session.remove()
    barrier, errors = threading.Barrier(2), []

    def submit(item_id: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                fire(item_id, "huoqiu_filer", "submit")
            except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
                errors.append(exc)
            finally:
                db.session.remove()
    threads = [threading.Thread(target=submit, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        assert_exact()
        counts, _ = stored()
        huoqiu = db.session.scalar(select(Unit.id).where(Unit.slug == "huoqiu"))
        assert counts[(plan().id, huoqiu, "application", "provincial_demo_village",
                       "mobilization.county_review")] == 2


def test_cli_rebuilds_the_counters_from_the_items(app) -> None:
    with app.app_context():
        application_to("huoqiu", "provincial_demo_village", "implementation")
        expected = fresh()
        db.session.execute(text("UPDATE item_counts SET n = n + 5"))
        db.session.execute(text("DELETE FROM item_due_counts"))
        db.session.commit()
        assert stored() != expected
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["counters", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "counters rebuilt" in result.output
    with app.app_context():
        assert stored() == expected


# -- the aggregations over items the counters replaced, kept here to compare with ---------------

def old_per_category() -> dict[tuple[int, str], tuple[int, int]]:
    """The quota board's former per-county, per-category pass over the plan's applications."""
    items, apps = Item.__table__, Application.__table__
    is_achieved = case((items.c.state == ACHIEVED_STATE, 1), else_=0)
    rows = db.session.execute(
        select(items.c.county_id, apps.c.category, func.sum(is_achieved), func.count())
        .select_from(items.join(apps, apps.c.id == items.c.id))
        .where(items.c.plan_id == plan().id, items.c.type == "application",
               items.c.state.not_in(NOT_FILED_STATES), items.c.county_id.is_not(None))
        .group_by(items.c.county_id, apps.c.category))
    return {(r[0], r[1]): (int(r[2]), int(r[3])) for r in rows}


def old_phase_counts(day: date) -> dict[tuple[int, str, str], int]:
    """The phase matrix's former GROUP BY over items, lights from the deadline in force."""
    items = Item.__table__
    granted = granted_extensions()
    level = level_case(effective_due_of(granted, items), day).label("level")
    rows = db.session.execute(
        select(items.c.county_id, items.c.state, level, func.count())
        .select_from(items.outerjoin(granted, granted_join_condition(granted, items)))
        .where(items.c.plan_id == plan().id, items.c.type.in_(("task", "application")),
               items.c.county_id.is_not(None))
        .group_by(items.c.county_id, items.c.state, level))
    return {(r[0], r[1], r[2]): r[3] for r in rows}


def new_phase_counts(day: date) -> dict[tuple[int, str, str], int]:
    return {(r.row_id, r.state, r.level): r.n
            for r in _phase_counts(db.session, plan().id, day, ("task", "application"), None)}


def demo_data(app) -> None:
    """Applications of several counties and categories in every phase, tasks filed, an extension."""
    for county in ("huoqiu", "shucheng", "jinzhai"):
        for i, target in enumerate(TARGETS):
            application_to(county, CATEGORIES[i % 2], target, site=f"{county}{i}村")
    set_today(app, DAY)
    decide(ask(task_of("huoqiu", 3).id, date(2018, 8, 20)), "granted", date(2018, 8, 20))


def test_board_and_matrix_read_the_same_figures_as_the_old_aggregations(app, ctx) -> None:
    demo_data(app)
    assert_exact()
    # the board: applications achieved / pending per county and indicator, and the city's totals
    indicator = dict(db.session.execute(select(Category.code, Category.indicator_code)
                                        .where(Category.plan_id == plan().id)).tuples().all())
    slug = dict(db.session.execute(select(Unit.id, Unit.slug)).tuples().all())
    expected: dict[tuple[str | None, str], list[int]] = defaultdict(lambda: [0, 0])
    for (county_id, category), (achieved, filed) in old_per_category().items():
        if indicator.get(category) is None:
            continue
        for key in ((slug[county_id], indicator[category]), (None, indicator[category])):
            expected[key][0] += achieved
            expected[key][1] += filed - achieved
    rows = [r for r in quota_board(db.session, plan().id, today()) if r.source == "applications"]
    assert rows and any(r.achieved for r in rows) and any(r.pending for r in rows)
    for r in rows:
        assert [int(r.achieved), int(r.pending)] == expected.get((r.county, r.indicator), [0, 0]), r
    # the matrix: every (county, state, light) cell, the extension's move included
    for day in (DAY, date(2018, 7, 1), date(2019, 3, 1)):
        assert new_phase_counts(day) == old_phase_counts(day)
