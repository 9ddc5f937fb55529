"""Guards: what a trigger needs, checked before anything changes; every failing reason is returned."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_DOWN, Decimal
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


#: the one figure rule of self-assessments and quarterly reports: finite, not negative, at most
#: twelve digits before the point (a report's Numeric(14, 2) column) and two after it
MAX_FIGURE = Decimal("999999999999.99")
MAX_FIGURE_TEXT = "999,999,999,999.99"
TWO_PLACES = Decimal("0.01")
FIGURE_TEXT = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?")


def figure_value(label: str, value: Any) -> tuple[Decimal | None, str | None]:
    """``value`` (a number, or text typed into a screen) as a Decimal of two places, or why not.

    The reason names the figure by ``label`` (its Chinese title); a huge integer or a long run of
    digits is refused before any conversion."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None, f"“{label}”应填写数字"
    if isinstance(value, int):
        number = None if value < 0 or value > MAX_FIGURE else Decimal(value)
        if number is None:
            return None, (f"“{label}”不能为负数" if value < 0
                          else f"“{label}”不能超过 {MAX_FIGURE_TEXT}")
    elif isinstance(value, str):
        match = FIGURE_TEXT.fullmatch(value.strip())
        if match is None:
            return None, f"“{label}”应填写数字"
        if len(match.group(2).lstrip("0")) > 12 or len(match.group(3) or "") > 64:
            return None, (f"“{label}”不能为负数" if match.group(1) == "-"
                          else f"“{label}”不能超过 {MAX_FIGURE_TEXT}")
        number = Decimal(match.group(0))
    else:
        number = value if isinstance(value, Decimal) else Decimal(repr(value))
        if not number.is_finite():
            return None, f"“{label}”应填写有限的数字"
    if number < 0:
        return None, f"“{label}”不能为负数"
    if number > MAX_FIGURE:
        return None, f"“{label}”不能超过 {MAX_FIGURE_TEXT}"
    if number != number.quantize(TWO_PLACES, rounding=ROUND_DOWN):
        return None, f"“{label}”最多保留两位小数"
    return abs(number.quantize(TWO_PLACES)), None  # abs: "-0" is kept as 0.00


def figure_problems(figures: Any, allowed: Any, labels: Mapping[str, str] | None = None) -> list[str]:
    """Validate indicator figures: a non-empty mapping of known codes to figures that keep the figure rule."""
    if not isinstance(figures, Mapping) or not figures:
        return ["必须填写各项指标完成数据"]
    problems: list[str] = []
    allowed_codes = set(allowed) if allowed else None
    for code, value in figures.items():
        if allowed_codes is not None and code not in allowed_codes:
            problems.append(f"指标“{code}”不属于本事项的考核指标")
            continue
        _number, problem = figure_value((labels or {}).get(code) or str(code), value)
        if problem:
            problems.append(problem)
    return problems


#: the fact naming the roles whose decisions need an approval opinion (审批意见) on an item: the
#: office's setting for the item's plan, given by the application (an item without it needs none)
OPINION_FACT = "opinion_roles"
OPINION_REASON = "请填写审批意见"


def opinion_required(sp: Spec, facts: Mapping[str, Any]) -> bool:
    """Whether a decision by ``sp`` needs an approval opinion: one of its roles is in ``opinion_roles``."""
    roles = facts.get(OPINION_FACT) or ()
    return any(role.value in roles for role in sp.roles)


def figure_marks(typed: Mapping[str, Any], labels: Mapping[str, str], *, required: bool = False
                 ) -> dict[str, str]:
    """Code → why the figure typed for it is refused, named by its label (blank ones too when
    ``required``): which inputs a screen marks beside the reasons the guard gave."""
    marks: dict[str, str] = {}
    for code, label in labels.items():
        value = typed.get(code)
        text = value.replace(",", "").replace("，", "") if isinstance(value, str) else value
        if text is None or (isinstance(text, str) and not text.strip()):
            if required:
                marks[code] = f"“{label or code}”未填报"
            continue
        _number, problem = figure_value(label or str(code), text)
        if problem:
            marks[code] = problem
    return marks


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
            reasons.extend(figure_problems(data.get("figures"), facts.get("indicator_codes"),
                                           facts.get("indicator_labels")))
        elif req is R.report and not _text(data.get("report")):
            reasons.append("必须填写整改报告")
        elif req is R.evidence and int(facts.get("evidence_in_phase", 0)) < 1:
            reasons.append("本阶段至少需要上传一份证明材料")
        elif req in (R.fields, R.notice_fields) and (missing := _missing_fields(facts)):
            reasons.append("以下必填项未填写：" + "、".join(missing))
        elif req is R.plan_document and not facts.get("has_plan_document"):
            reasons.append("必须上传实施方案")
    if R.comment not in sp.requires and not _text(comment) and opinion_required(sp, facts):
        reasons.append(OPINION_REASON)
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
