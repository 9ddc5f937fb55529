"""Fixtures of the screen tests: people signed in through the real form, and database work done in
its own app context (so no test transaction holds SQLite's write lock while a request runs)."""
from __future__ import annotations

import pytest

from tests.screens.people import inapp, person  # noqa: F401  (fixtures shared with tests/opinions)
from tests.screens.support import ensure_catalogues


@pytest.fixture(scope="session", autouse=True)
def _catalogues() -> None:
    ensure_catalogues()
