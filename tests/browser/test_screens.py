"""Browser checks beyond the journey: scripts that work under the CSP (select all, confirmations),
the layout on a phone, the language switch, and no asset from outside PlanDesk."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.conftest import DEMO_PASSWORD
from tests.screens.support import make_application

pytestmark = pytest.mark.browser


def seed(app, *states: str) -> list[int]:
    with app.app_context():
        ids = [make_application("huoqiu", state, site=f"示范{i}村") for i, state in enumerate(states)]
        db.session.remove()
    return ids


def test_bulk_endorse_with_select_all(people, live_app) -> None:
    ids = seed(live_app, "mobilization.county_review", "mobilization.county_review")
    page = people("huoqiu_reviewer")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/todo")
    page.check("input[data-select-all]")
    expect(page.locator('[data-selected-count="bulk-form"]')).to_have_text("2")
    page.select_option("#bulk-trigger", "endorse")
    page.fill("#bulk-comment", "同意报市")
    page.click("text=预览（试运行）")
    expect(page.locator('tr[data-ok="1"]')).to_have_count(2)
    expect(page.locator("body")).to_contain_text("尚未执行任何操作")
    page.click("text=确认办理可以办理的 2 件")
    expect(page.locator(".flash-success")).to_contain_text("成功 2 件")
    for item_id in ids:
        page.goto(f"/items/{item_id}")
        expect(page.locator(".item-meta .state")).to_have_text("动员部署·市级审核")
    assert not errors, errors  # no CSP violation, no script error


def test_a_confirmation_guards_irreversible_actions(people, live_app) -> None:
    (item_id,) = seed(live_app, "acceptance.inspection")
    page = people("office_approver")
    page.goto(f"/items/{item_id}")
    form = page.locator('section[data-trigger="reject"]')
    form.locator('[name="comment"]').fill("材料不实")
    page.once("dialog", lambda dialog: dialog.dismiss())
    form.locator('button[value="fire"]').click()
    expect(page.locator(".item-meta .state")).to_have_text("检查验收")  # dismissed: nothing sent
    page.once("dialog", lambda dialog: dialog.accept())
    form.locator('button[value="fire"]').click()
    expect(page.locator(".item-meta .state")).to_have_text("未通过")


def test_phone_layout_and_english(browser, live_server, live_app) -> None:
    (item_id,) = seed(live_app, "self_assessment.draft")
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, base_url=live_server,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server) else None)
    page.goto("/login")
    page.fill("#username", "huoqiu_filer")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-submit")
    for path in ("/todo", f"/items/{item_id}", f"/items/{item_id}/print",
                 "/filing/applications/new?category=provincial_demo_village", "/notifications", "/delegations"):
        page.goto(path)
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        # nothing scrolls sideways on a phone (a mobile page too wide is zoomed out: innerWidth grows)
        assert width[0] <= width[1] + 1 and width[1] <= 390, (path, width)
    page.goto(f"/items/{item_id}")
    expect(page.locator('section[data-trigger="submit"] [name="fig_online_sales"]')).to_be_visible()
    page.click("button[value=en]")
    expect(page.locator(".navrow")).to_contain_text("To do")
    expect(page.locator("h2").first).to_have_text("Actions")
    assert not outside, outside  # every script, style and font comes from PlanDesk
    context.close()
