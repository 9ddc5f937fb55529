"""Task assignment 任务落实 (``task``), WORKFLOWS.md.

County assignments pass a county review step; department assignments go straight to the city.
"""
from __future__ import annotations

from workflows.base import Requirement as R
from workflows.base import StateEnum, Workflow, spec
from workflows.roles import Role


class TaskState(StateEnum):
    mobilization_draft = "mobilization.draft"
    mobilization_county_review = "mobilization.county_review"
    mobilization_city_review = "mobilization.city_review"
    implementation = "implementation"
    self_assessment_county_review = "self_assessment.county_review"
    self_assessment_city_review = "self_assessment.city_review"
    acceptance_inspection = "acceptance.inspection"
    rectification_draft = "rectification.draft"
    rectification_county_review = "rectification.county_review"
    consolidation = "consolidation"


S = TaskState
CF, CR, DF = Role.county_filer, Role.county_reviewer, Role.dept_filer
CITY, OFFICE = Role.city_reviewer, Role.office_approver
COUNTY, DEPT = ["county_item"], ["department_item"]

SPECS = (
    spec(S.mobilization_draft, "submit", S.mobilization_county_review, [CF], "提交实施方案",
         requires=[R.plan_document], when=COUNTY),
    spec(S.mobilization_draft, "submit", S.mobilization_city_review, [DF], "提交实施方案",
         requires=[R.plan_document], when=DEPT),
    spec(S.mobilization_county_review, "endorse", S.mobilization_city_review, [CR], "审核通过并报市",
         when=COUNTY),
    spec(S.mobilization_county_review, "send_back", S.mobilization_draft, [CR], "退回", requires=[R.comment],
         when=COUNTY),
    spec(S.mobilization_city_review, "send_back", S.mobilization_draft, [CITY], "退回", own=False,
         requires=[R.comment]),
    spec(S.mobilization_city_review, "file_plan", S.implementation, [CITY], "备案", own=False),
    spec(S.implementation, "submit_self_assessment", S.self_assessment_county_review, [CF], "提交自查评估",
         requires=[R.text, R.figures, R.evidence], when=COUNTY),
    spec(S.implementation, "submit_self_assessment", S.self_assessment_city_review, [DF], "提交自查评估",
         requires=[R.text, R.figures, R.evidence], when=DEPT),
    spec(S.self_assessment_county_review, "endorse", S.self_assessment_city_review, [CR], "审核通过并报市",
         when=COUNTY),
    spec(S.self_assessment_county_review, "send_back", S.implementation, [CR], "退回", requires=[R.comment],
         when=COUNTY),
    spec(S.self_assessment_city_review, "send_back", S.implementation, [CITY], "退回", own=False,
         requires=[R.comment]),
    spec(S.self_assessment_city_review, "schedule_inspection", S.acceptance_inspection, [CITY], "安排检查验收",
         own=False),
    spec(S.acceptance_inspection, "pass", S.consolidation, [OFFICE], "验收通过", own=False,
         requires=[R.findings]),
    spec(S.acceptance_inspection, "order_rectification", S.rectification_draft, [OFFICE], "责令限期整改",
         own=False, requires=[R.comment, R.deadline]),
    spec(S.rectification_draft, "submit", S.rectification_county_review, [CF], "提交整改报告",
         requires=[R.report], when=COUNTY),
    spec(S.rectification_draft, "submit", S.acceptance_inspection, [DF], "提交整改报告",
         requires=[R.report], when=DEPT),
    spec(S.rectification_county_review, "endorse", S.acceptance_inspection, [CR], "审核通过并申请复验",
         when=COUNTY),
    spec(S.rectification_county_review, "send_back", S.rectification_draft, [CR], "退回",
         requires=[R.comment], when=COUNTY),
)

TASK = Workflow(
    name="task",
    title="任务落实",
    states=TaskState,
    initial=S.mobilization_draft.value,
    finals=frozenset(),
    specs=SPECS,
    editable={S.mobilization_draft.value: frozenset({CF, DF}), S.implementation.value: frozenset({CF, DF}),
              S.rectification_draft.value: frozenset({CF, DF})},
    drafts_follow_plan=True,
)
