"""A quarterly report's text sections 工作进展 / 存在问题 / 下步计划 (required on submit, saved, shown) and its
attachments, on the screen and through the API."""
from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEventRow
from app.extensions import db
from app.items.operations import fire_transition
from app.reports.models import Report
from app.reports.operations import save_report_figures
from tests.api.conftest import PDF, Api
from tests.dashboards.journeys import REPORT_TEXTS, fire, open_reports
from tests.helpers import csrf_token, in_app
from tests.items.conftest import actor_of
from tests.reports.test_reports import COUNTY_FIGURES
from workflows.errors import GuardFailed

BLANK_REASONS = ["“工作进展”不能为空，请填写工作进展", "“存在问题”不能为空，请填写存在问题",
                 "“下步计划”不能为空，请填写下步计划"]


def test_submit_refuses_blank_sections_naming_each_and_keeps_them_when_given(ctx) -> None:
    rid = open_reports(2018, 3)["huoqiu"]
    filer = actor_of("huoqiu_filer")
    with pytest.raises(GuardFailed) as err:
        fire_transition(rid, "submit", filer, version=1, data={"figures": COUNTY_FIGURES})
    assert err.value.reasons == BLANK_REASONS
    db.session.rollback()
    # whitespace is blank; a missing figure and a blank section are refused together
    partial = {k: v for k, v in COUNTY_FIGURES.items() if k != "brands_over_1m"}
    with pytest.raises(GuardFailed) as err:
        fire_transition(rid, "submit", filer, version=1,
                        data={"figures": partial, **REPORT_TEXTS, "problems": " \n\u3000 "})
    assert err.value.reasons == ["以下指标未填报：年网络销售额超100万元农村电商品牌", BLANK_REASONS[1]]
    db.session.rollback()
    report = db.session.get(Report, rid)
    assert (report.state, report.version, report.progress, report.problems) == ("draft", 1, None, None)

    fire(rid, "huoqiu_filer", "submit", figures=COUNTY_FIGURES, **{**REPORT_TEXTS, "progress": "  培训600人次。\r\n"})
    report = db.session.get(Report, rid)
    assert report.state == "county_review"
    assert (report.progress, report.problems, report.next_steps) == \
        ("培训600人次。", REPORT_TEXTS["problems"], REPORT_TEXTS["next_steps"])
    submitted = db.session.scalar(select(AuditEventRow).where(AuditEventRow.item_id == rid,
                                                              AuditEventRow.trigger == "submit"))
    assert json.loads(submitted.data_json)["problems"] == REPORT_TEXTS["problems"]  # in the audit trail


def test_sections_saved_in_a_draft_count_at_submit_and_are_audited(ctx) -> None:
    rid = open_reports(2018, 3)["transport"]
    save_report_figures(db.session, rid, actor_of("transport_filer"), version=1, figures={"rural_roads_km": "12"},
                        sections={"progress": "新建农村公路12公里。", "problems": "", "next_steps": "  "})
    db.session.commit()
    report = db.session.get(Report, rid)
    assert (report.version, report.progress, report.problems, report.next_steps) == (2, "新建农村公路12公里。", None, None)
    edit = db.session.scalar(select(AuditEventRow).where(AuditEventRow.item_id == rid, AuditEventRow.trigger == "edit"))
    assert json.loads(edit.data_json)["changes"] == {"figure_values": {"rural_roads_km": "12.00"},
                                                     "progress": "新建农村公路12公里。"}
    with pytest.raises(GuardFailed) as err:
        fire_transition(rid, "submit", actor_of("transport_filer"), version=2, data={"figures": {"rural_roads_km": 12}})
    assert err.value.reasons == BLANK_REASONS[1:]
    db.session.rollback()
    save_report_figures(db.session, rid, actor_of("transport_filer"), version=2, figures={},
                        sections={"problems": "资金不足。", "next_steps": "争取省级资金。"})
    db.session.commit()
    fire(rid, "transport_filer", "submit", figures={"rural_roads_km": 12})
    assert db.session.get(Report, rid).state == "city_review"


def _form(client, rid: int, version: int, action: str, **sections: str):
    token = csrf_token(client, f"/reports/{rid}")
    data = {"csrf_token": token, "version": str(version), "action": action,
            **{f"fig-{k}": str(v) for k, v in COUNTY_FIGURES.items()}, **sections}
    return client.post(f"/reports/{rid}/figures", data=data)


def test_the_report_screen_edits_requires_and_shows_the_sections(app, auth, client) -> None:
    rid = in_app(app, lambda: open_reports(2018, 3)["huoqiu"])
    auth.login("huoqiu_filer")
    page = client.get(f"/reports/{rid}").get_data(as_text=True)
    for name in ("progress", "problems", "next_steps"):
        assert f'<textarea id="section-{name}" name="{name}"' in page
    assert "工作进展" in page and "存在问题" in page and "下步计划" in page
    # saved with one section blank, then submitted blank: refused naming it, the typed text kept on the form
    assert _form(client, rid, 1, "save", progress="培训600人次。", problems="", next_steps="扩大培训。").status_code == 302
    response = _form(client, rid, 2, "submit", progress="培训650人次。", problems=" ", next_steps="扩大培训。")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "“存在问题”不能为空" in page and "培训650人次。</textarea>" in page
    with app.app_context():
        report = db.session.get(Report, rid)
        assert (report.state, report.progress, report.problems) == ("draft", "培训600人次。", None)
    assert _form(client, rid, 2, "submit", progress="培训650人次。", problems="物流成本高。",
                 next_steps="扩大培训。").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/reports/")})

    # the reviewer sees them as text, not as a form; so does the print of the page
    auth.login("huoqiu_reviewer")
    page = client.get(f"/reports/{rid}").get_data(as_text=True)
    assert "<textarea" not in page.split('id="files"')[0].split("报告内容")[1]
    for text in ("培训650人次。", "物流成本高。", "扩大培训。"):
        assert f'<p class="pre">{text}</p>' in page
    printed = client.get(f"/items/{rid}/print").get_data(as_text=True)
    rows = re.findall(r"<tr data-report-section>(.*?)</tr>", printed)
    assert [re.sub(r"(<[^>]+>)+", "|", row).strip("|") for row in rows] == \
        ["工作进展|培训650人次。", "存在问题|物流成本高。", "下步计划|扩大培训。"]
    api = Api(client)
    detail = api.get(f"/items/{rid}", "huoqiu_reviewer").get_json()
    assert (detail["progress"], detail["problems"], detail["next_steps"]) == ("培训650人次。", "物流成本高。", "扩大培训。")
    assert (detail["year"], detail["quarter"]) == (2018, 3)


def test_the_api_edits_the_sections_and_submit_refuses_the_same_blanks(app, client) -> None:
    rid = in_app(app, lambda: open_reports(2018, 3)["huoqiu"])
    api = Api(client)
    r = api.patch(f"/items/{rid}", "huoqiu_filer", json={"version": 1, "progress": " 培训600人次。 ", "problems": "  "})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["progress"], r.get_json()["problems"], r.get_json()["version"]) == ("培训600人次。", None, 2)
    r = api.fire(rid, "huoqiu_filer", "submit", 2, data={"figures": COUNTY_FIGURES})
    assert r.status_code == 422 and r.get_json()["details"]["reasons"] == BLANK_REASONS[1:]
    r = api.fire(rid, "huoqiu_filer", "submit", 2,
                 data={"figures": COUNTY_FIGURES, "problems": "物流成本高。", "next_steps": "扩大培训。"})
    assert r.status_code == 200 and r.get_json()["state"] == "county_review"
    assert api.patch(f"/items/{rid}", "huoqiu_filer", json={"version": 3, "progress": "x"}).status_code == 409


def test_a_file_attached_to_a_draft_report_is_listed_and_refused_after_submit(app, auth, client) -> None:
    rid = in_app(app, lambda: open_reports(2018, 3)["huoqiu"])
    auth.login("huoqiu_filer")
    token = csrf_token(client, f"/reports/{rid}")
    response = client.post(f"/reports/{rid}/files", data={"csrf_token": token, "kind": "evidence",
                                                          "file": (io.BytesIO(PDF), "培训签到表.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reports/{rid}#files")
    page = client.get(f"/reports/{rid}").get_data(as_text=True)
    files = page.split('id="files"')[1]
    assert "培训签到表.pdf" in files and "reports/%d/files/" % rid in files
    with app.app_context():
        attach = db.session.scalar(select(AuditEventRow).where(AuditEventRow.item_id == rid,
                                                               AuditEventRow.trigger == "attach"))
        assert json.loads(attach.data_json)["name"] == "培训签到表.pdf"
    api = Api(client)
    detail = api.get(f"/items/{rid}", "huoqiu_filer").get_json()
    assert [a["name"] for a in detail["attachments"]] == ["培训签到表.pdf"]
    download = client.get(f"/items/{rid}/files/{detail['attachments'][0]['id']}")
    try:
        assert download.data == PDF
    finally:
        download.close()
    r = api.fire(rid, "huoqiu_filer", "submit", detail["version"], data={"figures": COUNTY_FIGURES, **REPORT_TEXTS})
    assert r.status_code == 200
    # submitted: no more files, and the report screen offers no upload
    response = client.post(f"/reports/{rid}/files", data={"csrf_token": csrf_token(client, f"/reports/{rid}"),
                                                          "file": (io.BytesIO(PDF), "补充.pdf")},
                           content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "状态下不能上传材料" in page and "补充.pdf" not in page.split('id="files"')[1]
    assert 'action="/reports/%d/files"' % rid not in page
