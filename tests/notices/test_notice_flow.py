"""Who drafts and who signs, the progress bulletin through the API, and the QR code's address."""
from __future__ import annotations

import io
import json
from datetime import date

import pytest
import segno
from flask import Flask

from app.extensions import db
from app.plans.models import Plan
from app.scores.queries import score_board
from app.notices.models import Notice
from app.notices.operations import archived_pdf
from tests.api.conftest import Api, error_of

pypdf = pytest.importorskip("pypdf")

QUARTER_END = date(2018, 12, 28)


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def test_progress_bulletin_from_the_api_ranks_counties_and_departments(api: Api, app: Flask) -> None:
    app.config["PLANDESK_TODAY"] = QUARTER_END
    assert error_of(api.post("/notices/draft-from-facts", "city_reviewer",
                             json={"kind": "progress", "period": "2018-4"})) == (400, "bad_request")
    assert error_of(api.post("/notices/draft-from-facts", "city_reviewer",
                             json={"kind": "progress", "period": "2019Q1"}))[0] == 422  # not begun
    assert error_of(api.post("/notices/draft-from-facts", "huoqiu_filer",
                             json={"kind": "progress", "period": "2018Q4"})) == (403, "not_permitted")
    r = api.post("/notices/draft-from-facts", "city_reviewer", json={"kind": "progress", "period": "2018Q4"})
    assert r.status_code == 201, r.get_json()
    with app.app_context():
        notice = db.session.get(Notice, r.get_json()["id"])
        facts = json.loads(notice.facts_json)
        assert notice.kind == "progress" and notice.title == "关于2018年第四季度全市农村电商工作进展情况的通报"
        assert facts["period"] == "2018Q4" and facts["as_of"] == "2018-12-28"
        counties = [row for row in facts["ranking"] if row["kind"] == "county"]
        departments = [row for row in facts["ranking"] if row["kind"] == "department"]
        # the ranking is the 绩效考核's for the period: the same units, kinds, scores and ranks
        board = score_board(db.session.get(Plan, notice.plan_id), "2018Q4", QUARTER_END, session=db.session)
        assert [(r["unit_name"], r["kind"], r["rank"]) for r in facts["ranking"]] == \
            [(u.unit_name, u.kind, u.rank) for u in board.units]
        assert len(counties) == 7 and len(departments) == sum(u.kind == "department" for u in board.units)
        assert [row["rank"] for row in counties] == sorted(row["rank"] for row in counties)
        if len({row["score"] for row in counties}) > 1:
            assert "（一）县区排名。按绩效考核得分，各县区排名依次为：" in notice.body
            for row in counties:
                assert f"{row['unit_name']}（{row['score']:.1f}分）" in notice.body
        else:  # every county on the same score: said once, not seven times
            assert f"（一）县区排名。各县区本期绩效考核得分相同，均为{counties[0]['score']:.1f}分。" in notice.body
        assert notice.attachments_note.splitlines() == ["全市目标任务完成情况表", "县区和市直部门绩效考核排名表"]
        assert "方案确定的16项全市目标任务" in notice.body
    pdf = api.get(f"/notices/{r.get_json()['id']}/pdf", "city_reviewer")
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "县区和市直部门绩效考核排名表" in text and "草" in text


def test_the_office_drafts_edits_and_submits_and_its_head_signs(api: Api, app: Flask, client, auth) -> None:
    app.config["PLANDESK_TODAY"] = date(2018, 8, 10)
    # the office head drafts: it may edit and submit its own draft (no dead end)
    r = api.post("/notices/draft-from-facts", "office_approver", json={"kind": "criticism"})
    assert r.status_code == 201
    notice_id = r.get_json()["id"]
    detail = api.get(f"/items/{notice_id}", "office_approver").get_json()
    assert [a["trigger"] for a in detail["actions"]] == ["submit"]
    patched = api.patch(f"/items/{notice_id}", "office_approver",
                        json={"version": 1, "body": "为推动方案落实，现将有关情况通报如下。\n特此通报。"})
    assert patched.status_code == 200, patched.get_json()
    # the city reviewer (the office's drafting clerk) sees it too, and after submission is told who signs
    assert api.fire(notice_id, "city_reviewer", "submit", 2).get_json()["state"] == "review"
    auth.login("city_reviewer")
    page = client.get(f"/items/{notice_id}").get_data(as_text=True)
    assert "您对该事项当前没有可办理的操作。" in page
    assert "下一步由领导小组办公室负责人办理：退回修改、签发。" in page
    assert api.fire(notice_id, "office_approver", "issue", 3).get_json()["state"] == "issued"


def _qr_matrix(pdf: bytes) -> list[list[int]]:
    """The QR image printed in the colophon, one pixel a module, as rows of 1 (dark) and 0."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    images = {img.name: img for page in reader.pages for img in page.images}  # resources may be shared
    assert len(images) == 1
    images = list(images.values())
    image = images[0].image.convert("L")
    return [[1 if image.getpixel((x, y)) < 128 else 0 for x in range(image.width)] for y in range(image.height)]


def test_qr_code_holds_the_address_the_notice_was_issued_from(api: Api, app: Flask) -> None:
    app.config["PLANDESK_BASE_URL"] = ""
    notice_id = api.post("/notices", "city_reviewer", json={
        "kind": "criticism", "title": "关于部分县区推进不力的通报", "addressees": "各县区人民政府",
        "body": "为推动方案落实，现将有关情况通报如下。\n特此通报。", "subject_units": ["huoqiu"]}).get_json()["id"]
    assert api.fire(notice_id, "city_reviewer", "submit", 1).status_code == 200
    issued = api.post(f"/items/{notice_id}/transitions", "office_approver", json={"trigger": "issue", "version": 2},
                      base_url="https://plandesk.luan.example")
    assert issued.status_code == 200, issued.get_json()
    with app.app_context():
        notice = db.session.get(Notice, notice_id)
        url = f"https://plandesk.luan.example/verify/{notice.verification_code}"
        pdf = archived_pdf(notice)
    expected = [list(row) for row in segno.make(url, error="m").matrix]
    assert _qr_matrix(pdf) == expected
    # with PLANDESK_BASE_URL set (production), that address wins over the request's
    app.config["PLANDESK_BASE_URL"] = "https://dbb.luan.gov.cn/"
    with app.test_request_context(base_url="http://10.0.0.5:8000"):
        from app.notices.operations import serving_address
        assert serving_address() == "https://dbb.luan.gov.cn"
