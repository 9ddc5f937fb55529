"""On a 390 px phone the navigation folds behind a menu button: it opens and closes by mouse and by
keyboard (Escape closes and gives focus back), nothing scrolls sideways, and without scripts the links
stay a plain list."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()


def no_sideways_scroll(page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, width


def test_the_phone_menu_opens_and_closes(browser, live_server) -> None:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, base_url=live_server, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    sign_in(page, "office_approver")
    page.goto("/todo")
    button, nav = page.locator("[data-menu-toggle]"), page.locator("#site-nav")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    no_sideways_scroll(page)

    button.click()  # open by a tap
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="审批流程设置")).to_be_visible()
    no_sideways_scroll(page)
    nav.get_by_role("link", name="延期审批").click()
    page.wait_for_url("**/extensions")
    expect(page.locator("#site-nav")).to_be_hidden()  # a new page starts folded

    page.locator("[data-menu-toggle]").focus()  # by keyboard: Enter opens, Escape closes and returns focus
    page.keyboard.press("Enter")
    expect(page.locator("#site-nav")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator("#site-nav a").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#site-nav")).to_be_hidden()
    expect(page.locator("[data-menu-toggle]")).to_be_focused()
    expect(page.locator("[data-menu-toggle]")).to_have_attribute("aria-expanded", "false")

    page.click("button[value=en]")  # the button speaks English too
    expect(page.locator("[data-menu-toggle]")).to_contain_text("Menu")
    context.close()


def test_without_scripts_the_menu_is_a_plain_list(browser, live_server) -> None:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "huoqiu_filer")
    page.goto("/todo")
    expect(page.locator("[data-menu-toggle]")).to_be_hidden()
    links = page.locator("#site-nav a")
    expect(links.first).to_be_visible()
    expect(page.locator("#site-nav").get_by_role("link", name="指标看板")).to_be_visible()
    boxes = [links.nth(i).bounding_box() for i in range(3)]
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]  # one link per line: a list
    no_sideways_scroll(page)
    context.close()


def test_wide_screens_show_the_navigation_without_a_button(browser, live_server) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, base_url=live_server)
    page = context.new_page()
    sign_in(page, "huoqiu_filer")
    page.goto("/todo")
    expect(page.locator("[data-menu-toggle]")).to_be_hidden()
    expect(page.locator("#site-nav")).to_be_visible()
    context.close()
