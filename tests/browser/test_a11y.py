"""Accessibility in a real browser: axe-core (vendored under app/static/vendor/axe-core, added to the
page only here, never by PlanDesk itself) over every screen route the access matrix enumerates, in
Chinese and in English, at WCAG 2.1 A/AA; no page scrolls sideways at 320 px; and an application is
filed and approved through the county's review with the keyboard alone.

One database, one server and one browser serve the whole module; each view is one page load."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import DEMO_PASSWORD
from tests.screens.support import PDF
from tests.security.test_access_matrix import ROLE_USERS, _cells, expected_screen, sign_in
from tests.security.world import matrix_world

pytestmark = pytest.mark.browser

AXE = "/static/vendor/axe-core/axe.min.js"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGUAGES = ("zh_CN", "en")
#: who looks at each target item's screens in the sweep: the role that works on it
FIRST_LOOK = {"own_application": "county_filer", "other_application": "city_reviewer", "own_task": "county_filer",
              "dept_task": "dept_filer", "draft_notice": "city_reviewer", "issued_notice": "office_approver"}
ROLE_ORDER = ("county_filer", "county_reviewer", "city_reviewer", "office_approver", "supervisor", "dept_filer",
              "admin")
#: the pages a phone user reaches from the navigation: lists and dashboards
LIST_PAGES = ("/", "/all", "/todo", "/done", "/mine", "/notifications", "/delegations", "/extensions", "/reports/",
              "/dashboard", "/dashboard/items", "/dashboard/matrix", "/dashboard/overdue", "/dashboard/trends")
CITY_LIST_PAGES = (*LIST_PAGES, "/dashboard/matrix?kind=tasks")
ADMIN_LIST_PAGES = ("/admin/users", "/admin/units", "/admin/log")


@pytest.fixture(scope="module")
def world(module_app: Flask) -> dict:
    return matrix_world(module_app)


@pytest.fixture(scope="module")
def screen_views(module_app: Flask, world: dict) -> dict[str, list[str]]:
    """role → the HTML screens it is the viewer of: every GET route of the access matrix that answers
    a page (not a download, a redirect or JSON), each once, for a role that may see it."""
    seen: set[tuple[str, str | None]] = set()
    views: dict[str, list[str]] = {}
    roles = sorted(ROLE_USERS, key=ROLE_ORDER.index)
    for role in roles:
        client = module_app.test_client()
        sign_in(client, ROLE_USERS[role])
        for endpoint, target, path in _cells(module_app, world, role, client):
            if (endpoint, target) in seen or expected_screen(endpoint, role, target) != 200:
                continue
            if target is not None and FIRST_LOOK[target] != role:
                continue
            response = client.get(path)
            html = response.status_code == 200 and response.mimetype == "text/html"
            response.close()
            if html:
                seen.add((endpoint, target))
                views.setdefault(role, []).append(path)
    return views


def signed_in(browser, server: str, username: str, locale: str, width: int = 1280) -> Page:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", base_url=server,
                                  viewport={"width": width, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/$"))
    page.click(f"button[name=locale][value={locale}]")
    page.wait_for_load_state()
    return page


#: where data written in Chinese shows inside an English page: item titles, site names, unit names
CHINESE_DATA = ("[data-item-title]", "[data-site-name]", ".who", "td.title", "[data-unit] > th[scope=row]",
                ".item-meta", "tr[data-receipt] > td:first-child", "tr[data-unit] > td:nth-child(2)")
UNMARKED_CHINESE = """selectors => {
  const cjk = /[\\u3400-\\u9fff]/, found = [];
  for (const root of document.querySelectorAll(selectors.join(', '))) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode, lang = node.parentElement.closest('[lang]').getAttribute('lang');
      if (cjk.test(node.data) && !lang.startsWith('zh')) found.push(node.data.trim().slice(0, 30));
    }
  }
  return found;
}"""
FIRST_FOCUSABLE = """() => {
  const el = document.querySelector('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]');
  return el && [el.classList.contains('skip-link'), el.getAttribute('href'), !!document.getElementById('main')];
}"""


def axe_violations(page: Page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as shown, one line per rule with its nodes."""
    page.add_script_tag(url=AXE)
    result = page.evaluate("""tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                         resultTypes: ['violations']})""", WCAG21_AA)
    return [{"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]]


@pytest.fixture(scope="module")
def pages(module_browser, module_server: str) -> Iterator[Callable[[str, str], Page]]:
    """A signed-in page per (role, language), opened on first use and closed with the module."""
    opened: dict[tuple[str, str], Page] = {}

    def get(role: str, locale: str) -> Page:
        if (role, locale) not in opened:
            opened[role, locale] = signed_in(module_browser, module_server, ROLE_USERS[role], locale)
        return opened[role, locale]

    yield get
    for page in opened.values():
        page.context.close()


@pytest.mark.parametrize("locale", LANGUAGES)
def test_every_screen_has_no_wcag21_aa_violation(screen_views: dict[str, list[str]], pages, locale: str) -> None:
    found, looked = {}, 0
    for role, paths in screen_views.items():
        page = pages(role, locale)
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, (role, path)
            assert page.locator("html").get_attribute("lang") == ("zh-CN" if locale == "zh_CN" else "en")
            violations = axe_violations(page)
            if page.evaluate(FIRST_FOCUSABLE) != [True, "#main", True]:
                violations.append({"rule": "skip link first", "nodes": page.evaluate(FIRST_FOCUSABLE)})
            if locale == "en" and (unmarked := page.evaluate(UNMARKED_CHINESE, list(CHINESE_DATA))):
                violations.append({"rule": "Chinese data without lang=zh-CN", "nodes": unmarked})
            if locale == "en" and page.locator(".brand").count():
                if (brand := page.locator(".brand").inner_text()) != "PlanDesk":
                    violations.append({"rule": "brand link reads once", "nodes": [brand]})
            looked += 1
            if violations:
                found[f"{role} {path}"] = violations
    assert looked >= 20, looked  # the sweep really went over the screens
    assert found == {}, "\n".join(f"{view}: {violations}" for view, violations in found.items())


@pytest.mark.parametrize("locale", LANGUAGES)
def test_no_list_or_dashboard_page_scrolls_sideways_at_320_px(
        module_browser, module_server: str, world: dict, locale: str) -> None:
    """Wide tables scroll inside their own box; the page itself is never wider than a 320 px phone."""
    wide = {}
    for username, paths in (("huoqiu_filer", LIST_PAGES), ("office_approver", CITY_LIST_PAGES),
                            ("admin", ADMIN_LIST_PAGES)):
        page = signed_in(module_browser, module_server, username, locale, width=320)
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, (username, path)
            width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
            assert width[1] == 320
            if width[0] > width[1]:
                wide[f"{username} {path}"] = width[0]
        page.context.close()
    assert wide == {}, wide


# -- the keyboard alone: file an application and have the county endorse it -------------------------

FOCUS = """selector => {
  const el = document.activeElement, style = getComputedStyle(el);
  return {match: el.matches(selector), at: `${el.tagName.toLowerCase()}#${el.id}.${el.className}`,
          outline: `${style.outlineStyle} ${style.outlineWidth}`,
          id: el.id, decimal: el.getAttribute('inputmode') === 'decimal',
          // a date input's focus sits on its highlighted day, month or year inside the browser's own editor
          visible: el.type === 'date' || (el !== document.body && el.matches(':focus')
                   && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)};
}"""


def tab_to(page: Page, selector: str, *, back: bool = False, limit: int = 150,
           on_the_way: Callable[[dict], None] | None = None) -> dict:
    """Press Tab (Shift+Tab) until the focus is on ``selector``; the focus must be visible at every stop."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        focus = page.evaluate(FOCUS, selector)
        assert focus["visible"], f"focus not visible on {focus} ({page.url})"
        if focus["match"]:
            return focus
        if on_the_way is not None:
            on_the_way(focus)
    raise AssertionError(f"{selector} not reached with the keyboard on {page.url}")


def press(page: Page, key: str) -> None:
    """A key that follows a link or sends a form: wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def sign_in_by_keyboard(page: Page, username: str) -> None:
    assert page.evaluate("() => document.activeElement.id") == "username"  # the form puts the focus there
    page.keyboard.type(username)
    tab_to(page, "#password")
    page.keyboard.type(DEMO_PASSWORD)
    press(page, "Enter")
    expect(page).to_have_url(re.compile(r"/$"))


def test_filing_and_the_county_review_work_with_the_keyboard_alone(module_browser, module_server: str) -> None:
    context = module_browser.new_context(locale="zh-CN", base_url=module_server,
                                         viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/login")
    sign_in_by_keyboard(page, "huoqiu_filer")

    # the skip link comes first and takes the focus past the header and the navigation
    tab_to(page, "a.skip-link", limit=1)
    expect(page.locator("a.skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    tab_to(page, 'a[href$="/filing/applications/new"]', back=True)
    press(page, "Enter")
    tab_to(page, 'input[name="category"]')
    page.keyboard.press("Space")
    tab_to(page, 'button[type="submit"].primary')
    press(page, "Enter")

    def fill(focus: dict) -> None:
        if focus["id"] == "site_name" or focus["id"].startswith("f_"):
            page.keyboard.type("12" if focus["decimal"] else "键盘申报")

    tab_to(page, "#site_name")
    page.keyboard.type("键盘村")
    tab_to(page, "input#file", on_the_way=fill)
    evidence = [{"name": "申报表.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    try:
        with page.expect_file_chooser(timeout=8_000) as chooser:
            page.keyboard.press("Space")
        chooser.value.set_files(evidence)
    except PlaywrightTimeoutError:
        # headless Chromium under a loaded machine does not always report the picker Space opened; the
        # focused input then takes the file as the operating system's dialog would
        assert page.evaluate("() => document.activeElement.id") == "file"
        page.locator("input#file").set_input_files(evidence)
    tab_to(page, "form.card button.primary")
    press(page, "Enter")
    expect(page.locator(".flash-success")).to_be_visible()
    item_id = int(re.search(r"/items/(\d+)$", page.url).group(1))
    expect(page.locator("#files")).to_contain_text("申报表.pdf")

    tab_to(page, 'section[data-trigger="submit"] button[value="fire"]')
    press(page, "Enter")
    expect(page.locator(".item-meta .state")).to_have_attribute("data-state", "mobilization.county_review")
    tab_to(page, 'form[action$="/logout"] button', back=True)
    press(page, "Enter")

    sign_in_by_keyboard(page, "huoqiu_reviewer")
    tab_to(page, 'a[href$="/todo"]')
    press(page, "Enter")
    tab_to(page, f'tr[data-item-id="{item_id}"] td.title a')
    press(page, "Enter")
    expect(page).to_have_url(re.compile(rf"/items/{item_id}$"))
    tab_to(page, 'section[data-trigger="endorse"] button[value="fire"]')
    press(page, "Enter")
    expect(page.locator(".item-meta .state")).to_have_attribute("data-state", "mobilization.city_review")
    context.close()
