"""The application path as BPMN (``application.bpmn``) run by SpiffWorkflow, state kept in the database.

The BPMN file is parsed once. Each item has its own workflow instance, serialised with Spiff's
``BpmnWorkflowSerializer`` into ``spiff_workflows.workflow_json`` of the same database (created by
``prepare``, outside the timed region). A transition loads and deserialises the instance, finds the
ready user task whose name is the trigger, checks the step's guard (BPMN user tasks have none, so the
integration checks the submitted data before completing the task, as a form handler would),
completes it with the data, runs the engine to the next wait state (the gateways route by level and
decision), writes the serialised instance back and mirrors the waiting task into ``row.state``.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import text

from bench.peers.rules import guard_problems
from workflows.errors import GuardFailed, InvalidTransition, TransitionAborted

BPMN_FILE = Path(__file__).with_name("application.bpmn")
PROCESS_ID = "application"

#: user task id → the state an item waits in while that task is ready
TASK_STATES: dict[str, str] = {
    "mobilization_draft": "mobilization.draft",
    "mobilization_county_review": "mobilization.county_review",
    "mobilization_city_review": "mobilization.city_review",
    "implementation": "implementation",
    "self_assessment_draft": "self_assessment.draft",
    "self_assessment_county_review": "self_assessment.county_review",
    "acceptance_inspection": "acceptance.inspection",
    "acceptance_provincial_review": "acceptance.provincial_review",
    "consolidation": "consolidation",
}
#: end event id → final state
END_STATES: dict[str, str] = {"rejected": "rejected", "revoked": "revoked"}

CREATE_TABLE = ("CREATE TABLE IF NOT EXISTS spiff_workflows ("
                "item_id INTEGER PRIMARY KEY REFERENCES items (id), workflow_json TEXT NOT NULL)")


class WorkflowStore(Protocol):
    def load(self, item_id: int) -> str: ...

    def save(self, item_id: int, workflow_json: str) -> None: ...


class SessionWorkflowStore:
    """Serialised workflow instances in the app's database, through the app's session."""

    _load = text("SELECT workflow_json FROM spiff_workflows WHERE item_id = :item_id")
    _save = text("UPDATE spiff_workflows SET workflow_json = :workflow_json WHERE item_id = :item_id")

    def __init__(self, session: Any) -> None:
        self.session = session

    def load(self, item_id: int) -> str:
        return self.session.execute(self._load, {"item_id": item_id}).scalar_one()

    def save(self, item_id: int, workflow_json: str) -> None:
        self.session.execute(self._save, {"item_id": item_id, "workflow_json": workflow_json})


class MemoryWorkflowStore(dict):
    """Serialised workflow instances in a dict (for the no-database comparison)."""

    def load(self, item_id: int) -> str:
        return self[item_id]

    def save(self, item_id: int, workflow_json: str) -> None:
        self[item_id] = workflow_json


class SpiffPeer:
    name = "SpiffWorkflow"

    def __init__(self, store: WorkflowStore | None = None) -> None:
        parser = BpmnParser()
        parser.add_bpmn_file(str(BPMN_FILE))
        self.spec = parser.get_spec(PROCESS_ID)
        self.serializer = BpmnWorkflowSerializer()
        self.store = store

    def new_instance_json(self) -> str:
        """A new workflow instance, run to its first wait state (mobilization.draft), serialised."""
        workflow = BpmnWorkflow(self.spec)
        workflow.do_engine_steps()
        return self.serializer.serialize_json(workflow)

    def prepare(self, session: Any, item_ids: list[int]) -> None:
        """Create the instance table and one started instance per item (outside the timed region)."""
        session.execute(text(CREATE_TABLE))
        insert = text("INSERT INTO spiff_workflows (item_id, workflow_json) VALUES (:item_id, :workflow_json)")
        session.execute(insert, [{"item_id": i, "workflow_json": self.new_instance_json()} for i in item_ids])
        self.store = SessionWorkflowStore(session)

    def fire(self, row: Any, trigger: str, facts: Mapping[str, Any], data: Mapping[str, Any],
             comment: str | None) -> None:
        assert self.store is not None, "prepare() or a store first"
        workflow = self.serializer.deserialize_json(self.store.load(row.id))
        task = next((t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                     if t.task_spec.bpmn_name == trigger), None)
        if task is None:
            raise InvalidTransition()
        state = TASK_STATES.get(task.task_spec.name)
        if state != row.state:
            raise TransitionAborted(f"workflow instance waits in {state}, row says {row.state}")
        problems = guard_problems(state, trigger, facts, data, comment)
        if problems:
            raise GuardFailed(problems)
        task.set_data(**data, level=facts.get("level"))
        task.run()
        workflow.do_engine_steps()
        row.state = self.state_of(workflow)
        self.store.save(row.id, self.serializer.serialize_json(workflow))

    @staticmethod
    def state_of(workflow: BpmnWorkflow) -> str:
        """The state an instance is in: its waiting user task, or the end event it reached."""
        for task in workflow.get_tasks(state=TaskState.READY, manual=True):
            return TASK_STATES[task.task_spec.name]
        for task in workflow.get_tasks(state=TaskState.COMPLETED):
            if task.task_spec.name in END_STATES:
                return END_STATES[task.task_spec.name]
        raise TransitionAborted("workflow instance is neither waiting nor ended")
