"""The work ledger 工作台账 as an Excel workbook.

Sheet 1 工作台账: one row per task assignment, the annex's columns (序号, 工作任务, 牵头责任单位, 配合单位,
时限要求) then the assignment's responsible unit, state, handling deadline (办理期限), the plan's date for
its current phase (阶段期限, ``items.phase_due_on``), overdue level and last action.
Sheet 示范创建台账: one row per demo-site application (``applications_sheet``). Sheet 指标完成情况: the quota board (the same rows as the screen and the API). Sheet 3 说明: what
the figures mean and when they were taken. Chinese headers, frozen header rows, filters, widths
fitted to the content, printable on A4 landscape.
"""
from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from app.audit.models import AuditEventRow
from app.auth.models import User
from app.clock import china_wall_time, event_date, utcnow
from app.dashboards.board import QuotaRow, quota_board
from app.extension_requests.operations import effective_due_of, granted_extensions, granted_join_condition
from app.items.models import Item
from app.items.queries import visible_items
from app.ledger.applications_sheet import APPLICATION_HEADERS, APPLICATIONS_SHEET, application_rows, exporter
from app.plans.models import AnnexTask, AnnexTaskUnit, Plan
from app.tasks.models import TaskAssignment
from app.units.models import Unit
from workflows.base import state_title
from workflows.deadlines import OverdueLevel, overdue_level
from workflows.registry import WORKFLOWS
from workflows.roles import COUNTY_ROLES, Actor

LEDGER_SHEET = "工作台账"
QUOTA_SHEET = "指标完成情况"
NOTES_SHEET = "说明"
LEDGER_HEADERS = ("序号", "工作任务", "牵头责任单位", "配合单位", "时限要求", "责任单位", "承担方式", "当前状态",
                  "办理期限", "阶段期限", "督办等级", "逾期天数", "最近操作", "操作人", "操作日期", "操作时间", "事项编号")
QUOTA_HEADERS = ("指标", "计量单位", "县区", "目标", "已完成", "审核中", "差距", "完成率", "数据来源")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_WIDTH = {"工作任务": 50, "配合单位": 34, "牵头责任单位": 24, "最近操作": 30, "指标": 40, "示范点名称": 30}
WRAPPED = {"工作任务", "牵头责任单位", "配合单位", "最近操作", "指标", "示范点名称"}

HEADER_FILL = PatternFill("solid", fgColor="E6E9EE")
LEVEL_FILLS = {
    OverdueLevel.seriously_overdue: PatternFill("solid", fgColor="F4B6AE"),
    OverdueLevel.overdue: PatternFill("solid", fgColor="FBD9D4"),
    OverdueLevel.due_soon: PatternFill("solid", fgColor="FFF1C6"),
}
TOTAL_FILL = PatternFill("solid", fgColor="F3F4F6")
THIN = Side(style="thin", color="B8BEC6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
SOURCE_TITLES = {"applications": "示范创建申报（持续提升阶段计为已认定）", "reports": "季度报告（已采纳的年度累计数）"}

#: trigger → Chinese title, from the workflow definitions (+ the actions outside the tables)
TRIGGER_TITLES: dict[str, str] = {"create": "创建", "edit": "修改", "attach": "上传材料", "detach": "删除材料",
                                  "acknowledge": "签收", "remind": "催办",
                                  "request_extension": "申请延期", "endorse_extension": "县区审核同意延期",
                                  "grant_extension": "批准延期",
                                  "refuse_extension": "不予批准延期"}
for _wf in WORKFLOWS.values():
    for _sp in _wf.specs:
        TRIGGER_TITLES.setdefault(_sp.trigger, _sp.title)


def display_width(text: str) -> int:
    """Columns a text takes in Excel's default font: CJK and full-width characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def annex_deadline_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日前"


def ledger_rows(session: Session, plan_id: int, today: date, actor: Actor | None = None) -> list[list[Any]]:
    """The ledger's rows (one per task assignment the actor may see), in annex order."""
    unit = aliased(Unit)
    ta = TaskAssignment.__table__  # the table, not the entity: Item is already in the FROM list
    granted = granted_extensions()
    due = effective_due_of(granted)  # the deadline a granted extension (延期) set, if any
    base = visible_items(actor, plan_id) if actor is not None else select(Item)
    q = (base.where(Item.plan_id == plan_id, Item.type == "task")
         .with_only_columns(Item.id, AnnexTask.number, AnnexTask.title, AnnexTask.lead_text, AnnexTask.cooperating_text,
                            AnnexTask.deadline, unit.name, ta.c.is_lead, Item.state, due, Item.phase_due_on)
         .select_from(Item)
         .outerjoin(granted, granted_join_condition(granted))
         .join(ta, ta.c.id == Item.id)
         .join(AnnexTask, AnnexTask.id == ta.c.annex_task_id)
         .join(unit, unit.id == Item.unit_id)
         # within a task, units in the annex's order (lead units first, as the cell lists them)
         .outerjoin(AnnexTaskUnit, (AnnexTaskUnit.annex_task_id == ta.c.annex_task_id)
                    & (AnnexTaskUnit.unit_id == ta.c.assignee_id))
         .order_by(AnnexTask.number, ta.c.is_lead.desc(), AnnexTaskUnit.id, unit.sort_order, unit.id))
    rows = session.execute(q).all()
    last = last_actions(session, [r[0] for r in rows])
    out = []
    for (item_id, number, title, lead, cooperating, deadline, unit_name, is_lead, state, due_on, phase_due) in rows:
        level = overdue_level(due_on, today)
        days_late = (today - due_on).days if due_on is not None and due_on < today else None
        action = last.get(item_id)
        out.append([number, title, lead, cooperating, annex_deadline_text(deadline), unit_name,
                    "牵头" if is_lead else "配合", state_title(state), due_on, phase_due, level.label, days_late,
                    action[0] if action else None, action[1] if action else None,
                    action[3] if action else None, china_wall_time(action[2]) if action else None, item_id])
    return out


def last_actions(session: Session, item_ids: Sequence[int]) -> dict[int, tuple[str, str, datetime, date]]:
    """Each item's latest audit event as (what, who, when, business date), via the (item_id, seq) index."""
    if not item_ids:
        return {}
    out: dict[int, tuple[str, str, datetime, date]] = {}
    for start in range(0, len(item_ids), 5000):  # keep IN lists bounded
        chunk = list(item_ids[start:start + 5000])
        heads = (select(AuditEventRow.item_id, func.max(AuditEventRow.seq).label("seq"))
                 .where(AuditEventRow.item_id.in_(chunk)).group_by(AuditEventRow.item_id).subquery())
        q = (select(AuditEventRow.item_id, AuditEventRow.trigger, AuditEventRow.comment, AuditEventRow.actor,
                    User.display_name, AuditEventRow.at, AuditEventRow.business_date)
             .join(heads, (heads.c.item_id == AuditEventRow.item_id) & (heads.c.seq == AuditEventRow.seq))
             .outerjoin(User, User.id == AuditEventRow.actor_id))
        for item_id, trigger, comment, username, display, at, business_date in session.execute(q):
            what = TRIGGER_TITLES.get(trigger, trigger)
            if comment:
                what = f"{what}：{comment}"
            who = display or ("系统" if username == "system" else username)
            out[item_id] = (what, who, at, event_date(_Event(at, business_date)))
    return out


class _Event(NamedTuple):
    at: datetime
    business_date: date | None


def quota_rows_for(session: Session, plan_id: int, today: date, actor: Actor | None) -> list[QuotaRow]:
    """The board as the actor sees it: a county's users get their county and the city's totals."""
    county = actor.unit if actor is not None and actor.role in COUNTY_ROLES else None
    return quota_board(session, plan_id, today, county=county)


def write_table(sheet: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[Any]],
                formats: Mapping[str, str] | None = None) -> None:
    """A sheet as the ledger lays one out: bold filled header row (repeated when printed), borders, text
    never turned into formulas, a filter, A4 landscape fitted to the width; ``formats`` gives a column's
    number format by its header (the 绩效考核 export uses it for shares and scores)."""
    formats = formats or {}
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":  # text from users starting with "=" stays text, never a formula
                cell.data_type = "s"
            header = headers[cell.column - 1]
            cell.border = BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=header in WRAPPED)
            if header in formats:
                cell.number_format = formats[header]
    sheet.freeze_panes = "A2"
    if sheet.max_row > 1:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{sheet.max_row}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    fit_widths(sheet, headers)


def fit_widths(sheet: Worksheet, headers: Sequence[str]) -> None:
    """Each column as wide as its widest cell (CJK counted double), long texts capped and wrapped."""
    for index, header in enumerate(headers, 1):
        widest = display_width(header)
        for (value,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index, values_only=True):
            if isinstance(value, datetime):
                text = "2018-12-31 23:59"
            elif isinstance(value, date):
                text = "2018-12-31"
            elif isinstance(value, float):
                text = f"{value:.2f}"
            else:
                text = "" if value is None else str(value)
            widest = max(widest, display_width(text))
        sheet.column_dimensions[get_column_letter(index)].width = min(widest + 2, MAX_WIDTH.get(header, 40))


def build_ledger_xlsx(session: Session, plan_id: int, today: date, *, actor: Actor | None = None) -> bytes:
    """The work ledger workbook as bytes; with ``actor``, only what that actor may see."""
    plan = session.get(Plan, plan_id)
    book = Workbook()
    ledger = book.active
    ledger.title = LEDGER_SHEET
    rows = ledger_rows(session, plan_id, today, actor)
    write_table(ledger, LEDGER_HEADERS, rows)
    col = {h: i for i, h in enumerate(LEDGER_HEADERS, 1)}
    labels = {lv.label: lv for lv in OverdueLevel}
    for r in range(2, ledger.max_row + 1):
        ledger.cell(r, col["办理期限"]).number_format = DATE_FORMAT
        ledger.cell(r, col["阶段期限"]).number_format = DATE_FORMAT
        ledger.cell(r, col["操作日期"]).number_format = DATE_FORMAT
        ledger.cell(r, col["操作时间"]).number_format = DATETIME_FORMAT
        ledger.cell(r, col["序号"]).alignment = Alignment(horizontal="center", vertical="top")
        fill = LEVEL_FILLS.get(labels.get(ledger.cell(r, col["督办等级"]).value))
        if fill is not None:
            ledger.cell(r, col["督办等级"]).fill = fill
            ledger.cell(r, col["逾期天数"]).fill = fill

    applications = book.create_sheet(APPLICATIONS_SHEET)
    write_table(applications, APPLICATION_HEADERS, application_rows(session, plan_id, today, actor, last_actions))
    acol = {h: i for i, h in enumerate(APPLICATION_HEADERS, 1)}
    for r in range(2, applications.max_row + 1):
        applications.cell(r, acol["办理期限"]).number_format = DATE_FORMAT
        applications.cell(r, acol["阶段期限"]).number_format = DATE_FORMAT
        applications.cell(r, acol["操作日期"]).number_format = DATE_FORMAT
        applications.cell(r, acol["操作时间"]).number_format = DATETIME_FORMAT
        fill = LEVEL_FILLS.get(labels.get(applications.cell(r, acol["督办等级"]).value))
        if fill is not None:
            applications.cell(r, acol["督办等级"]).fill = fill

    quotas = book.create_sheet(QUOTA_SHEET)
    board = quota_rows_for(session, plan_id, today, actor)
    write_table(quotas, QUOTA_HEADERS, ([q.indicator_title, q.measure, q.county_name, float(q.target),
                                          float(q.achieved), float(q.pending), float(q.gap),
                                          q.rate, SOURCE_TITLES.get(q.source, q.source)] for q in board))
    qcol = {h: i for i, h in enumerate(QUOTA_HEADERS, 1)}
    for r, q in enumerate(board, 2):
        for h in ("目标", "已完成", "审核中", "差距"):
            quotas.cell(r, qcol[h]).number_format = "0" if all(
                v == v.to_integral_value() for v in (q.target, q.achieved, q.pending)) else "0.00"
        quotas.cell(r, qcol["完成率"]).number_format = "0%"
        if q.is_city:
            for c in range(1, len(QUOTA_HEADERS) + 1):
                quotas.cell(r, c).fill = TOTAL_FILL
                quotas.cell(r, c).font = Font(bold=True)

    notes = book.create_sheet(NOTES_SHEET)
    who = exporter(session, actor)
    for line in (
        ("方案", f"{plan.title}（{plan.document_number}）" if plan else ""),
        ("数据截至", today.isoformat()),
        ("导出时间", f"{china_wall_time(utcnow()):%Y-%m-%d %H:%M}（北京时间）"),
        ("导出人", who),
        ("工作台账", "每个任务落实事项一行：附件任务分解表各列，加责任单位、当前状态、办理期限、阶段期限、督办等级和最近一次操作。"),
        ("示范创建台账", "每个示范创建申报一行：县区、申报类别、示范点名称、当前状态、办理期限、阶段期限、督办等级和最近一次操作。"),
        ("办理期限与阶段期限", (
            "办理期限是当前环节的办理时限（经批准延期的按延期后的日期），督办等级和逾期天数按它计算；"
            "阶段期限是方案为事项当前阶段规定的日期。")),
        ("操作日期与时间", "操作日期为办理时的业务日期（督办台运行的“今天”）；操作时间为系统实际记录的时刻，均为北京时间。"),
        ("督办等级", "即将到期：7日内到期；已逾期：超过期限仍在该阶段；严重逾期：逾期30日以上。"),
        ("指标完成情况", (
            "示范类指标按进入持续提升阶段的示范申报计为已完成，已申报未认定的计为审核中；"
            "数值类指标取已采纳季度报告的年度累计数，审核中为待采纳报告将增加的数；县区名为“全市”的行为全市合计。")),
    ):
        notes.append(list(line))
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 100
    for row in notes.iter_rows():
        row[0].font = Font(bold=True)
        row[1].alignment = Alignment(wrap_text=True, vertical="top")

    book.properties.title = "工作台账"
    book.properties.creator = "PlanDesk 行动方案督办台"
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def ledger_xlsx(session: Session, plan_id: int, today: date, actor: Actor | None = None) -> bytes:
    """For the JSON API's GET /exports/ledger.xlsx: the same workbook as the screen's button."""
    return build_ledger_xlsx(session, plan_id, today, actor=actor)


def ledger_filename(today: date) -> str:
    return f"工作台账-{today.isoformat()}.xlsx"
