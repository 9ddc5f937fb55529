"""One unit's score recomputed by hand from a known set of facts (tests/scores/world.py), and the
rules around it: ranks, ties, reproducibility, weights."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from app.extensions import db
from app.plans.models import Plan
from app.scores.components import PeriodError
from app.scores.operations import save_weights
from app.scores.queries import score_board
from tests.factories import actor_of
from tests.scores.world import TODAY, build

COUNTIES = ("huoqiu", "shucheng", "jinzhai", "huoshan", "jinan", "yuan", "yeji")


def plan() -> Plan:
    return db.session.scalar(select(Plan).where(Plan.is_current.is_(True)))


def by_name(board) -> dict:
    return {u.unit_name: u for u in board.units}


def test_huoqiu_2018q4_score_by_hand(ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    build(ctx, monkeypatch)
    board = score_board(plan(), "2018Q4", TODAY)

    # on_time: the 12 handling deadlines of the world's table fall in 2018Q4; steps 2 and 6 were late.
    on_time = round(10 / 12, 4)                      # 0.8333
    # quota: 霍邱县's 12 quotas (plan file): 市级电商示范村 6 with 2 achieved (A and B accepted), the other
    # 11 at 0 (its report is still under county review): (2/6 + 0 × 11) / 12 = 1/36
    quota = round((2 / 6) / 12, 4)                   # 0.0278
    # first_pass: two acceptance decisions in the quarter, B passed first time, A after a city return
    first_pass = 1 / 2                               # 0.5
    # reports: one report due (2018Q4, due 2019-01-15), submitted 2019-01-17: late, half credit
    reports = 0.5
    # default weights 30/30/20/20 over 100, in decimals, rounded half up to two places:
    # 100 × (0.3 × 0.8333 + 0.3 × 0.0278 + 0.2 × 0.5 + 0.2 × 0.5) = 24.999 + 0.834 + 10 + 10 = 45.833 → 45.83
    exact = 100 * (D("0.3") * D(str(on_time)) + D("0.3") * D(str(quota)) + D("0.2") * D("0.5") + D("0.2") * D("0.5"))
    assert exact == D("45.833")
    score = 45.83
    assert (on_time, quota) == (0.8333, 0.0278)

    huoqiu = by_name(board)["霍邱县"]
    assert huoqiu.kind == "county"
    assert huoqiu.components == {"on_time": on_time, "quota": quota, "first_pass": first_pass, "reports": reports}
    assert huoqiu.score == score
    assert huoqiu.rank == 1
    assert board.weights == {"on_time": 0.3, "quota": 0.3, "first_pass": 0.2, "reports": 0.2}
    facts = board.facts[huoqiu.unit_id]
    assert (len(facts.steps), facts.steps_on_time) == (12, 10)
    late = sorted((s.entered_on, s.due_on, s.acted_on) for s in facts.steps if not s.on_time())
    assert late == [(date(2018, 10, 15), date(2018, 10, 29), date(2018, 10, 31)),
                    (date(2018, 11, 16), date(2018, 11, 30), date(2018, 12, 3))]
    assert [(r.due_on, r.submitted_on, r.status) for r in facts.reports] == [
        (date(2019, 1, 15), date(2019, 1, 17), "late")]


def test_ties_share_a_rank_and_keep_plan_order(ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    build(ctx, monkeypatch)
    board = score_board(plan(), "2018Q4", TODAY)
    counties = board.of_kind("county")
    # every other county: quotas 0, its 2018Q4 report missing (漏报) → 0; no deadline, no decision
    assert [(u.unit_name, u.rank, u.score) for u in counties] == [
        ("霍邱县", 1, 45.83), ("舒城县", 2, 0.0), ("金寨县", 2, 0.0), ("霍山县", 2, 0.0), ("金安区", 2, 0.0),
        ("裕安区", 2, 0.0), ("叶集区", 2, 0.0)]
    assert by_name(board)["舒城县"].components == {"quota": 0.0, "reports": 0.0}
    departments = board.of_kind("department")
    assert departments and all(u.rank == 1 and u.components == {"reports": 0.0} for u in departments)
    assert "quota" not in {c for u in departments for c in u.components}


def test_same_facts_and_weights_give_the_same_figures(ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    build(ctx, monkeypatch)
    first = score_board(plan(), "2018Q4", TODAY)
    db.session.expire_all()
    again = score_board(plan(), "2018Q4", TODAY)
    assert again.units == first.units and again.weights == first.weights
    year = score_board(plan(), "2018", TODAY)
    assert year.period == "2018"
    # the year holds the quarter's facts and the earlier quarters' (the plan's task drafts, due 2018-07-31,
    # never submitted; the 2018Q3 reports, never opened: missing)
    huoqiu_year = by_name(year)["霍邱县"]
    assert huoqiu_year.components["first_pass"] == 0.5
    assert huoqiu_year.components["reports"] == round(0.5 / 2, 4)  # 2018Q3 missing, 2018Q4 late


def test_the_office_weights_change_the_score(ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    build(ctx, monkeypatch)
    save_weights(db.session, plan().id, actor_of("office_approver"),
                 {"on_time": ("50", True), "quota": ("30", False), "first_pass": ("0", True), "reports": ("50", True)})
    db.session.commit()
    board = score_board(plan(), "2018Q4", TODAY)
    assert board.weights == {"on_time": 0.5, "reports": 0.5}  # a weight of 0 counts as not counted
    huoqiu = by_name(board)["霍邱县"]
    # only on_time and reports count, 50/50: 100 × (0.5 × 0.8333 + 0.5 × 0.5) = 41.665 + 25 = 66.665 → 66.67 (half up)
    assert 100 * (D("0.5") * D("0.8333") + D("0.5") * D("0.5")) == D("66.665")
    assert huoqiu.score == 66.67
    assert set(huoqiu.components) == {"on_time", "reports"}


def test_a_bad_period_is_refused(ctx) -> None:
    for bad in ("2018Q5", "18Q4", "2018-Q4", "", "2018q4x"):
        with pytest.raises(PeriodError, match="考核期间"):
            score_board(plan(), bad, TODAY)


def test_the_scored_units_are_the_reporting_units(ctx) -> None:
    """Every county and every unit that reports each quarter is scored, and no other (one query, the same set)."""
    from app.reports.operations import reporting_units
    from app.scores.facts import scored_units

    scored = [(u.slug, u.kind) for u in scored_units(db.session, plan().id)]
    assert scored == [(u.slug, "county" if u.kind == "county" else "department")
                      for u, _ in reporting_units(db.session, plan().id)]
    assert [s for s, kind in scored if kind == "county"] == list(COUNTIES)
    assert len(scored) == 30
