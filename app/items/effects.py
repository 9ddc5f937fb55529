"""Decision fields kept on the item when a transition records them.

The engine keeps every input in the transition's audit event; these effects (registered through
``app.items.store.effect``, run inside the transition's transaction) also copy them onto the item's
own columns, so screens, exports and the due date read them directly. Most important:
``order_rectification`` sets ``rectification_deadline``, which ``refresh_due_date`` turns into the
rectification's due date.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.items.store import effect
from workflows.base import Spec
from workflows.guards import parse_iso_date
from workflows.roles import Actor
from workflows.states import Phase


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


@effect("application", "order_rectification", columns_only=True)
@effect("task", "order_rectification", columns_only=True)
def set_rectification_deadline(item: Any, sp: Spec, actor: Actor, comment: str | None, data: Mapping[str, Any],
                               today: date) -> None:
    item.rectification_deadline = parse_iso_date(data.get("deadline"))


@effect("application", "pass", columns_only=True)
@effect("task", "pass", columns_only=True)
def keep_findings(item: Any, sp: Spec, actor: Actor, comment: str | None, data: Mapping[str, Any],
                  today: date) -> None:
    item.findings = _text(data.get("findings"))


@effect("application", "submit", columns_only=True)
@effect("task", "submit", "submit_self_assessment", columns_only=True)
def keep_filing(item: Any, sp: Spec, actor: Actor, comment: str | None, data: Mapping[str, Any],
                today: date) -> None:
    """A self-assessment's text and figures, a rectification report: what was submitted."""
    phase = sp.sources[0].split(".", 1)[0]  # the row already holds the destination state
    if sp.trigger == "submit_self_assessment" or phase == Phase.self_assessment:
        figures = data.get("figures")
        item.self_assessment = {"text": _text(data.get("text")) or "",
                                "figures": {str(k): str(v) for k, v in figures.items()}
                                if isinstance(figures, Mapping) else {}}
    elif phase == Phase.rectification and _text(data.get("report")):
        item.rectification_report = _text(data.get("report"))


@effect("application", "record_provincial_decision", columns_only=True)
def keep_provincial_decision(item: Any, sp: Spec, actor: Actor, comment: str | None, data: Mapping[str, Any],
                             today: date) -> None:
    item.provincial_decision = data.get("decision") if data.get("decision") in ("approved", "rejected") else None
    item.provincial_document_number = _text(data.get("document_number"))


@effect("task", "file_plan", columns_only=True)
def keep_plan_filed(item: Any, sp: Spec, actor: Actor, comment: str | None, data: Mapping[str, Any],
                    today: date) -> None:
    item.plan_filed_on = today
