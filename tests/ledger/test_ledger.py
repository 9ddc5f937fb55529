"""The work ledger workbook, opened with openpyxl as a user's Excel would, and the demo journey's trace in it."""
from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook

from app.clock import today
from app.dashboards.board import quota_board
from app.extensions import db
from app.items.models import Item
from app.ledger.applications_sheet import APPLICATION_HEADERS
from app.ledger.xlsx import LEDGER_HEADERS, QUOTA_HEADERS, build_ledger_xlsx, display_width
from tests.dashboards.journeys import application_to, file_task_plan, fire, plan, set_today, task_of
from tests.items.conftest import actor_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def ledger_by_item(book) -> dict[int, dict]:
    sheet = book["工作台账"]
    headers = [c.value for c in sheet[1]]
    return {row[-1]: dict(zip(headers, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}


def test_ledger_has_one_row_per_task_assignment(ctx) -> None:
    book = workbook(build_ledger_xlsx(db.session, plan().id, today()))
    assert book.sheetnames == ["工作台账", "示范创建台账", "指标完成情况", "说明"]
    sheet = book["工作台账"]
    assert tuple(c.value for c in sheet[1]) == LEDGER_HEADERS
    assert LEDGER_HEADERS[:5] == ("序号", "工作任务", "牵头责任单位", "配合单位", "时限要求")
    assert sheet.max_row == 1 + 190
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:Q191"  # 17 columns: 阶段期限 beside 办理期限
    assert sheet.print_title_rows == "$1:$1"
    first = [c.value for c in sheet[2]]
    assert first[:9] == [1, "力争全市农村产品网络销售额达到65亿元。", "市商务局、各县区人民政府", "市农委、市旅游委、市经信委",
                         "2018年12月31日前", "市商务局", "牵头", "动员部署·起草", datetime(2018, 7, 31)]
    assert first[9:14] == [datetime(2018, 7, 31), "正常", None, "创建", "系统"]  # 阶段期限: the plan's date
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == sorted(numbers) and set(numbers) == set(range(1, 19))
    # widths fit the content: the task column is wide (and capped), the number column narrow
    widths = {c: sheet.column_dimensions[c].width for c in "ABF"}
    assert widths["B"] == 50 and widths["A"] <= 8 and widths["F"] >= display_width("人民银行六安中心支行")


def test_quota_sheet_matches_the_board(ctx) -> None:
    application_to("huoqiu", "provincial_demo_village", "consolidation")
    application_to("huoqiu", "provincial_demo_village", "mobilization.county_review")
    book = workbook(build_ledger_xlsx(db.session, plan().id, today()))
    sheet = book["指标完成情况"]
    assert tuple(c.value for c in sheet[1]) == QUOTA_HEADERS and sheet.freeze_panes == "A2"
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True)]
    board = quota_board(db.session, plan().id, today())
    assert len(rows) == len(board) == 100
    for got, want in zip(rows, board):
        assert got[:7] == (want.indicator_title, want.measure, want.county_name, float(want.target),
                           float(want.achieved), float(want.pending), float(want.gap))
    huoqiu = next(r for r in rows if r[0] == "省级电商示范村" and r[2] == "霍邱县")
    assert huoqiu[3:8] == (4, 1, 1, 3, 0.25)


def test_demo_journey_shows_in_the_ledger_and_on_the_board(app) -> None:
    """After the demo journey (an application to consolidation, a county's plan filed), both show it."""
    with app.app_context():
        before = ledger_by_item(workbook(build_ledger_xlsx(db.session, plan().id, today())))
        application_to("huoqiu", "provincial_demo_village", "consolidation", "大顾店村")
        task_id = file_task_plan("huoqiu", 3)
        set_today(app, date(2018, 8, 6))
        after = ledger_by_item(workbook(build_ledger_xlsx(db.session, plan().id, today())))
        assert before[task_id]["当前状态"] == "动员部署·起草"
        row = after[task_id]
        assert (row["当前状态"], row["最近操作"], row["操作人"]) == ("全面推进", "备案", "市商务局审核人")
        assert row["办理期限"] == datetime(2018, 12, 31) and row["督办等级"] == "正常" and row["逾期天数"] is None
        late = after[task_of("huoqiu", 4).id]
        assert (late["督办等级"], late["逾期天数"]) == ("已逾期", 6)
        board = {(r.county, r.indicator): r for r in quota_board(db.session, plan().id, today())}
        assert board[("huoqiu", "provincial_demo_village")].achieved == 1
        quota = workbook(build_ledger_xlsx(db.session, plan().id, today()))["指标完成情况"]
        assert any(r[0] == "省级电商示范村" and r[2] == "全市" and r[4] == 1
                   for r in quota.iter_rows(min_row=2, values_only=True))


def test_last_action_shows_comments(ctx) -> None:
    task = task_of("shucheng", 10)
    from tests.items.conftest import add_evidence

    add_evidence(task.id, kind="plan")
    fire(task.id, "shucheng_filer", "submit")
    fire(task.id, "shucheng_reviewer", "send_back", comment="=请补充培训计划")
    row = ledger_by_item(workbook(build_ledger_xlsx(db.session, plan().id, today())))[task.id]
    # text beginning with "=" stays text, never a formula
    assert row["最近操作"] == "退回：=请补充培训计划" and row["操作人"] == "舒城县审核人"


def test_county_ledger_is_its_own(ctx) -> None:
    book = workbook(build_ledger_xlsx(db.session, plan().id, today(), actor=actor_of("yeji_filer")))
    rows = list(book["工作台账"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 14 and {r[5] for r in rows} == {"叶集区"}
    quota = {r[2] for r in book["指标完成情况"].iter_rows(min_row=2, values_only=True)}
    assert quota == {"叶集区", "全市"}
    dept = workbook(build_ledger_xlsx(db.session, plan().id, today(), actor=actor_of("commerce_filer")))
    assert {r[5] for r in dept["工作台账"].iter_rows(min_row=2, values_only=True)} == {"市商务局"}


def test_download_button(auth, client) -> None:
    auth.login("office_approver")
    response = client.get("/ledger.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition
    assert "filename*=UTF-8''%E5%B7%A5%E4%BD%9C%E5%8F%B0%E8%B4%A6-2018-07-10.xlsx" in disposition
    assert workbook(response.data)["工作台账"].max_row == 191
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/ledger.xlsx"' in page


def test_applications_have_their_own_rows_and_the_exporter_is_named(ctx) -> None:
    shown = application_to("huoqiu", "provincial_demo_village", "mobilization.city_review", "宋店村")
    other = application_to("shucheng", "provincial_demo_town", "mobilization.county_review", "晓天镇")
    book = workbook(build_ledger_xlsx(db.session, plan().id, today(), actor=actor_of("huoqiu_filer")))
    sheet = book["示范创建台账"]
    assert tuple(c.value for c in sheet[1]) == APPLICATION_HEADERS and sheet.freeze_panes == "A2"
    rows = {r[-1]: dict(zip(APPLICATION_HEADERS, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert other not in rows  # another county's application is not the county's to see
    row = rows[shown]
    assert (row["县区"], row["申报类别"], row["示范点名称"], row["当前状态"], row["最近操作"], row["操作人"]) == (
        "霍邱县", "省级电商示范村", "宋店村", "动员部署·市级审核", "审核通过并报市", "霍邱县审核人")
    # 阶段期限 beside 办理期限: the plan's date for the phase, not the review step's handling deadline
    item = db.session.get(Item, shown)
    assert APPLICATION_HEADERS.index("阶段期限") == APPLICATION_HEADERS.index("办理期限") + 1
    assert item.phase_due_on is not None and item.due_on != item.phase_due_on
    assert (row["办理期限"].date(), row["阶段期限"].date()) == (item.due_on, item.phase_due_on)
    city = workbook(build_ledger_xlsx(db.session, plan().id, today(), actor=actor_of("city_reviewer")))
    assert {shown, other} <= {r[-1] for r in city["示范创建台账"].iter_rows(min_row=2, values_only=True)}
    notes = {r[0]: r[1] for r in book["说明"].iter_rows(values_only=True)}
    assert notes["导出人"] == "霍邱县经办人（霍邱县）" and "huoqiu_filer" not in notes["导出人"]
    assert notes["示范创建台账"].startswith("每个示范创建申报一行")
