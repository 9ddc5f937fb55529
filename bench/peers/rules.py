"""What the peers check around their library, written once for both: who may fire what, and guards.

The same rules as WORKFLOWS.md for the benchmarked path, kept as plain tables so the peers do not
borrow PlanDesk's engine. ``can_act`` mirrors visibility + role + own unit; ``guard_problems`` mirrors
the requirements of each step (evidence, self-assessment text and figures, findings, decision).
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from workflows.errors import NotFound, NotPermitted
from workflows.roles import CITY_WIDE_ROLES, Actor, Role

CF, CR = Role.county_filer, Role.county_reviewer
CITY, OFFICE = Role.city_reviewer, Role.office_approver

#: (state, trigger) → (roles, own unit only, title): the rows of the application table the path uses,
#: plus the alternatives out of the same states, so a lookup costs what it would in a full table.
PERMISSIONS: dict[tuple[str, str], tuple[frozenset[Role], bool, str]] = {
    ("mobilization.draft", "submit"): (frozenset({CF}), True, "提交申报"),
    ("mobilization.county_review", "endorse"): (frozenset({CR}), True, "审核通过并报市"),
    ("mobilization.county_review", "send_back"): (frozenset({CR}), True, "退回"),
    ("mobilization.county_review", "withdraw"): (frozenset({CF}), True, "撤回"),
    ("mobilization.city_review", "accept"): (frozenset({CITY}), False, "确定为创建对象"),
    ("mobilization.city_review", "send_back"): (frozenset({CITY}), False, "退回"),
    ("mobilization.city_review", "withdraw"): (frozenset({CR}), True, "撤回"),
    ("mobilization.city_review", "reject"): (frozenset({OFFICE}), False, "不予通过"),
    ("implementation", "start_self_assessment"): (frozenset({CF}), True, "开始自查评估"),
    ("self_assessment.draft", "submit"): (frozenset({CF}), True, "提交自查评估"),
    ("self_assessment.county_review", "endorse"): (frozenset({CR}), True, "审核通过并申请验收"),
    ("self_assessment.county_review", "send_back"): (frozenset({CR}), True, "退回"),
    ("acceptance.inspection", "pass"): (frozenset({OFFICE}), False, "验收通过"),
    ("acceptance.inspection", "order_rectification"): (frozenset({OFFICE}), False, "责令限期整改"),
    ("acceptance.inspection", "reject"): (frozenset({OFFICE}), False, "验收不通过"),
    ("acceptance.provincial_review", "record_provincial_decision"): (frozenset({OFFICE}), False,
                                                                     "录入省级认定结果"),
    ("consolidation", "revoke"): (frozenset({OFFICE}), False, "撤销示范称号"),
}


def can_act(actor: Actor, state: str, trigger: str, unit: str | None, county: str | None) -> str:
    """The title of the step when ``actor`` may fire ``trigger`` on an item in ``state`` of ``unit``;
    raises NotFound (cannot see the item) or NotPermitted (wrong role or unit)."""
    if actor.role not in CITY_WIDE_ROLES and (actor.unit is None or actor.unit not in (unit, county)):
        raise NotFound()
    rule = PERMISSIONS.get((state, trigger))
    if rule is None:
        raise NotPermitted()  # the library itself refuses triggers that do not exist here
    roles, own, title = rule
    if actor.role not in roles or (own and actor.unit != unit):
        raise NotPermitted()
    return title


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _figures_ok(figures: Any, codes: Any) -> bool:
    if not isinstance(figures, Mapping) or not figures:
        return False
    allowed = set(codes) if codes else None
    for code, value in figures.items():
        if allowed is not None and code not in allowed:
            return False
        if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
            return False
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return False
        if not number.is_finite() or number < 0:
            return False
    return True


def guard_problems(state: str, trigger: str, facts: Mapping[str, Any], data: Mapping[str, Any],
                   comment: str | None) -> list[str]:
    """Why the step may not happen (empty when it may): the same requirements as WORKFLOWS.md."""
    problems: list[str] = []
    evidence = int(facts.get("evidence_in_phase", 0)) >= 1
    if (state, trigger) == ("mobilization.draft", "submit"):
        if facts.get("missing_fields"):
            problems.append("missing fields")
        if not evidence:
            problems.append("no evidence in this phase")
    elif (state, trigger) == ("self_assessment.draft", "submit"):
        if not _text(data.get("text")):
            problems.append("no self-assessment text")
        if not _figures_ok(data.get("figures"), facts.get("indicator_codes")):
            problems.append("figures missing or invalid")
        if not evidence:
            problems.append("no evidence in this phase")
    elif trigger == "pass":
        if not _text(data.get("findings")):
            problems.append("no findings")
    elif trigger == "record_provincial_decision":
        if data.get("decision") not in ("approved", "rejected"):
            problems.append("no decision")
        if not _text(data.get("document_number")):
            problems.append("no document number")
    elif trigger in ("send_back", "withdraw", "reject", "revoke", "order_rectification") and not _text(comment):
        problems.append("no comment")
    return problems
