"""The 审批单 as an office prints it: the item's facts under their Chinese labels with units, one
opinion block per stage drawn from the audit trail (unit, person, opinion, business date), and the
materials summarised per stage. Plain data for ``item_page/print.html``; nothing here writes.

No internal name reaches the sheet: a field is printed under its form label, a figure under its
indicator's title and measure, a stage under its state's title.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.applications.fields import fields_for
from app.clock import event_date
from app.extensions import db
from app.item_page.views import FigureInput, HistoryRow
from app.units.models import Unit
from app.web.ui import category_label, fdate, phase_label, state_label, tr

#: events that are not a stage's opinion (materials, reminders, extensions are summarised apart)
NOT_OPINIONS = frozenset({"create", "edit"})


@dataclass
class Opinion:
    """One decision taken at a stage: what was done, what was written, on which business date."""
    action: str
    text: str
    day: date


@dataclass
class StageBlock:
    """审批意见 of one stage: the unit and person of its latest decision, every decision in order."""
    title: str
    unit: str
    person: str
    opinions: list[Opinion] = field(default_factory=list)

    @property
    def day(self) -> date:
        return self.opinions[-1].day


@dataclass
class MaterialGroup:
    """The materials on file for one stage: how many and their names."""
    stage: str
    names: list[str]

    @property
    def count(self) -> int:
        return len(self.names)


def number(value: Any) -> str | None:
    """980, 12.5, 1,200 (no trailing zeros, no exponent); None when ``value`` is not a number."""
    try:
        figure = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        return None
    if not figure.is_finite():
        return None
    text = format(figure.normalize(), "f")
    return text if "." in text else f"{int(text):,}"


def with_unit(value: Any, unit: Any) -> str:
    """``980 万元``; the value as written when it is not a number."""
    if value is None or value == "":
        return ""
    shown = number(value)
    if shown is None:
        return str(value)
    return f"{shown} {unit}" if unit else shown


def figure_line(f: FigureInput) -> tuple[str, str]:
    """(indicator title（measure）, value and the target beside it)."""
    measure = tr(f.measure) if f.measure else ""
    label = tr(f.title)
    value = with_unit(f.value, measure) if f.value != "" else _("（未填写）")
    if f.target is not None:
        value += " " + _("（目标数 %(n)s）", n=with_unit(f.target, measure))
    return label, value


def field_rows(item: Any) -> list[tuple[str, str]]:
    """An application's filled-in inputs under their form labels, numbers with their units (980 万元);
    a key no form of the category defines (sent through the API) is not shown by its internal name."""
    stored = item.fields or {}
    rows: list[tuple[str, str]] = []
    for f in fields_for(item.category):
        if f.key in stored and stored[f.key] not in (None, ""):
            value = with_unit(stored[f.key], f.unit) if f.kind == "number" else str(stored[f.key])
            rows.append((str(f.label), value))
    return rows


def application_facts(item: Any, quota: Decimal | None) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [(_("申报类别"), category_label(item.category)),
                                   (_("示范点名称"), item.site_name or "")]
    rows += field_rows(item)
    if quota is not None:
        rows.append((_("本县区目标"), number(quota) or ""))
    return rows


def task_facts(item: Any) -> list[tuple[str, str]]:
    task = item.annex_task
    rows = [(_("任务"), _("第 %(n)s 项", n=task.number) + "：" + (task.title or "")),
            (_("牵头单位"), task.lead_text or ""), (_("配合单位"), task.cooperating_text or ""),
            (_("责任类型"), _("牵头") if item.is_lead else _("配合"))]
    if task.deadline:
        rows.append((_("任务时限"), fdate(task.deadline)))
    if item.plan_filed_on:
        rows.append((_("实施方案备案"), fdate(item.plan_filed_on)))
    return rows


def report_facts(item: Any) -> list[tuple[str, str]]:
    rows = [(_("报告期"), _("%(year)s年第%(q)s季度", year=item.year, q=item.quarter))]
    for label, value in ((_("工作进展"), item.progress), (_("存在问题"), item.problems),
                         (_("下步计划"), item.next_steps)):
        rows.append((label, value or _("（未填写）")))
    return rows


def outcome_facts(item: Any) -> list[tuple[str, str]]:
    """What the later stages wrote onto the item: self-assessment, rectification, findings, decision."""
    rows: list[tuple[str, str]] = []
    text = (getattr(item, "self_assessment", None) or {}).get("text")
    if text:
        rows.append((_("自查评估"), text))
    if getattr(item, "rectification_report", None):
        rows.append((_("整改报告"), item.rectification_report))
    if getattr(item, "findings", None):
        rows.append((_("检查验收意见"), item.findings))
    decision = getattr(item, "provincial_decision", None)
    if decision:
        verdict = _("认定") if decision == "approved" else _("未认定")
        rows.append((_("省级认定"), f"{verdict} {item.provincial_document_number or ''}".strip()))
    return rows


#: a value this short shares its line with the next short one (two facts per row on paper)
SHORT = 16


def paired(facts: Sequence[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The facts as the sheet's rows: consecutive short ones two to a row, long ones alone."""
    rows: list[list[tuple[str, str]]] = []
    open_pair = False  # the last row holds one short fact and has room for another
    for label, value in facts:
        short = len(value) <= SHORT and "\n" not in value
        if short and open_pair:
            rows[-1].append((label, value))
            open_pair = False
        else:
            rows.append([(label, value)])
            open_pair = short
    return rows


def unit_names(slugs: set[str]) -> dict[str, str]:
    slugs = {s for s in slugs if s}
    if not slugs:
        return {}
    return dict(db.session.execute(select(Unit.slug, Unit.name).where(Unit.slug.in_(slugs))).tuples().all())


def opinion_text(row: HistoryRow) -> str:
    """The comment, the findings, a deadline or the province's decision an event carries."""
    parts = [row.event.comment or ""]
    data = row.data
    if data.get("findings") and data.get("findings") != row.event.comment:
        parts.append(str(data["findings"]))
    if data.get("deadline"):
        parts.append(_("整改期限：%(day)s", day=data["deadline"]))
    if data.get("decision"):
        verdict = _("认定") if data["decision"] == "approved" else _("未认定")
        parts.append(f"{_('省级认定结果')}：{verdict} {data.get('document_number', '')}".strip())
    return "\n".join(p for p in parts if p)


def stage_blocks(rows: Sequence[HistoryRow], own_unit: str) -> list[StageBlock]:
    """One block per stage the item went through, in the order first reached; a stage's decisions
    (a 退回, then after resubmission an approval) stay together, the latest names unit and person."""
    decisions = [r for r in rows if r.is_transition and r.event.trigger not in NOT_OPINIONS]
    units = unit_names({r.event.unit for r in decisions if r.event.unit})
    blocks: dict[str, StageBlock] = {}
    for row in decisions:
        ev = row.event
        person = row.actor_name + (_("（代%(name)s）", name=row.on_behalf_name) if row.on_behalf_name else "")
        block = blocks.setdefault(ev.from_state or ev.to_state, StageBlock(state_label(ev.from_state or ev.to_state),
                                                                           "", ""))
        block.unit = units.get(ev.unit or "", own_unit)
        block.person = person
        block.opinions.append(Opinion(tr(row.title), opinion_text(row), event_date(ev)))
    return list(blocks.values())


def material_groups(attachments: Sequence[Any]) -> list[MaterialGroup]:
    """The live materials by the stage they were filed for (uploads and deletions are not listed)."""
    groups: dict[str, MaterialGroup] = {}
    for a in attachments:
        groups.setdefault(a.phase, MaterialGroup(phase_label(a.phase), [])).names.append(a.name)
    return list(groups.values())


def changes_count(rows: Sequence[HistoryRow]) -> int:
    """How many uploads and deletions the trail records (the sheet prints the count, not each)."""
    return sum(1 for r in rows if r.event.trigger in ("attach", "detach"))


def sheet(item: Any, rows: Sequence[HistoryRow], attachments: Sequence[Any], figures: Sequence[FigureInput],
          quota: Decimal | None = None) -> dict[str, Any]:
    """Everything ``item_page/print.html`` prints for ``item``."""
    facts: list[tuple[str, str]] = []
    if item.type == "application":
        facts = application_facts(item, quota)
    elif item.type == "task":
        facts = task_facts(item)
    elif item.type == "report":
        facts = report_facts(item)
    elif item.type == "notice":
        facts = [(_("文号"), item.number or ""), (_("主送"), item.addressees or ""), (_("抄送"), item.copies or "")]
    facts += outcome_facts(item) if item.type in ("application", "task") else []
    shown = [f for f in figures if f.value != "" or f.target is not None]
    return {"facts": facts, "fact_rows": paired(facts), "figure_rows": [figure_line(f) for f in shown],
            "stages": stage_blocks(rows, item.unit.name), "materials": material_groups(attachments),
            "material_changes": changes_count(rows)}
