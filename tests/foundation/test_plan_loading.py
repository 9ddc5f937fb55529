"""The shipped plan in the database: every task, quota and assignment; loading is idempotent and atomic."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select, text

from app.extensions import db
from app.tasks.loading import DEFAULT_PLAN_FILE, load_plan_file
from app.plans.models import AnnexTask, AnnexTaskUnit, Indicator, Plan, Target
from app.plans.schema import PlanDataError
from app.tasks.models import TaskAssignment
from app.units.models import Unit

SNAPSHOT_TABLES = ("units", "plans", "plan_phases", "indicators", "targets", "categories", "annex_tasks",
                   "annex_task_units", "items", "task_assignments", "audit_events")


def snapshot() -> dict[str, list[tuple]]:
    return {t: [tuple(r) for r in db.session.execute(text(f"SELECT * FROM {t} ORDER BY 1"))] for t in SNAPSHOT_TABLES}


def raw_plan() -> dict:
    return yaml.safe_load(DEFAULT_PLAN_FILE.read_text(encoding="utf-8"))


def test_plan_rows(ctx) -> None:
    plan = db.session.scalar(select(Plan).where(Plan.is_current.is_(True)))
    assert plan.document_number == "六政办秘〔2018〕143号"
    assert [p.code for p in plan.phases] == ["mobilization", "implementation", "self_assessment", "acceptance",
                                             "rectification", "consolidation"]
    assert [t.number for t in plan.tasks] == list(range(1, 19))
    counties = db.session.scalars(select(Unit).where(Unit.kind == "county").order_by(Unit.code)).all()
    assert {(u.slug, u.code) for u in counties} == {
        ("jinan", "341502"), ("yuan", "341503"), ("yeji", "341504"), ("huoqiu", "341522"),
        ("shucheng", "341523"), ("jinzhai", "341524"), ("huoshan", "341525")}
    # every per-county quota row sums to its city-wide figure, in the database
    indicators = db.session.scalars(select(Indicator).where(Indicator.plan_id == plan.id)).all()
    assert len(indicators) == 16
    with_quota = 0
    for ind in indicators:
        city = db.session.scalar(select(Target.figure).where(Target.indicator_id == ind.id, Target.unit_id.is_(None)))
        per_county = db.session.scalars(select(Target.figure).where(Target.indicator_id == ind.id,
                                                                    Target.unit_id.is_not(None))).all()
        if per_county:
            with_quota += 1
            assert len(per_county) == 7 and sum(per_county, Decimal(0)) == city, ind.code
    assert with_quota == 12
    huoqiu_village = db.session.scalar(
        select(Target.figure).join(Indicator).join(Unit, Unit.id == Target.unit_id)
        .where(Indicator.code == "provincial_demo_village", Unit.slug == "huoqiu"))
    assert huoqiu_village == 4


def test_one_assignment_per_responsible_unit(ctx) -> None:
    raw = raw_plan()
    county_slugs = {u["slug"] for u in raw["units"] if u["kind"] == "county"}
    groups = {name: sorted(county_slugs) if members == "counties" else members
              for name, members in raw["groups"].items()}

    def expand(entries: list[str]) -> list[str]:
        out: list[str] = []
        for e in entries:
            out.extend(groups.get(e, [e]))  # a group (各县区人民政府, 市电商工作领导小组成员单位) is its members
        return out

    expected = {(t["number"], slug, True) for t in raw["tasks"] for slug in expand(t["lead"])}
    expected |= {(t["number"], slug, False) for t in raw["tasks"] for slug in expand(t.get("cooperating", []))}
    rows = db.session.execute(
        select(AnnexTask.number, Unit.slug, TaskAssignment.is_lead)
        .join(AnnexTask, AnnexTask.id == TaskAssignment.annex_task_id)
        .join(Unit, Unit.id == TaskAssignment.assignee_id)).all()
    assert {tuple(r) for r in rows} == expected
    assert len(rows) == len(expected)
    # task 3 is led by each county: seven county assignments, in the initial state, with their county set
    task3 = db.session.scalars(select(TaskAssignment).join(AnnexTask)
                               .where(AnnexTask.number == 3, TaskAssignment.is_lead)).all()
    assert sorted(a.county.slug for a in task3) == sorted(county_slugs)
    assert {a.state for a in task3} == {"mobilization.draft"} and {a.version for a in task3} == {1}
    assert db.session.scalar(select(func.count()).select_from(AnnexTaskUnit)) == len(expected)


def test_loading_twice_changes_nothing(ctx) -> None:
    before = snapshot()
    load_plan_file(DEFAULT_PLAN_FILE)
    db.session.commit()
    assert snapshot() == before


@pytest.mark.parametrize("mutation, message", [
    (lambda raw: raw["tasks"][0]["lead"].append("市不存在局"), "市不存在局"),
    (lambda raw: next(t for t in raw["targets"] if t["indicator"] == "provincial_demo_village")["per_county"]
     .update(huoqiu=99), "不等于"),
    (lambda raw: raw["tasks"][1].update(deadline="2018-13-45"), "日期"),
])
def test_bad_plan_file_changes_nothing(ctx, tmp_path: Path, mutation, message: str) -> None:
    raw = raw_plan()
    raw["tasks"].append({"number": 19, "title": "新增任务", "lead": ["commerce"], "cooperating": [],
                         "deadline": "2018-12-31"})
    mutation(raw)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    before = snapshot()
    with pytest.raises(PlanDataError) as err:
        load_plan_file(path)
    db.session.rollback()
    assert any(message in e for e in err.value.errors), err.value.errors
    assert snapshot() == before
