"""The application workflow in ``python-statemachine`` (3.x): one StateMachine class, bound to a row.

The library's way with domain models is an instance per model object (``MachineMixin`` builds one in
the model's ``__init__``; rows loaded by SQLAlchemy skip ``__init__``), so the peer binds a new
instance to each loaded row: ``ApplicationMachine(model=row)`` reads and writes ``row.state``. Guards are
the library's validators (raising with the reasons), routes its conditions. The whole application
table of WORKFLOWS.md is declared, as PlanDesk's machine declares it, not just the benchmarked path.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from statemachine import Event, State, StateMachine
from statemachine.exceptions import TransitionNotAllowed

from bench.peers.rules import guard_problems
from workflows.errors import GuardFailed, InvalidTransition


class ApplicationMachine(StateMachine):
    """示范创建申报 (WORKFLOWS.md) as a python-statemachine class; state values are PlanDesk's names."""

    mobilization_draft = State(value="mobilization.draft", initial=True)
    mobilization_county_review = State(value="mobilization.county_review")
    mobilization_city_review = State(value="mobilization.city_review")
    implementation = State(value="implementation")
    self_assessment_draft = State(value="self_assessment.draft")
    self_assessment_county_review = State(value="self_assessment.county_review")
    acceptance_inspection = State(value="acceptance.inspection")
    acceptance_provincial_review = State(value="acceptance.provincial_review")
    rectification_draft = State(value="rectification.draft")
    rectification_county_review = State(value="rectification.county_review")
    consolidation = State(value="consolidation")
    rejected = State(value="rejected", final=True)
    revoked = State(value="revoked", final=True)

    submit = (mobilization_draft.to(mobilization_county_review, validators="guard")
              | self_assessment_draft.to(self_assessment_county_review, validators="guard")
              | rectification_draft.to(rectification_county_review, validators="guard"))
    endorse = (mobilization_county_review.to(mobilization_city_review)
               | self_assessment_county_review.to(acceptance_inspection)
               | rectification_county_review.to(acceptance_inspection))
    send_back = (mobilization_county_review.to(mobilization_draft, validators="guard")
                 | mobilization_city_review.to(mobilization_draft, validators="guard")
                 | self_assessment_county_review.to(self_assessment_draft, validators="guard")
                 | rectification_county_review.to(rectification_draft, validators="guard"))
    withdraw = (mobilization_county_review.to(mobilization_draft, validators="guard")
                | mobilization_city_review.to(mobilization_county_review, validators="guard"))
    accept = mobilization_city_review.to(implementation)
    reject = (mobilization_city_review.to(rejected, validators="guard")
              | acceptance_inspection.to(rejected, validators="guard"))
    start_self_assessment = implementation.to(self_assessment_draft)
    # ``pass`` is a Python keyword: the attribute has another name, the event keeps the public one
    pass_ = Event(acceptance_inspection.to(consolidation, cond="municipal", validators="guard")
                  | acceptance_inspection.to(acceptance_provincial_review, cond="provincial", validators="guard"),
                  id="pass")
    record_provincial_decision = (
        acceptance_provincial_review.to(consolidation, cond="approved", validators="guard")
        | acceptance_provincial_review.to(rejected, cond="declined", validators="guard"))
    order_rectification = acceptance_inspection.to(rectification_draft, validators="guard")
    revoke = consolidation.to(revoked, validators="guard")

    def guard(self, event: str, source: State, facts: Mapping[str, Any], data: Mapping[str, Any],
              comment: str | None) -> None:
        problems = guard_problems(source.value, str(event), facts, data, comment)
        if problems:
            raise GuardFailed(problems)

    def municipal(self, facts: Mapping[str, Any]) -> bool:
        return facts.get("level") == "municipal"

    def provincial(self, facts: Mapping[str, Any]) -> bool:
        return facts.get("level") == "provincial"

    def approved(self, data: Mapping[str, Any]) -> bool:
        return data.get("decision") == "approved"

    def declined(self, data: Mapping[str, Any]) -> bool:
        return data.get("decision") == "rejected"


class StateMachinePeer:
    name = "python-statemachine"

    def prepare(self, session: Any, item_ids: list[int]) -> None:
        """Nothing to store: the row's ``state`` column is the machine's state."""

    def fire(self, row: Any, trigger: str, facts: Mapping[str, Any], data: Mapping[str, Any],
             comment: str | None) -> None:
        machine = ApplicationMachine(model=row, state_field="state")
        try:
            machine.send(trigger, facts=facts, data=data, comment=comment)
        except TransitionNotAllowed as exc:
            raise InvalidTransition() from exc
