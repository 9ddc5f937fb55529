"""Every list screen names its items by title and links to them.

The screens are enumerated from the app's URL map (every GET route without a path argument that
answers a role with an HTML page) plus a few lists reached only with a query string. Each is fetched
as each role on a world with items in every group; the HTML is parsed, and wherever an item's title
appears, or a row of an item (``data-item-id``) or of an extension request shows its number, that
text must sit inside an ``<a href>`` to the item's page (``/items/<id>``, or ``/reports/<id>`` for a
quarterly report).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.items.models import Item
from app.plans.models import Plan
from app.reports.operations import open_quarterly_reports
from tests.conftest import TODAY
from tests.screens.todo_world import build_todo_world

ROLES = ("huoqiu_filer", "huoqiu_reviewer", "shucheng_reviewer", "city_reviewer", "office_approver",
         "commerce_filer", "supervisor", "admin")
#: lists reached only with a query string (drill-downs, the overdue list with what is due soon, a page of 100)
EXPLICIT = ("/all?per_page=100", "/todo?per_page=100", "/dashboard/overdue?soon=1",
            "/dashboard/items?county=huoqiu", "/dashboard/items?type=application",
            "/dashboard/overdue?unit=huoqiu", f"/reports/?year={TODAY.year}&quarter={(TODAY.month - 1) // 3 + 1}")
#: GET routes that are not screens a person reads: sign-out and language switches, files, JSON for charts
NOT_SCREENS = ("/logout", "/language", "/static/")
SKIP_TEXT_IN = {"option", "title", "script", "style", "textarea"}
ITEM_HREF = re.compile(r"^/(?:items|reports)/(\d+)(?:[/?#].*)?$")


class LinkCheck(HTMLParser):
    """Reads a page and notes each item title or number shown outside a link to its item."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "col", "source", "wbr"}

    def __init__(self, titles: dict[str, set[int]]) -> None:
        super().__init__(convert_charrefs=True)
        self.titles = titles
        self.problems: list[str] = []
        self.stack: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def _link_target(self) -> int | None:
        for tag, attrs in reversed(self.stack):
            if tag == "a":
                m = ITEM_HREF.match(attrs.get("href", ""))
                return int(m.group(1)) if m else -1
        return None

    def _row(self) -> tuple[str, str] | None:
        for _tag, attrs in reversed(self.stack):
            for name in ("data-item-id", "data-extension"):
                if name in attrs:
                    return name, attrs[name]
        return None

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if not text or any(tag in SKIP_TEXT_IN for tag, _a in self.stack):
            return
        target = self._link_target()
        for title, ids in self.titles.items():
            if title in text and target not in ids and not self._linked_to_longer(title, target, text):
                self.problems.append(f"title “{title}” in “{text[:80]}” is not a link to its item {sorted(ids)[:3]}")
        row = self._row()
        if row and row[0] == "data-item-id" and text == row[1] and target != int(row[1]):
            self.problems.append(f"the number {text} of item row {row[1]} is not a link to its item")
        if row and row[0] == "data-extension" and text.isdigit() and target not in (None, -1):
            self.problems.append(f"extension request {row[1]} names its item by number ({text})")

    def _linked_to_longer(self, title: str, target: int | None, text: str) -> bool:
        """The text is a longer title containing this one, and it links to that item."""
        return target is not None and any(title in other and other in text and target in ids
                                          for other, ids in self.titles.items() if other != title)


def screens(app: Flask) -> Iterator[str]:
    for rule in app.url_map.iter_rules():
        if ("GET" in (rule.methods or ()) and not rule.arguments and not rule.rule.startswith("/api/")
                and not rule.rule.startswith(NOT_SCREENS)):
            yield rule.rule
    yield from EXPLICIT


def world() -> dict[str, int]:
    ids = build_todo_world()
    plan = db.session.scalar(select(Plan).where(Plan.is_current.is_(True)))
    open_quarterly_reports(db.session, plan, TODAY.year, (TODAY.month - 1) // 3 + 1)
    return ids


def item_titles() -> dict[str, set[int]]:
    titles: dict[str, set[int]] = {}
    for item_id, title in db.session.execute(select(Item.id, Item.title)):
        titles.setdefault(title, set()).add(item_id)
    return titles


def test_every_list_screen_links_each_item_it_shows(app: Flask, person, inapp) -> None:
    ids = inapp(world)
    titles = inapp(item_titles)
    paths = sorted(set(screens(app)))
    assert {"/todo", "/all", "/dashboard/overdue", "/extensions", "/reports/"} <= set(paths)
    problems: list[str] = []
    shown: set[int] = set()
    for username in ROLES:
        client = person(username).client
        for path in paths:
            r = client.get(path)
            if r.status_code != 200 or not r.content_type.startswith("text/html"):
                continue
            html = r.get_data(as_text=True)
            main = html[html.find("<main"):] if "<main" in html else html
            check = LinkCheck(titles)
            check.feed(main)
            problems += [f"{username} {path}: {p}" for p in check.problems]
            shown |= {int(i) for i in re.findall(r'href="/items/(\d+)', main)}
    assert problems == []
    # the world's items were seen, linked, somewhere (the check ran on pages that list them)
    assert {ids["city"], ids["returned"], ids["county_late"], ids["extended"], ids["notice"]} <= shown
