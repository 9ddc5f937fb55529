"""Every role lands on 待办 after signing in, grouped as a clerk thinks (待审批 / 被退回 / 待签收 /
延期申请 / 催办), the most urgent first inside a group, with each group's count and the total in the
header."""
from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from app.auth.delegation import actors_for
from app.auth.models import User
from app.extensions import db
from app.items.facts import subject_for
from app.items.queries import visible_items
from app.items.waiting import OPTIONAL_TRIGGERS
from tests.conftest import DEMO_PASSWORD
from tests.helpers import csrf_token
from tests.screens.todo_world import build_todo_world
from workflows.engine import available_actions

ROLES = ("huoqiu_filer", "huoqiu_reviewer", "shucheng_reviewer", "city_reviewer", "office_approver",
         "commerce_filer", "supervisor", "admin")
GROUP_ORDER = ["approve", "returned", "acknowledge", "extension", "reminded"]


def waiting_ids(username: str) -> set[int]:
    """The engine's own answer: visible items with an action the user may take that is not optional
    (every action a role may take is in its 待办; withdrawing or revoking one's own is not a task)."""
    user = db.session.scalar(select(User).where(User.username == username))
    out: set[int] = set()
    for actor, _d in actors_for(user):
        for item in db.session.scalars(visible_items(actor)):
            if any(a.trigger not in OPTIONAL_TRIGGERS for a in available_actions(subject_for(item), actor)):
                out.add(item.id)
    return out


def land(app: Flask, username: str) -> str:
    """Sign in through the form, follow where it sends the user, return that page."""
    client = app.test_client()
    r = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                    "csrf_token": csrf_token(client, "/login")})
    assert r.status_code == 302 and r.headers["Location"] == "/", username
    page = client.get(r.headers["Location"])
    assert page.status_code == 200
    return page.get_data(as_text=True)


def rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-item-id="(\d+)"', html)]


def group_counts(html: str) -> dict[str, int]:
    return {g: int(n) for g, n in re.findall(r'data-group-count="(\w+)">(\d+)<', html)}


def sections(html: str) -> list[tuple[str, list[int]]]:
    """The page's group sections in order, each with the item ids (or request/notice ids) it lists."""
    out = []
    section = re.compile(r'<section class="[^"]*todo-group" id="group-\w+" data-group="(\w+)">(.*?)</section>', re.S)
    for m in section.finditer(html):
        found = re.findall(r'data-item-id="(\d+)"|data-extension="(\d+)"|data-notice-id="(\d+)"', m.group(2))
        ids = [int(next(x for x in groups if x)) for groups in found]
        out.append((m.group(1), ids))
    return out


def test_every_role_lands_on_its_grouped_todo(app: Flask, inapp) -> None:
    ids = inapp(build_todo_world)
    for username in ROLES:
        html = land(app, username)
        assert re.search(r"<h1>待办</h1>", html), username
        assert list(group_counts(html)) == GROUP_ORDER, username
        expected = inapp(waiting_ids, username)
        assert set(rows(html)) == expected and len(rows(html)) == len(expected), username
        counts = group_counts(html)
        header = int(re.search(r'data-todo="(\d+)"', html).group(1))
        assert header == sum(counts.values()), username
        assert counts["approve"] + counts["returned"] + counts["reminded"] == len(expected), username
        shown = [g for g, _ids in sections(html)]
        assert shown == [g for g in GROUP_ORDER if g in shown], (username, shown)  # in the clerk's order
    city = land(app, "city_reviewer")
    assert rows(city)[0] == ids["city"]  # the one item waiting for the city reviewer is on top
    assert sections(city)[0] == ("approve", [ids["city"]])


def test_groups_hold_what_a_clerk_expects(app: Flask, inapp) -> None:
    ids = inapp(build_todo_world)
    filer = dict(sections(land(app, "huoqiu_filer")))
    assert ids["returned"] in filer["returned"] and ids["returned"] not in filer.get("approve", [])
    assert ids["draft"] in filer["approve"]
    assert filer["acknowledge"] == [ids["notice"]]  # the issued notice to sign for
    reviewer = dict(sections(land(app, "huoqiu_reviewer")))
    # overdue first, then the nearest deadline
    assert reviewer["approve"][:2] == [ids["county_late"], ids["county_soon"]]
    assert "returned" not in reviewer  # the returned one now waits for the filer
    shucheng = dict(sections(land(app, "shucheng_reviewer")))
    assert shucheng["reminded"] == [ids["reminded"]]  # 催办 since its last decision
    assert ids["reminded"] not in shucheng.get("approve", [])
    office_html = land(app, "office_approver")
    office = dict(sections(office_html))
    request_id = office["extension"][0]
    assert len(office["extension"]) == 1
    ext = re.search(rf'<li data-extension="{request_id}">(.*?)</li>', office_html, re.S).group(1)
    assert f'href="/items/{ids["extended"]}#extension">' in ext and "千人桥村" in ext  # by title, linked
    assert group_counts(office_html)["extension"] == 1


def test_a_group_can_be_shown_alone_and_all_items_is_one_tab_away(person, inapp) -> None:
    ids = inapp(build_todo_world)
    filer = person("huoqiu_filer")
    assert rows(filer.get("/todo?group=returned")) == [ids["returned"]]
    assert ids["returned"] not in rows(filer.get("/todo?group=approve"))
    everything = rows(filer.get("/all?type=application&per_page=100"))
    assert {ids["draft"], ids["returned"], ids["city"], ids["county_late"]} <= set(everything)
    assert ids["reminded"] not in everything  # another county's
    assert '<a href="/all"' in filer.get("/")
