"""The approval opinion (审批意见) on the item page and in the API: an always-visible box with the user's
常用意见, a phrase chosen without JavaScript fills it, and the office's rule (default: the city's and the
office's decisions need one) refuses a blank opinion with the same reason on screen and in the API."""
from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any


from app.extensions import db
from app.items.models import Item
from app.opinions.phrases import DEFAULT_PHRASES
from tests.screens.support import Person, action_section, events, flashes, make_application, text_of

REASON = "请填写审批意见"
Persons = Callable[[str], Person]


def _state(inapp: Callable[..., Any], item_id: int) -> str:
    return inapp(lambda: db.session.get(Item, item_id).state)


def _chips(form: str) -> list[str]:
    return [html.unescape(p) for p in re.findall(r'<button type="button" class="chip" data-phrase="([^"]*)"', form)]


def _options(form: str) -> list[str]:
    select = re.search(r'<select[^>]*name="opinion_phrase"[^>]*>(.*?)</select>', form, re.S)
    assert select, "no phrase list beside the opinion box"
    return [html.unescape(o) for o in re.findall(r"<option(?: selected)?>([^<]*)</option>", select.group(1))]


def test_a_decision_form_shows_an_open_required_box_with_the_stock_phrases(inapp, person: Persons) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.city_review")
    form = action_section(person("city_reviewer").get(f"/items/{item_id}"), "accept")
    assert form, "the city reviewer is offered 确定为创建对象"
    assert "<details" not in form, "the opinion is not folded away"
    assert re.search(r'<label for="accept-0-comment" class="req">审批意见</label>', form)
    assert re.search(r'<textarea id="accept-0-comment" name="comment"[^>]*aria-required="true"', form)
    assert _chips(form) == list(DEFAULT_PHRASES) == _options(form)
    assert {"同意上报", "情况属实，同意"} <= set(_chips(form))
    assert 'href="/account/opinions"' in form


def test_a_filers_submission_keeps_its_optional_note(inapp, person: Persons) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.draft")
    form = action_section(person("huoqiu_filer").get(f"/items/{item_id}"), "submit")
    assert form and "data-opinion" not in form and "class=\"chip\"" not in form


def test_a_city_decision_without_an_opinion_is_refused_with_the_reason_beside_the_form(
        inapp, person: Persons) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.city_review")
    city = person("city_reviewer")
    r = city.act(item_id, "accept", comment="  ", follow=False)
    assert r.status_code == 422
    form = action_section(r.get_data(as_text=True), "accept")
    assert 'id="act-accept-0"' in r.get_data(as_text=True).split('class="act-card failed"', 1)[1][:40]
    assert REASON in text_of(form)
    assert _state(inapp, item_id) == "mobilization.city_review"


def test_a_phrase_chosen_without_javascript_becomes_the_opinion(inapp, person: Persons) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.city_review")
    r = person("city_reviewer").act(item_id, "accept", comment="", opinion_phrase="情况属实，同意")
    assert "已办理“确定为创建对象”" in " ".join(flashes(r.get_data(as_text=True)))
    assert _state(inapp, item_id) == "implementation"
    assert inapp(events, item_id)[-1].comment == "情况属实，同意"


def test_a_chosen_phrase_leads_the_typed_text(inapp, person: Persons) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.city_review")
    person("city_reviewer").act(item_id, "accept", comment="请于月底前报送台账", opinion_phrase="同意上报")
    assert inapp(events, item_id)[-1].comment == "同意上报。请于月底前报送台账"


def test_a_county_decision_needs_no_opinion_by_default(inapp, person: Persons) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.county_review")
    reviewer = person("huoqiu_reviewer")
    form = action_section(reviewer.get(f"/items/{item_id}"), "endorse")
    assert "data-opinion" in form and "（选填）" in form and 'class="req">审批意见' not in form
    reviewer.act(item_id, "endorse")
    assert _state(inapp, item_id) == "mobilization.city_review"
    assert inapp(events, item_id)[-1].comment is None


def test_the_api_refuses_a_blank_city_opinion_with_422_and_lists_comment(inapp, api) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.city_review")
    detail = api.get(f"/items/{item_id}", "city_reviewer").get_json()
    accept = next(a for a in detail["actions"] if a["trigger"] == "accept")
    assert "comment" in accept["requires"]
    r = api.post(f"/items/{item_id}/transitions", "city_reviewer",
                 json={"trigger": "accept", "version": detail["version"]})
    assert r.status_code == 422
    assert r.get_json() == {"error": "guard_failed", "message": REASON, "details": {"reasons": [REASON]}}
    assert _state(inapp, item_id) == "mobilization.city_review"
    r = api.post(f"/items/{item_id}/transitions", "city_reviewer",
                 json={"trigger": "accept", "version": detail["version"], "comment": "同意上报"})
    assert r.status_code == 200, r.get_json()
    assert _state(inapp, item_id) == "implementation"


def test_the_office_setting_moves_the_rule(inapp, person: Persons, api) -> None:
    county_item = inapp(make_application, "huoqiu", "mobilization.county_review")
    city_item = inapp(make_application, "huoqiu", "mobilization.city_review", site="王截流村")
    office = person("office_approver")
    page = office.get("/opinions/settings")
    assert re.search(r'value="city_reviewer" checked', page) and re.search(r'value="office_approver" checked', page)
    assert not re.search(r'value="county_reviewer" checked', page)
    office.post("/opinions/settings", {"roles": ["county_reviewer"]}, status=302)
    page = office.get("/opinions/settings")
    assert re.search(r'value="county_reviewer" checked', page) and not re.search(r'value="city_reviewer" checked', page)

    r = person("huoqiu_reviewer").act(county_item, "endorse", follow=False)
    assert r.status_code == 422 and REASON in text_of(action_section(r.get_data(as_text=True), "endorse"))
    assert _state(inapp, county_item) == "mobilization.county_review"
    version = api.get(f"/items/{county_item}", "huoqiu_reviewer").get_json()["version"]
    r = api.post(f"/items/{county_item}/transitions", "huoqiu_reviewer",
                 json={"trigger": "endorse", "version": version})
    assert r.status_code == 422 and r.get_json()["details"] == {"reasons": [REASON]}

    person("city_reviewer").act(city_item, "accept")  # no longer required of the city
    assert _state(inapp, city_item) == "implementation"


def test_only_the_office_or_the_administrator_sets_the_rule(inapp, person: Persons) -> None:
    city = person("city_reviewer")
    city.get("/opinions/settings", status=403)
    r = city.post("/opinions/settings", {"roles": []})
    assert r.status_code == 403
    assert "审批意见规则" in person("admin").get("/opinions/settings")
    page = person("office_approver").get("/account/opinions")
    assert 'href="/opinions/settings"' in page
    assert 'href="/opinions/settings"' not in city.get("/account/opinions")


def test_a_users_own_phrases_are_saved_and_offered_to_them_only(inapp, person: Persons) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.city_review")
    city = person("city_reviewer")
    assert "常用意见" in city.get("/todo") and 'href="/account/opinions"' in city.get("/todo")
    typed = "同意，报领导小组办公室\n\n 请补充村级服务站照片 \n同意，报领导小组办公室"
    city.post("/account/opinions", {"phrases": typed, "op": "save"}, status=302)
    assert city.get("/account/opinions").count("请补充村级服务站照片") >= 1
    form = action_section(city.get(f"/items/{item_id}"), "accept")
    assert _chips(form) == ["同意，报领导小组办公室", "请补充村级服务站照片"] == _options(form)
    office_form = action_section(person("office_approver").get(f"/items/{item_id}"), "reject")
    assert _chips(office_form) == list(DEFAULT_PHRASES)

    city.post("/account/opinions", {"op": "reset"}, status=302)
    assert _chips(action_section(city.get(f"/items/{item_id}"), "accept")) == list(DEFAULT_PHRASES)


def test_too_long_a_phrase_is_refused_and_the_text_kept(person: Persons) -> None:
    city = person("city_reviewer")
    r = city.post("/account/opinions", {"phrases": "同意\n" + "长" * 201, "op": "save"})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "每条常用意见最多 200 字" in page and "长" * 201 in page
    assert "长" * 201 not in city.get("/account/opinions")


def test_every_decision_form_of_the_item_page_has_the_box(inapp, person: Persons) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.city_review")
    page = person("office_approver").get(f"/items/{item_id}")
    for trigger in ("reject",):
        form = action_section(page, trigger)
        assert form and "data-opinion" in form and "<details" not in form
    page = person("city_reviewer").get(f"/items/{item_id}")
    for trigger in ("accept", "send_back"):
        assert "data-opinion" in action_section(page, trigger)


def test_in_english_the_shipped_phrases_and_the_box_are_english(inapp, person: Persons) -> None:
    item_id = inapp(make_application, "huoqiu", "mobilization.city_review")
    city = person("city_reviewer")
    city.post("/language", {"locale": "en"})
    form = action_section(city.get(f"/items/{item_id}"), "accept")
    assert "Approval opinion" in text_of(form) and "Facts verified; agreed" in _chips(form)
    assert not re.search(r"[\u4e00-\u9fff]", " ".join(_chips(form) + _options(form)))
    r = city.act(item_id, "accept", comment="", follow=False)
    assert r.status_code == 422
    assert "Please write an approval opinion" in text_of(action_section(r.get_data(as_text=True), "accept"))
