"""Every error code of CONTRACT.md, in the order of its checks, as JSON {"error", "message", "details"}."""
from __future__ import annotations

import io
import json

import pytest
from flask import Flask

from tests.api.conftest import PDF, Api, error_of


@pytest.fixture
def draft(api: Api) -> dict:
    """A huoqiu draft application with evidence, version 1."""
    created = api.create_application()
    assert api.upload(created["id"]).status_code == 201
    return created


@pytest.fixture
def in_county_review(api: Api, draft: dict) -> dict:
    r = api.fire(draft["id"], "huoqiu_filer", "submit", 1)
    assert r.status_code == 200
    return {"id": draft["id"], "version": r.get_json()["version"]}


def test_another_countys_item_is_404_and_shows_nothing(api: Api, in_county_review: dict) -> None:
    item_id = in_county_review["id"]
    for response in (
        api.get(f"/items/{item_id}", "shucheng_filer"),
        api.fire(item_id, "shucheng_reviewer", "endorse", 2),
        api.fire(item_id, "shucheng_reviewer", "no_such_trigger", 99),  # 404 comes before 409 and 403
        api.patch(f"/items/{item_id}", "shucheng_filer", json={"version": 2, "site_name": "x"}),
        api.upload(item_id, "shucheng_filer"),
        api.get(f"/items/{item_id}/attachments/1", "shucheng_filer"),
    ):
        assert error_of(response) == (404, "not_found")
        # decoded: the raw body escapes Chinese as \uXXXX, so a check on it could never fail
        assert "大顾店村" not in json.dumps(response.get_json(), ensure_ascii=False)
        assert str(item_id) not in json.dumps(response.get_json()["details"])
    listed = api.get("/items?type=application", "shucheng_filer").get_json()
    assert listed["total"] == 0 and listed["items"] == []
    assert api.get(f"/items/{item_id}", "huoqiu_filer").status_code == 200
    assert error_of(api.get("/items/999999", "city_reviewer")) == (404, "not_found")


def test_transition_checks_run_in_the_contract_order(api: Api, in_county_review: dict) -> None:
    item_id, version = in_county_review["id"], in_county_review["version"]
    # 409 invalid_transition (trigger not valid here, or unknown) before 403 and before stale version
    assert error_of(api.fire(item_id, "supervisor", "accept", version)) == (409, "invalid_transition")
    assert error_of(api.fire(item_id, "huoqiu_reviewer", "fly_to_the_moon", 1)) == (409, "invalid_transition")
    # 403 not_permitted before the version is looked at
    r = api.fire(item_id, "city_reviewer", "endorse", 1)
    assert error_of(r) == (403, "not_permitted") and "审核通过并报市" in r.get_json()["message"]
    # 409 stale_version before the guard
    assert error_of(api.fire(item_id, "huoqiu_reviewer", "send_back", version - 1)) == (409, "stale_version")
    # 422 guard_failed, with the Chinese reason
    r = api.fire(item_id, "huoqiu_reviewer", "send_back", version, comment="  ")
    assert error_of(r) == (422, "guard_failed")
    assert r.get_json()["details"]["reasons"] == ["退回必须填写理由"]
    assert api.get(f"/items/{item_id}", "huoqiu_reviewer").get_json()["version"] == version  # nothing changed
    r = api.fire(item_id, "huoqiu_reviewer", "send_back", version, comment="缺少村委会证明")
    assert r.status_code == 200 and r.get_json() == {"state": "mobilization.draft", "version": version + 1}
    # the loser of a race (acting on the version it saw) learns the item moved: 409 stale_version
    late = api.fire(item_id, "huoqiu_reviewer", "send_back", version, comment="再退")
    assert error_of(late) == (409, "stale_version")
    assert error_of(api.fire(item_id, "huoqiu_filer", "submit", version)) == (409, "stale_version")


def test_guard_reasons_list_every_missing_input(api: Api) -> None:
    created = api.create_application()
    r = api.fire(created["id"], "huoqiu_filer", "submit", 1)
    assert error_of(r) == (422, "guard_failed")
    assert r.get_json()["details"]["reasons"] == ["本阶段至少需要上传一份证明材料"]


def test_create_permissions(api: Api) -> None:
    body = {"category": "municipal_demo_village", "county": "huoqiu", "site_name": "新店村"}
    assert error_of(api.post("/applications", "shucheng_filer", json=body)) == (403, "not_permitted")
    assert error_of(api.post("/applications", "huoqiu_reviewer", json=body)) == (403, "not_permitted")
    assert error_of(api.post("/applications", "city_reviewer", json=body)) == (403, "not_permitted")
    r = api.post("/applications", "huoqiu_filer", json={**body, "site_name": "   "})
    assert error_of(r) == (400, "bad_request") and "site_name" in r.get_json()["details"]["fields"]


@pytest.mark.parametrize("body, field", [
    ({"trigger": "submit", "version": 1, "colour": "red"}, "colour"),
    ({"trigger": "submit", "version": "1"}, "version"),
    ({"trigger": "submit", "version": True}, "version"),
    ({"trigger": "submit", "version": 1.5}, "version"),
    ({"trigger": 7, "version": 1}, "trigger"),
    ({"version": 1}, "trigger"),
    ({"trigger": "submit", "version": 1, "data": {"figures": {"x": "many"}}}, "data"),
    ({"trigger": "submit", "version": 1, "data": {"secret": 1}}, "data"),
    ({"trigger": "submit", "version": 1, "data": []}, "data"),
    ({"trigger": "submit", "version": 1, "comment": "a\u0000b"}, "comment"),
])
def test_malformed_transition_bodies_are_400_naming_the_field(api: Api, draft: dict, body: dict, field: str) -> None:
    r = api.post(f"/items/{draft['id']}/transitions", "huoqiu_filer", json=body)
    assert error_of(r) == (400, "bad_request")
    assert field in r.get_json()["details"]["fields"]


def test_bad_json_wrong_content_type_and_unknown_fields(api: Api, draft: dict) -> None:
    path = f"/items/{draft['id']}/transitions"
    for data, content_type in (("{not json", "application/json"), ('{"a": NaN}', "application/json"),
                               ("", "application/json"), ("[1,2", "application/json"),
                               ('{"trigger": "submit"}', "text/plain"), ("\xff\xfe", "application/json")):
        r = api.post(path, "huoqiu_filer", data=data, content_type=content_type)
        assert error_of(r) == (400, "bad_request"), data
    r = api.post("/applications", "huoqiu_filer", json={"category": "municipal_demo_village", "county": "huoqiu",
                                                        "site_name": "x", "population": 3})
    assert error_of(r) == (400, "bad_request") and r.get_json()["details"]["fields"] == {
        "population": ["Unknown field."]}
    r = api.post("/applications", "huoqiu_filer", json={"category": "municipal_demo_village", "county": "huoqiu",
                                                        "site_name": "x", "fields": {"a": [1]}})
    assert error_of(r) == (400, "bad_request")
    assert error_of(api.get("/items?colour=red", "huoqiu_filer")) == (400, "bad_request")
    assert error_of(api.get("/me?x=1", "huoqiu_filer")) == (400, "bad_request")


def test_too_large_bodies_and_uploads_are_413(app: Flask, api: Api, draft: dict) -> None:
    app.config["PLANDESK_MAX_UPLOAD"] = 1024
    r = api.upload(draft["id"], content=PDF + b"0" * 2048)
    assert error_of(r) == (413, "too_large")
    r = api.post(f"/items/{draft['id']}/attachments", "huoqiu_filer", content_type="multipart/form-data",
                 data={"file": (io.BytesIO(PDF + b"0" * 200_000), "big.pdf")})
    assert error_of(r) == (413, "too_large")  # refused by the request size limit before reading
    r = api.post("/applications", "huoqiu_filer", json={"category": "municipal_demo_village", "county": "huoqiu",
                                                        "site_name": "x" * 2_000_000})
    assert error_of(r) == (413, "too_large")
    assert len(api.get(f"/items/{draft['id']}", "huoqiu_filer").get_json()["attachments"]) == 1


def test_unknown_paths_and_methods_answer_json(api: Api) -> None:
    assert error_of(api.get("/no/such/thing", "huoqiu_filer")) == (404, "not_found")
    r = api.call("PUT", "/items", "huoqiu_filer")
    assert error_of(r) == (405, "method_not_allowed") and "GET" in r.headers["Allow"]
    assert error_of(api.get("/items/99999999999", "huoqiu_filer")) == (404, "not_found")
    assert error_of(api.post("/admin/users/%00/revoke-tokens", "admin")) == (404, "not_found")


def test_idempotency_key_returns_the_first_result(api: Api, draft: dict) -> None:
    headers = {"Idempotency-Key": "submit-7f3a"}
    first = api.fire(draft["id"], "huoqiu_filer", "submit", 1, headers=headers)
    again = api.fire(draft["id"], "huoqiu_filer", "submit", 1, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json() == {"state": "mobilization.county_review", "version": 2}
    assert again.headers["Idempotent-Replayed"] == "true"
    history = api.get(f"/items/{draft['id']}", "huoqiu_filer").get_json()["history"]
    assert [h["trigger"] for h in history].count("submit") == 1
    r = api.fire(draft["id"], "huoqiu_filer", "withdraw", 2, comment="补材料", headers=headers)
    assert error_of(r) == (422, "idempotency_key_reused")
    # another user's key space is separate
    r = api.fire(draft["id"], "huoqiu_reviewer", "endorse", 2, headers=headers)
    assert r.status_code == 200 and r.get_json()["state"] == "mobilization.city_review"


def test_an_expired_idempotency_key_is_forgotten_and_purged(api: Api, app: Flask) -> None:
    """After 24 hours a key no longer replays (the retry runs anew) and ``deadlines tick`` deletes it."""
    from datetime import timedelta

    from sqlalchemy import func, select, update

    from app.auth.tokens_models import IdempotencyKey
    from app.clock import utcnow
    from app.extensions import db

    body = {"category": "municipal_demo_outlet", "county": "huoqiu", "site_name": "城关网点"}
    first = api.post("/applications", "huoqiu_filer", json=body, headers={"Idempotency-Key": "old-1"})
    kept = api.post("/applications", "huoqiu_filer", json=body, headers={"Idempotency-Key": "fresh-1"})
    assert first.status_code == kept.status_code == 201
    with app.app_context():
        db.session.execute(update(IdempotencyKey).where(IdempotencyKey.key == "old-1")
                           .values(created_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
    again = api.post("/applications", "huoqiu_filer", json=body, headers={"Idempotency-Key": "old-1"})
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert again.get_json()["id"] != first.get_json()["id"]
    with app.app_context():
        db.session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25))
                           .where(IdempotencyKey.key == "old-1"))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["deadlines", "tick"])
    assert result.exit_code == 0 and "expired idempotency keys: 1" in result.output
    with app.app_context():
        assert db.session.scalars(select(IdempotencyKey.key)).all() == ["fresh-1"]
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_idempotent_create_and_upload_act_once(api: Api) -> None:
    body = {"category": "municipal_demo_outlet", "county": "huoqiu", "site_name": "城关网点"}
    headers = {"Idempotency-Key": "create-1"}
    first = api.post("/applications", "huoqiu_filer", json=body, headers=headers)
    again = api.post("/applications", "huoqiu_filer", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()
    assert api.get("/items?type=application", "huoqiu_filer").get_json()["total"] == 1
    item_id = first.get_json()["id"]
    up1 = api.upload(item_id, headers={"Idempotency-Key": "up-1"})
    up2 = api.upload(item_id, headers={"Idempotency-Key": "up-1"})
    assert up1.status_code == up2.status_code == 201 and up1.get_json() == up2.get_json()
    assert len(api.get(f"/items/{item_id}", "huoqiu_filer").get_json()["attachments"]) == 1
    r = api.upload(item_id, content=PDF + b"% other", headers={"Idempotency-Key": "up-1"})
    assert error_of(r) == (422, "idempotency_key_reused")
    assert error_of(api.upload(item_id, headers={"Idempotency-Key": "键"})) == (400, "bad_request")


def test_refused_request_with_a_key_can_be_retried(api: Api) -> None:
    created = api.create_application()
    headers = {"Idempotency-Key": "retry-me"}
    assert error_of(api.fire(created["id"], "huoqiu_filer", "submit", 1, headers=headers)) == (422, "guard_failed")
    assert api.upload(created["id"]).status_code == 201
    r = api.fire(created["id"], "huoqiu_filer", "submit", 1, headers=headers)
    assert r.status_code == 200 and r.get_json()["state"] == "mobilization.county_review"


def test_an_unexpected_failure_is_a_json_500_and_changes_nothing(app: Flask, api: Api, monkeypatch) -> None:
    import app.item_page.api as routes

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    api.token("huoqiu_filer")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(routes, "item_summary", broken)
    r = api.get("/items", "huoqiu_filer")
    assert error_of(r) == (500, "internal_error") and "boom" not in r.get_data(as_text=True)
    assert api.client.get("/no-such-page").mimetype == "text/html"  # the screens keep Flask's pages
