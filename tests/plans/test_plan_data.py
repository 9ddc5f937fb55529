"""The shipped Lu'an plan data, checked against DOMAIN.md and CONTRACT.md, and parse_plan's refusals."""
import copy
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.plans.schema import (PHASE_CODES, PlanData, PlanDataError, parse_plan, read_plan_file,
                              resolve_unit, unit_text)

PLAN_FILE = Path(__file__).resolve().parents[2] / "app" / "plans" / "data" / "luan-2018-143.yaml"
COUNTIES = ("huoqiu", "shucheng", "jinzhai", "huoshan", "jinan", "yuan", "yeji")
C = "counties"  # 各县区人民政府 in the tables below
#: 市电商工作领导小组成员单位: the municipal units the plan gives duties to, but the lead of task 18
LEADING_GROUP_MEMBERS = ("agriculture", "tourism", "economy", "market_regulation", "postal_admin", "post_company",
                         "planning", "land", "development", "transport", "hrss", "supply_coop", "pboc",
                         "food_drug", "finance", "poverty", "forestry", "education", "disabled", "youth_league",
                         "women", "statistics")

DEPARTMENTS = {
    "commerce": "市商务局", "economy": "市经信委", "transport": "市交通运输局", "planning": "市规划局",
    "land": "市国土局", "postal_admin": "市邮政管理局", "development": "市发改委", "agriculture": "市农委",
    "market_regulation": "市工商质监局", "tourism": "市旅游委", "hrss": "市人社局", "youth_league": "团市委",
    "finance": "市财政局", "statistics": "市统计局", "inspection": "市政府督查室", "press": "市政府新闻办",
    "food_drug": "市食药监局", "poverty": "市扶贫办", "forestry": "市林业局", "education": "市教育局",
    "disabled": "市残联", "women": "市妇联", "supply_coop": "市供销社", "pboc": "人民银行六安中心支行",
    "post_company": "市邮政公司",
}
COUNTY_CODES = {"huoqiu": ("341522", "霍邱县"), "shucheng": ("341523", "舒城县"), "jinzhai": ("341524", "金寨县"),
                "huoshan": ("341525", "霍山县"), "jinan": ("341502", "金安区"), "yuan": ("341503", "裕安区"),
                "yeji": ("341504", "叶集区")}

# DOMAIN.md's table of the 18 annexed tasks: number -> (lead, cooperating).
TASK_UNITS: dict[int, tuple[list[str], list[str]]] = {
    1: (["commerce", C], ["agriculture", "tourism", "economy"]),
    2: ([C, "commerce"], ["agriculture", "tourism", "economy", "market_regulation"]),
    3: ([C], ["commerce"]),
    4: ([C, "postal_admin"], ["post_company"]),
    5: (["planning", "land"], ["development", "postal_admin", "post_company", C]),
    6: (["transport"], [C]),
    7: ([C, "commerce"], ["hrss", "agriculture", "transport", "supply_coop", "pboc", "postal_admin",
                          "post_company"]),
    8: (["agriculture", "market_regulation"], ["food_drug", "economy"]),
    9: ([C, "agriculture", "market_regulation"], ["food_drug"]),
    10: ([C], ["market_regulation", "agriculture", "tourism", "commerce"]),
    11: ([C], ["commerce", "agriculture", "hrss", "market_regulation"]),
    12: (["hrss"], [C, "commerce", "finance"]),
    13: ([C, "commerce"], ["finance", "poverty", "agriculture", "forestry", "hrss", "education", "disabled",
                           "youth_league", "women"]),
    14: (["youth_league"], ["commerce", "hrss"]),
    15: (["finance", "commerce"], [C]),
    16: (["commerce", C], ["agriculture", "tourism", "supply_coop", "youth_league", "post_company"]),
    17: (["statistics", "commerce"], ["agriculture", "tourism"]),
    18: (["commerce"], list(LEADING_GROUP_MEMBERS)),
}

# CONTRACT.md's indicator codes with the measure of the plan's figure.
MEASURES = {
    "online_sales": "亿元", "entities_over_10m": "个", "brands_over_1m": "种", "provincial_demo_county": "个",
    "provincial_demo_town": "个", "provincial_demo_village": "个", "provincial_demo_outlet": "个",
    "municipal_demo_town": "个", "municipal_demo_village": "个", "municipal_demo_outlet": "个",
    "provincial_demo_enterprise": "家", "new_ecommerce_entities": "个", "training_person_times": "人次",
    "sanpin_yibiao_online": "家", "trademark_enterprises_online": "个", "rural_roads_km": "公里",
}
CATEGORIES = ("provincial_demo_county", "provincial_demo_town", "provincial_demo_village",
              "provincial_demo_outlet", "provincial_demo_enterprise", "municipal_demo_town",
              "municipal_demo_village", "municipal_demo_outlet")


def expand(entries: list[str]) -> tuple[str, ...]:
    return tuple(s for e in entries for s in (COUNTIES if e == C else (e,)))


@pytest.fixture(scope="module")
def plan() -> PlanData:
    return read_plan_file(PLAN_FILE)


@pytest.fixture
def raw() -> dict[str, Any]:
    with open(PLAN_FILE, encoding="utf-8") as f:
        document: dict[str, Any] = yaml.safe_load(f)
    return document


def test_plan_header(plan: PlanData) -> None:
    assert plan.code == "luan-2018-143"
    assert (plan.document_number, plan.issued_on) == ("六政办秘〔2018〕143号", date(2018, 7, 25))
    assert plan.title == "六安市农村电商全覆盖巩固提升行动实施方案"
    assert plan.issuer == "六安市人民政府办公室"
    assert (plan.notice_issuer.unit, plan.notice_issuer.code) == ("leading_group_office", "六电商办")
    assert plan.review_working_days == 10


def test_units(plan: PlanData) -> None:
    by_slug = {u.slug: u for u in plan.units}
    assert {s: (u.code, u.name) for s, u in by_slug.items() if u.kind == "county"} == COUNTY_CODES
    assert tuple(u.slug for u in plan.counties) == COUNTIES
    assert {s: u.name for s, u in by_slug.items() if u.kind == "department"} == DEPARTMENTS
    assert by_slug["leading_group_office"].name == "市电商工作领导小组办公室"
    assert not any(u.kind == "group" for u in plan.units)  # a group is its members, never one pseudo-unit
    assert by_slug["kaifaqu"].kind == "zone"
    assert plan.groups == {"各县区人民政府": COUNTIES, "市电商工作领导小组成员单位": LEADING_GROUP_MEMBERS}


@pytest.mark.parametrize("name, slugs", [
    ("市发改委", ["development"]),
    ("市发展改革委", ["development"]),
    ("development", ["development"]),
    ("各县区人民政府", list(COUNTIES)),
    ("各县\n区人民政府", list(COUNTIES)),
    ("市电子商务工作领导小组办公室", ["leading_group_office"]),
    ("人民银行六安中心支行", ["pboc"]),
    ("市妇联等", ["women"]),
    ("开发区管委", ["kaifaqu"]),
    ("市XX局", []),
    ("", []),
])
def test_resolve_unit(plan: PlanData, name: str, slugs: list[str]) -> None:
    assert resolve_unit(name, plan.units, plan.groups) == slugs


def test_resolve_unit_defaults_to_the_county_group(plan: PlanData) -> None:
    assert resolve_unit("各县区人民政府", plan.units) == list(COUNTIES)


def test_phases(plan: PlanData) -> None:
    assert tuple(p.code for p in plan.phases) == PHASE_CODES
    assert [(p.title, p.deadline) for p in plan.phases] == [
        ("动员部署", date(2018, 7, 31)), ("全面推进", date(2018, 10, 31)), ("自查评估", date(2019, 2, 28)),
        ("检查验收", date(2019, 2, 28)), ("限期整改", None), ("持续提升", None)]
    assert all(p.step for p in plan.phases)


def test_all_18_tasks(plan: PlanData) -> None:
    assert [t.number for t in plan.tasks] == list(range(1, 19))
    for task in plan.tasks:
        lead, cooperating = TASK_UNITS[task.number]
        assert (task.lead, task.cooperating) == (expand(lead), expand(cooperating)), task.number
        assert task.title and " " not in task.title
        expected = {15: date(2018, 7, 31), 18: date(2019, 2, 28)}.get(task.number, date(2018, 12, 31))
        assert task.deadline == expected, task.number
    titles = {t.number: t.title for t in plan.tasks}
    assert titles[1] == "力争全市农村产品网络销售额达到65亿元。"
    assert titles[14] == "举办我市农村电商青年创业大赛。"
    assert titles[18] == "组织开展检查验收"
    assert titles[5].endswith("保障县域电商快递物流基础设施建设用地。")  # the row crossing a page break


def test_tasks_name_the_indicators_their_text_sets(plan: PlanData) -> None:
    assert {t.number: t.indicators for t in plan.tasks if t.indicators} == {
        1: ("online_sales",),
        2: ("entities_over_10m", "brands_over_1m"),
        3: ("provincial_demo_town", "provincial_demo_village", "municipal_demo_town",
            "municipal_demo_village"),
        6: ("rural_roads_km",),
        7: ("provincial_demo_outlet", "municipal_demo_outlet"),
        9: ("sanpin_yibiao_online", "trademark_enterprises_online"),
        10: ("new_ecommerce_entities",),
        11: ("training_person_times",),
    }


def test_unit_text_writes_groups_back(plan: PlanData) -> None:
    lead = next(t for t in plan.tasks if t.number == 1).lead
    assert unit_text(lead, plan.units, plan.groups) == "市商务局、各县区人民政府"
    assert unit_text(("yeji", "huoqiu"), plan.units, plan.groups) == "叶集区、霍邱县"


def test_indicators_of_the_contract(plan: PlanData) -> None:
    assert {i.code: i.measure for i in plan.indicators} == MEASURES
    assert all(i.title for i in plan.indicators)


def test_per_county_quotas_sum_to_the_city_figure(plan: PlanData) -> None:
    split = [t for t in plan.targets if t.per_county]
    assert len(split) == 12
    for target in split:
        assert tuple(target.per_county) == COUNTIES, target.indicator
        assert sum(target.per_county.values(), Decimal(0)) == target.target, target.indicator


@pytest.mark.parametrize("indicator, target, per_county", [
    ("provincial_demo_village", 21, (4, 4, 3, 3, 3, 3, 1)),
    ("provincial_demo_outlet", 43, (8, 8, 6, 6, 6, 6, 3)),
    ("municipal_demo_town", 9, (2, 2, 1, 1, 1, 1, 1)),
    ("municipal_demo_village", 30, (6, 6, 4, 4, 4, 4, 2)),
    ("municipal_demo_outlet", 56, (10, 10, 8, 8, 8, 8, 4)),
    ("new_ecommerce_entities", 615, (110, 80, 80, 80, 110, 110, 45)),
    ("training_person_times", 12800, (2500, 1600, 1600, 1600, 2500, 2500, 500)),
    ("sanpin_yibiao_online", 21, (3,) * 7),
    ("online_sales", 65, ()),
    ("provincial_demo_county", 1, ()),
    ("provincial_demo_enterprise", 7, ()),
    ("rural_roads_km", 4451, ()),
])
def test_known_figures(plan: PlanData, indicator: str, target: int, per_county: tuple[int, ...]) -> None:
    found = next(t for t in plan.targets if t.indicator == indicator)
    assert found.target == target
    assert tuple(found.per_county.values()) == per_county
    if per_county:
        assert sum(per_county) == target


def test_categories_have_checklists(plan: PlanData) -> None:
    assert tuple(c.code for c in plan.categories) == CATEGORIES
    for category in plan.categories:
        assert category.indicator == category.code
        assert category.level == category.code.split("_")[0]
        assert category.title and category.site_label
        assert 3 <= len(category.checklist) <= 5
        assert all(item.code and item.title and item.measure for item in category.checklist)
    village = next(c for c in plan.categories if c.code == "provincial_demo_village")
    assert village.site_label == "村名"


def target_of(raw: dict[str, Any], indicator: str) -> dict[str, Any]:
    return next(t for t in raw["targets"] if t["indicator"] == indicator)


def task_of(raw: dict[str, Any], number: int) -> dict[str, Any]:
    return next(t for t in raw["tasks"] if t["number"] == number)


MUTATIONS = [
    ("quota not summing", lambda r: target_of(r, "provincial_demo_village")["per_county"].update(yeji=2),
     "目标“provincial_demo_village”：各县区分解数合计22，不等于全市目标21"),
    ("quota for a non-county",
     lambda r: target_of(r, "provincial_demo_town")["per_county"].update(commerce=0),
     "目标“provincial_demo_town”：分解单位“commerce”不是县区"),
    ("unknown indicator", lambda r: r["targets"].append({"indicator": "happiness", "target": 1}),
     "目标“happiness”：未知指标“happiness”"),
    ("unknown unit in a task", lambda r: task_of(r, 3)["lead"].append("市XX局"), "任务3：未知单位“市XX局”"),
    ("unknown indicator in a task", lambda r: task_of(r, 1)["indicators"].append("joy"),
     "任务1：未知指标“joy”"),
    ("unit both lead and cooperating", lambda r: task_of(r, 14)["cooperating"].append("团市委"),
     "任务14：单位“团市委”既是牵头责任单位又是配合单位"),
    ("duplicate task number", lambda r: task_of(r, 18).update(number=17), "任务序号17重复"),
    ("non-integer task number", lambda r: task_of(r, 18).update(number="十八"),
     "任务“十八”：字段“number”应为正整数"),
    ("bad date", lambda r: task_of(r, 6).update(deadline="2018-02-30"),
     "任务6：字段“deadline”的日期“2018-02-30”无效"),
    ("non-ISO date", lambda r: task_of(r, 6).update(deadline="2018年12月31日"), "任务6：字段“deadline”的日期"),
    ("missing deadline", lambda r: task_of(r, 6).pop("deadline"), "任务6：缺少字段“deadline”"),
    ("duplicate unit slug",
     lambda r: r["units"].append({"slug": "commerce", "name": "市商务厅", "kind": "department"}),
     "单位标识“commerce”重复"),
    ("unknown unit kind", lambda r: r["units"][0].update(kind="ministry"), "类型“ministry”无效"),
    ("duplicate indicator", lambda r: r["indicators"].append(dict(r["indicators"][0])),
     "指标代码“online_sales”重复"),
    ("phases out of order", lambda r: r["phases"].reverse(), "阶段（phases）：应依次为mobilization"),
    ("phase missing", lambda r: r["phases"].pop(), "实为mobilization、implementation、self_assessment、acceptance、"
                                                   "rectification"),
    ("category with unknown indicator", lambda r: r["categories"][0].update(indicator="nothing"),
     "类别“provincial_demo_county”：未知指标“nothing”"),
    ("empty checklist", lambda r: r["categories"][0].update(checklist=[]), "检查项（checklist）不能为空"),
    ("misspelt key", lambda r: task_of(r, 2).update(cooperation=[]), "任务2：未知字段“cooperation”"),
    ("bad issue date", lambda r: r["plan"].update(issued_on="25/07/2018"), "方案（plan）：字段“issued_on”的日期"),
]


@pytest.mark.parametrize("mutate, message", [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS])
def test_mutated_plan_is_refused(raw: dict[str, Any], mutate: Any, message: str) -> None:
    parse_plan(copy.deepcopy(raw))  # the unmutated document passes
    mutate(raw)
    with pytest.raises(PlanDataError) as refused:
        parse_plan(raw)
    assert any(message in e for e in refused.value.errors), refused.value.errors


def test_every_problem_is_reported_at_once(raw: dict[str, Any]) -> None:
    task_of(raw, 1)["lead"].append("市XX局")
    task_of(raw, 2)["deadline"] = "soon"
    target_of(raw, "training_person_times")["target"] = 12000
    with pytest.raises(PlanDataError) as refused:
        parse_plan(raw)
    assert len(refused.value.errors) == 3
    assert "市XX局" in str(refused.value) and "soon" in str(refused.value) and "12000" in str(refused.value)


def test_unparseable_yaml_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "plan.yaml"
    bad.write_text("plan: [unclosed\n", encoding="utf-8")
    with pytest.raises(PlanDataError, match="YAML格式错误"):
        read_plan_file(bad)


def test_impossible_date_in_yaml_is_reported_not_crashed(tmp_path: Path) -> None:
    text = PLAN_FILE.read_text(encoding="utf-8").replace("issued_on: 2018-07-25", "issued_on: 2018-02-30")
    bad = tmp_path / "plan.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(PlanDataError, match="issued_on.*2018-02-30"):
        read_plan_file(bad)
