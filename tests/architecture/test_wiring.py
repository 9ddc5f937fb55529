"""The one list of what features plug into the core (``app.wiring``) is what runs, and the start-up
check refuses an effect left out of it or installed for a trigger no workflow has."""
from __future__ import annotations

import sys
import types
from datetime import date
from typing import Any

import pytest
from flask import Flask

from app import wiring
from app.items.store import EFFECTS, effect, install_effect
from app.notices.operations import number_and_archive
from app.notices.recheck import recheck_facts
from app.notifications.operations import tell_addressees


def test_every_listed_effect_is_installed_in_order(app: Flask) -> None:
    installed = [fn for fns in EFFECTS.values() for fn in fns]
    assert all(fn in installed for fn in wiring.TRANSITION_EFFECTS)
    # the facts are checked before anything is numbered; the number is made before the addressees are told
    assert EFFECTS[("notice", "issue")][:3] == [recheck_facts, number_and_archive, tell_addressees]


def _noop(item: Any, sp: Any, actor: Any, comment: Any, data: Any, on: date) -> None:
    return None


def test_an_effect_declared_but_not_listed_stops_the_start(app: Flask) -> None:
    module = types.ModuleType("app._forgotten_feature")
    module.forgotten = effect("report", "submit")(_noop)  # declared, never installed
    sys.modules[module.__name__] = module
    try:
        with pytest.raises(wiring.WiringError, match="_noop"):
            wiring.check_effects()
    finally:
        del sys.modules[module.__name__]
    wiring.check_effects()  # and without it the wiring is whole again


def test_an_effect_for_a_trigger_no_workflow_has_stops_the_start(app: Flask) -> None:
    def typo(item: Any, sp: Any, actor: Any, comment: Any, data: Any, on: date) -> None:
        return None

    install_effect(effect("notice", "isue")(typo))
    try:
        with pytest.raises(wiring.WiringError, match="notice.isue"):
            wiring.check_effects()
    finally:
        EFFECTS.pop(("notice", "isue"))
