""""Screens a county clerk could use tomorrow", end to end in Debian's Chromium.

Every demo role signs in through the login form and lands on its grouped 待办, the item waiting for it
on top of the right group. The filer files, a plain-text ``fake.pdf`` is refused, the city returns the
application, the filer reads the reason on the edit form, uploads there and resubmits in one action;
the city approves with a stock phrase and the office approves. The 审批单 shows no internal field name
(the list is generated from the definitions), the diagram no internal state or trigger name, and in
English no Chinese character appears outside user data (elements marked ``data-user``) on any
dashboard tab or the item page.

The full path through self-assessment, rectification and the province's decision is
``test_journey.py``; this module checks what that one does not.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.applications.fields import BY_CATEGORY, SITE_NAME
from app.extensions import db
from app.plans.schema import read_plan_file
from app.reports.texts import SECTIONS
from app.workflow_settings.operations import save_switches
from app.workflow_settings.switches import OFFICE_APPROVES_ACCEPTANCE
from tests.conftest import DEMO_PASSWORD
from tests.screens.support import PDF, actor, fire, make_application, set_due
from workflows.registry import WORKFLOWS

pytestmark = pytest.mark.browser

PLAN_FILE = Path(__file__).resolve().parents[2] / "app" / "plans" / "data" / "luan-2018-143.yaml"
SITE = "陈家岗村"
REASON = "缺少村委会盖章的申报表，请补充。"
PHRASE = "情况属实，同意"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
FAR = date(2019, 6, 30)  # a later deadline than the journey's item: seeded rows sort below it
#: the roles of README "Demo accounts" that act on nothing here: they still land on 待办
OTHER_ROLES = ("supervisor", "admin", "commerce_filer")
#: every tab of the top navigation's dashboards (the Excel ledger is a download, not a page)
DASHBOARDS = ("/dashboard", "/dashboard/matrix", "/dashboard/overdue", "/reports", "/dashboard/trends",
              "/dashboard/scores")


def field_keys() -> set[str]:
    """Every internal key a 审批单 could leak: category fields, indicator codes, report sections."""
    plan = read_plan_file(PLAN_FILE)
    keys = {f.key for fields in BY_CATEGORY.values() for f in fields} | {SITE_NAME[0]}
    keys |= {c.code for c in plan.categories} | {i.code for i in plan.indicators}
    keys |= {name for name, _title in SECTIONS}
    return keys


def internal_names() -> set[str]:
    """Every state name (``phase.step``), phase, trigger and workflow name of every workflow."""
    names: set[str] = set()
    for wf in WORKFLOWS.values():
        names |= {s.value for s in wf.states} | {s.value.split(".")[0] for s in wf.states}
        names |= {sp.trigger for sp in wf.specs} | {wf.name}
    return names


def words_in(text: str, names: set[str]) -> set[str]:
    return {n for n in names if re.search(rf"(?<![\w.]){re.escape(n)}(?![\w.])", text)}


@pytest.fixture
def live_app(sqlite_app: Flask) -> Flask:
    """As shipped (the city's and the office's decisions need an opinion), with the office approving the
    city's acceptance, so the office approver acts on the item too."""
    sqlite_app.config["PLANDESK_OPINION_DEFAULT"] = None
    with sqlite_app.app_context():
        save_switches(db.session, actor("office_approver"), {OFFICE_APPROVES_ACCEPTANCE: True})
        db.session.commit()
    return sqlite_app


@pytest.fixture
def seeded(live_app: Flask) -> dict[str, int]:
    """Something else already waits in each reviewer's 待审批, due later than the journey's item."""
    with live_app.app_context():
        county = make_application("huoqiu", "mobilization.county_review", site="早先村")
        city = make_application("shucheng", "mobilization.city_review", site="舒城某村")
        office = make_application("jinzhai", "mobilization.city_review", site="金寨某村")
        fire(office, "accept", "city_reviewer", comment="同意")
        for item_id in (county, city, office):
            set_due(item_id, FAR)
        db.session.remove()
    return {"county": county, "city": city, "office": office}


class Desk:
    """One signed-in Chinese page per person, each signed in through the login form."""

    def __init__(self, browser, base_url: str) -> None:
        self.browser, self.base_url = browser, base_url
        self.pages: dict[str, Page] = {}
        self.contexts: list = []

    def sign_in(self, username: str) -> Page:
        context = self.browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                           viewport={"width": 1280, "height": 900}, base_url=self.base_url)
        context.set_default_timeout(20_000)
        self.contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", DEMO_PASSWORD)
        page.press("#password", "Enter")  # the first submit button on the page is the language switch
        page.wait_for_url(lambda url: not url.endswith("/login"))
        assert page.url == self.base_url + "/", (username, page.url)  # landed on 待办, not 全部事项
        expect(page.locator(".wl-tabs [aria-current=page]")).to_have_text("待办")
        self.pages[username] = page
        return page

    def __call__(self, username: str) -> Page:
        return self.pages.get(username) or self.sign_in(username)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def desk(browser, live_server: str) -> Desk:
    desk = Desk(browser, live_server)
    yield desk
    desk.close()


def on_top(page: Page, group: str, heading: str, item_id: int) -> None:
    """On 待办, ``item_id`` is the first row of ``group`` under ``heading``."""
    page.goto("/")
    section = page.locator(f'section[data-group="{group}"]')
    expect(section.locator("h2")).to_contain_text(heading)
    expect(section.locator("tbody tr").first).to_have_attribute("data-item-id", str(item_id))


def act(page: Page, trigger: str, **inputs: str) -> None:
    form = page.locator(f'section[data-trigger="{trigger}"]')
    for name, value in inputs.items():
        form.locator(f'[name="{name}"]').fill(value)
    form.locator('button[value="fire"]').click()
    page.wait_for_load_state()


def state_is(page: Page, text: str) -> None:
    expect(page.locator(".item-meta .state")).to_have_text(text)


def text_outside_user_data(page: Page) -> str:
    """The page's visible text and attributes people read (alt, title, aria-label, placeholder), without
    user data (``[data-user]``) and without the language switch's own name (中文)."""
    return page.evaluate("""() => {
        const root = document.body.cloneNode(true);
        root.querySelectorAll('[data-user], script, style, [hidden], noscript').forEach(e => e.remove());
        root.querySelectorAll('button[name=locale]').forEach(e => e.remove());
        const said = [];
        root.querySelectorAll('[alt], [title], [aria-label], [placeholder]').forEach(e => {
            for (const a of ['alt', 'title', 'aria-label', 'placeholder']) {
                if (e.hasAttribute(a)) { said.push(e.getAttribute(a)); }
            }
        });
        root.querySelectorAll('option').forEach(e => said.push(e.textContent));
        let title = document.title;  // holds the item's title: user data too
        document.querySelectorAll('[data-user]').forEach(e => { title = title.split(e.textContent).join(' '); });
        return root.textContent + '\\n' + said.join('\\n') + '\\n' + title;
    }""")


def cjk_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if CJK.search(line)]


def test_clerk_journey(desk: Desk, seeded: dict[str, int], live_app: Flask) -> None:
    # every demo role lands on its grouped 待办
    for username in OTHER_ROLES:
        desk.sign_in(username)

    # the filer files an application
    filer = desk("huoqiu_filer")
    filer.click("text=新建申报")
    filer.check("#cat-provincial_demo_village")
    filer.click("text=下一步：填写申报表")
    filer.fill("#site_name", SITE)
    for key, value in (("town", "宋店乡"), ("population", "1800"), ("main_products", "霍邱柳编"),
                       ("online_sales", "210"), ("highlights", "柳编产品网上销售"), ("contact_person", "李四"),
                       ("contact_phone", "0564-6012345")):
        filer.fill(f"#f_{key}", value)
    filer.set_input_files("#file", [{"name": "申报表.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    filer.click("form button.primary")
    expect(filer.locator(".flash-success")).to_contain_text("申报草稿已保存")
    item_id = int(re.search(r"/items/(\d+)$", filer.url).group(1))

    # a plain-text file named fake.pdf is refused with the reason; the materials list is unchanged
    materials = filer.locator("#files tr[data-attachment]")
    expect(materials).to_have_count(1)
    filer.set_input_files("#upload-file", [{"name": "fake.pdf", "mimeType": "application/pdf",
                                             "buffer": "这不是PDF，只是一段文字。\n".encode()}])
    filer.locator("#files button[type=submit]").last.click()
    expect(filer.locator("body")).to_contain_text("文件内容与扩展名不符")
    expect(filer.locator("body")).to_contain_text("fake.pdf")
    filer.goto(f"/items/{item_id}")
    expect(materials).to_have_count(1)
    expect(filer.locator("#files")).not_to_contain_text("fake.pdf")
    act(filer, "submit")
    state_is(filer, "动员部署·县区审核")

    # the county reviewer finds it on top of 待审批 (above an older item due later) and endorses
    reviewer = desk("huoqiu_reviewer")
    on_top(reviewer, "approve", "待审批", item_id)
    reviewer.locator(f'section[data-group="approve"] tr[data-item-id="{item_id}"] td.title a').click()
    act(reviewer, "endorse")
    state_is(reviewer, "动员部署·市级审核")

    # the city reviewer: on top of 待审批; returns it with a reason
    city = desk("city_reviewer")
    on_top(city, "approve", "待审批", item_id)
    city.goto(f"/items/{item_id}")
    act(city, "send_back", comment=REASON)
    state_is(city, "动员部署·起草")

    # the filer: on top of 被退回; the edit form shows the reason, takes a file and resubmits at once
    on_top(filer, "returned", "被退回", item_id)
    filer.goto(f"/items/{item_id}")
    filer.click("text=修改申报内容")
    expect(filer.locator("#returned [data-returned-opinion]")).to_have_text(REASON)
    filer.set_input_files("#file", [{"name": "盖章申报表.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    filer.click('button[value="resubmit"]')
    expect(filer.locator(".flash-success")).to_contain_text("已修改并重新提交")
    state_is(filer, "动员部署·县区审核")
    expect(filer.locator("#files")).to_contain_text("盖章申报表.pdf")

    on_top(reviewer, "approve", "待审批", item_id)
    reviewer.goto(f"/items/{item_id}")
    act(reviewer, "endorse")

    # the city approves with a stock phrase; the opinion is in the history under the reviewer's name
    on_top(city, "approve", "待审批", item_id)
    city.goto(f"/items/{item_id}")
    form = city.locator('section[data-trigger="accept"]')
    form.locator(f'button[data-phrase="{PHRASE}"]').click()
    expect(form.locator('textarea[name="comment"]')).to_have_value(PHRASE)
    form.locator('button[value="fire"]').click()
    state_is(city, "动员部署·办公室审批")
    entry = city.locator("#history li", has_text=PHRASE).first
    expect(entry).to_contain_text("市商务局审核人")

    # the office approver: on top of 待审批 (above the other county's item due later); approves
    office = desk("office_approver")
    on_top(office, "approve", "待审批", item_id)
    office.goto(f"/items/{item_id}")
    office.locator('section[data-trigger="approve"] button[data-phrase]').first.click()
    act(office, "approve")
    state_is(office, "全面推进")

    # the 审批单: no internal field name, the filled fields under their Chinese labels
    filer.goto(f"/items/{item_id}")
    filer.click("text=打印审批单")
    filer.wait_for_url(f"**/items/{item_id}/print")
    sheet = filer.locator("body").inner_text()
    keys = field_keys()
    assert {"town", "online_sales", "contact_phone", "provincial_demo_village", "progress"} <= keys
    assert not words_in(sheet, keys), words_in(sheet, keys)
    for label in ("示范点名称", "所属乡镇", "户籍人口", "主要网销产品", "上年网络销售额", "主要做法和成效", "联系人",
                  "联系电话"):
        assert label in sheet, label
    for value in (SITE, "宋店乡", "霍邱柳编", REASON, PHRASE):
        assert value in sheet, value

    # the diagram: no internal state or trigger name; the current state's title, framed as current
    names = internal_names()
    assert {"mobilization.office_review", "implementation", "send_back", "approve"} <= names
    filer.goto(f"/items/{item_id}")
    diagram = filer.locator("#diagram img")
    assert "全面推进" in diagram.get_attribute("alt")
    filer.goto(f"/items/{item_id}/diagram.svg")
    drawn = filer.evaluate("() => document.documentElement.textContent")
    assert not words_in(drawn, names), words_in(drawn, names)
    expect(filer.locator("g.node.current text").first).to_have_text("全面推进")

    # English: no Chinese outside user data on every dashboard tab and on the item page
    office.goto("/")
    office.click("button[value=en]")
    expect(office.locator(".wl-tabs [aria-current=page]")).to_have_text("To do")
    for path in (*DASHBOARDS, f"/items/{item_id}", f"/items/{item_id}/print", "/"):
        office.goto(path)
        office.wait_for_load_state("networkidle")
        leaks = cjk_lines(text_outside_user_data(office))
        assert not leaks, (path, leaks[:10])
    filer.goto(f"/items/{item_id}")
    filer.click("button[value=en]")
    leaks = cjk_lines(text_outside_user_data(filer))
    assert not leaks, ("filer item page", leaks[:10])
