"""The item page: fields, files, history, diagram, one form per available action with exactly its
inputs, refusals that keep what was typed, stale clicks, the print view, CSRF."""
from __future__ import annotations

import re

from app.attachments.models import Attachment
from app.extensions import db
from app.items.models import Item
from tests.screens.support import (PDF, action_section, attach, event_count, events, fire, flashes,
                                   make_application, offered, text_of)


def state_version(item_id: int) -> tuple[str, int]:
    item = db.session.get(Item, item_id)
    return item.state, item.version


def test_page_shows_fields_files_history_and_the_marked_diagram(person, inapp) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.county_review", site="宋店村")
    page = person("huoqiu_reviewer").get(f"/items/{item_id}")
    text = text_of(page)
    for expected in ("省级电商示范村：宋店村", "宋店乡", "张三", "0564-1234567", "本县区目标 4", "证明材料.pdf",
                     "动员部署·县区审核", "提交申报", "霍邱县经办人", "创建", "上传材料"):
        assert expected in text, expected
    assert f'src="/items/{item_id}/diagram.svg"' in page
    svg = person("huoqiu_reviewer").client.get(f"/items/{item_id}/diagram.svg")
    assert svg.mimetype == "image/svg+xml"
    drawing = svg.get_data(as_text=True)
    current = re.search(r'<g id="s\d+" class="node current">.*?</g>', drawing, flags=re.S).group(0)
    assert "动员部署·县区审核" in current and 'stroke="#c0392b"' in current  # the current state is marked
    assert drawing.count("class=\"node current\"") == 1
    assert "mobilization." not in drawing and "send_back" not in drawing and "退回" in drawing


def test_each_action_has_exactly_the_inputs_it_needs(person, inapp) -> None:
    county = inapp(make_application, "huoqiu", "mobilization.county_review")
    page = person("huoqiu_reviewer").get(f"/items/{county}")
    assert offered(page) == {"endorse", "send_back"}
    endorse, send_back = action_section(page, "endorse"), action_section(page, "send_back")
    # an open, optional 审批意见 (required of the county only where the office says so)
    assert 'name="comment"' in endorse and "<details" not in endorse and "审批意见 （选填）" in text_of(endorse)
    assert 'name="comment"' in send_back and "退回理由" in send_back and "<details" not in send_back
    assert offered(person("huoqiu_filer").get(f"/items/{county}")) == {"withdraw"}
    assert offered(person("city_reviewer").get(f"/items/{county}")) == set()
    assert "您对该事项当前没有可办理的操作" in person("supervisor").get(f"/items/{county}")

    inspection = inapp(make_application, "shucheng", "acceptance.inspection", site="晓天村")
    page = person("office_approver").get(f"/items/{inspection}")
    assert offered(page) == {"pass", "order_rectification", "reject"}
    pass_form, order, reject = (action_section(page, t) for t in ("pass", "order_rectification", "reject"))
    assert 'name="findings"' in pass_form and 'name="deadline"' not in pass_form
    assert 'type="date"' in order and 'name="deadline"' in order and "整改要求" in order
    assert 'name="findings"' not in order and 'name="findings"' not in reject and "data-confirm" in reject

    fire_state = inapp(make_application, "jinzhai", "acceptance.provincial_review", site="天堂寨村")
    page = person("office_approver").get(f"/items/{fire_state}")
    decide = action_section(page, "record_provincial_decision")
    assert 'value="approved"' in decide and 'value="rejected"' in decide and 'name="document_number"' in decide

    draft = inapp(make_application, "huoqiu", "self_assessment.draft", site="临淮岗村")
    page = person("huoqiu_filer").get(f"/items/{draft}")
    submit = action_section(page, "submit")
    for name in ("text", "fig_online_sales", "fig_service_stations", "fig_online_products", "fig_poor_households"):
        assert f'name="{name}"' in submit, name
    assert 'value="save"' in submit and "本阶段已上传证明材料 0 份" in submit


def test_a_refused_action_explains_keeps_the_inputs_and_changes_nothing(person, inapp) -> None:
    item_id = inapp(make_application, "shucheng", "acceptance.inspection", site="晓天村")
    before = inapp(lambda: (state_version(item_id), event_count(item_id)))
    office = person("office_approver")
    r = office.act(item_id, "order_rectification", comment="台账不全", deadline="2018-07-01", follow=False)
    assert r.status_code == 422
    form = action_section(r.get_data(as_text=True), "order_rectification")
    assert "整改期限必须晚于今天" in form and ">台账不全</textarea>" in form and 'value="2018-07-01"' in form
    r = office.act(item_id, "reject", comment="  ", follow=False)
    assert r.status_code == 422 and "验收不通过必须填写理由" in r.get_data(as_text=True)
    assert inapp(lambda: (state_version(item_id), event_count(item_id))) == before


def test_a_stale_click_says_what_happened_and_applies_nothing(person, inapp) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.county_review")
    reviewer, filer = person("huoqiu_reviewer"), person("huoqiu_filer")
    seen = re.search(r'name="version" value="(\d+)"', reviewer.get(f"/items/{item_id}")).group(1)
    filer.act(item_id, "withdraw", comment="发现错别字，撤回修改")  # the filer acts first
    count = inapp(event_count, item_id)
    r = reviewer.act(item_id, "endorse", version=seen)
    message = " ".join(flashes(r.get_data(as_text=True)))
    assert "您的操作未执行" in message and "霍邱县经办人" in message and "撤回" in message
    assert "动员部署·起草" in message
    assert inapp(state_version, item_id)[0] == "mobilization.draft" and inapp(event_count, item_id) == count
    assert "当前状态" in r.get_data(as_text=True) and 'data-state="mobilization.draft"' in r.get_data(as_text=True)

    # the same button pressed twice: applied once
    inapp(attach, item_id, "huoqiu_filer")
    version = str(inapp(state_version, item_id)[1])
    filer.act(item_id, "submit", version=version)
    r = filer.act(item_id, "submit", version=version)
    assert "您的操作未执行" in " ".join(flashes(r.get_data(as_text=True)))
    assert [e.trigger for e in inapp(events, item_id)].count("submit") == 2  # the first submit and this one


def test_print_view_carries_every_decision_by_stage(person, inapp) -> None:
    item_id = inapp(make_application, "huoqiu", "implementation")
    inapp(fire, item_id, "start_self_assessment", "huoqiu_filer")
    page = person("city_reviewer").get(f"/items/{item_id}/print")
    assert "示范创建申报审批单" in page and "data-print" in page
    decisions = [e for e in inapp(events, item_id) if e.trigger not in ("create", "edit", "attach", "detach")]
    assert len(re.findall(r"<div class=\"opinion\">", page)) == len(decisions) == 4
    assert len(re.findall(r"<tr data-stage>", page)) == len({e.from_state for e in decisions})
    for text in ("提交申报", "审核通过并报市", "确定为创建对象", "开始自查评估", "霍邱县审核人", "市商务局审核人"):
        assert text in page
    assert "<nav" not in page  # no menus on paper


def test_downloads_follow_the_items_visibility(person, inapp, app) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.county_review")
    att_id = inapp(lambda: db.session.query(Attachment.id).filter_by(item_id=item_id).scalar())
    url = f"/items/{item_id}/files/{att_id}"
    for username in ("huoqiu_filer", "huoqiu_reviewer", "supervisor", "office_approver"):
        with person(username).client.get(url) as r:
            assert r.status_code == 200 and r.data == PDF, username
            assert r.headers["Cache-Control"] == "private, no-store"
    for username in ("shucheng_filer", "shucheng_reviewer", "commerce_filer"):
        assert person(username).client.get(url).status_code == 404, username
    assert person("huoqiu_filer").client.get(f"/items/{item_id}/files/999999").status_code == 404
    assert app.test_client().get(url).status_code == 302  # signed out: to the sign-in page


def test_every_form_needs_its_csrf_token(person, inapp) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.county_review")
    reviewer = person("huoqiu_reviewer")
    r = reviewer.client.post(f"/items/{item_id}/act", data={"trigger": "endorse", "version": "3"})
    assert r.status_code == 400
    assert inapp(state_version, item_id)[0] == "mobilization.county_review"


def test_the_diagram_fits_its_card(person, inapp) -> None:
    """No sideways scrolling: the SVG scales by its viewBox to the card's width."""
    item_id = inapp(make_application, "shucheng", "acceptance.provincial_review", site="晓天村")
    page = person("city_reviewer").get(f"/items/{item_id}")
    assert re.search(r'<div class="diagram" tabindex="0"', page) and "data-focus" not in page
    drawing = person("city_reviewer").client.get(f"/items/{item_id}/diagram.svg").get_data(as_text=True)
    head = re.search(r"<svg[^>]*>", drawing).group(0)
    assert 'width="100%"' in head and re.search(r'viewBox="0.00 0.00 [\d.]+ [\d.]+"', head)
    assert "height=" not in head
    assert "检查验收·省级认定" in re.search(r'class="node current">.*?</g>', drawing, flags=re.S).group(0)
