"""The category's required fields are checked by the engine's submit guard, with the definition the
forms use: the API and the screens refuse the same incomplete application with the same reasons."""
from __future__ import annotations

import re

from flask import Flask

from app.applications.fields import fields_for
from tests.api.conftest import Api, error_of
from tests.factories import complete_fields
from tests.helpers import csrf_token

VILLAGE = "provincial_demo_village"
#: every input a provincial demo village requires, in the form's order, by its Chinese label
VILLAGE_REQUIRED = ["所属乡镇", "主要网销产品", "上年网络销售额", "主要做法和成效", "联系人", "联系电话"]
REASON = "以下必填项未填写：" + "、".join(VILLAGE_REQUIRED)


def draft(api: Api, fields: dict) -> tuple[int, int]:
    created = api.create_application(category=VILLAGE, fields=fields)
    assert api.upload(created["id"]).status_code == 201
    return created["id"], created["version"]


def test_the_required_labels_are_the_forms() -> None:
    assert [f.title for f in fields_for(VILLAGE) if f.required] == VILLAGE_REQUIRED


def test_api_submit_without_fields_is_refused_with_every_missing_label(api: Api) -> None:
    item_id, version = draft(api, {})
    r = api.fire(item_id, "huoqiu_filer", "submit", version)
    assert error_of(r) == (422, "guard_failed")
    assert r.get_json()["details"]["reasons"] == [REASON]
    detail = api.get(f"/items/{item_id}", "huoqiu_filer").get_json()
    assert (detail["state"], detail["version"]) == ("mobilization.draft", version)  # nothing changed

    # blank text counts as missing; what is filled is not listed
    partial = {"town": "宋店乡", "main_products": "  ", "online_sales": 0, "contact_person": "张三"}
    item_id, version = draft(api, partial)
    r = api.fire(item_id, "huoqiu_filer", "submit", version)
    assert r.get_json()["details"]["reasons"] == ["以下必填项未填写：主要网销产品、主要做法和成效、联系电话"]


def test_the_screen_refuses_the_same_application_with_the_same_reason(app: Flask, api: Api, client, auth) -> None:
    item_id, version = draft(api, {})
    auth.login("huoqiu_filer")
    token = csrf_token(client, f"/items/{item_id}")
    form = {"trigger": "submit", "version": version, "op": "fire", "csrf_token": token}
    r = client.post(f"/items/{item_id}/act", data=form, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert REASON in page
    detail = api.get(f"/items/{item_id}", "huoqiu_filer").get_json()
    assert detail["state"] == "mobilization.draft"
    assert re.search(r"以下必填项未填写：[^<]*", page).group(0) == REASON


def test_a_complete_application_passes(api: Api) -> None:
    item_id, version = draft(api, complete_fields(VILLAGE))
    r = api.fire(item_id, "huoqiu_filer", "submit", version)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "mobilization.county_review"
