"""Chinese first, English selectable: every string of the screens goes through Flask-Babel, the
English catalogue translates all of them, dates are shown the Chinese way."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.screens.support import Person, make_application, text_of
from workflows.base import PHASE_TITLES, STATE_TITLES, STEP_TITLES
from workflows.deadlines import OverdueLevel
from workflows.registry import WORKFLOWS
from workflows.roles import ROLE_TITLES

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "app/translations/en/LC_MESSAGES/messages.po"
#: the screens of this feature (other features' templates are theirs to translate)
MINE = ("base.html", "auth", "home", "worklists", "screens", "filing", "admin", "delegations", "extension_requests",
        "notifications")
CJK = re.compile(r"[\u3400-\u9fff]")  # ideographs: words, not punctuation
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}


def catalogue() -> dict[str, str]:
    with PO.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def my_templates() -> list[Path]:
    out = []
    for name in MINE:
        path = ROOT / "templates" / name
        out += [path] if path.is_file() else sorted(path.rglob("*.html"))
    return out


@pytest.mark.parametrize("path", my_templates(), ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_no_chinese_outside_gettext_in_templates(path: Path) -> None:
    """Strip Jinja expressions, statements and comments: no Chinese text may remain in the markup."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", text, flags=re.S)
    text = text.replace('lang="zh-CN">中文<', "")  # the language switch names itself in its language
    leftovers = [line.strip() for line in text.splitlines() if CJK.search(line)]
    assert not leftovers, leftovers


def test_every_message_has_an_english_translation() -> None:
    translations = catalogue()
    untranslated = sorted(k for k, v in translations.items() if not v.strip())
    assert not untranslated
    found: set[str] = set()
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    missing = sorted(m for m in found if m not in translations)
    assert not missing, f"run pybabel extract/update and translate: {missing[:20]}"


def test_words_from_the_definitions_are_in_the_catalogue() -> None:
    """State, step, role, action and deadline titles come from workflows/: all are marked for translation."""
    translations = catalogue()
    words = set(PHASE_TITLES.values()) | set(STEP_TITLES.values()) | set(STATE_TITLES.values()) | \
        set(ROLE_TITLES.values()) | {level.label for level in OverdueLevel} | \
        {sp.title for wf in WORKFLOWS.values() for sp in wf.specs} | {wf.title for wf in WORKFLOWS.values()}
    assert not sorted(w for w in words if not translations.get(w))


def test_chinese_by_default_english_on_request(app, inapp) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.county_review")
    reviewer = Person(app, "huoqiu_reviewer")
    page = reviewer.get(f"/items/{item_id}")
    assert '<html lang="zh-CN">' in page and "审核通过并报市" in page and "动员部署·县区审核" in page
    assert "2018年7月24日" in page  # the deadline, the Chinese way
    r = reviewer.post("/language", {"locale": "en", "next": f"/items/{item_id}"})
    assert r.status_code == 302 and r.headers["Location"] == f"/items/{item_id}"
    page = reviewer.get(f"/items/{item_id}")
    text = text_of(page)
    assert '<html lang="en">' in page
    for english in ("Endorse and send to the city", "Mobilization · County review", "To do", "History",
                    "Workflow diagram", "Jul 24, 2018"):
        assert english in text, english
    assert "审核通过并报市" not in text
    # the choice is kept for the account: the next sign-in is English too
    again = Person(app, "huoqiu_reviewer")
    assert "To do" in text_of(again.get("/todo"))
    again.post("/language", {"locale": "zh_CN"})
    assert "待办" in again.get("/todo")


def test_the_language_chosen_before_signing_in_is_kept(app) -> None:
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/language", data={"locale": "en", "next": "/login", "csrf_token": token})
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in" in page and "Username" in page
    from tests.conftest import DEMO_PASSWORD

    r = client.post("/login", data={"username": "supervisor", "password": DEMO_PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    assert "All items" in client.get("/").get_data(as_text=True)
