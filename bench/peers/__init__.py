"""Peer implementations of the application workflow for bench/engine_bench.py.

Each peer runs the same path (mobilization.draft → consolidation) with another workflow library
deciding the state change: ``python-statemachine`` (one StateMachine class, an instance bound to each
loaded row, as the library's domain-model integration does) and ``SpiffWorkflow`` (a BPMN model of the
path, its workflow state serialised to the same database at every step). Everything around the
library (loading the row, the facts, the permission check, due date and outbox effects, the audit
event with its hash chain, flush and commit) is the same code for every peer, in ``harness``, so only
the workflow library differs. The libraries are optional (setup.cfg's ``bench`` extra): a peer whose
library is missing or fails reports itself unavailable with the reason.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PeerInfo:
    """A peer by name: the distribution it needs, the module that distribution installs, how to build it."""

    name: str
    distribution: str
    module: str
    factory: Callable[[], Any]


def _statemachine() -> Any:
    from bench.peers.statemachine_peer import StateMachinePeer

    return StateMachinePeer()


def _spiff() -> Any:
    from bench.peers.spiff_peer import SpiffPeer

    return SpiffPeer()


PEERS: tuple[PeerInfo, ...] = (
    PeerInfo("python-statemachine", "python-statemachine", "statemachine", _statemachine),
    PeerInfo("SpiffWorkflow", "SpiffWorkflow", "SpiffWorkflow", _spiff),
)


def load_peer(info: PeerInfo) -> tuple[Any | None, str | None]:
    """(peer, None) when its library imports and the peer builds, else (None, reason)."""
    try:
        return info.factory(), None
    except Exception as exc:  # noqa: BLE001  (any failure makes the peer unavailable, with the reason)
        return None, f"{type(exc).__name__}: {str(exc).strip()[:300]}"
