"""The four workflows by name."""
from __future__ import annotations

from workflows.application import APPLICATION
from workflows.base import Workflow
from workflows.notice import NOTICE
from workflows.report import REPORT
from workflows.task import TASK

WORKFLOWS: dict[str, Workflow] = {w.name: w for w in (APPLICATION, TASK, REPORT, NOTICE)}


def get_workflow(name: str) -> Workflow:
    try:
        return WORKFLOWS[name]
    except KeyError:
        raise KeyError(f"unknown workflow {name!r}") from None
