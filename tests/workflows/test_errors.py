"""The engine's typed refusals: the public code and HTTP status of each (CONTRACT.md), the Chinese
message a person reads, and the reasons a failed guard carries."""
from __future__ import annotations

import pytest

from workflows.errors import (GuardFailed, InvalidTransition, NotFound, NotPermitted, StaleVersion,
                              TransitionAborted, WorkflowError)
from workflows.registry import WORKFLOWS, get_workflow


@pytest.mark.parametrize("cls, code, status, message", [
    (WorkflowError, "workflow_error", 400, "操作失败"),
    (NotFound, "not_found", 404, "事项不存在或无权查看"),
    (InvalidTransition, "invalid_transition", 409, "当前状态下不能执行该操作"),
    (NotPermitted, "not_permitted", 403, "您的角色或单位无权执行该操作"),
    (StaleVersion, "stale_version", 409, "该事项已被他人处理，请刷新后查看最新状态"),
    (TransitionAborted, "transition_aborted", 500, "操作未完成，已全部撤销"),
])
def test_each_refusal_has_its_code_status_and_default_message(cls: type[WorkflowError], code: str, status: int,
                                                              message: str) -> None:
    error = cls()
    assert (error.code, error.http_status) == (code, status)
    assert error.message == message and str(error) == message
    assert error.details == {}
    assert isinstance(error, WorkflowError)


def test_a_given_message_and_details_replace_the_defaults() -> None:
    error = NotPermitted("只能处理本单位的事项", details={"unit": "huoqiu"})
    assert error.message == "只能处理本单位的事项" and str(error) == "只能处理本单位的事项"
    assert error.details == {"unit": "huoqiu"}
    assert NotPermitted("").message == "您的角色或单位无权执行该操作"


def test_a_failed_guard_lists_its_reasons() -> None:
    reasons = ["请填写审核意见", "请上传证明材料"]
    error = GuardFailed(reasons)
    assert (error.code, error.http_status) == ("guard_failed", 422)
    assert error.reasons == reasons and error.reasons is not reasons
    assert error.message == "请填写审核意见；请上传证明材料" == str(error)
    assert error.details == {"reasons": reasons}
    empty = GuardFailed([])
    assert empty.message == "操作条件不满足" and empty.details == {"reasons": []}


def test_the_registry_names_the_four_workflows() -> None:
    assert sorted(WORKFLOWS) == ["application", "notice", "report", "task"]
    for name, wf in WORKFLOWS.items():
        assert get_workflow(name) is wf and wf.name == name
    with pytest.raises(KeyError, match="unknown workflow 'nope'") as caught:
        get_workflow("nope")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
