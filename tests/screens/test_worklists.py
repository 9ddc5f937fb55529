"""待办 / 已办 / 我的 / 全部: what each person finds, filters, sorting, paging, lights; a county never
sees another county's items."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select, update

from app.auth.delegation import actors_for
from app.auth.models import User
from app.extensions import db
from app.items.facts import subject_for
from app.items.models import Item
from app.items.queries import visible_items
from tests.screens.support import fire, make_application, text_of
from workflows.engine import available_actions
from app.items.waiting import OPTIONAL_TRIGGERS


def waiting_ids(username: str) -> set[int]:
    """The engine's own answer: visible items with an action the user may take that is not optional
    (a veto included: every action a role may take puts the item in its 待办)."""
    user = db.session.scalar(select(User).where(User.username == username))
    out: set[int] = set()
    for actor, _d in actors_for(user):
        for item in db.session.scalars(visible_items(actor)):
            subject = subject_for(item)
            if any(a.trigger not in OPTIONAL_TRIGGERS for a in available_actions(subject, actor)):
                out.add(item.id)
    return out


def listed(person, path: str) -> list[int]:
    ids: list[int] = []
    page = 1
    while True:
        html = person.get(f"{path}{'&' if '?' in path else '?'}per_page=100&page={page}")
        ids += [int(i) for i in re.findall(r'<tr data-item-id="(\d+)"', html)]
        if 'rel="next"' not in html:
            return ids
        page += 1


def seed(inapp) -> dict[str, int]:
    return inapp(lambda: {
        "draft": make_application("huoqiu", site="张家店村"),
        "county": make_application("huoqiu", "mobilization.county_review", site="宋店村"),
        "city": make_application("huoqiu", "mobilization.city_review", site="马店村"),
        "impl": make_application("huoqiu", "implementation", site="临淮岗村"),
        "other": make_application("shucheng", "mobilization.county_review", site="晓天村"),
        "insp": make_application("shucheng", "acceptance.inspection", site="千人桥村"),
    })


def test_todo_is_exactly_what_waits_for_each_person(person, inapp) -> None:
    ids = seed(inapp)
    for username in ("huoqiu_filer", "huoqiu_reviewer", "shucheng_reviewer", "city_reviewer", "office_approver",
                     "commerce_filer", "supervisor"):
        expected = inapp(waiting_ids, username)
        shown = listed(person(username), "/todo")
        assert len(shown) == len(set(shown)) and set(shown) == expected, username
        nav = re.search(r'data-todo="(\d+)"', person(username).get("/todo")).group(1)
        assert int(nav) == len(expected), username
    assert ids["county"] in listed(person("huoqiu_reviewer"), "/todo")
    assert ids["city"] not in listed(person("huoqiu_reviewer"), "/todo")  # its 撤回 is optional, not waiting
    assert ids["city"] in listed(person("office_approver"), "/todo")  # the office's veto (不予通过) reaches it
    assert ids["insp"] in listed(person("office_approver"), "/todo")
    assert not listed(person("supervisor"), "/todo")  # read-only


def test_a_county_never_sees_another_countys_items(person, inapp) -> None:
    ids = seed(inapp)
    shucheng = person("shucheng_filer")
    huoqiu_items = inapp(lambda: set(db.session.scalars(select(Item.id).where(
        Item.county.has(slug="huoqiu")))))
    for path in ("/", "/all", "/todo", "/done", "/mine", "/all?county=huoqiu", "/all?type=application", "/all?q=村"):
        assert not set(listed(shucheng, path)) & huoqiu_items, path
    assert 'value="huoqiu"' not in shucheng.get("/all")  # not even offered as a filter
    assert ids["other"] in listed(person("shucheng_reviewer"), "/todo")
    assert shucheng.client.get(f"/items/{ids['county']}").status_code == 404


def test_filters_narrow_the_list(person, inapp) -> None:
    ids = seed(inapp)
    city = person("city_reviewer")
    apps = set(listed(city, "/all?type=application"))
    assert apps == set(ids.values())
    assert set(listed(city, "/all?type=application&county=shucheng")) == {ids["other"], ids["insp"]}
    mobilization = {ids["draft"], ids["county"], ids["city"], ids["other"]}
    assert set(listed(city, "/all?type=application&phase=mobilization")) == mobilization
    assert set(listed(city, "/all?state=mobilization.county_review&type=application")) == {ids["county"], ids["other"]}
    assert set(listed(city, "/all?category=provincial_demo_village")) == set(ids.values())
    assert listed(city, "/all?category=municipal_demo_town") == []
    assert set(listed(city, "/all?q=马店")) == {ids["city"]}
    tasks = listed(city, "/all?type=task&phase=mobilization")
    assert tasks and inapp(lambda: {db.session.get(Item, i).type for i in tasks}) == {"task"}


def test_deadline_lights_sort_and_paging(person, inapp) -> None:
    ids = seed(inapp)

    def set_dues() -> None:
        for key, day in (("draft", date(2018, 5, 1)), ("county", date(2018, 7, 3)), ("city", date(2018, 7, 12)),
                         ("impl", date(2018, 12, 31))):
            db.session.execute(update(Item).where(Item.id == ids[key]).values(due_on=day))
    inapp(set_dues)
    city = person("city_reviewer")
    html = city.get("/all?type=application&county=huoqiu")
    lights = dict(re.findall(r'<tr data-item-id="(\d+)".*?data-level="([a-z_]+)"', html, re.S))
    assert lights == {str(ids["draft"]): "seriously_overdue", str(ids["county"]): "overdue",
                      str(ids["city"]): "due_soon", str(ids["impl"]): "none"}
    assert 'light-red" title="严重逾期"' in html and 'light-yellow" title="即将到期"' in html
    assert "2018年7月12日" in html  # dates the Chinese way
    assert listed(city, "/all?type=application&county=huoqiu&overdue=overdue") == [ids["county"]]
    assert listed(city, "/all?type=application&county=huoqiu&overdue=seriously_overdue") == [ids["draft"]]
    by_due = [ids["draft"], ids["county"], ids["city"], ids["impl"]]
    assert listed(city, "/all?type=application&county=huoqiu&sort=due") == by_due
    assert listed(city, "/all?type=application&county=huoqiu&sort=-due") == by_due[::-1]
    # paging: disjoint pages that add up to the total shown
    first = [int(i) for i in re.findall(r'<tr data-item-id="(\d+)"', city.get("/all?per_page=20"))]
    second_html = city.get("/all?per_page=20&page=2")
    second = [int(i) for i in re.findall(r'<tr data-item-id="(\d+)"', second_html)]
    total = inapp(lambda: db.session.query(Item).count())
    assert len(first) == len(second) == 20 and not set(first) & set(second)
    assert f"共 {total} 件" in text_of(second_html) and 'rel="prev"' in second_html


def test_done_lists_what_i_decided_and_mine_what_my_unit_filed(person, inapp) -> None:
    ids = seed(inapp)
    reviewer = person("huoqiu_reviewer")
    done = listed(reviewer, "/done")
    # make_application had the reviewer endorse county → city and beyond
    assert ids["city"] in done and ids["impl"] in done and ids["county"] not in done
    inapp(fire, ids["county"], "send_back", "huoqiu_reviewer", comment="请补充材料")
    html = reviewer.get("/done")
    assert f'data-item-id="{ids["county"]}"' in html and "我的办理时间" in html
    assert listed(reviewer, "/done")[0] == ids["county"]  # the latest decision first
    mine = set(listed(person("huoqiu_filer"), "/mine?type=application"))
    assert mine == {ids["draft"], ids["county"], ids["city"], ids["impl"]}


def test_a_list_beyond_the_cap_says_so_and_still_pages(person, inapp, monkeypatch) -> None:
    from app.items import queries
    from app.worklists import queries as worklists

    ids = seed(inapp)  # six applications
    monkeypatch.setattr(queries, "TOTAL_CAP", 4)
    monkeypatch.setattr(worklists, "PER_PAGE_CHOICES", (4, *worklists.PER_PAGE_CHOICES))
    city = person("city_reviewer")
    first = city.get("/all?type=application&sort=due&per_page=4")
    assert "第 1 页，共 4+ 件" in text_of(first) and 'rel="next"' in first
    # the pages run past the cap until the rows run out
    assert sorted(listed(city, "/all?type=application&sort=due")) == sorted(ids.values())
    last = city.get("/all?type=application&sort=due&per_page=4&page=2")
    assert len(re.findall(r'<tr data-item-id="(\d+)"', last)) == 2 and 'rel="next"' not in last
    assert "第 2 页，共 4+ 件" in text_of(last)
    # up to the cap the count stays exact
    huoqiu = city.get("/all?type=application&county=huoqiu")
    assert "第 1 / 1 页，共 4 件" in text_of(huoqiu)
    city.post("/language", {"locale": "en", "next": "/all"})
    assert "Page 1, 4+ items" in text_of(city.get("/all?type=application&per_page=4"))
