"""POST /notices, POST /notices/draft-from-facts, GET /notices/{id}/pdf, GET /dashboard/quotas,
GET /exports/ledger.xlsx."""
from __future__ import annotations

import io
from datetime import date

from flask import Flask
from openpyxl import load_workbook

from app.attachments.storage import blob_path
from app.extensions import db
from app.notices.models import Notice
from tests.api.conftest import Api, error_of

NOTICE = {"kind": "criticism", "title": "关于部分县区推进不力的通报", "addressees": "各县区人民政府，市直有关部门",
          "body": "一、基本情况\n部分县区未按期报送实施方案。\n二、下一步要求\n请于7月31日前完成整改。",
          "subject_units": ["huoqiu", "yeji"], "copies": "市委办公室"}


def test_creating_a_notice_needs_a_city_role(api: Api) -> None:
    assert error_of(api.post("/notices", json=NOTICE)) == (401, "unauthorized")
    assert error_of(api.post("/notices", "huoqiu_filer", json=NOTICE)) == (403, "not_permitted")
    assert error_of(api.post("/notices", "city_reviewer", json={**NOTICE, "number": "x"})) == (400, "bad_request")
    assert error_of(api.post("/notices", "city_reviewer", json={**NOTICE, "kind": "praise"})) == (400, "bad_request")
    assert error_of(api.post("/notices", "city_reviewer", json={**NOTICE, "subject_units": ["nowhere"]})) == \
        (422, "guard_failed")
    r = api.post("/notices", "city_reviewer", json=NOTICE)
    assert r.status_code == 201
    body = r.get_json()
    assert body["state"] == "draft" and body["version"] == 1 and body["type"] == "notice"
    detail = api.get(f"/items/{body['id']}", "city_reviewer").get_json()
    assert detail["title"] == NOTICE["title"] and detail["type"] == "notice"
    assert api.post("/notices", "office_approver", json=NOTICE).status_code == 201


def test_pdf_is_a_preview_then_the_archived_bytes(api: Api, app: Flask) -> None:
    notice_id = api.post("/notices", "city_reviewer", json=NOTICE).get_json()["id"]
    preview = api.get(f"/notices/{notice_id}/pdf", "city_reviewer")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf" and preview.data.startswith(b"%PDF")
    assert error_of(api.get(f"/notices/{notice_id}/pdf", "huoqiu_filer")) == (404, "not_found")  # a draft
    assert error_of(api.get(f"/notices/{notice_id}/pdf")) == (401, "unauthorized")
    assert error_of(api.get("/notices/999999/pdf", "city_reviewer")) == (404, "not_found")
    task_id = api.get("/items?type=task&per_page=1", "huoqiu_filer").get_json()["items"][0]["id"]
    assert error_of(api.get(f"/notices/{task_id}/pdf", "huoqiu_filer")) == (404, "not_found")  # not a notice
    assert api.fire(notice_id, "city_reviewer", "submit", 1).status_code == 200
    assert api.fire(notice_id, "office_approver", "issue", 2).get_json()["state"] == "issued"
    with app.app_context():
        sha = db.session.get(Notice, notice_id).pdf_sha256
        archived = blob_path(sha).read_bytes()
    for user in ("city_reviewer", "huoqiu_filer"):  # issued: the addressed counties see it
        r = api.get(f"/notices/{notice_id}/pdf", user)
        assert r.status_code == 200 and r.data == archived and r.data.startswith(b"%PDF")


def test_draft_from_facts(api: Api, app: Flask) -> None:
    r = api.post("/notices/draft-from-facts", "city_reviewer", json={"kind": "criticism"})
    assert error_of(r) == (422, "guard_failed")
    assert r.get_json()["details"]["reasons"] == ["目前没有逾期或验收未通过的单位，无需通报批评"]
    app.config["PLANDESK_TODAY"] = date(2018, 8, 10)
    assert error_of(api.post("/notices/draft-from-facts", json={"kind": "criticism"})) == (401, "unauthorized")
    assert error_of(api.post("/notices/draft-from-facts", "huoqiu_filer", json={"kind": "criticism"})) == \
        (403, "not_permitted")
    assert error_of(api.post("/notices/draft-from-facts", "city_reviewer",
                             json={"kind": "approval_reply"})) == (400, "bad_request")
    assert error_of(api.post("/notices/draft-from-facts", "city_reviewer",
                             json={"kind": "criticism", "extra": 1})) == (400, "bad_request")
    assert error_of(api.post("/notices/draft-from-facts", "city_reviewer",
                             json={"kind": "criticism", "county": "nowhere"})) == (422, "guard_failed")
    r = api.post("/notices/draft-from-facts", "city_reviewer", json={"kind": "criticism", "county": "huoqiu"})
    assert r.status_code == 201, r.get_json()
    notice_id = r.get_json()["id"]
    with app.app_context():
        notice = db.session.get(Notice, notice_id)
        assert notice.subject_units == ["huoqiu"] and "霍邱县" in notice.body
        assert "霍邱县14项事项逾期未完成，最长逾期10天" in notice.body and notice.facts_json
        assert notice.attachments_note.splitlines()[0] == "逾期未完成事项清单"


def test_quotas_for_the_city_and_for_a_county(api: Api) -> None:
    assert error_of(api.get("/dashboard/quotas")) == (401, "unauthorized")
    rows = api.get("/dashboard/quotas", "city_reviewer").get_json()
    assert len(rows) == 84
    assert all(set(r) == {"county", "indicator", "target", "achieved", "pending"} for r in rows)
    own = api.get("/dashboard/quotas", "huoqiu_filer").get_json()
    assert own and {r["county"] for r in own} == {"huoqiu"}
    assert len(own) == sum(1 for r in rows if r["county"] == "huoqiu")
    assert error_of(api.get("/dashboard/quotas?county=yeji", "city_reviewer")) == (400, "bad_request")


def test_ledger_export(api: Api) -> None:
    assert error_of(api.get("/exports/ledger.xlsx")) == (401, "unauthorized")
    r = api.get("/exports/ledger.xlsx", "city_reviewer")
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in r.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(r.data))
    assert book["工作台账"].max_row == 1 + 190


COMMENDATION = {"kind": "commendation", "title": "关于2018年农村电商工作成效突出单位的通报",
                "addressees": "各县区人民政府，市直有关部门", "subject_units": ["jinzhai"],
                "body": "一、基本情况\n涌现出一批工作推进有力、成效突出的先进集体。\n二、先进集体\n金寨县一次性通过检查验收。\n"
                        "三、表扬决定\n经研究，决定对金寨县予以通报表扬。\n四、有关要求\n希望受到表扬的单位和个人再接再厉。\n特此通报。"}


def test_patch_names_the_individuals_of_a_commendation(api: Api, app: Flask) -> None:
    """先进个人 through the API: stored, written into the title and body as the screen writes them;
    refused for a criticism and for a row missing a part, with nothing changed."""
    notice_id = api.post("/notices", "city_reviewer", json=COMMENDATION).get_json()["id"]
    person = {"name": "张明", "unit_name": "金寨县商务局", "deed": "带头推进大湾村电商服务站点建设"}
    r = api.patch(f"/items/{notice_id}", "city_reviewer", json={"version": 1, "individuals": [person]})
    assert r.status_code == 200, r.get_json()
    with app.app_context():
        notice = db.session.get(Notice, notice_id)
        assert notice.individuals == [person] and notice.version == 2
        assert notice.title == "关于2018年农村电商工作成效突出单位和个人的通报"
        assert "三、先进个人\n（一）金寨县商务局张明同志。带头推进大湾村电商服务站点建设。" in notice.body
        assert "决定对金寨县和张明同志予以通报表扬。" in notice.body
    r = api.patch(f"/items/{notice_id}", "city_reviewer",
                  json={"version": 2, "individuals": [{**person, "unit_name": " "}]})
    assert error_of(r) == (422, "guard_failed")
    assert r.get_json()["details"]["reasons"] == ["第1名先进个人的“单位”不能为空"]
    r = api.patch(f"/items/{notice_id}", "city_reviewer", json={"version": 2, "individuals": []})
    assert r.status_code == 200
    with app.app_context():
        notice = db.session.get(Notice, notice_id)
        assert notice.individuals == [] and notice.body == COMMENDATION["body"]
        assert notice.title == COMMENDATION["title"]
    criticism_id = api.post("/notices", "city_reviewer", json=NOTICE).get_json()["id"]
    r = api.patch(f"/items/{criticism_id}", "city_reviewer", json={"version": 1, "individuals": [person]})
    assert error_of(r) == (422, "guard_failed")
    assert r.get_json()["details"]["reasons"] == ["只有通报表扬可以列出先进个人"]
    with app.app_context():
        assert db.session.get(Notice, criticism_id).version == 1
