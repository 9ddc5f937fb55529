"""English mode: the dashboards (board, matrix, trends and their JSON) and the item page hold no Chinese
outside user data (a unit's name, an item's title, a person, a comment: marked lang="zh-CN" on a page,
named fields in JSON). Indicator names and measures come from their stored English translations."""
from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from app.applications.models import Application
from app.attachments.models import Attachment
from app.auth.models import User
from app.extensions import db
from app.items.models import Item
from app.plans.models import AnnexTask, Indicator, Plan
from app.units.models import Unit
from tests.screens.support import make_application

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]")  # ideographs and full-width punctuation
ZH_ELEMENT = re.compile(r'<(\w+)[^>]*\blang="zh-CN"[^>]*>.*?</\1>', re.S)
#: JSON keys whose values are user data (names of units and people, item titles)
DATA_KEYS = frozenset({"name", "county_name", "unit_name", "title_zh"})
PAGES = ("/dashboard", "/dashboard/matrix", "/dashboard/matrix?kind=tasks", "/dashboard/trends")


def user_data() -> list[str]:
    """Every text a user or the plan's own wording put in the database (longest first): units, people,
    the plan's title and annex tasks, items, sites, form values and file names."""
    texts: set[str] = set()
    for column in (Unit.name, User.display_name, Plan.title, Plan.document_number, AnnexTask.title, Item.title,
                   Application.site_name, Attachment.name):
        texts.update(t for t in db.session.scalars(select(column)) if t)
    for fields in db.session.scalars(select(Application.fields)):
        texts.update(str(v) for v in (fields or {}).values() if v)
    return sorted(texts, key=len, reverse=True)


def chinese_outside_data(html: str, data: list[str]) -> list[str]:
    # <title> names the item (user data) and cannot carry a lang attribute of its own
    html = re.sub(r"<(script|style|title)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<!--.*?-->", " ", html, flags=re.S)
    previous = None
    while previous != html:  # nested lang="zh-CN" elements
        previous, html = html, ZH_ELEMENT.sub(" ", html)
    text = re.sub(r"<[^>]+>", " ", html)
    attrs = " ".join(re.findall(r'(?:title|aria-label|placeholder|alt|data-labels)="([^"]*)"', html))
    text = unescape(text + " " + attrs)
    for value in data:
        text = text.replace(value, " ")
    return sorted({m.group(0).strip() for m in re.finditer(r"[^\s<>]*[\u3400-\u9fff][^\s<>]*", text)})


def chinese_in_json(value: Any, path: str = "") -> list[str]:
    if isinstance(value, dict):
        return [hit for k, v in value.items() if k not in DATA_KEYS for hit in chinese_in_json(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [hit for i, v in enumerate(value) for hit in chinese_in_json(v, f"{path}[{i}]")]
    return [f"{path}={value}"] if isinstance(value, str) and CJK.search(value) else []


@pytest.fixture
def english(person):
    def sign_in(username: str):
        who = person(username)
        r = who.post("/language", {"locale": "en", "next": "/"})
        assert r.status_code == 302
        assert '<html lang="en">' in who.get("/todo")
        return who
    return sign_in


def test_indicators_carry_their_stored_english_names(inapp) -> None:
    rows = inapp(lambda: db.session.execute(select(Indicator.code, Indicator.title_en, Indicator.measure_en)).all())
    assert rows and all(title and measure and not CJK.search(title + measure) for _c, title, measure in rows)
    assert ("online_sales", "Online sales of rural products", "100 million yuan") in [tuple(r) for r in rows]


@pytest.mark.parametrize("username", ["city_reviewer", "huoqiu_filer"])
def test_dashboards_in_english_hold_no_chinese_outside_user_data(english, inapp, username) -> None:
    inapp(make_application, "huoqiu", "mobilization.city_review")
    who, data = english(username), inapp(user_data)
    for path in PAGES:
        if username == "huoqiu_filer" and "kind=tasks" in path:
            continue  # the task matrix is the city's
        hits = chinese_outside_data(who.get(path), data)
        assert not hits, f"{path}: " + " | ".join(hits)
    board = who.get("/dashboard")
    assert "Online sales of rural products" in board and "100 million yuan" in board
    for path in ("/dashboard/quotas.json", "/dashboard/trends.json"):
        payload = json.loads(who.get(path))
        hits = chinese_in_json(payload)
        assert not hits, f"{path}: " + " | ".join(hits)
    trends = json.loads(who.get("/dashboard/trends.json"))
    titles = {t["code"]: (t["title"], t["measure"]) for t in trends["indicators"]}
    assert titles["online_sales"] == ("Online sales of rural products", "100 million yuan")


def test_item_page_in_english_holds_no_chinese_outside_user_data(english, inapp, person) -> None:
    item_id = inapp(make_application, "huoqiu", "self_assessment.county_review")
    data = inapp(user_data)
    for username in ("huoqiu_reviewer", "city_reviewer", "office_approver"):
        page = english(username).get(f"/items/{item_id}")
        hits = chinese_outside_data(page, data)
        assert not hits, f"{username}: " + " | ".join(hits)
    # history lines: English colons, no full-width ones
    page = english("huoqiu_filer").get(f"/items/{item_id}")
    timeline = re.search(r'<ol class="timeline">.*?</ol>', page, re.S).group(0)
    assert "：" not in re.sub(r'<span lang="zh-CN"[^>]*>.*?</span>', "", timeline, flags=re.S)
    assert ": " in timeline


def test_top_bar_names_the_product_once_and_the_role_in_english(english) -> None:
    page = english("city_reviewer").get("/todo")
    header = re.search(r"<header.*?</header>", page, re.S).group(0)
    assert "PlanDesk PlanDesk" not in re.sub(r"<[^>]+>", " ", header).replace("  ", " ")
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", header)).count("PlanDesk") == 1
    assert "City commerce bureau reviewer" in header
