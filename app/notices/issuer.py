"""The issuer of notices (发文机关): one source for the red mark, bodies, signatures, numbers and /verify.

The three names live on the current plan (loaded from the plan data file, editable by the
administrator on the 发文机关 screen). An issued notice keeps the names it was issued under.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.audit.models import AdminEvent
from app.clock import utcnow
from app.extensions import db
from app.plans.models import Plan
from workflows.audit import canonical_json
from workflows.errors import GuardFailed

MAX_NAME = 100
MAX_CODE = 32


@dataclass(frozen=True)
class Issuer:
    #: the full name on the red mark (发文机关标志) and as 印发机关, e.g. 六安市电商工作领导小组办公室
    name: str
    #: the name in bodies and in the signature (落款), e.g. 市电商工作领导小组办公室
    short_name: str
    #: 发文代字, e.g. 六电商办
    code: str

    def mark(self, letter: bool) -> str:
        """发文机关标志: the name, followed by 文件 on a general notice (not on a letter)."""
        return self.name if letter else f"{self.name}文件"


def plan_issuer(plan: Plan) -> Issuer:
    return Issuer(plan.notice_issuer_name, plan.notice_issuer_short_name or plan.notice_issuer_name,
                  plan.notice_issuer_code)


def notice_issuer(notice: Any, plan: Plan) -> Issuer:
    """The names an issued notice was issued under; the plan's current ones for a draft."""
    current = plan_issuer(plan)
    if getattr(notice, "issuer_name", None):
        return Issuer(notice.issuer_name, notice.issuer_short_name or notice.issuer_name,
                      notice.issuer_code or current.code)
    return current


def _fields(plan: Plan) -> dict[str, str]:
    return {"issuer_name": plan.notice_issuer_name, "issuer_short_name": plan.notice_issuer_short_name,
            "issuer_code": plan.notice_issuer_code}


def update_issuer(plan: Plan, *, name: str, short_name: str, code: str, actor: str,
                  actor_id: int | None) -> dict[str, list[str]]:
    """Change the three names for new notices (logged in 管理日志); GuardFailed lists every problem."""
    name, short_name, code = (name or "").strip(), (short_name or "").strip(), (code or "").strip()
    problems: list[str] = []
    if not name or len(name) > MAX_NAME:
        problems.append(f"请填写发文机关全称（最多 {MAX_NAME} 个字符）")
    if not short_name or len(short_name) > MAX_NAME:
        problems.append(f"请填写正文和落款中的发文机关名称（最多 {MAX_NAME} 个字符）")
    if not code or len(code) > MAX_CODE or any(c in code for c in "〔〕[]() \t"):
        problems.append(f"请填写发文代字（最多 {MAX_CODE} 个字符，不含括号和空格）")
    if problems:
        raise GuardFailed(problems)
    before = _fields(plan)
    plan.notice_issuer_name, plan.notice_issuer_short_name, plan.notice_issuer_code = name, short_name, code
    changes = {k: [before[k], v] for k, v in _fields(plan).items() if before[k] != v}
    if changes:
        db.session.add(AdminEvent(at=utcnow(), actor=actor, actor_id=actor_id, action="update_issuer",
                                  target_type="plan", target_id=plan.id, target=plan.code,
                                  changes_json=canonical_json(changes)))
    db.session.flush()
    return changes
