"""Browser tests: PlanDesk served from a thread on a fresh SQLite database, driven through Debian's
Chromium by Playwright. Never ``playwright install``: the browser is the system's /usr/bin/chromium
(``make test`` installs the package where it can). A failing test leaves a screenshot of every open
page under test-artifacts/."""
from __future__ import annotations

import logging
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from tests.conftest import DEMO_PASSWORD, make_config

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # noqa: ANN201
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session", autouse=True)
def _catalogues() -> None:
    from tests.screens.support import ensure_catalogues

    ensure_catalogues()


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium; make test installs it where it can)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; CI must run the browser tests")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture
def live_app(sqlite_app: Flask) -> Flask:
    """Browser tests run on SQLite: a fresh migrated database with the plan and the demo accounts."""
    return sqlite_app


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """PlanDesk on a free local port, from a thread, until the block ends."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="plandesk-live", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@contextmanager
def launch(chromium_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(chromium_path), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[str]:
    with serve(live_app) as url:
        yield url


@pytest.fixture
def browser(chromium_path: Path) -> Iterator[object]:
    with launch(chromium_path) as chromium:
        yield chromium


# -- one database, server and browser for a whole module (for sweeps over many pages) ---------------

@pytest.fixture(scope="module")
def module_app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from app.extensions import db

    folder = tmp_path_factory.mktemp("module_app")
    target = folder / "plandesk-sqlite.sqlite3"
    shutil.copyfile(sqlite_template, target)
    application = create_app(make_config(f"sqlite:///{target}", folder / "storage"))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def module_server(module_app: Flask) -> Iterator[str]:
    with serve(module_app) as url:
        yield url


@pytest.fixture(scope="module")
def module_browser(chromium_path: Path) -> Iterator[object]:
    with launch(chromium_path) as chromium:
        yield chromium


@pytest.fixture
def people(browser, live_server: str, request: pytest.FixtureRequest) -> Iterator[Callable[[str], object]]:
    """``people("huoqiu_filer")``: a signed-in Chinese browser page of that person (one per person)."""
    pages: dict[str, object] = {}
    contexts = []

    def get(username: str):
        if username not in pages:
            context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                          viewport={"width": 1280, "height": 900}, base_url=live_server)
            context.set_default_timeout(20_000)
            contexts.append(context)
            page = context.new_page()
            page.goto("/login")
            page.fill("#username", username)
            page.fill("#password", DEMO_PASSWORD)
            page.click("#login-submit")
            page.wait_for_url(re.compile(r"/$"))
            pages[username] = page
        return pages[username]

    yield get
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for username, page in pages.items():
            name = re.sub(r"[^\w.-]+", "_", f"{request.node.name}-{username}")
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            except Exception:  # noqa: BLE001  (a screenshot is a courtesy; the failure is reported anyway)
                pass
    for context in contexts:
        context.close()
