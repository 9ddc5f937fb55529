"""The 审批意见 box in a real browser: a 常用意见 button and the phrase list fill the box (no CSP
error), a blank opinion is refused with the reason beside the form, and a stock phrase approves."""
from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import expect

from app.extensions import db
from tests.screens.support import make_application

pytestmark = pytest.mark.browser


@pytest.fixture
def live_app(sqlite_app: Flask) -> Flask:
    """As shipped: the city's and the office's decisions need an opinion."""
    sqlite_app.config["PLANDESK_OPINION_DEFAULT"] = None
    return sqlite_app


def test_a_stock_phrase_fills_the_box_and_approves(people, live_app: Flask) -> None:
    with live_app.app_context():
        item_id = make_application("huoqiu", "mobilization.city_review")
        db.session.remove()
    page = people("city_reviewer")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"/items/{item_id}")
    form = page.locator('section[data-trigger="accept"]')
    box = form.locator('textarea[name="comment"]')
    expect(box).to_be_visible()
    expect(form.locator('[data-phrases]')).to_be_visible()  # revealed by the script

    form.locator('button[data-phrase="情况属实，同意"]').click()
    expect(box).to_have_value("情况属实，同意")
    form.locator('button[data-phrase="情况属实，同意"]').click()  # not twice
    expect(box).to_have_value("情况属实，同意")
    form.locator('select[name="opinion_phrase"]').select_option("同意上报")
    expect(box).to_have_value("情况属实，同意。同意上报")
    expect(form.locator('select[name="opinion_phrase"]')).to_have_value("")  # not sent again

    box.fill("")
    form.locator('button[value="fire"]').click()
    page.wait_for_load_state()
    failed = page.locator("section.act-card.failed")
    expect(failed).to_contain_text("请填写审批意见")
    expect(page.locator(".item-meta .state")).to_have_text("动员部署·市级审核")

    failed.locator('button[data-phrase="同意上报"]').click()
    failed.locator('button[value="fire"]').click()
    expect(page.locator(".flash-success")).to_contain_text("确定为创建对象")
    expect(page.locator(".item-meta .state")).to_have_text("全面推进")
    expect(page.locator("body")).to_contain_text("同意上报")  # in the history
    assert [e for e in errors if "status of 422" not in e] == [], errors  # the refusal's page is a 422
