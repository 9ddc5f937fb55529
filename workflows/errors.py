"""Typed refusals of the engine, in the order the engine checks them."""
from __future__ import annotations


class WorkflowError(Exception):
    """Base of every refusal; ``code`` is the public error code, ``message`` is Chinese."""

    code = "workflow_error"
    http_status = 400
    default_message = "操作失败"
    #: keys of ``details`` an API answer also gives at its top level (beside "error" and "message")
    top_level: tuple[str, ...] = ()

    def __init__(self, message: str | None = None, *, details: dict | None = None) -> None:
        self.message = message or self.default_message
        self.details = details or {}
        super().__init__(self.message)


class NotFound(WorkflowError):
    code = "not_found"
    http_status = 404
    default_message = "事项不存在或无权查看"


class InvalidTransition(WorkflowError):
    code = "invalid_transition"
    http_status = 409
    default_message = "当前状态下不能执行该操作"


class NotPermitted(WorkflowError):
    code = "not_permitted"
    http_status = 403
    default_message = "您的角色或单位无权执行该操作"


class StaleVersion(WorkflowError):
    code = "stale_version"
    http_status = 409
    default_message = "该事项已被他人处理，请刷新后查看最新状态"


class GuardFailed(WorkflowError):
    code = "guard_failed"
    http_status = 422
    default_message = "操作条件不满足"

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = list(reasons)
        super().__init__("；".join(self.reasons) or self.default_message, details={"reasons": self.reasons})


class TransitionAborted(WorkflowError):
    """A step after the guards (an effect, the audit write) failed; nothing was applied."""

    code = "transition_aborted"
    http_status = 500
    default_message = "操作未完成，已全部撤销"


class FactsChanged(WorkflowError):
    """The facts a document was drafted from no longer hold: the signer is told what changed and must
    confirm that change-set (``confirm_facts``: its hash) to sign the document as drafted."""

    code = "facts_changed"
    http_status = 409
    default_message = "起草后事实已发生变化，请核对后再签发"
    top_level = ("changes",)

    def __init__(self, changes: list[str], confirmation: str) -> None:
        self.changes = list(changes)
        self.confirmation = confirmation
        super().__init__(self.default_message + "：" + "；".join(self.changes),
                         details={"changes": self.changes, "confirm_facts": confirmation})
