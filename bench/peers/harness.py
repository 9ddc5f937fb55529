"""The app around a peer library: ``fire_transition``'s steps with the library in the engine's place.

``fire_with_peer`` does what ``app.items.operations.fire_transition`` + ``workflows.engine.fire`` do
(keep the two in step when ``fire_transition`` changes), with the same app code wherever the work is
not the workflow library's: load the row image FOR UPDATE (``app.items.rowimage``), build its facts
(``subject_for``), check visibility, role and unit, check the version, let the library move the state
(its own guards/conditions), bump the version, run the transition's effects (due date, outbox
messages, stored inputs: ``SqlStore.apply_effects``), read the chain head, build the hash-chained audit
event (``workflows.audit.make_event``), write the changed columns with the version check, insert the
event and the messages. The caller commits, as a route would.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from app.clock import today
from app.extensions import db
from app.items.facts import subject_for
from app.items.rowimage import load_image_for_update, write_image
from app.items.store import SqlStore
from bench.peers.rules import can_act
from workflows.application import APPLICATION
from workflows.audit import AuditEvent, make_event
from workflows.base import Spec
from workflows.errors import NotFound, StaleVersion, TransitionAborted, WorkflowError
from workflows.roles import Actor


class PeerLibrary(Protocol):
    """What a peer provides: a name and a way to move a row's ``state`` with its library."""

    name: str

    def fire(self, row: Any, trigger: str, facts: Mapping[str, Any], data: Mapping[str, Any],
             comment: str | None) -> None:
        """Move ``row.state`` for ``trigger`` or raise a WorkflowError (invalid, guard failed)."""


def effects_spec(from_state: str, trigger: str, to_state: str) -> Spec:
    """The app's description of the transition the library made, for the app's effects and messages.

    Effects are keyed and parametrised by PlanDesk's transition table (title, sources, ...); an app
    built on another library would hand them the same description. Only looked up after the library
    decided, so it takes no part in the decision."""
    for sp in APPLICATION.specs:
        if sp.trigger == trigger and sp.dest == to_state and from_state in sp.sources:
            return sp
    raise TransitionAborted(f"no transition {from_state} --{trigger}--> {to_state} for the effects")


def fire_with_peer(peer: PeerLibrary, item_id: int, trigger: str, actor: Actor, *, version: int | None,
                   comment: str | None = None, data: Mapping[str, Any] | None = None) -> str:
    """Fire ``trigger`` on item ``item_id`` with ``peer`` deciding the state; returns the new state.

    Rolled back on any refusal or failure, like ``fire_transition``; on success the caller commits.
    """
    session = db.session
    try:
        item = load_image_for_update(session.connection(), item_id)
        if item is None:
            raise NotFound()
        subject = subject_for(item)
        state = item.state
        can_act(actor, state, trigger, subject.unit, subject.county)
        if version != item.version:
            raise StaleVersion()
        data = dict(data or {})
        store = SqlStore(session, deferred=True)
        store.preload_head(item.id, item.chain_head)
        with session.no_autoflush:
            try:
                peer.fire(item, trigger, subject.facts, data, comment)
                item.version = version + 1
                store.apply_effects(subject, effects_spec(state, trigger, item.state), actor, comment, data,
                                    today())
                store.append_event(audit_event(item, state, trigger, actor, comment, data,
                                               store.chain_head(item.id)))
            except WorkflowError:
                item.state, item.version = state, version
                raise
            except Exception as exc:
                item.state, item.version = state, version
                raise TransitionAborted() from exc
        write_image(session, item, version)
        store.write()
        return item.state
    except Exception:
        session.rollback()
        raise


def audit_event(row: Any, from_state: str, trigger: str, actor: Actor, comment: str | None,
                data: Mapping[str, Any], head: tuple[int, str] | None) -> AuditEvent:
    """The same audit event the engine writes (same fields, same hash chain)."""
    return make_event(
        item_id=row.id, item_type="application", head=head, from_state=from_state, to_state=row.state,
        trigger=trigger, actor=actor.username, actor_id=actor.user_id, on_behalf_of=actor.on_behalf_of,
        role=actor.role.value, unit=actor.unit, at=datetime.now(UTC), comment=(comment or "").strip() or None,
        data=data,
    )
