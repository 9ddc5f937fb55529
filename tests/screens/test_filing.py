"""Filing forms: new applications with fields per category and evidence, drafts edited until
submitted, evidence kinds and deletion, withdrawal with a note, an implementation plan, a quarterly
report; uploads checked by size and content."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from app.applications.models import Application
from app.attachments.models import Attachment
from app.extensions import db
from app.items.models import Item
from app.tasks.models import TaskAssignment
from app.units.models import Unit
from tests.dashboards.journeys import REPORT_TEXTS
from tests.screens.support import (EXE, PDF, PNG, action_section, attach, events, flashes, make_application,
                                   offered, text_of)

VILLAGE = {"category": "provincial_demo_village", "site_name": "大顾店村", "f_town": "宋店乡", "f_main_products": "大米",
           "f_online_sales": "320", "f_highlights": "做法", "f_contact_person": "张三", "f_contact_phone": "123"}


def count_apps() -> int:
    return db.session.scalar(select(func.count()).select_from(Application)) or 0


def test_the_form_asks_what_fits_the_category(person) -> None:
    filer = person("huoqiu_filer")
    chooser = filer.get("/filing/applications/new")
    assert "霍邱县 省级电商示范村：已认定 0 / 目标 4，审核中 0" in text_of(chooser)
    assert "省级农村电商示范企业" in chooser
    village = filer.get("/filing/applications/new?category=provincial_demo_village")
    enterprise = filer.get("/filing/applications/new?category=provincial_demo_enterprise")
    outlet = filer.get("/filing/applications/new?category=municipal_demo_outlet")
    assert "村名" in village and 'name="f_town"' in village and 'name="f_credit_code"' not in village
    assert "企业名称" in enterprise and 'name="f_credit_code"' in enterprise and 'name="f_town"' not in enterprise
    assert 'name="f_operator"' in outlet and 'name="f_parcels"' in outlet
    assert 'enctype="multipart/form-data"' in village and 'type="file"' in village
    assert person("huoqiu_reviewer").client.get("/filing/applications/new").status_code == 403
    assert person("city_reviewer").client.get("/filing/applications/new").status_code == 403


def test_missing_or_wrong_inputs_are_shown_and_nothing_is_created(person, inapp) -> None:
    before = inapp(count_apps)
    r = person("huoqiu_filer").post("/filing/applications/new", {**VILLAGE, "site_name": "", "f_online_sales": "很多",
                                                                 "f_town": ""})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "必须填写示范点名称" in page and "必须是数字" in page and "必填" in page
    assert 'value="大米"' in page  # what was typed stays
    assert inapp(count_apps) == before


def test_evidence_is_checked_by_content_and_size(person, inapp, app) -> None:
    filer = person("huoqiu_filer")
    before = inapp(count_apps)
    r = filer.post("/filing/applications/new", {**VILLAGE, "file": (io.BytesIO(EXE), "申报表.pdf")},
                   content_type="multipart/form-data")
    assert "不支持的文件类型" in " ".join(flashes(r.get_data(as_text=True)))
    assert inapp(count_apps) == before  # the whole filing is refused, not half stored
    r = filer.post("/filing/applications/new", {**VILLAGE, "kind": "evidence",
                                                "file": [(io.BytesIO(PDF), "../../申报表.pdf"),
                                                         (io.BytesIO(PNG), "现场照片.png")]},
                   content_type="multipart/form-data", status=302)
    item_id = int(r.headers["Location"].rsplit("/", 1)[1])
    files = inapp(lambda: {(a.name, a.content_type, a.kind) for a in
                           db.session.scalars(select(Attachment).where(Attachment.item_id == item_id))})
    assert files == {("申报表.pdf", "application/pdf", "evidence"), ("现场照片.png", "image/png", "evidence")}

    app.config["PLANDESK_MAX_UPLOAD"] = 50
    r = filer.post(f"/items/{item_id}/files", {"file": (io.BytesIO(PDF * 3), "大文件.pdf")},
                   content_type="multipart/form-data", follow=True)
    assert "文件不能超过" in " ".join(flashes(r.get_data(as_text=True)))
    # a request larger than one file and its multipart envelope is cut off before it is read
    r = filer.client.post(f"/items/{item_id}/files", data={"csrf_token": filer.token(),
                                                           "file": (io.BytesIO(PDF * 1000), "更大.pdf")},
                          content_type="multipart/form-data")
    assert r.status_code == 413 and "上传的文件超过大小限制" in r.get_data(as_text=True)
    assert inapp(lambda: db.session.scalar(select(func.count()).select_from(Attachment)
                                           .where(Attachment.item_id == item_id))) == 2


def test_a_draft_is_edited_until_submitted(person, inapp) -> None:
    filer = person("huoqiu_filer")
    item_id = inapp(make_application, "huoqiu")
    edit = filer.get(f"/items/{item_id}/edit")
    assert 'value="大顾店村"' in edit and 'value="宋店乡"' in edit
    version = inapp(lambda: db.session.get(Item, item_id).version)
    filer.post(f"/items/{item_id}/edit", {**VILLAGE, "site_name": "大顾店村（东片）", "version": version}, status=302)
    row = inapp(lambda: (lambda a: (a.site_name, a.title, a.fields["main_products"]))(
        db.session.get(Application, item_id)))
    assert row == ("大顾店村（东片）", "省级电商示范村：大顾店村（东片）", "大米")
    assert inapp(lambda: events(item_id)[-1].trigger) == "edit"
    # a stale edit is refused
    r = filer.post(f"/items/{item_id}/edit", {**VILLAGE, "version": version}, follow=True)
    assert "请刷新后再编辑" in " ".join(flashes(r.get_data(as_text=True)))
    inapp(attach, item_id, "huoqiu_filer")
    filer.act(item_id, "submit")
    r = filer.client.get(f"/items/{item_id}/edit", follow_redirects=True)
    assert "只有草稿可以修改" in " ".join(flashes(r.get_data(as_text=True)))
    assert "修改申报内容" not in filer.get(f"/items/{item_id}")


def test_evidence_is_deleted_by_the_filer_only_while_a_draft(person, inapp) -> None:
    filer = person("huoqiu_filer")
    item_id = inapp(make_application, "huoqiu")
    first = inapp(attach, item_id, "huoqiu_filer", "旧照片.png", PNG)
    second = inapp(attach, item_id, "huoqiu_filer", "申报表.pdf")
    assert "删除" in person("huoqiu_filer").get(f"/items/{item_id}")
    assert f"/files/{first}/delete" not in person("huoqiu_reviewer").get(f"/items/{item_id}")
    r = person("huoqiu_reviewer").post(f"/items/{item_id}/files/{first}/delete", follow=True)
    assert "只有本单位经办人可以删除材料" in " ".join(flashes(r.get_data(as_text=True)))
    r = filer.post(f"/items/{item_id}/files/{first}/delete", follow=True)
    assert "已删除材料“旧照片.png”" in " ".join(flashes(r.get_data(as_text=True)))
    assert filer.client.get(f"/items/{item_id}/files/{first}").status_code == 404
    assert [e.trigger for e in inapp(events, item_id)][-1] == "detach"
    filer.act(item_id, "submit")
    assert f"/files/{second}/delete" not in filer.get(f"/items/{item_id}")
    r = filer.post(f"/items/{item_id}/files/{second}/delete", follow=True)
    assert "状态下不能删除材料" in " ".join(flashes(r.get_data(as_text=True)))


def test_withdraw_needs_a_note_and_returns_the_filing(person, inapp) -> None:
    filer = person("huoqiu_filer")
    item_id = inapp(make_application, "huoqiu", "mobilization.county_review")
    r = filer.act(item_id, "withdraw", comment="", follow=False)
    assert r.status_code == 422 and "撤回必须填写理由" in r.get_data(as_text=True)
    filer.act(item_id, "withdraw", comment="联系电话有误，撤回修改")
    last = inapp(lambda: events(item_id)[-1])
    assert (last.trigger, last.to_state, last.comment) == ("withdraw", "mobilization.draft", "联系电话有误，撤回修改")
    assert "submit" in offered(filer.get(f"/items/{item_id}"))


def test_a_task_files_its_implementation_plan(person, inapp) -> None:
    filer = person("huoqiu_filer")
    task_id = inapp(lambda: db.session.scalar(select(TaskAssignment.id).where(
        TaskAssignment.unit.has(slug="huoqiu")).order_by(TaskAssignment.id)))
    page = filer.get(f"/items/{task_id}")
    assert "须上传实施方案" in action_section(page, "submit") and '<option value="plan" selected>' in page
    r = filer.act(task_id, "submit", follow=False)
    assert r.status_code == 422 and "必须上传实施方案" in r.get_data(as_text=True)
    filer.post(f"/items/{task_id}/files", {"kind": "plan", "file": (io.BytesIO(PDF), "霍邱县实施方案.pdf")},
               content_type="multipart/form-data", status=302)
    filer.act(task_id, "submit")
    assert inapp(lambda: db.session.get(Item, task_id).state) == "mobilization.county_review"
    assert "霍邱县实施方案.pdf" in person("huoqiu_reviewer").get(f"/items/{task_id}")


def test_a_quarterly_report_is_saved_then_submitted(person, inapp) -> None:
    from app.plans.models import Plan
    from app.reports.models import Report
    from app.reports.operations import open_quarterly_reports

    def open_q3() -> int:
        plan = db.session.scalar(select(Plan).where(Plan.is_current.is_(True)))
        open_quarterly_reports(db.session, plan, 2018, 3)
        return db.session.scalar(select(Report.id).join(Unit, Unit.id == Report.reporter_id)
                                 .where(Unit.slug == "huoqiu", Report.year == 2018, Report.quarter == 3))
    report_id = inapp(open_q3)
    filer = person("huoqiu_filer")
    form = action_section(filer.get(f"/items/{report_id}"), "submit")
    assert 'name="fig_new_ecommerce_entities"' in form and 'name="fig_training_person_times"' in form
    assert "2500" in form  # the county's target beside the input
    filer.act(report_id, "submit", op="save", fig_new_ecommerce_entities="40", fig_training_person_times="1,200")
    assert 'value="40.00"' in filer.get(f"/items/{report_id}")
    r = filer.act(report_id, "submit", follow=False, fig_new_ecommerce_entities="40")
    assert r.status_code == 422 and "以下指标未填报" in r.get_data(as_text=True)
    values = {f"fig_{code}": "3" for code in ("entities_over_10m", "brands_over_1m", "sanpin_yibiao_online",
                                              "trademark_enterprises_online")}
    r = filer.act(report_id, "submit", follow=False, fig_new_ecommerce_entities="40", fig_training_person_times="1200",
                  **values)
    assert r.status_code == 422 and "“工作进展”不能为空" in r.get_data(as_text=True)  # the text sections too
    assert 'name="progress"' in action_section(filer.get(f"/items/{report_id}"), "submit")
    filer.act(report_id, "submit", fig_new_ecommerce_entities="40", fig_training_person_times="1200", **values,
              **REPORT_TEXTS)
    assert inapp(lambda: db.session.get(Item, report_id).state) == "county_review"
    assert inapp(lambda: db.session.get(Item, report_id).problems) == REPORT_TEXTS["problems"]
