"""The facts a criticism or commendation notice is drafted from (WORKFLOWS.md, Notice).

``criticism_facts``: units with overdue items, failed acceptances (an item sent to ``rejected``
from ``acceptance.inspection`` or by the province's decision, or ordered to rectify, read from the
audit trail) and overdue rectifications. ``commendation_facts``: units whose applications or tasks
passed acceptance the first time (a ``pass`` with no earlier ``order_rectification`` of that item,
and not refused by the province afterwards) or whose achieved figure exceeds the quota on the quota
board. Each is a handful of aggregate queries; Python only groups the result rows by unit. The dict
returned is what a notice freezes (``facts_json``) and hashes at issue, so it holds plain JSON
values only.

:func:`draft_from_facts` turns them into a draft notice through :func:`create_notice`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.audit.models import AuditEventRow
from app.clock import china_date, today as clock_today
from app.dashboards.matrix import level_case
from app.dashboards.board import number, quota_board
from app.extension_requests.operations import effective_due_of, granted_extensions, granted_join_condition
from app.extensions import db
from app.items.models import Item
from app.notices.issuer import plan_issuer
from app.notices.models import Notice
from app.notices.operations import MAX_LENGTHS, create_notice
from app.plans.operations import current_plan
from app.units.models import Unit
from workflows.deadlines import OverdueLevel
from workflows.errors import GuardFailed, NotPermitted
from workflows.notice import KINDS
from workflows.roles import Actor, Role

#: item types whose deadlines and acceptances a notice speaks of
FACT_TYPES = ("application", "task", "report")
ACCEPTANCE_TYPES = ("application", "task")
INSPECTION = "acceptance.inspection"
REJECTED = "rejected"
RECTIFICATION_PREFIX = "rectification."
ADDRESSEES = "各县区人民政府，市直有关部门"
#: items listed by name per unit and section in the body (all of them stay in the frozen facts)
LISTED_PER_UNIT = 10
NUMERALS = "一二三四五六七八九十"
DRAFTERS = (Role.city_reviewer, Role.office_approver)

EMPTY_REASONS = {
    "criticism": "目前没有逾期或验收未通过的单位，无需通报批评",
    "commendation": "目前没有一次性通过验收或超额完成目标任务的单位，无需通报表扬",
}


def cn_date(day: date | str) -> str:
    """2018年7月31日."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return f"{day.year}年{day.month}月{day.day}日"


def _as_date(value: date | datetime | str | None) -> date | None:
    """A database date or timestamp as a calendar date in China (SQLite may answer text).

    The dates a notice prints of audit events are their business dates (the "today" PlanDesk ran with
    when they happened), never the wall clock's."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if (" " in value or "T" in value) else date.fromisoformat(value)
    if isinstance(value, datetime):
        return china_date(value)
    return value


def _county_id(session: Session, county: str | None) -> int | None:
    if county is None:
        return None
    unit_id = session.scalar(select(Unit.id).where(Unit.slug == county, Unit.kind == "county"))
    if unit_id is None:
        raise GuardFailed([f"未知县区：{county}"])
    return unit_id


class _Units:
    """Result rows grouped by unit, in plan order (sort_order), each with its sections."""

    def __init__(self, sections: Iterable[str]) -> None:
        self.sections = tuple(sections)
        self.units: dict[str, dict[str, Any]] = {}
        self.order: dict[str, tuple[int, int]] = {}

    def add(self, slug: str, name: str, kind: str, sort: tuple[int, int], section: str, entry: dict) -> None:
        unit = self.units.get(slug)
        if unit is None:
            unit = self.units[slug] = {"unit": slug, "unit_name": name, "unit_kind": kind,
                                       **{s: [] for s in self.sections}}
            self.order[slug] = sort
        unit[section].append(entry)

    def as_list(self) -> list[dict[str, Any]]:
        return [self.units[s] for s in sorted(self.units, key=lambda s: self.order[s])]


def _unit_columns(unit_t):
    return unit_t.slug, unit_t.name, unit_t.kind, unit_t.sort_order, unit_t.id


def criticism_facts(session: Session, plan_id: int, today: date, county: str | None = None) -> dict[str, Any]:
    """Units with overdue items, failed acceptances or overdue rectifications (worst-first per section).

    ``county`` (a slug) keeps only that county's items. Every item is listed under its responsible unit.
    """
    county_id = _county_id(session, county)
    unit_t = aliased(Unit)
    granted = granted_extensions()
    due_col = effective_due_of(granted)  # a unit granted an extension (延期) is not late before it ends
    level = level_case(due_col, today)
    in_rectification = Item.state.like(RECTIFICATION_PREFIX + "%")
    scope = [Item.plan_id == plan_id, Item.type.in_(FACT_TYPES)]
    if county_id is not None:
        scope.append(Item.county_id == county_id)
    grouped = _Units(("overdue_items", "failed_acceptances", "overdue_rectifications", "behind_quotas"))

    # Overdue items and overdue rectifications: one query, split by the state's phase.
    late = (select(Item.id, Item.type, Item.title, Item.state, due_col, level, in_rectification,
                   *_unit_columns(unit_t))
            .join(unit_t, unit_t.id == Item.unit_id)
            .outerjoin(granted, granted_join_condition(granted))
            .where(*scope, Item.due_on.is_not(None), Item.due_on < today, due_col < today)
            .order_by(due_col, Item.id))
    for item_id, typ, title, state, due_on, lvl, rect, slug, name, kind, sort, uid in session.execute(late):
        due = _as_date(due_on)
        entry = {"id": item_id, "type": typ, "title": title, "state": state, "deadline": due.isoformat(),
                 "days_late": (today - due).days, "level": OverdueLevel(lvl).value}
        grouped.add(slug, name, kind, (sort, uid), "overdue_rectifications" if rect else "overdue_items", entry)

    # Failed acceptances, from the audit trail: rejected at inspection, refused by the province, or
    # ordered to rectify.
    ev = AuditEventRow
    rejected = and_(ev.trigger == "reject", ev.from_state == INSPECTION)
    refused = and_(ev.trigger == "record_provincial_decision", ev.to_state == REJECTED)
    ordered = and_(ev.trigger == "order_rectification", ev.from_state == INSPECTION)
    failed = (select(Item.id, Item.type, Item.title, Item.state,
                     func.sum(case((rejected, 1), else_=0)), func.sum(case((refused, 1), else_=0)),
                     func.sum(case((ordered, 1), else_=0)), func.max(ev.business_date), *_unit_columns(unit_t))
              .join(ev, ev.item_id == Item.id)
              .join(unit_t, unit_t.id == Item.unit_id)
              .where(*scope, Item.type.in_(ACCEPTANCE_TYPES), or_(rejected, refused, ordered))
              .group_by(Item.id, Item.type, Item.title, Item.state, unit_t.slug, unit_t.name, unit_t.kind,
                        unit_t.sort_order, unit_t.id)
              .order_by(Item.id))
    for item_id, typ, title, state, n_rejected, n_refused, n_ordered, last_on, slug, name, kind, sort, uid in \
            session.execute(failed):
        outcome = "rejected" if n_rejected else "provincial_rejected" if n_refused else "order_rectification"
        entry = {"id": item_id, "type": typ, "title": title, "state": state, "outcome": outcome,
                 "rectifications_ordered": int(n_ordered or 0), "last_failed_on": _as_date(last_on).isoformat()}
        grouped.add(slug, name, kind, (sort, uid), "failed_acceptances", entry)

    _add_behind_quotas(session, grouped, plan_id, today, county)
    return {"kind": "criticism", "as_of": today.isoformat(), "county": county, "units": grouped.as_list()}


def _add_quota_rows(session: Session, grouped: _Units, rows: list, section: str,
                    extra: Callable[[Any], dict[str, Any]] = lambda r: {}) -> None:
    """Add quota-board rows under their county in ``section`` (one query for the counties' names)."""
    if not rows:
        return
    units = {slug: (name, kind, sort, uid) for slug, name, kind, sort, uid in session.execute(
        select(*_unit_columns(Unit)).where(Unit.slug.in_({r.county for r in rows})))}
    for r in rows:
        name, kind, sort, uid = units[r.county]
        grouped.add(r.county, name, kind, (sort, uid), section,
                    {"indicator": r.indicator, "indicator_title": r.indicator_title, "measure": r.measure,
                     "target": number(r.target), "achieved": number(r.achieved), **extra(r)})


def _add_behind_quotas(session: Session, grouped: _Units, plan_id: int, today: date, county: str | None) -> None:
    """Counties behind the plan on a quota once the plan's date for it has passed (the unit's lateness)."""
    rows = [r for r in quota_board(session, plan_id, today, county=county) if not r.is_city and r.behind]
    _add_quota_rows(session, grouped, rows, "behind_quotas", lambda r: {
        "filed": number(r.achieved + r.pending), "behind": r.behind,
        "deadline": r.behind_since.isoformat() if r.behind_since else None})


def commendation_facts(session: Session, plan_id: int, today: date, county: str | None = None) -> dict[str, Any]:
    """Units whose applications or tasks passed acceptance the first time, or that exceeded a quota."""
    county_id = _county_id(session, county)
    unit_t = aliased(Unit)
    ev, earlier = AuditEventRow, aliased(AuditEventRow)
    grouped = _Units(("passed_first_time", "exceeded_quotas"))

    rectified_before = exists().where(earlier.item_id == ev.item_id, earlier.trigger == "order_rectification",
                                      earlier.seq < ev.seq)
    passed = (select(Item.id, Item.type, Item.title, Item.state, func.min(ev.business_date), *_unit_columns(unit_t))
              .join(ev, ev.item_id == Item.id)
              .join(unit_t, unit_t.id == Item.unit_id)
              .where(Item.plan_id == plan_id, Item.type.in_(ACCEPTANCE_TYPES), ev.trigger == "pass",
                     ev.from_state == INSPECTION, ~rectified_before, Item.state != REJECTED,
                     *([Item.county_id == county_id] if county_id is not None else []))
              .group_by(Item.id, Item.type, Item.title, Item.state, unit_t.slug, unit_t.name, unit_t.kind,
                        unit_t.sort_order, unit_t.id)
              .order_by(Item.id))
    for item_id, typ, title, state, first_on, slug, name, kind, sort, uid in session.execute(passed):
        entry = {"id": item_id, "type": typ, "title": title, "state": state,
                 "passed_on": _as_date(first_on).isoformat()}
        grouped.add(slug, name, kind, (sort, uid), "passed_first_time", entry)

    _add_quota_rows(session, grouped, [r for r in quota_board(session, plan_id, today, county=county)
                                       if not r.is_city and r.achieved > r.target], "exceeded_quotas")

    return {"kind": "commendation", "as_of": today.isoformat(), "county": county, "units": grouped.as_list()}


FACTS = {"criticism": criticism_facts, "commendation": commendation_facts}


# -- the draft ----------------------------------------------------------------------------------

def _numbered(index: int) -> str:
    return NUMERALS[index] if index < len(NUMERALS) else str(index + 1)


def _listed(entries: list[dict], line, limit: int) -> list[str]:
    lines = [f"{i}. {line(e)}" for i, e in enumerate(entries[:limit], 1)]
    if len(entries) > limit:
        lines.append(f"另有{len(entries) - limit}项，详见通报所附数据。")
    return lines


def _late(e: dict) -> str:
    serious = "（严重逾期）" if e["level"] == OverdueLevel.seriously_overdue.value else ""
    return f"“{e['title']}”，期限{cn_date(e['deadline'])}，已逾期{e['days_late']}天{serious}。"


def _failed(e: dict) -> str:
    outcome = {"rejected": "验收不通过", "provincial_rejected": "未通过省级认定"}.get(
        e["outcome"], "验收未通过，被责令限期整改")
    return f"“{e['title']}”，{cn_date(e['last_failed_on'])}{outcome}。"


def _passed(e: dict) -> str:
    return f"“{e['title']}”，{cn_date(e['passed_on'])}一次性通过检查验收。"


def _exceeded(e: dict) -> str:
    return (f"{e['indicator_title']}：目标{e['target']}{e['measure']}，已完成{e['achieved']}{e['measure']}，"
            f"超额完成目标任务。")


def _behind(e: dict) -> str:
    filed = e["behind"] == "filed"
    done = Decimal(str(e["filed"] if filed else e["achieved"]))
    what = ("尚未申报" if filed else "尚未完成") if done == 0 else \
        f"仅{'申报' if filed else '完成'}{e['filed'] if filed else e['achieved']}{e['measure']}"
    return f"{e['indicator_title']}：指标{e['target']}{e['measure']}，至方案规定的{cn_date(e['deadline'])}{what}。"


SECTIONS = {
    "criticism": (("overdue_items", "逾期未完成事项", _late),
                  ("failed_acceptances", "检查验收未通过事项", _failed),
                  ("overdue_rectifications", "整改逾期事项", _late),
                  ("behind_quotas", "未按方案进度完成目标任务", _behind)),
    "commendation": (("passed_first_time", "一次性通过检查验收", _passed),
                     ("exceeded_quotas", "超额完成目标任务", _exceeded)),
}
#: the closing paragraph; ``{issuer}`` is the issuer's name in bodies (the 发文机关 setting)
CLOSING = {
    "criticism": ("请上述单位高度重视，认真查找原因，明确责任人和完成时限，于本通报印发之日起10个工作日内完成整改，"
                  "并将整改情况书面报送{issuer}。{issuer}将持续跟踪督办。"),
    "commendation": "希望受表扬的单位再接再厉，巩固成果；各县区、各有关部门要以先进为榜样，加快推进各项工作任务落实。",
}


def notice_text(kind: str, facts: dict[str, Any], plan_title: str, plan_number: str, county_name: str | None,
                issuer: str) -> dict[str, Any]:
    """Title, addressees, body (one paragraph a line, headings 一、 and （一）) and subject units.

    Up to ``LISTED_PER_UNIT`` items are named per unit and section, fewer if the body would not fit;
    the frozen facts keep every one.
    """
    for limit in range(LISTED_PER_UNIT, -1, -1):
        text = _notice_text(kind, facts, plan_title, plan_number, county_name, issuer, limit)
        if len(text["body"]) <= MAX_LENGTHS["body"]:
            break
    return text


def _notice_text(kind: str, facts: dict[str, Any], plan_title: str, plan_number: str, county_name: str | None,
                 issuer: str, limit: int) -> dict[str, Any]:
    as_of = date.fromisoformat(facts["as_of"])
    where = county_name or ""
    title = (f"关于{as_of.year}年{where}农村电商工作推进不力单位的通报" if kind == "criticism"
             else f"关于{as_of.year}年{where}农村电商工作成效突出单位的通报")
    units = facts["units"]
    lead = (f"根据《{plan_title}》（{plan_number}）要求，{issuer}对各地各部门工作推进情况进行了"
            f"调度督查。截至{cn_date(as_of)}，")
    lead += ("以下单位存在工作逾期、检查验收未通过或整改逾期等问题，现予以通报批评。" if kind == "criticism"
             else "以下单位工作推进有力、成效突出，现予以通报表扬。")
    lines = [lead]
    heading = 0
    for key, section_title, line in SECTIONS[kind]:
        with_entries = [u for u in units if u[key]]
        if not with_entries:
            continue
        lines.append(f"{_numbered(heading)}、{section_title}")
        heading += 1
        for i, unit in enumerate(with_entries):
            lines.append(f"（{_numbered(i)}）{unit['unit_name']}（{len(unit[key])}项）")
            lines.extend(_listed(unit[key], line, limit))
    lines.append(f"{_numbered(heading)}、有关要求")
    lines.append(CLOSING[kind].format(issuer=issuer))
    return {"title": title, "addressees": ADDRESSEES, "body": "\n".join(lines),
            "subject_units": [u["unit"] for u in units]}


def draft_from_facts(actor: Actor, kind: str, county: str | None = None) -> Notice:
    """A draft criticism or commendation whose body and frozen figures come from the data (flushes).

    GuardFailed (with a Chinese reason) when there is nothing to report.
    """
    if actor.role not in DRAFTERS:
        raise NotPermitted("只有市级审核人可以起草通报")
    if kind not in FACTS:
        raise GuardFailed([f"只能据实生成{KINDS['criticism']}或{KINDS['commendation']}草稿"])
    plan = current_plan()
    facts = FACTS[kind](db.session, plan.id, clock_today(), county)
    if not facts["units"]:
        reason = EMPTY_REASONS[kind]
        raise GuardFailed([reason.replace("目前", "目前该县区", 1) if county else reason])
    county_name = db.session.scalar(select(Unit.name).where(Unit.slug == county)) if county else None
    values = notice_text(kind, facts, plan.title, plan.document_number, county_name, plan_issuer(plan).short_name)
    return create_notice(actor, kind, values, facts=facts)


__all__ = ["criticism_facts", "commendation_facts", "draft_from_facts", "notice_text", "cn_date"]
