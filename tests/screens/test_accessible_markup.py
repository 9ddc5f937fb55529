"""The markup a screen reader and a keyboard rely on, checked in the HTML itself (the browser sweep
with axe-core is tests/browser/test_a11y.py): field errors tied to their fields, a skip link first,
the brand read once, Chinese data marked as Chinese in English pages, named scroll boxes and lights,
and no empty table header."""
from __future__ import annotations

import re

from flask import Flask

from app.extensions import db
from tests.screens.support import Person, attach, make_application

FIRST_FOCUSABLE = re.compile(r"<(a|button|input(?![^>]*type=\"hidden\")|select|textarea)\b[^>]*>")


def tag_with(html: str, attribute: str) -> list[str]:
    return re.findall(rf"<[a-z]+\b[^>]*\b{attribute}[^>]*>", html)


def describedby_errors(html: str) -> dict[str, str]:
    """Each invalid control's id → the text of the error that describes it."""
    tied = {}
    for tag in tag_with(html, 'aria-invalid="true"'):
        control = re.search(r'\bid="([^"]+)"', tag).group(1)
        target = re.search(r'aria-describedby="([^"]+)"', tag).group(1)
        error = re.search(rf'<p class="error" id="{re.escape(target)}"[^>]*>(.*?)</p>', html, re.S)
        tied[control] = error.group(1).strip() if error else None
    return tied


def test_field_errors_are_tied_to_their_fields(sqlite_app: Flask) -> None:
    filer = Person(sqlite_app, "huoqiu_filer")
    before = filer.rows("/mine")
    response = filer.post("/filing/applications/new", {"category": "provincial_demo_village", "site_name": "",
                                                       "f_online_sales": "很多"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, response.status_code
    tied = describedby_errors(html)
    assert tied["site_name"] and tied["f_town"] == "必填" and tied["f_online_sales"] == "必须是数字", tied
    assert "f_population" not in tied  # optional and empty: not invalid
    errors = re.findall(r'<p class="error" id="([^"]+)"', html)
    assert len(errors) == len(tied)  # no error stands alone
    assert filer.rows("/mine") == before  # nothing was filed


def test_sign_in_errors_are_tied_to_their_fields(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    html = client.post("/login", data={"username": "", "password": "", "csrf_token": token}).get_data(as_text=True)
    tied = describedby_errors(html)
    assert set(tied) == {"username", "password"} and all(tied.values()), tied


def test_a_skip_link_comes_first_and_the_brand_reads_once(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        item_id = make_application("huoqiu")
        db.session.remove()
    filer = Person(sqlite_app, "huoqiu_filer")
    for path in ("/", f"/items/{item_id}", f"/items/{item_id}/print"):
        html = filer.get(path)
        first = FIRST_FOCUSABLE.search(html.split("<body", 1)[1]).group(0)
        assert 'class="skip-link' in first and 'href="#main"' in first, (path, first)
        assert 'id="main"' in html
    filer.post("/language", {"locale": "en"})
    brand = re.search(r'<a class="brand"[^>]*>(.*?)</a>', filer.get("/"), re.S).group(1)
    assert re.sub(r"<[^>]+>", "", brand).strip() == "PlanDesk", brand


def test_chinese_data_is_marked_in_english_pages(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        item_id = make_application("huoqiu", site="英文页村")
        db.session.remove()
    filer = Person(sqlite_app, "huoqiu_filer")
    zh_page = filer.get(f"/items/{item_id}")
    assert '<dd data-site-name>英文页村</dd>' in zh_page  # a Chinese page needs no mark
    filer.post("/language", {"locale": "en"})
    page = filer.get(f"/items/{item_id}")
    assert '<dd data-site-name><span lang="zh-CN" data-user>英文页村</span></dd>' in page
    assert re.search(r'<h1 data-item-title><span lang="zh-CN" data-user>[^<]*英文页村', page)
    assert '<span lang="zh-CN" data-user>霍邱县</span>' in page  # the unit
    todo = filer.get("/mine")
    assert re.search(rf'<a href="/items/{item_id}"><span lang="zh-CN" data-user>[^<]*英文页村', todo)


def test_scroll_boxes_lights_and_table_headers_are_named(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        item_id = make_application("huoqiu")
        attach(item_id, "huoqiu_filer")
        db.session.remove()
    filer = Person(sqlite_app, "huoqiu_filer")
    item = filer.get(f"/items/{item_id}")
    diagram = re.search(r'<div class="diagram"[^>]*>', item).group(0)
    assert 'tabindex="0"' in diagram and 'role="region"' in diagram and 'aria-label="' in diagram
    files = re.search(r'<table class="data files">.*?</thead>', item, re.S).group(0)
    assert not re.search(r"<th[^>]*>\s*</th>", files), files
    office = Person(sqlite_app, "office_approver")
    matrix = office.get("/dashboard/matrix")
    lights = tag_with(matrix, 'class="lights"')
    assert lights and all('role="img"' in tag and "aria-label=" in tag for tag in lights)
    for path in ("/dashboard", "/dashboard/matrix", "/dashboard/trends"):
        boxes = tag_with(office.get(path), 'class="scroll-x"')
        assert boxes and all('tabindex="0"' in b and 'role="region"' in b and 'aria-label="' in b for b in boxes)
