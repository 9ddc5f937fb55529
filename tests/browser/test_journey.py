"""The full journey in a real browser, checking what each person sees at each step.

A county filer files a provincial demo-village application with evidence; the county reviewer
endorses; the city reviewer returns it with a reason; the filer sees the reason, edits and resubmits;
it is endorsed and accepted; the self-assessment goes through; the office orders rectification with a
deadline; the rectification is submitted and endorsed; the office passes it and records the province's
approval; the quota board counts it. A second county's filer cannot open it.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.screens.support import PDF

pytestmark = pytest.mark.browser

SITE = "大顾店村"


def evidence(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def act(page: Page, trigger: str, **inputs: str) -> None:
    """Fill one action's form on the item page and press its button."""
    form = page.locator(f'section[data-trigger="{trigger}"]')
    expect(form).to_be_visible()
    for name, value in inputs.items():
        if name == "decision":
            form.locator(f'input[name="decision"][value="{value}"]').check()
        else:
            form.locator(f'[name="{name}"]').fill(value)
    form.locator('button[value="fire"]').click()
    page.wait_for_load_state()


def upload(page: Page, name: str) -> None:
    page.set_input_files("#upload-file", [evidence(name)])
    page.locator("#files button[type=submit]").last.click()
    expect(page.locator(".flash-success")).to_contain_text("已上传 1 个文件")


def state_is(page: Page, text: str) -> None:
    expect(page.locator(".item-meta .state")).to_have_text(text)


def open_from_todo(page: Page, item_id: int) -> None:
    page.goto("/todo")
    row = page.locator(f'tr[data-item-id="{item_id}"]')
    expect(row).to_be_visible()
    row.locator("td.title a").click()
    page.wait_for_url(f"**/items/{item_id}")


def achieved(page: Page) -> str:
    page.goto("/dashboard")
    cell = page.locator('#ind-provincial_demo_village tr[data-county="huoqiu"] td').nth(1)
    return cell.inner_text().strip()


def test_full_journey(people) -> None:
    filer, reviewer, city = people("huoqiu_filer"), people("huoqiu_reviewer"), people("city_reviewer")
    office = people("office_approver")
    before = achieved(office)

    # 1. the county filer files a provincial demo-village application with evidence
    filer.click("text=新建申报")
    filer.check("#cat-provincial_demo_village")
    filer.click("text=下一步：填写申报表")
    expect(filer.locator("h1")).to_contain_text("省级电商示范村")
    filer.fill("#site_name", SITE)
    for field, value in (("town", "宋店乡"), ("population", "2300"), ("main_products", "霍邱大米、龙虾"),
                         ("online_sales", "320"), ("highlights", "村级服务站代购代销"), ("contact_person", "张三"),
                         ("contact_phone", "0564-6012345")):
        filer.fill(f"#f_{field}", value)
    filer.set_input_files("#file", [evidence("村委会申报表.pdf")])
    filer.click("form button.primary")
    expect(filer.locator(".flash-success")).to_contain_text("申报草稿已保存")
    item_id = int(re.search(r"/items/(\d+)$", filer.url).group(1))
    expect(filer.locator("#files")).to_contain_text("村委会申报表.pdf")
    state_is(filer, "动员部署·起草")
    act(filer, "submit")
    state_is(filer, "动员部署·县区审核")
    expect(filer.locator('section[data-trigger="withdraw"]')).to_be_visible()
    expect(filer.locator('section[data-trigger="submit"]')).to_have_count(0)

    # 2. the county reviewer finds it waiting and endorses
    reviewer.goto("/todo")
    expect(reviewer.locator("[data-todo]")).to_have_text("1")  # the header counts what waits for them
    open_from_todo(reviewer, item_id)
    expect(reviewer.locator("#history")).to_contain_text("提交申报")
    act(reviewer, "endorse")
    state_is(reviewer, "动员部署·市级审核")

    # 3. the city reviewer returns it with a reason
    open_from_todo(city, item_id)
    act(city, "send_back")  # no reason: refused, nothing happens
    expect(city.locator(".act-card.failed")).to_contain_text("退回必须填写理由")
    state_is(city, "动员部署·市级审核")
    act(city, "send_back", comment="缺少村委会盖章的申报表，请补充。")
    state_is(city, "动员部署·起草")

    # 4. the filer sees the reason, edits and resubmits
    filer.goto("/todo")
    expect(filer.locator(f'tr[data-item-id="{item_id}"] .tag-returned')).to_have_text("被退回")
    filer.goto(f"/items/{item_id}")
    expect(filer.locator("#returned [data-return-reason]")).to_have_text("缺少村委会盖章的申报表，请补充。")
    filer.click("text=修改申报内容")
    # the edit form repeats the reason, takes the missing file and resubmits in one action
    expect(filer.locator("#returned [data-returned-opinion]")).to_have_text("缺少村委会盖章的申报表，请补充。")
    filer.fill("#f_population", "2350")
    filer.set_input_files("#file", [evidence("盖章申报表.pdf")])
    filer.click('button[value="resubmit"]')
    expect(filer.locator(".flash-success")).to_contain_text("已修改并重新提交")
    expect(filer.locator("dl.fields")).to_contain_text("2,350 人")  # the figure with its unit, as the form defines it
    expect(filer.locator("#files")).to_contain_text("盖章申报表.pdf")
    state_is(filer, "动员部署·县区审核")
    expect(filer.locator("#returned")).to_have_count(0)

    # 5. endorsed and accepted
    open_from_todo(reviewer, item_id)
    act(reviewer, "endorse")
    open_from_todo(city, item_id)
    act(city, "accept")
    state_is(city, "全面推进")

    # 6. the self-assessment goes through
    filer.goto(f"/items/{item_id}")
    act(filer, "start_self_assessment")
    state_is(filer, "自查评估·起草")
    expect(filer.locator('section[data-trigger="submit"] .facts')).to_contain_text("本阶段已上传证明材料 0 份")
    upload(filer, "自查佐证.pdf")
    form = filer.locator('section[data-trigger="submit"]')
    form.locator('[name="text"]').fill("服务站覆盖全村，网销额稳步增长")
    form.locator('[name="fig_online_sales"]').fill("350")
    form.locator('button[value="save"]').click()
    expect(filer.locator(".flash-success")).to_contain_text("草稿已保存")
    expect(filer.locator('section[data-trigger="submit"] [name="fig_online_sales"]')).to_have_value("350")
    act(filer, "submit", fig_service_stations="3", fig_online_products="12", fig_poor_households="46")
    state_is(filer, "自查评估·县区审核")
    open_from_todo(reviewer, item_id)
    act(reviewer, "endorse")
    state_is(reviewer, "检查验收")

    # 7. the office orders rectification with a deadline
    open_from_todo(office, item_id)
    expect(office.locator("body")).to_contain_text("服务站覆盖全村，网销额稳步增长")
    act(office, "order_rectification", deadline="2018-08-31", comment="电商服务站台账不全")
    state_is(office, "限期整改·起草")

    # 8. the rectification is submitted and endorsed
    filer.goto("/todo")
    expect(filer.locator(f'tr[data-item-id="{item_id}"]')).to_contain_text("2018年8月31日")
    filer.goto(f"/items/{item_id}")
    expect(filer.locator("#rectification")).to_contain_text("电商服务站台账不全")
    expect(filer.locator("[data-rectification-deadline]")).to_contain_text("2018年8月31日")
    upload(filer, "整改台账.pdf")
    act(filer, "submit", report="已补齐服务站台账并公示")
    state_is(filer, "限期整改·县区审核")
    open_from_todo(reviewer, item_id)
    act(reviewer, "endorse")

    # 9. the office passes it and records the province's approval
    open_from_todo(office, item_id)
    act(office, "pass", findings="整改到位，同意报省认定")
    state_is(office, "检查验收·省级认定")
    act(office, "record_provincial_decision", decision="approved", document_number="皖商办〔2019〕12号")
    state_is(office, "持续提升")
    expect(office.locator("#history")).to_contain_text("录入省级认定结果")

    # the filer sees the whole history; the print view carries it
    filer.goto(f"/items/{item_id}")
    state_is(filer, "持续提升")
    history = filer.locator("#history")
    for text in ("市商务局审核人", "缺少村委会盖章的申报表，请补充。", "电商服务站台账不全", "整改到位，同意报省认定"):
        expect(history).to_contain_text(text)
    filer.goto(f"/items/{item_id}/print")
    printed = filer.locator("[data-print-history]")
    for text in ("提交申报", "退回", "确定为创建对象", "提交自查评估", "责令限期整改", "提交整改报告", "验收通过并报省认定",
                 "录入省级认定结果", "缺少村委会盖章的申报表，请补充。"):
        expect(printed).to_contain_text(text)

    # 10. the quota board counts it
    assert achieved(office) == str(int(before) + 1)

    # a second county's filer cannot open it
    other = people("shucheng_filer")
    response = other.goto(f"/items/{item_id}")
    assert response.status == 404
    expect(other.locator("h1")).to_have_text("事项不存在或无权查看")
    other.goto("/all?type=application")
    expect(other.locator(f'tr[data-item-id="{item_id}"]')).to_have_count(0)
