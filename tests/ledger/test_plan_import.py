"""The administrator's plan import: upload an annex-style table, preview (nothing written), confirm."""
from __future__ import annotations

import io
import re
from datetime import date

from openpyxl import Workbook
from sqlalchemy import func, select

from app.extensions import db
from app.plans.models import AnnexTask, Plan
from app.plans.schema import TaskData
from app.plans.xlsx import write_annex_xlsx
from app.tasks.models import TaskAssignment
from app.ledger.importing import preview_annex_xlsx, unit_data
from tests.helpers import csrf_token

NEW_TASK = TaskData(19, "建设农村电商公共服务中心数据平台。", ("commerce",), ("statistics", "huoqiu"), date(2019, 6, 30))


def current_tasks() -> list[TaskData]:
    tasks = db.session.scalars(select(AnnexTask).order_by(AnnexTask.number)).all()
    return [TaskData(t.number, t.title, tuple(u.unit.slug for u in t.units if u.is_lead),
                     tuple(u.unit.slug for u in t.units if not u.is_lead), t.deadline) for t in tasks]


def annex_file(tasks: list[TaskData]) -> bytes:
    data = io.BytesIO()
    write_annex_xlsx(tasks, unit_data(db.session, db.session.scalar(select(Plan))), data)
    return data.getvalue()


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(AnnexTask)),
            db.session.scalar(select(func.count()).select_from(TaskAssignment)))


def test_preview_lists_what_would_be_created_and_writes_nothing(ctx) -> None:
    tasks = current_tasks()
    tasks[0] = TaskData(1, tasks[0].title, tasks[0].lead, tasks[0].cooperating, date(2019, 1, 31))
    preview = preview_annex_xlsx(db.session, io.BytesIO(annex_file(tasks + [NEW_TASK])))
    assert preview.ok and not preview.errors
    assert (preview.new_tasks, preview.changed_tasks, preview.new_assignments) == (1, 1, 3)
    new = preview.tasks[-1]
    assert (new.number, new.status, new.new_assignments) == (19, "new", [("市商务局", "牵头"), ("市统计局", "配合"),
                                                                         ("霍邱县", "配合")])
    assert preview.tasks[0].status == "changed" and preview.tasks[0].changes == ["时限要求"]
    assert all(t.status == "same" for t in preview.tasks[1:-1])
    assert counts() == (18, 190)


def test_row_errors_in_chinese(ctx) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["具体任务分解表"])
    sheet.append(["序号", "工作任务", "牵头责任单位", "配合单位", "时限要求"])
    sheet.append([1, "任务甲", "市商务局", "", "2018年12月31日前"])
    sheet.append(["二", "任务乙", "市不存在局", "市农委", "年底"])
    sheet.append([3, "", "霍邱县", "", "2018年2月30日"])
    data = io.BytesIO()
    book.save(data)
    preview = preview_annex_xlsx(db.session, io.BytesIO(data.getvalue()))
    assert not preview.ok and preview.tasks == []
    assert any(e.startswith("第4行：序号“二”不是正整数") for e in preview.errors)
    assert any(e.startswith("第4行：") and "市不存在局" in e for e in preview.errors)
    assert any(e.startswith("第5行：工作任务为空") for e in preview.errors)
    assert any(e.startswith("第5行：") and "2018年2月30日" in e for e in preview.errors)
    garbage = preview_annex_xlsx(db.session, io.BytesIO(b"not an excel file"))
    assert garbage.errors and garbage.errors[0].startswith("无法读取Excel文件")


def _upload(client, content: bytes, name: str = "任务分解表.xlsx"):
    token = csrf_token(client, "/admin/plan-import")
    return client.post("/admin/plan-import", data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_admin_previews_then_confirms(app, auth, client) -> None:
    with app.app_context():
        content = annex_file(current_tasks() + [NEW_TASK])
    auth.login("admin")
    response = _upload(client, content)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "新增 <b>1</b> 项" in page and "将新建任务落实事项 <b>3</b> 个" in page and "确认导入" in page
    assert "建设农村电商公共服务中心数据平台" in page and "市统计局（配合）" in page
    with app.app_context():
        assert counts() == (18, 190)
    token = re.search(r'name="token" value="([0-9a-f]{64})"', page).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/admin/plan-import/confirm", data={"csrf_token": csrf, "token": token})
    assert response.status_code == 302
    assert "导入完成" in client.get("/admin/plan-import").get_data(as_text=True)
    with app.app_context():
        assert counts() == (19, 193)
    # the stashed upload is gone once imported
    assert client.post("/admin/plan-import/confirm", data={"csrf_token": csrf, "token": token}).status_code == 302
    assert "上传的文件已失效" in client.get("/admin/plan-import").get_data(as_text=True)


def test_bad_file_shows_row_errors_and_cannot_be_confirmed(app, auth, client) -> None:
    book = Workbook()
    book.active.append(["序号", "工作任务", "牵头责任单位", "配合单位", "时限要求"])
    book.active.append([1, "任务", "市不存在局", "", "2018年12月31日前"])
    data = io.BytesIO()
    book.save(data)
    auth.login("admin")
    response = _upload(client, data.getvalue())
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "未导入任何内容" in page and "第2行" in page and "确认导入" not in page
    response = _upload(client, b"x", name="plan.csv")
    assert response.status_code == 400 and "只接受 .xlsx 文件" in response.get_data(as_text=True)


def test_only_the_administrator_imports(auth, client) -> None:
    auth.login("city_reviewer")
    assert client.get("/admin/plan-import").status_code == 403
    assert client.post("/admin/plan-import/confirm", data={}).status_code in (400, 403)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "方案导入" not in page


def test_import_needs_csrf(auth, client) -> None:
    auth.login("admin")
    response = client.post("/admin/plan-import", data={"file": (io.BytesIO(b"x"), "a.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400


def test_an_unconfirmed_upload_is_deleted_after_a_day(tmp_path) -> None:
    import os
    import time

    from app.ledger.importing import STASH_KEEP_SECONDS, stash_upload, stashed_path

    stale = stash_upload(str(tmp_path), b"an upload previewed and abandoned")
    fresh = stash_upload(str(tmp_path), b"an upload previewed an hour ago")
    old = time.time() - STASH_KEEP_SECONDS - 60
    os.utime(stashed_path(str(tmp_path), stale), (old, old))
    os.utime(stashed_path(str(tmp_path), fresh), (time.time() - 3600, time.time() - 3600))
    newest = stash_upload(str(tmp_path), b"a new upload")
    assert stashed_path(str(tmp_path), stale) is None
    assert stashed_path(str(tmp_path), fresh) is not None and stashed_path(str(tmp_path), newest) is not None
