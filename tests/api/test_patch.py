"""PATCH /items/{id}: a draft's fields, at the version the caller saw."""
from __future__ import annotations

from tests.api.conftest import Api, error_of


def test_filer_edits_a_draft(api: Api) -> None:
    item = api.create_application(fields={"population": 1200})
    r = api.patch(f"/items/{item['id']}", "huoqiu_filer",
                  json={"version": 1, "site_name": " 新店村 ", "fields": {"population": 1300, "note": "含外出务工"}})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["version"], body["site_name"]) == (2, "新店村")
    assert body["fields"] == {"population": 1300, "note": "含外出务工"}
    assert [h["trigger"] for h in body["history"]] == ["create", "edit"]
    assert body["history"][1]["actor"] == "huoqiu_filer"
    again = api.get(f"/items/{item['id']}", "huoqiu_reviewer").get_json()
    assert again["site_name"] == "新店村" and again["version"] == 2


def test_edit_refusals(api: Api) -> None:
    item = api.create_application()
    path = f"/items/{item['id']}"
    assert error_of(api.patch(path, "huoqiu_filer", json={"version": 9, "title": "x"})) == (409, "stale_version")
    assert error_of(api.patch(path, "huoqiu_reviewer", json={"version": 1, "title": "x"})) == (403, "not_permitted")
    assert error_of(api.patch(path, "shucheng_filer", json={"version": 1, "title": "x"})) == (404, "not_found")
    r = api.patch(path, "huoqiu_filer", json={"version": 1, "addressees": "各县区"})
    assert error_of(r) == (400, "bad_request") and "addressees" in r.get_json()["details"]["fields"]
    assert error_of(api.patch(path, "huoqiu_filer", json={"version": 1})) == (400, "bad_request")
    assert error_of(api.patch(path, "huoqiu_filer", json={"version": 1, "state": "consolidation"})) == (
        400, "bad_request")
    assert error_of(api.patch(path, "huoqiu_filer", json={"title": "x"})) == (400, "bad_request")
    assert api.upload(item["id"]).status_code == 201
    assert api.fire(item["id"], "huoqiu_filer", "submit", 1).status_code == 200
    r = api.patch(path, "huoqiu_filer", json={"version": 2, "title": "x"})
    assert error_of(r) == (409, "invalid_transition") and "只有草稿可以修改" in r.get_json()["message"]
    assert api.get(path, "huoqiu_filer").get_json()["title"] == "省级电商示范村：大顾店村"
