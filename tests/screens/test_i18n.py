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


# -- the whole catalogue, every template, and the supervision screens in English --------------------------------------

#: templates whose Chinese is the document itself (the notice PDF follows GB/T 9704 and is never translated)
UNTRANSLATED_TEMPLATES = ("pdf/",)
#: Chinese that may stay in markup: the language switch names Chinese in Chinese
ALLOWED_IN_MARKUP = ('lang="zh-CN">中文<',)
_LITERAL = r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
#: a gettext call with literal arguments: ``_('…')``, ``_("…", n=…)``, ``ngettext('…', '…', n)``
GETTEXT_CALL = re.compile(
    r"\b(?:_|gettext|ngettext|_l|lazy_gettext|N_)\(\s*" + _LITERAL + r"(?:\s*,\s*" + _LITERAL + r")*", re.S)


def all_templates() -> list[Path]:
    root = ROOT / "templates"
    return [p for p in sorted(root.rglob("*.html"))
            if not str(p.relative_to(root)).startswith(UNTRANSLATED_TEMPLATES)]


def untranslated_chinese(text: str) -> list[str]:
    """Lines of a template with Chinese outside a comment, a trans block or a gettext call's literals.

    Unlike the markup test above, Chinese inside a Jinja expression (``{{ '已完成' if … }}``) counts.
    """
    def blank(m: re.Match) -> str:
        return "\n" * m.group(0).count("\n")

    text = re.sub(r"\{#.*?#\}", blank, text, flags=re.S)
    text = re.sub(r"\{%-?\s*trans\b.*?%\}.*?\{%-?\s*endtrans\s*-?%\}", blank, text, flags=re.S)
    text = GETTEXT_CALL.sub(blank, text)
    for allowed in ALLOWED_IN_MARKUP:
        text = text.replace(allowed, "")
    return [f"{n}: {line.strip()}" for n, line in enumerate(text.splitlines(), 1) if CJK.search(line)]


def test_the_template_scanner_flags_unwrapped_chinese() -> None:
    assert untranslated_chinese("<h1>{{ _('指标看板') }}</h1>{# 注释 #}") == []
    assert untranslated_chinese('{{ _("共 %(n)s 项", n=total) }}') == []
    assert untranslated_chinese("<th>目标</th>") == ["1: <th>目标</th>"]
    assert untranslated_chinese("{{ '已认定' if x else _('已完成') }}")
    assert untranslated_chinese('<canvas aria-label="图表"></canvas>')


@pytest.mark.parametrize("path", all_templates(), ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_every_template_wraps_its_chinese(path: Path) -> None:
    leftovers = untranslated_chinese(path.read_text(encoding="utf-8"))
    assert not leftovers, leftovers


def test_the_english_catalogue_is_complete_and_not_fuzzy() -> None:
    with PO.open("rb") as fh:
        cat = read_po(fh)
    messages = [m for m in cat if m.id]
    assert messages
    assert not [m.id for m in messages if m.fuzzy]
    strings = [(m.id, m.string) for m in messages]
    assert not [i for i, s in strings if not (s.strip() if isinstance(s, str) else all(x.strip() for x in s))]
    # English is English: no msgstr keeps Chinese words, apart from Chinese quoted verbatim (the annex's column
    # names, heading numerals, a document number)
    quoted = {"如：皖商办〔2019〕12号", "表格须按方案附件的格式排列，含“序号、工作任务、牵头责任单位、配合单位、时限要求”各列，表头上方可有标题行。先预览，确认后才写入。",
              "一段一行；以“一、”或“（一）”开头的行为标题。"}
    assert not [i for i, s in strings if i not in quoted and isinstance(s, str) and CJK.search(s)]


def _visible(html: str) -> str:
    """What a reader meets: the text, and the titles, labels and placeholders of the markup."""
    attrs = " ".join(re.findall(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"', html))
    return text_of(html) + " " + attrs


def _database_words(app) -> list[str]:
    """Data shown as stored: unit and user names, item titles, the plan's title and its tasks, the text sections
    of quarterly reports (longest first)."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db
    from app.items.models import Item
    from app.plans.models import AnnexTask, Plan
    from app.reports.models import Report
    from app.units.models import Unit

    with app.app_context():
        words: set[str] = set()
        for column in (Unit.name, User.display_name, Item.title, Plan.title, Plan.document_number,
                       AnnexTask.title, AnnexTask.lead_text, AnnexTask.cooperating_text, Report.progress,
                       Report.problems, Report.next_steps):
            words |= {w for w in db.session.scalars(select(column)) if w}
        db.session.remove()
    return sorted(words, key=len, reverse=True)


def _chinese_left(text: str, data: list[str]) -> list[str]:
    for word in data:
        text = text.replace(word, " ")
    text = text.replace("中文", " ")  # the language switch
    return [text[max(0, m.start() - 30):m.end() + 30] for m in CJK.finditer(text)][:10]


def test_supervision_screens_in_english_show_no_chinese_but_data(app, inapp) -> None:
    """The board, the matrix, the item lists, the overdue list, the reports and the ledger import, in English."""
    import io
    from dataclasses import replace
    from datetime import date

    from tests.dashboards.journeys import application_to, open_reports, report_to, set_today

    reports = inapp(open_reports, 2018, 3)
    inapp(report_to, reports["yeji"], "accepted", {"training_person_times": 120, "new_ecommerce_entities": 5,
                                                   "entities_over_10m": 0, "brands_over_1m": 0,
                                                   "sanpin_yibiao_online": 1, "trademark_enterprises_online": 0})
    inapp(application_to, "huoqiu", "provincial_demo_village", "consolidation")
    inapp(application_to, "shucheng", "provincial_demo_village", "mobilization.city_review")
    set_today(app, date(2018, 8, 5))  # every task assignment is past its mobilization deadline
    office = Person(app, "office_approver")
    office.post("/language", {"locale": "en"})
    data = _database_words(app)
    pages = ["/dashboard", "/dashboard/matrix", "/dashboard/matrix?kind=tasks", "/dashboard/matrix?kind=county_tasks",
             "/dashboard/matrix?type=application", "/dashboard/items?county=huoqiu",
             "/dashboard/items?county=huoqiu&phase=mobilization&light=red",
             "/dashboard/items?county=huoqiu&indicator=provincial_demo_village&status=achieved",
             "/dashboard/overdue", "/dashboard/overdue?soon=1&level=overdue", "/dashboard/trends",
             "/reports/", "/reports/?year=2018&quarter=3", f"/reports/{reports['yeji']}",
             f"/reports/{reports['huoqiu']}"]
    for path in pages:
        html = office.get(path)
        assert '<html lang="en">' in html, path
        left = _chinese_left(_visible(html), data)
        assert not left, (path, left)

    admin = Person(app, "admin")
    admin.post("/language", {"locale": "en"})
    html = admin.get("/admin/plan-import")
    data += ["序号", "工作任务", "牵头责任单位", "配合单位", "时限要求"]  # the annex's column names, which the file must use
    assert not _chinese_left(_visible(html), data)
    from tests.ledger.test_plan_import import NEW_TASK, annex_file, current_tasks

    def changed_table() -> bytes:
        tasks = current_tasks()
        tasks[0] = replace(tasks[0], deadline=date(2019, 12, 31))
        return annex_file([*tasks, NEW_TASK])

    upload = inapp(changed_table)
    r = admin.post("/admin/plan-import", {"file": (io.BytesIO(upload), "annex.xlsx")},
                   content_type="multipart/form-data", status=200)
    html = r.get_data(as_text=True)
    assert "Confirm import" in html
    left = _chinese_left(_visible(html), data + [NEW_TASK.title])
    assert not left, left
