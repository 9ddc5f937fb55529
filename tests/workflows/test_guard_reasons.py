"""Each requirement's guard on its own: the exact reason for missing input, none for good input."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from workflows.base import Requirement as R
from workflows.base import spec
from workflows.guards import figure_problems, guard_reasons
from workflows.roles import Role

TODAY = date(2018, 7, 10)


def _reasons(req: R, *, facts: dict[str, Any] | None = None, data: dict[str, Any] | None = None,
             comment: str | None = "理由") -> list[str]:
    sp = spec("draft", "go", "review", [Role.county_filer], "送审", requires=[req])
    return guard_reasons(sp, facts=facts or {}, comment=comment, data=data or {}, today=TODAY)


@pytest.mark.parametrize("req, key, reason", [
    (R.findings, "findings", "必须填写检查验收意见"),
    (R.document_number, "document_number", "必须填写省级认定文件的文号"),
    (R.text, "text", "必须填写自查评估报告"),
    (R.report, "report", "必须填写整改报告"),
])
def test_a_text_input_must_not_be_blank(req: R, key: str, reason: str) -> None:
    for blank in (None, "", "  ", 5):
        assert _reasons(req, data={key: blank}) == [reason]
    assert _reasons(req, data={key: " 皖商〔2018〕12号 "}) == []


def test_a_provincial_decision_is_approved_or_rejected() -> None:
    reason = "必须选择省级认定结果：approved（认定）或 rejected（未认定）"
    for bad in (None, "", "APPROVED", "yes"):
        assert _reasons(R.decision, data={"decision": bad}) == [reason]
    for good in ("approved", "rejected"):
        assert _reasons(R.decision, data={"decision": good}) == []


def test_evidence_is_counted_from_the_facts() -> None:
    reason = "本阶段至少需要上传一份证明材料"
    assert _reasons(R.evidence) == [reason]
    assert _reasons(R.evidence, facts={"evidence_in_phase": 0}) == [reason]
    assert _reasons(R.evidence, facts={"evidence_in_phase": 1}) == []


@pytest.mark.parametrize("req", [R.fields, R.notice_fields])
def test_missing_fields_are_named(req: R) -> None:
    assert _reasons(req, facts={"missing_fields": ["建设地点", "联系人"]}) == ["以下必填项未填写：建设地点、联系人"]
    assert _reasons(req, facts={"missing_fields": []}) == [] and _reasons(req) == []


def test_missing_fields_concern_only_the_fields_requirements() -> None:
    facts = {"missing_fields": ["建设地点"], "evidence_in_phase": 1, "has_plan_document": True}
    for req in (R.evidence, R.plan_document, R.comment):
        assert _reasons(req, facts=facts) == []


def test_figures_are_a_mapping_of_known_codes_to_non_negative_numbers() -> None:
    assert figure_problems(None, None) == figure_problems({}, None) == figure_problems(["sales"], None) == \
        ["必须填写各项指标完成数据"]
    assert figure_problems({"sales": 0, "outlets": 0.5, "jobs": "3", "rate": Decimal("1.5")}, None) == []
    # the one figure rule: typed "NaN" and "Infinity" are no numbers; a float that is not finite is named so
    assert figure_problems({"a": True, "b": "many", "c": [1], "d": -1, "e": "NaN", "f": "Infinity",
                            "g": float("nan"), "h": float("inf"), "x": 1},
                           ["a", "b", "c", "d", "e", "f", "g", "h"]) == [
        "“a”应填写数字", "“b”应填写数字", "“c”应填写数字", "“d”不能为负数",
        "“e”应填写数字", "“f”应填写数字", "“g”应填写有限的数字",
        "“h”应填写有限的数字", "指标“x”不属于本事项的考核指标"]


def test_a_plan_document_must_be_uploaded() -> None:
    assert _reasons(R.plan_document) == ["必须上传实施方案"]
    assert _reasons(R.plan_document, facts={"has_plan_document": True}) == []
