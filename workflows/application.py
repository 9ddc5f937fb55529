"""Demo-site application 示范创建申报 (``application``), WORKFLOWS.md."""
from __future__ import annotations

from workflows.base import Requirement as R
from workflows.base import StateEnum, Workflow, spec
from workflows.roles import Role

CATEGORIES: tuple[str, ...] = (
    "provincial_demo_county", "provincial_demo_town", "provincial_demo_village", "provincial_demo_outlet",
    "provincial_demo_enterprise", "municipal_demo_town", "municipal_demo_village", "municipal_demo_outlet",
)


class ApplicationState(StateEnum):
    mobilization_draft = "mobilization.draft"
    mobilization_county_review = "mobilization.county_review"
    mobilization_city_review = "mobilization.city_review"
    mobilization_office_review = "mobilization.office_review"
    implementation = "implementation"
    self_assessment_draft = "self_assessment.draft"
    self_assessment_county_review = "self_assessment.county_review"
    acceptance_inspection = "acceptance.inspection"
    acceptance_provincial_review = "acceptance.provincial_review"
    rectification_draft = "rectification.draft"
    rectification_county_review = "rectification.county_review"
    consolidation = "consolidation"
    rejected = "rejected"
    revoked = "revoked"


S = ApplicationState
CF, CR = Role.county_filer, Role.county_reviewer
CITY, OFFICE = Role.city_reviewer, Role.office_approver

SPECS = (
    spec(S.mobilization_draft, "submit", S.mobilization_county_review, [CF], "提交申报",
         requires=[R.fields, R.evidence]),
    spec(S.mobilization_county_review, "endorse", S.mobilization_city_review, [CR], "审核通过并报市"),
    spec(S.mobilization_county_review, "send_back", S.mobilization_draft, [CR], "退回", requires=[R.comment]),
    spec(S.mobilization_city_review, "send_back", S.mobilization_draft, [CITY], "退回", own=False,
         requires=[R.comment]),
    spec(S.mobilization_county_review, "withdraw", S.mobilization_draft, [CF], "撤回", requires=[R.comment]),
    spec(S.mobilization_city_review, "withdraw", S.mobilization_county_review, [CR], "撤回",
         requires=[R.comment]),
    # the office decides whether a city acceptance needs its approval (the fact ``office_approves``)
    spec(S.mobilization_city_review, "accept", S.implementation, [CITY], "确定为创建对象", own=False,
         when=["city_decides"]),
    spec(S.mobilization_city_review, "accept", S.mobilization_office_review, [CITY], "确定为创建对象（报办公室审批）",
         own=False, when=["office_approves"]),
    spec(S.mobilization_office_review, "approve", S.implementation, [OFFICE], "审批同意", own=False),
    spec(S.mobilization_office_review, "send_back", S.mobilization_city_review, [OFFICE], "退回市级审核",
         own=False, requires=[R.comment]),
    spec(S.mobilization_office_review, "reject", S.rejected, [OFFICE], "不予通过", own=False,
         requires=[R.comment]),
    spec(S.mobilization_city_review, "reject", S.rejected, [OFFICE], "不予通过", own=False,
         requires=[R.comment]),
    spec(S.implementation, "start_self_assessment", S.self_assessment_draft, [CF], "开始自查评估"),
    spec(S.self_assessment_draft, "submit", S.self_assessment_county_review, [CF], "提交自查评估",
         requires=[R.text, R.figures, R.evidence]),
    spec(S.self_assessment_county_review, "endorse", S.acceptance_inspection, [CR], "审核通过并申请验收"),
    spec(S.self_assessment_county_review, "send_back", S.self_assessment_draft, [CR], "退回",
         requires=[R.comment]),
    spec(S.acceptance_inspection, "pass", S.consolidation, [OFFICE], "验收通过", own=False,
         requires=[R.findings], when=["municipal"]),
    spec(S.acceptance_inspection, "pass", S.acceptance_provincial_review, [OFFICE], "验收通过并报省认定",
         own=False, requires=[R.findings], when=["provincial"]),
    spec(S.acceptance_provincial_review, "record_provincial_decision", S.consolidation, [OFFICE],
         "录入省级认定结果", own=False, requires=[R.decision, R.document_number], when=["approved"]),
    spec(S.acceptance_provincial_review, "record_provincial_decision", S.rejected, [OFFICE],
         "录入省级认定结果", own=False, requires=[R.decision, R.document_number], when=["declined"]),
    spec(S.acceptance_inspection, "order_rectification", S.rectification_draft, [OFFICE], "责令限期整改",
         own=False, requires=[R.comment, R.deadline]),
    spec(S.acceptance_inspection, "reject", S.rejected, [OFFICE], "验收不通过", own=False,
         requires=[R.comment]),
    spec(S.rectification_draft, "submit", S.rectification_county_review, [CF], "提交整改报告",
         requires=[R.report, R.evidence]),
    spec(S.rectification_county_review, "endorse", S.acceptance_inspection, [CR], "审核通过并申请复验"),
    spec(S.rectification_county_review, "send_back", S.rectification_draft, [CR], "退回",
         requires=[R.comment]),
    spec(S.consolidation, "revoke", S.revoked, [OFFICE], "撤销示范称号", own=False, requires=[R.comment]),
)

APPLICATION = Workflow(
    name="application",
    title="示范创建申报",
    states=ApplicationState,
    initial=S.mobilization_draft.value,
    finals=frozenset({S.rejected.value, S.revoked.value}),
    specs=SPECS,
    editable={S.mobilization_draft.value: frozenset({CF}), S.self_assessment_draft.value: frozenset({CF}),
              S.rectification_draft.value: frozenset({CF})},
)
