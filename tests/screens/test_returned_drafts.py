"""Issue 17, deciding (part 2): a returned draft's edit form (the 退回 reason, uploads, files kept across a
refused sending, 修改并重新提交 as one action), evidence of a decided stage locked, files whose content does
not match their extension refused, figure reasons named by the indicator's title with the input marked."""
from __future__ import annotations

import io
import re

from flask import Flask
from sqlalchemy import select

from app.applications.models import Application
from app.attachments.models import Attachment
from app.attachments.pending import pending_files, stash_uploads
from app.extensions import db
from app.items.models import Item
from app.plans.models import Plan
from app.reports.models import Report
from app.reports.operations import open_quarterly_reports
from app.units.models import Unit
from tests.api.conftest import Api, error_of
from tests.screens.support import PDF, PNG, attach, events, fire, flashes, make_application, text_of

VILLAGE = {"site_name": "大顾店村", "f_town": "宋店乡", "f_main_products": "大米", "f_online_sales": "320",
           "f_highlights": "做法", "f_contact_person": "张三", "f_contact_phone": "0564-1234567"}
REASON = "联系电话有误，请补充村级电商服务站照片"
TITLE = "新培育工商注册电商经营主体"


def returned_application() -> int:
    item_id = make_application("huoqiu", "mobilization.county_review")
    fire(item_id, "send_back", "huoqiu_reviewer", comment=REASON)
    return item_id


def version_of(item_id: int) -> int:
    return db.session.get(Item, item_id).version


def live_files(item_id: int) -> list[tuple[str, str]]:
    return [(a.name, a.content_type) for a in db.session.scalars(
        select(Attachment).where(Attachment.item_id == item_id, Attachment.deleted_at.is_(None))
        .order_by(Attachment.id))]


def chosen(html: str) -> list[str]:
    return [text_of(m).split(" （")[0] for m in re.findall(r"<li data-chosen-file>(.*?)</li>", html, re.S)]


def token_of(html: str) -> str:
    return re.search(r'name="upload_token" value="([^"]+)"', html).group(1)


# -- the returned draft's edit form ----------------------------------------------------------------

def test_the_edit_form_of_a_returned_draft_shows_who_returned_it_when_and_why(person, inapp) -> None:
    item_id = inapp(returned_application)
    page = person("huoqiu_filer").get(f"/items/{item_id}/edit")
    box = text_of(re.search(r'<section class="card returned".*?</section>', page, re.S).group(0))
    assert "退回意见" in box and REASON in box
    assert "霍邱县审核人（霍邱县 县区审核人）于" in box, box  # who, in which unit and role
    assert re.search(r"于 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} 退回", box), box  # when (Beijing time)
    reviewer = inapp(lambda: events(item_id)[-1])
    assert (reviewer.trigger, reviewer.comment) == ("send_back", REASON)
    assert 'value="resubmit"' in page and "修改并重新提交" in page
    assert 'type="file"' in page and 'name="file"' in page  # uploads on the edit form too
    # a draft never returned: no reason, no resubmit button, but uploads are offered
    fresh = inapp(make_application, "huoqiu")
    plain = person("huoqiu_filer").get(f"/items/{fresh}/edit")
    assert "退回意见" not in plain and 'value="resubmit"' not in plain and 'name="file"' in plain


def test_resubmit_saves_the_edit_and_submits_in_one_action(person, inapp) -> None:
    item_id = inapp(returned_application)
    filer = person("huoqiu_filer")
    r = filer.post(f"/items/{item_id}/edit", {**VILLAGE, "site_name": "大顾店村（东片）", "f_contact_phone": "0564-7654321",
                                              "version": inapp(version_of, item_id), "op": "resubmit",
                                              "file": (io.BytesIO(PNG), "服务站照片.png")},
                   content_type="multipart/form-data", status=302)
    assert r.headers["Location"].endswith(f"/items/{item_id}")
    app_row = inapp(lambda: (lambda a: (a.state, a.site_name, a.fields["contact_phone"]))(
        db.session.get(Application, item_id)))
    assert app_row == ("mobilization.county_review", "大顾店村（东片）", "0564-7654321")
    assert [e.trigger for e in inapp(events, item_id)][-3:] == ["edit", "attach", "submit"]
    assert ("服务站照片.png", "image/png") in inapp(live_files, item_id)
    assert "已修改并重新提交" in " ".join(flashes(filer.get(f"/items/{item_id}")))


def test_a_refused_resubmit_leaves_neither_the_edit_nor_the_submit(person, inapp) -> None:
    item_id = inapp(returned_application)
    filer = person("huoqiu_filer")
    only = inapp(lambda: db.session.scalar(select(Attachment.id).where(Attachment.item_id == item_id)))
    filer.post(f"/items/{item_id}/files/{only}/delete", status=302)  # the returned draft's own file: allowed
    before = inapp(lambda: len(events(item_id)))
    r = filer.post(f"/items/{item_id}/edit", {**VILLAGE, "site_name": "改了名字的村", "op": "resubmit",
                                              "version": inapp(version_of, item_id)})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "本阶段至少需要上传一份证明材料" in " ".join(flashes(page))
    assert 'value="改了名字的村"' in page and REASON in text_of(page)  # what was typed stays, reason too
    row = inapp(lambda: (lambda a: (a.state, a.site_name))(db.session.get(Application, item_id)))
    assert row == ("mobilization.draft", "大顾店村") and inapp(lambda: len(events(item_id))) == before
    # the same form with a file goes through
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    filer.post(f"/items/{item_id}/edit", {**VILLAGE, "site_name": "改了名字的村", "op": "resubmit", "version": version,
                                          "file": (io.BytesIO(PDF), "补充材料.pdf")},
               content_type="multipart/form-data", status=302)
    assert inapp(lambda: db.session.get(Item, item_id).state) == "mobilization.county_review"


def test_chosen_files_survive_a_refused_form_and_are_attached_when_it_is_saved(person, inapp) -> None:
    filer = person("huoqiu_filer")
    r = filer.post("/filing/applications/new?category=provincial_demo_village",
                   {**VILLAGE, "category": "provincial_demo_village", "site_name": "", "f_online_sales": "很多",
                    "file": [(io.BytesIO(PDF), "申报表.pdf"), (io.BytesIO(PNG), "现场照片.png")]},
                   content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "已选择的文件" in page
    assert "需要修改：“村名”、“上年网络销售额”" in " ".join(flashes(page))  # by label, in the form's order
    assert chosen(page) == ["申报表.pdf", "现场照片.png"]
    assert inapp(lambda: db.session.scalar(select(Application.id).where(Application.site_name == "大顾店村"))) is None
    token = token_of(page)
    # sent again, corrected, with no file chosen this time: the kept ones are attached
    r = filer.post("/filing/applications/new?category=provincial_demo_village",
                   {**VILLAGE, "category": "provincial_demo_village", "upload_token": token},
                   content_type="multipart/form-data", status=302)
    item_id = int(r.headers["Location"].rsplit("/", 1)[1])
    assert inapp(live_files, item_id) == [("申报表.pdf", "application/pdf"), ("现场照片.png", "image/png")]
    user_id = inapp(lambda: db.session.get(Item, item_id).created_by_id)
    assert inapp(pending_files, token, user_id) == []  # the stash is gone once attached


def test_the_edit_form_keeps_chosen_files_too_and_a_stash_is_its_owners_only(person, inapp, app: Flask) -> None:
    item_id = inapp(returned_application)
    filer = person("huoqiu_filer")
    r = filer.post(f"/items/{item_id}/edit", {**VILLAGE, "f_contact_phone": "", "version": inapp(version_of, item_id),
                                              "file": (io.BytesIO(PNG), "补拍照片.png")},
                   content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert chosen(page) == ["补拍照片.png"] and 'aria-invalid="true"' in page
    token = token_of(page)
    with app.test_request_context():
        owner = db.session.scalar(select(Item.created_by_id).where(Item.id == item_id))
        assert [f.filename for f in pending_files(token, owner)] == ["补拍照片.png"]
        assert pending_files(token, owner + 1000) == []  # another user's token reads nothing
        assert pending_files("../../etc", owner) == []
    filer.post(f"/items/{item_id}/edit", {**VILLAGE, "version": inapp(version_of, item_id), "upload_token": token,
                                          "op": "save"}, status=302)
    assert ("补拍照片.png", "image/png") in inapp(live_files, item_id)
    assert inapp(lambda: db.session.get(Item, item_id).state) == "mobilization.draft"  # saved, not submitted


# -- content and extension -------------------------------------------------------------------------

def test_a_file_whose_content_does_not_match_its_extension_is_refused_on_every_screen(person, inapp) -> None:
    filer = person("huoqiu_filer")
    item_id = inapp(make_application, "huoqiu")
    r = filer.post(f"/items/{item_id}/files", {"file": (io.BytesIO("这只是一段文字".encode()), "fake.pdf")},
                   content_type="multipart/form-data", follow=True)
    said = " ".join(flashes(r.get_data(as_text=True)))
    assert "文件内容与扩展名不符" in said and "fake.pdf" in said and "纯文本" in said
    r = filer.post(f"/items/{item_id}/edit", {**VILLAGE, "version": inapp(version_of, item_id),
                                              "file": (io.BytesIO(PNG), "方案.docx")},
                   content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "文件内容与扩展名不符" in page and "PNG 图片" in page
    assert re.search(r'id="file"[^>]*aria-invalid="true"', page)
    assert inapp(live_files, item_id) == []
    assert inapp(lambda: db.session.get(Application, item_id).site_name) == "大顾店村"  # nothing saved


def test_the_api_refuses_a_mismatched_file_and_keeps_matching_ones(client, inapp) -> None:
    api = Api(client)
    item_id = inapp(make_application, "huoqiu")
    for content, name in ((b"plain text, not a PDF\n", "fake.pdf"), (PNG, "photo.docx"), (PDF, "report.txt"),
                          (PDF, "report.exe")):
        r = api.upload(item_id, content=content, name=name)
        assert error_of(r) == (422, "invalid_file"), (name, r.get_json())
        assert r.get_json()["message"].startswith("文件内容与扩展名不符：") and name in r.get_json()["message"]
    for content, name in ((PDF, "申报表.PDF"), (PNG, "照片.png"), ("说明".encode(), "说明.txt"), (PDF, "无扩展名")):
        assert api.upload(item_id, content=content, name=name).status_code == 201, name
    assert len(inapp(live_files, item_id)) == 4


# -- evidence of a decided stage ------------------------------------------------------------------

def test_evidence_of_an_approved_stage_cannot_be_deleted_at_self_assessment(person, inapp, client) -> None:
    item_id = inapp(make_application, "huoqiu", "self_assessment.draft")
    old = inapp(lambda: db.session.scalar(select(Attachment.id).where(Attachment.item_id == item_id)))
    new = inapp(attach, item_id, "huoqiu_filer", "自查照片.png", PNG)
    filer = person("huoqiu_filer")
    page = filer.get(f"/items/{item_id}")
    assert f"/files/{old}/delete" not in page and f"/files/{new}/delete" in page
    assert re.search(rf'data-attachment="{old}".*?data-locked', page, re.S)
    r = filer.post(f"/items/{item_id}/files/{old}/delete", follow=True)
    said = " ".join(flashes(r.get_data(as_text=True)))
    assert "属于已审定的“动员部署”阶段，不能删除" in said
    api = Api(client)
    r = api.delete(f"/items/{item_id}/attachments/{old}", "huoqiu_filer")
    assert error_of(r) == (409, "invalid_transition") and "已审定" in r.get_json()["message"]
    assert inapp(lambda: db.session.get(Attachment, old).deleted_at) is None
    assert api.delete(f"/items/{item_id}/attachments/{new}", "huoqiu_filer").status_code == 204  # this stage's own


def test_files_of_an_earlier_rectification_round_are_locked_in_the_next(inapp) -> None:
    from app.attachments.operations import locked_attachment_ids

    def drive() -> tuple[int, int, int, set[int]]:
        item_id = make_application("huoqiu", "acceptance.inspection")
        fire(item_id, "order_rectification", "office_approver", comment="台账不全",
             data={"deadline": "2099-12-31"})
        first = attach(item_id, "huoqiu_filer", "整改一.pdf")
        fire(item_id, "submit", "huoqiu_filer", data={"report": "已整改"})
        fire(item_id, "endorse", "huoqiu_reviewer")
        fire(item_id, "order_rectification", "office_approver", comment="仍不全", data={"deadline": "2099-12-31"})
        second = attach(item_id, "huoqiu_filer", "整改二.pdf")
        return item_id, first, second, locked_attachment_ids(db.session.get(Item, item_id))
    item_id, first, second, locked = inapp(drive)
    assert first in locked and second not in locked
    mobilization = inapp(lambda: {a.id for a in db.session.scalars(select(Attachment).where(
        Attachment.item_id == item_id, Attachment.phase == "mobilization"))})
    assert mobilization and mobilization <= locked


# -- figures named by their title, inputs marked --------------------------------------------------

def _q3_report() -> int:
    plan = db.session.scalar(select(Plan).where(Plan.is_current.is_(True)))
    open_quarterly_reports(db.session, plan, 2018, 3)
    return db.session.scalar(select(Report.id).join(Unit, Unit.id == Report.reporter_id)
                             .where(Unit.slug == "huoqiu", Report.year == 2018, Report.quarter == 3))


def test_a_figure_in_words_is_named_by_its_title_and_marked_on_the_item_page(person, inapp) -> None:
    report_id = inapp(_q3_report)
    filer = person("huoqiu_filer")
    r = filer.act(report_id, "submit", op="save", follow=False, fig_new_ecommerce_entities="一百",
                  fig_training_person_times="1200")
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and f"“{TITLE}”应填写数字" in text_of(page)
    assert "new_ecommerce_entities”" not in text_of(page)
    marked = re.findall(r'<input id="[^"]*-fig-([a-z0-9_]+)"[^>]*aria-invalid="true"', page)
    assert marked == ["new_ecommerce_entities"]  # only the wrong one; a draft may leave others blank
    # sent (not saved): the blank figures are marked as well
    r = filer.act(report_id, "submit", follow=False, fig_new_ecommerce_entities="一百")
    marked = re.findall(r'<input id="[^"]*-fig-([a-z0-9_]+)"[^>]*aria-invalid="true"', r.get_data(as_text=True))
    assert "new_ecommerce_entities" in marked and "training_person_times" in marked


def test_a_figure_in_words_is_named_by_its_title_and_marked_on_the_report_screen(person, inapp) -> None:
    report_id = inapp(_q3_report)
    filer = person("huoqiu_filer")
    version = inapp(version_of, report_id)
    r = filer.post(f"/reports/{report_id}/figures", {"version": version, "fig-new_ecommerce_entities": "一百",
                                                     "fig-training_person_times": "-5"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert f"“{TITLE}”应填写数字" in text_of(page) and "不能为负数" in text_of(page)
    assert re.search(r'id="fig-new_ecommerce_entities"[^>]*aria-invalid="true"', page)
    assert re.search(r'id="fig-training_person_times"[^>]*aria-invalid="true"', page)
    assert not re.search(r'id="fig-entities_over_10m"[^>]*aria-invalid', page)
    assert 'value="一百"' in page  # what was typed stays


def test_the_stash_refuses_a_mismatched_file_with_its_reason(app: Flask) -> None:
    class Upload:
        def __init__(self, name: str, content: bytes) -> None:
            self.filename, self.stream = name, io.BytesIO(content)

    with app.test_request_context():
        stash = stash_uploads(None, 1, [Upload("fake.pdf", b"just text\n"), Upload("a.pdf", PDF)], "evidence")
        assert [f.filename for f in stash.files] == ["a.pdf"]
        assert len(stash.problems) == 1 and stash.problems[0].startswith("“fake.pdf”：文件内容与扩展名不符")
        again = stash_uploads(stash.token, 1, [Upload("b.png", PNG)], "plan")
        assert again.token == stash.token and [(f.filename, f.kind) for f in again.files] == [
            ("a.pdf", "evidence"), ("b.png", "plan")]
