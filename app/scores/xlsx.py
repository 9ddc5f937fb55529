"""绩效考核 as an Excel workbook (openpyxl, laid out like the work ledger).

Sheet 1 绩效考核: one row per scored unit the caller may see, counties first then departments, each in
rank order: 类别, 名次, 单位, 得分, each component's share (0..1, shown as a percentage; empty where the
unit has no fact for it) and the facts behind it. Sheet 2 说明: the period, the weights and the rules.
"""
from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook

from app.ledger.xlsx import write_table
from app.scores.components import COMPONENT_TITLES, COMPONENTS, LATE_REPORT_CREDIT
from app.scores.permissions import can_see_unit
from app.scores.queries import ScoreBoard, UnitFacts
from workflows.roles import Actor

SCORE_SHEET = "绩效考核"
NOTES_SHEET = "说明"
KIND_TITLES = {"county": "县区", "department": "市直部门"}
FIXED_HEADERS = ("类别", "名次", "单位", "得分")
BASIS_HEADER = "计分依据"


def score_headers() -> tuple[str, ...]:
    return (*FIXED_HEADERS, *(COMPONENT_TITLES[c] for c in COMPONENTS), BASIS_HEADER)


def basis_text(facts: UnitFacts) -> str:
    """The facts behind a unit's components, in one line (the screen shows the same)."""
    parts = [f"办理时限 {facts.steps_on_time}/{len(facts.steps)} 按时"]
    if facts.unit.kind == "county":
        parts.append(f"指标 {facts.quotas_met}/{len(facts.quotas)} 达标")
    parts.append(f"验收 {facts.first_passes}/{len(facts.decisions)} 一次通过")
    parts.append(f"季度报告 按时{len(facts.reports_with('on_time'))} 迟报{len(facts.reports_with('late'))} "
                 f"漏报{len(facts.reports_with('missing'))}")
    return "；".join(parts)


def score_rows(board: ScoreBoard, actor: Actor) -> list[list[Any]]:
    rows = []
    for u in board.units:
        if not can_see_unit(actor, board.slugs[u.unit_id]):
            continue
        rows.append([KIND_TITLES[u.kind], u.rank, u.unit_name, u.score,
                     *(u.components.get(c) for c in COMPONENTS), basis_text(board.facts[u.unit_id])])
    return rows


def scores_xlsx(board: ScoreBoard, actor: Actor, plan_title: str, today: date) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = SCORE_SHEET
    write_table(sheet, score_headers(), score_rows(board, actor),
                {**{COMPONENT_TITLES[c]: "0.00%" for c in COMPONENTS}, "得分": "0.00"})
    notes = book.create_sheet(NOTES_SHEET)
    lines: list[list[Any]] = [
        ["考核期间", board.period], ["数据截至", today.isoformat()], ["行动方案", plan_title],
        *[[f"权重：{COMPONENT_TITLES[c]}", board.weights.get(c, "不计入")] for c in COMPONENTS],
        ["得分", "100 × 各项得分率的加权平均（仅计该单位本期有事实的指标，其权重按比例放大至合计为 1）"],
        ["办理时限按时率", "本期到期（或已办理）的本单位办理期限中，按期办理的比例（延期不改变原期限）"],
        ["目标任务完成率", "县区各项指标完成率（封顶 100%）的平均，取期末与今日中较早者的指标看板"],
        ["一次通过率", "本期验收通过或不予通过的申报与任务中，未经市级退回、未被责令整改而一次通过的比例"],
        ["季度报告及时率", f"季后10个工作日内报送计 1，迟报计 {LATE_REPORT_CREDIT}，漏报计 0"],
        ["排名", "县区、市直部门分别排名；得分取两位小数比较，同分同名次（1、2、2、4），同分者按方案单位顺序列出"],
    ]
    if board.unscored:
        lines.append(["未计分单位", "、".join(u.name for u in board.unscored if can_see_unit(actor, u.slug))])
    for line in lines:
        notes.append(line)
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def scores_filename(period: str) -> str:
    return f"绩效考核-{period}.xlsx"
