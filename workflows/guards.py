"""Guards: what a trigger needs, checked before anything changes; every failing reason is returned."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from workflows.base import Requirement as R
from workflows.base import Spec


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_iso_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def missing_required(required: Sequence[tuple[str, str]], values: Mapping[str, Any]) -> list[str]:
    """The labels of the ``required`` (key, label) inputs that ``values`` leaves blank, in order."""
    missing: list[str] = []
    for key, label in required:
        value = values.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(label)
    return missing


def figure_problems(figures: Any, allowed: Any) -> list[str]:
    """Validate indicator figures: a non-empty mapping of known codes to non-negative numbers."""
    if not isinstance(figures, Mapping) or not figures:
        return ["必须填写各项指标完成数据"]
    problems: list[str] = []
    allowed_codes = set(allowed) if allowed else None
    for code, value in figures.items():
        if allowed_codes is not None and code not in allowed_codes:
            problems.append(f"指标“{code}”不属于本事项的考核指标")
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
            problems.append(f"指标“{code}”的数据必须是数字")
            continue
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            problems.append(f"指标“{code}”的数据必须是数字")
            continue
        if not number.is_finite() or number < 0:
            problems.append(f"指标“{code}”的数据不能为负数")
    return problems


def guard_reasons(sp: Spec, *, facts: Mapping[str, Any], comment: str | None, data: Mapping[str, Any],
                  today: date) -> list[str]:
    """Every reason the guard of ``sp`` refuses these inputs, in Chinese; empty when it holds."""
    reasons: list[str] = []
    for req in sp.requires:
        if req is R.comment and not _text(comment):
            reasons.append(f"{sp.title}必须填写理由")
        elif req is R.deadline:
            deadline = parse_iso_date(data.get("deadline"))
            if deadline is None:
                reasons.append("必须设定整改期限（日期格式 YYYY-MM-DD）")
            elif deadline <= today:
                reasons.append("整改期限必须晚于今天")
        elif req is R.findings and not _text(data.get("findings")):
            reasons.append("必须填写检查验收意见")
        elif req is R.decision and data.get("decision") not in ("approved", "rejected"):
            reasons.append("必须选择省级认定结果：approved（认定）或 rejected（未认定）")
        elif req is R.document_number and not _text(data.get("document_number")):
            reasons.append("必须填写省级认定文件的文号")
        elif req is R.text and not _text(data.get("text")):
            reasons.append("必须填写自查评估报告")
        elif req is R.figures:
            reasons.extend(figure_problems(data.get("figures"), facts.get("indicator_codes")))
        elif req is R.report and not _text(data.get("report")):
            reasons.append("必须填写整改报告")
        elif req is R.evidence and int(facts.get("evidence_in_phase", 0)) < 1:
            reasons.append("本阶段至少需要上传一份证明材料")
        elif req in (R.fields, R.notice_fields) and (missing := _missing_fields(facts)):
            reasons.append("以下必填项未填写：" + "、".join(missing))
        elif req is R.plan_document and not facts.get("has_plan_document"):
            reasons.append("必须上传实施方案")
    return reasons


def _missing_fields(facts: Mapping[str, Any]) -> list[str]:
    """Blank required inputs: ``required_fields`` (the category's definition, as data) checked against
    ``field_values``; plus any ``missing_fields`` the caller worked out itself (a notice's columns)."""
    missing = list(facts.get("missing_fields") or [])
    required = facts.get("required_fields")
    if required:
        missing += [label for label in missing_required(required, facts.get("field_values") or {})
                    if label not in missing]
    return missing
