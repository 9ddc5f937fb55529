"""In-memory stand-ins for the engine's ports: a row and a store."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workflows.audit import AuditEvent
from workflows.base import Workflow
from workflows.permissions import Subject
from workflows.roles import Actor, Role


@dataclass
class Row:
    id: int
    state: str
    version: int = 1


@dataclass
class MemoryStore:
    events: list[AuditEvent] = field(default_factory=list)
    fail_effect: bool = False
    effects: list[str] = field(default_factory=list)

    def chain_head(self, item_id: int) -> tuple[int, str] | None:
        mine = [e for e in self.events if e.item_id == item_id]
        return (mine[-1].seq, mine[-1].hash) if mine else None

    def append_event(self, event: AuditEvent) -> None:
        self.events.append(event)

    def apply_effects(self, subject: Subject, sp: Any, actor: Actor, comment: Any, data: Any, today: Any) -> None:
        if self.fail_effect:
            raise RuntimeError("effect failed")
        self.effects.append(sp.trigger)


GOOD_FACTS = {"evidence_in_phase": 1, "has_plan_document": True, "missing_fields": []}


def subject(wf: Workflow, state: str, *, unit: str = "huoqiu", county: str | None = "huoqiu",
            version: int = 1, **facts: Any) -> Subject:
    return Subject(row=Row(1, state, version), workflow=wf, unit=unit, county=county,
                   facts={**GOOD_FACTS, **facts})


def actor(role: Role, unit: str | None, username: str = "someone") -> Actor:
    return Actor(7, username, role, unit)
