"""Quarterly progress report 季度进展报告 (``report``), WORKFLOWS.md."""
from __future__ import annotations

from workflows.base import Requirement as R
from workflows.base import StateEnum, Workflow, spec
from workflows.roles import Role


class ReportState(StateEnum):
    draft = "draft"
    county_review = "county_review"
    city_review = "city_review"
    accepted = "accepted"


S = ReportState
CF, CR, DF, CITY = Role.county_filer, Role.county_reviewer, Role.dept_filer, Role.city_reviewer

SPECS = (
    spec(S.draft, "submit", S.county_review, [CF], "提交季度报告", requires=[R.figures], when=["county_item"]),
    spec(S.draft, "submit", S.city_review, [DF], "提交季度报告", requires=[R.figures], when=["department_item"]),
    spec(S.county_review, "endorse", S.city_review, [CR], "审核通过并报市", when=["county_item"]),
    spec(S.county_review, "send_back", S.draft, [CR], "退回", requires=[R.comment], when=["county_item"]),
    spec(S.city_review, "send_back", S.draft, [CITY], "退回", own=False, requires=[R.comment]),
    spec(S.city_review, "accept", S.accepted, [CITY], "采纳", own=False),
)

REPORT = Workflow(
    name="report",
    title="季度进展报告",
    states=ReportState,
    initial=S.draft.value,
    finals=frozenset({S.accepted.value}),
    specs=SPECS,
    editable={S.draft.value: frozenset({CF, DF})},
)

#: a quarterly report's text sections (attribute, title), in the order shown and printed; required on
#: submit (``app.reports.texts``), each at most ``TEXT_MAX_CHARS`` characters
TEXT_SECTIONS: tuple[tuple[str, str], ...] = (("progress", "工作进展"), ("problems", "存在问题"),
                                              ("next_steps", "下步计划"))
TEXT_MAX_CHARS = 5000
