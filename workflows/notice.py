"""Notice 通报 (``notice``), WORKFLOWS.md."""
from __future__ import annotations

from workflows.base import Requirement as R
from workflows.base import StateEnum, Workflow, spec
from workflows.roles import Role

KINDS: dict[str, str] = {"criticism": "通报批评", "commendation": "通报表扬", "progress": "工作进展情况通报",
                         "approval_reply": "批复"}
#: the one length limit (characters) of each text field of a notice: screens, POST /notices and PATCH
TEXT_LIMITS: dict[str, int] = {"title": 200, "addressees": 500, "body": 20000, "copies": 1000, "attachments_note": 1000}
TEXT_LABELS: dict[str, str] = {"title": "标题", "addressees": "主送机关", "body": "正文", "copies": "抄送",
                               "attachments_note": "附件说明"}


class NoticeState(StateEnum):
    draft = "draft"
    review = "review"
    issued = "issued"
    revoked = "revoked"


S = NoticeState
CITY, OFFICE = Role.city_reviewer, Role.office_approver

SPECS = (
    # the office drafts (its drafting clerk, 市商务局审核人, or the office head) and submits; the office
    # head signs and issues (签发)
    spec(S.draft, "submit", S.review, [CITY, OFFICE], "提交签发", own=False, requires=[R.notice_fields]),
    spec(S.review, "send_back", S.draft, [OFFICE], "退回修改", own=False, requires=[R.comment]),
    spec(S.review, "issue", S.issued, [OFFICE], "签发", own=False, requires=[R.notice_fields]),
    spec(S.issued, "revoke", S.revoked, [OFFICE], "撤销", own=False, requires=[R.comment]),
)

NOTICE = Workflow(
    name="notice",
    title="通报",
    states=NoticeState,
    initial=S.draft.value,
    finals=frozenset({S.revoked.value}),
    specs=SPECS,
    editable={S.draft.value: frozenset({CITY, OFFICE})},
)
