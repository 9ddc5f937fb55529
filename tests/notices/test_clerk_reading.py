"""What a clerk who signs would not let through, read off the drafted text: counts that say "均" when
all are alike, a county's own notice that names the county, ties kept together, and a commendation's
先进个人 written and taken out again."""
from __future__ import annotations

from datetime import date
from typing import Any

from app.notices.drafting import (Individual, annexes_for, commendation_text, criticism_text, progress_text,
                                  with_individuals)

PLAN = ("六安市农村电商全覆盖巩固提升行动实施方案", "六政办秘〔2018〕143号")
ISSUER = "市电商工作领导小组办公室"


def _late(days: int, serious: bool, task: int) -> dict[str, Any]:
    return {"id": task, "type": "task", "title": f"任务{task}", "state": "implementation", "deadline": "2018-07-31",
            "days_late": days, "level": "seriously_overdue" if serious else "overdue", "task_number": task,
            "task_title": f"第{task}项任务"}


def _unit(slug: str, name: str, kind: str, late: list, rect: list = ()) -> dict[str, Any]:
    return {"unit": slug, "unit_name": name, "unit_kind": kind, "overdue_items": late, "failed_acceptances": [],
            "overdue_rectifications": list(rect), "behind_quotas": []}


def test_all_seriously_late_is_said_once_and_not_after_every_unit() -> None:
    facts = {"kind": "criticism", "as_of": "2018-10-12", "county": None, "units": [
        _unit("huoqiu", "霍邱县", "county", [_late(80, True, 1), _late(73, True, 2)]),
        _unit("commerce", "市商务局", "department", [_late(73, True, 1)])]}
    body = criticism_text(facts, *PLAN, None, ISSUER, date(2018, 10, 26))["body"]
    assert "3项工作事项超过方案规定时限仍未完成，且均已逾期30日以上（详见附件）" in body
    assert "霍邱县2项事项逾期未完成，最长逾期80天" in body and "市商务局1项事项逾期未完成，逾期73天" in body
    assert "其中严重逾期" not in body and "均逾期30日以上）" not in body
    # those late by the same days on one task share one figure
    late = annexes_for("criticism", facts)[0]
    assert late["columns"][3] == "逾期单位（逾期天数）"
    assert late["rows"][0][3] == "霍邱县（80天）；市商务局（73天）"


def test_some_seriously_late_are_counted() -> None:
    facts = {"kind": "criticism", "as_of": "2018-10-12", "county": None, "units": [
        _unit("huoqiu", "霍邱县", "county", [_late(45, True, 1), _late(12, False, 2), _late(12, False, 3)]),
        _unit("shucheng", "舒城县", "county", [_late(12, False, 3)])]}
    body = criticism_text(facts, *PLAN, None, ISSUER, date(2018, 10, 26))["body"]
    assert "4项工作事项超过方案规定时限仍未完成，其中逾期30日以上的1项（详见附件）" in body
    assert "霍邱县3项事项逾期未完成（其中逾期30日以上的1项），最长逾期45天" in body
    assert "多数单位能够按照方案要求推进工作，但仍有2个单位工作推进不力" in body
    rows = annexes_for("criticism", facts)[0]["rows"]
    assert rows[2][3] == "霍邱县、舒城县（均12天）"


def test_a_county_notice_names_the_county_and_lists_its_days_late() -> None:
    facts = {"kind": "criticism", "as_of": "2018-10-12", "county": "huoqiu", "units": [
        _unit("huoqiu", "霍邱县", "county", [_late(80, True, 1), _late(73, True, 2)],
              rect=[{**_late(84, True, 9), "type": "application", "title": "霍邱县大顾店村申报", "task_number": None,
                     "task_title": None, "deadline": "2018-07-20"}])]}
    text = criticism_text(facts, *PLAN, "霍邱县", ISSUER, date(2018, 10, 26))
    body = text["body"]
    assert text["title"] == "关于霍邱县2018年农村电商工作推进不力的通报"
    assert "从督查情况看，霍邱县工作推进不力：" in body and "多数单位" not in body and "1个单位" not in body
    assert "1项整改超过限期，逾期84天" in body
    assert "霍邱县工作推进不力，影响了" in body and "上述单位" not in body
    assert "（一）限期整改。请霍邱县认真查找原因" in body
    late = annexes_for("criticism", facts)[0]
    assert late["columns"] == ["序号", "事项", "方案规定时限", "逾期天数"]
    assert [row[3] for row in late["rows"]] == ["80", "73"]


def _progress(county_scores: list[tuple[str, float, int]], department_scores: list[tuple[str, float, int]],
              achieved: str = "0") -> dict[str, Any]:
    ranking = [{"unit": None, "unit_name": n, "kind": "county", "score": s, "rank": r} for n, s, r in county_scores]
    ranking += [{"unit": None, "unit_name": n, "kind": "department", "score": s, "rank": r}
                for n, s, r in department_scores]
    return {"kind": "progress", "as_of": "2018-09-30", "period": "2018Q3", "county": None, "ranking": ranking,
            "targets": [{"indicator": "a", "indicator_title": "省级电商示范村", "measure": "个", "target": "21",
                         "achieved": achieved},
                        {"indicator": "b", "indicator_title": "市级电商示范村", "measure": "个", "target": "30",
                         "achieved": "0"}]}


def test_the_bulletin_names_every_unit_tied_at_the_bottom_and_keeps_the_plans_order() -> None:
    facts = _progress([("金寨县", 33.3, 1), ("金安区", 33.3, 1), ("霍邱县", 15.0, 3), ("霍山县", 0.0, 4),
                       ("裕安区", 0.0, 4), ("叶集区", 0.0, 4)],
                      [("市商务局", 0.0, 1), ("市经信委", 0.0, 1), ("市农委", 0.0, 1)])
    body = progress_text(facts, *PLAN, ISSUER, date(2018, 10, 26))["body"]
    assert "各县区排名依次为：金寨县（33.3分）、金安区（33.3分）、霍邱县（15.0分）、霍山县（0.0分）、裕安区（0.0分）、" \
           "叶集区（0.0分）。" in body
    assert "金寨县、金安区工作推进有力" in body
    assert "霍山县、裕安区、叶集区工作进展相对滞后" in body
    assert "（二）市直部门排名。市直有关部门本期绩效考核得分相同，均为0.0分。" in body
    assert "市商务局（0.0分）" not in body
    assert "方案确定的2项全市目标任务均尚未取得实质进展（详见附件1）。" in body
    assert "已完成0项" not in body


def test_the_bulletin_names_only_the_groups_of_targets_that_have_any() -> None:
    facts = _progress([("金寨县", 50.0, 1), ("霍邱县", 10.0, 2)], [], achieved="21")
    body = progress_text(facts, *PLAN, ISSUER, date(2018, 10, 26))["body"]
    assert "方案确定的2项全市目标任务中，已完成1项，尚未取得实质进展的1项" in body
    assert "完成进度过半的0项" not in body


def test_a_commendation_with_individuals_names_them_in_its_title_and_the_body_round_trips() -> None:
    facts = {"kind": "commendation", "as_of": "2018-12-20", "county": None, "units": [
        {"unit": "jinzhai", "unit_name": "金寨县", "unit_kind": "county", "exceeded_quotas": [],
         "passed_first_time": [{"id": 1, "type": "application", "title": "大湾村申报", "passed_on": "2018-11-10"}]}]}
    people = [Individual("张明", "金寨县商务局", "带头推进大湾村电商服务站点建设")]
    plain = commendation_text(facts, *PLAN, None, ISSUER)
    named = commendation_text(facts, *PLAN, None, ISSUER, people)
    assert "1项申报事项一次性通过检查验收" in plain["body"] and "工作任务和申报事项" not in plain["body"]
    assert plain["title"].endswith("成效突出单位的通报") and named["title"].endswith("成效突出单位和个人的通报")
    assert with_individuals(plain["body"], people) == named["body"]
    assert with_individuals(named["body"], []) == plain["body"]


def test_a_reply_date_in_the_next_year_carries_its_year() -> None:
    """A criticism of late December asks for a reply in January: the year is written out, since "于1月14日前"
    under a notice dated 2018年12月28日 reads as a date already past; within the year it stays 月日."""
    units = [_unit("huoqiu", "霍邱县", "county", [_late(150, True, 1)])]
    december = criticism_text({"kind": "criticism", "as_of": "2018-12-28", "county": None, "units": units},
                              *PLAN, None, ISSUER, date(2019, 1, 14))["body"]
    assert "于2019年1月14日前将整改" in december and "于1月14日前" not in december
    october = criticism_text({"kind": "criticism", "as_of": "2018-10-12", "county": None, "units": units},
                             *PLAN, None, ISSUER, date(2018, 10, 26))["body"]
    assert "于10月26日前将整改" in october
