"""The first pages: sign-in, the role-aware home page, security headers, no CDN."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.items.models import Item
from app.units.models import Unit
from tests.conftest import DEMO_PASSWORD
from tests.helpers import csrf_token

ROOT = Path(__file__).resolve().parents[2]
ITEM_ROW = re.compile(r'data-item-id="(\d+)"')


def test_home_requires_sign_in(client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_page_has_csrf_and_chinese_fields(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page and 'name="csrf_token"' in page
    assert "登录" in page


def test_login_without_csrf_is_refused(client) -> None:
    response = client.post("/login", data={"username": "huoqiu_filer", "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still signed out


def test_wrong_password_shows_chinese_error(auth, client) -> None:
    response = auth.login("huoqiu_filer", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_county_home_lists_only_its_own_county(auth, client, app) -> None:
    response = auth.login("huoqiu_filer")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/all").get_data(as_text=True)
    shown = {int(i) for i in ITEM_ROW.findall(page)}
    with app.app_context():
        huoqiu = db.session.scalar(select(Unit.id).where(Unit.slug == "huoqiu"))
        own = set(db.session.scalars(select(Item.id).where(Item.county_id == huoqiu)))
        others = set(db.session.scalars(select(Item.id).where((Item.county_id != huoqiu) | Item.county_id.is_(None))))
    assert own and shown == own  # the county's task assignments (fewer than one page)
    assert not shown & others
    assert '<td class="unit nowrap">霍邱县</td>' in page and ">舒城县</td>" not in page


def test_city_reviewer_sees_every_unit(auth, client) -> None:
    auth.login("city_reviewer")
    page = client.get("/all").get_data(as_text=True)
    assert len(ITEM_ROW.findall(page)) == 50  # a full first page of the 190 assignments
    assert "下一页" in page


def test_logout_needs_post_with_csrf(auth, client) -> None:
    auth.login("huoqiu_filer")
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_sign_in_is_throttled_after_ten_failures(auth, client) -> None:
    for _ in range(10):
        assert auth.login("huoqiu_reviewer", "nope").status_code == 200
    response = auth.login("huoqiu_reviewer")  # even the right password is refused now
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "登录失败次数过多" in response.get_data(as_text=True)
    assert auth.login("huoqiu_filer").status_code == 302  # other accounts are unaffected


def test_security_headers(client) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("page", ["/login"])
def test_pages_use_only_own_assets(client, page: str) -> None:
    html = client.get(page).get_data(as_text=True)
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not re.match(r"^(https?:)?//", url), f"external asset {url}"
    with client.get("/static/css/plandesk.css") as css:
        assert css.status_code == 200 and b"@import" not in css.data and b"http" not in css.data


def test_templates_reference_no_cdn() -> None:
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'(?:src|href)="(?:https?:)?//', text), path
