"""What one feature's screen shows from another feature, provided by name (installed by
``app.wiring``): the filing form shows the county's standing against its quota without the
applications package importing the dashboards, which count applications."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

KEY = "plandesk.providers"


def provide(app: Any, name: str, fn: Callable[..., Any]) -> None:
    app.extensions.setdefault(KEY, {})[name] = fn


def provided(name: str) -> Callable[..., Any]:
    """The function installed under ``name`` (a KeyError names a missing installation)."""
    return current_app.extensions[KEY][name]
