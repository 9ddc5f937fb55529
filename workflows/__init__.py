"""PlanDesk's domain core: the state machines, the one door for state changes, the audit chain.

Pure Python: nothing here imports Flask or ``app``. The application supplies a
``Store`` (persistence port) and calls :func:`workflows.engine.fire`.
"""
from workflows.registry import WORKFLOWS, get_workflow

__all__ = ["WORKFLOWS", "get_workflow"]
