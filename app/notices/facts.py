"""The facts a criticism or commendation notice is drafted from (WORKFLOWS.md, Notice).

``criticism_facts``: units with overdue items, failed acceptances (an item sent to ``rejected``
from ``acceptance.inspection`` or by the province's decision, or ordered to rectify, read from the
audit trail) and overdue rectifications. ``commendation_facts``: units whose applications or tasks
passed acceptance the first time (a ``pass`` with no earlier ``order_rectification`` of that item,
and not refused by the province afterwards) or whose achieved figure exceeds the quota on the quota
board. Each is a handful of aggregate queries; Python only groups the result rows by unit. The dict
returned is what a notice freezes (``facts_json``) and what is compared again at issue
(``app.notices.recheck``), so it holds plain JSON values only.

A failed acceptance is described as the item stands when the notice is drafted: each entry carries
``now``, the fact of its current state (the named sets of ``workflows.states``):

- ``rejected``: refused for good (验收未通过);
- ``rectifying``: ordered to rectify and not yet back at inspection, with the ordered
  ``rectification_deadline`` (验收未通过，正在整改);
- ``awaiting_reinspection``: rectified and back at inspection (验收未通过，已整改待复验);
- ``passed_after_rectification``: at or after a pass of acceptance since (验收未通过，经整改后通过复验).

The first three are failings and criticised. An item that passed after its rectification is no longer
a failing: it is left out of the criticised units, and only listed (with its unit) in the top-level
``rectified_passed``, because a clerk writes one line about it ("另有…项经整改后已通过复验，不再列入本次
通报") so a reader who remembers the earlier failure sees why it is not named, and because the check
at issue names the item that passed since the draft. A commendation never counts such an item as
一次性通过 (its pass came after an ``order_rectification``).

:func:`draft_from_facts` turns them into a draft notice through :func:`create_notice`;
:func:`facts_for` computes a kind's facts for a day (the draft's, or the issue's to compare).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
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
from app.notices.drafting import (RankRow, commendation_text, criticism_text, progress_text, ranking_rows)
from app.notices.issuer import plan_issuer
from app.notices.models import Notice
from app.plans.models import AnnexTask
from app.tasks.models import TaskAssignment
from app.notices.operations import DRAFTER_ONLY, create_notice, may_draft
from app.plans.scope import current_plan
from app.scores.facts import quarters_until
from app.scores.queries import score_board
from app.units.models import Unit
from app.workdays.operations import working_calendar
from workflows.deadlines import OverdueLevel
from workflows.errors import GuardFailed, NotPermitted
from workflows.notice import KINDS
from workflows.roles import Actor
from workflows.states import StateSet

#: item types whose deadlines and acceptances a notice speaks of
FACT_TYPES = ("application", "task", "report")
ACCEPTANCE_TYPES = ("application", "task")
INSPECTION = StateSet.INSPECTION
ASSIGNMENTS = TaskAssignment.__table__  # the table, not the Item subclass: no second join of items
REJECTED = StateSet.REJECTED
RECTIFICATION_PREFIX = "rectification."

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


def _task_of(number_: int | None, full_title: str | None) -> dict[str, Any]:
    """The annex task an assignment belongs to, by number and full title (an item's own title is
    shortened for lists): what a notice quotes."""
    return {"task_number": number_, "task_title": full_title} if number_ is not None else {}


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
                   *_unit_columns(unit_t), AnnexTask.number, AnnexTask.title)
            .join(unit_t, unit_t.id == Item.unit_id)
            .outerjoin(ASSIGNMENTS, ASSIGNMENTS.c.id == Item.id)
            .outerjoin(AnnexTask, AnnexTask.id == ASSIGNMENTS.c.annex_task_id)
            .outerjoin(granted, granted_join_condition(granted))
            .where(*scope, Item.due_on.is_not(None), Item.due_on < today, due_col < today)
            .order_by(due_col, Item.id))
    for item_id, typ, title, state, due_on, lvl, rect, slug, name, kind, sort, uid, number_, full in \
            session.execute(late):
        due = _as_date(due_on)
        entry = {"id": item_id, "type": typ, "title": title, "state": state, "deadline": due.isoformat(),
                 "days_late": (today - due).days, "level": OverdueLevel(lvl).value,
                 **_task_of(number_, full)}
        grouped.add(slug, name, kind, (sort, uid), "overdue_rectifications" if rect else "overdue_items", entry)

    # Failed acceptances, from the audit trail: rejected at inspection, refused by the province, or
    # ordered to rectify.
    ev = AuditEventRow
    rejected = and_(ev.trigger == "reject", ev.from_state == INSPECTION)
    refused = and_(ev.trigger == "record_provincial_decision", ev.to_state == REJECTED)
    ordered = and_(ev.trigger == "order_rectification", ev.from_state == INSPECTION)
    failed = (select(Item.id, Item.type, Item.title, Item.state, Item.rectification_deadline,
                     func.sum(case((rejected, 1), else_=0)), func.sum(case((refused, 1), else_=0)),
                     func.sum(case((ordered, 1), else_=0)), func.max(ev.business_date), *_unit_columns(unit_t),
                     AnnexTask.number, AnnexTask.title)
              .join(ev, ev.item_id == Item.id)
              .join(unit_t, unit_t.id == Item.unit_id)
              .outerjoin(ASSIGNMENTS, ASSIGNMENTS.c.id == Item.id)
              .outerjoin(AnnexTask, AnnexTask.id == ASSIGNMENTS.c.annex_task_id)
              .where(*scope, Item.type.in_(ACCEPTANCE_TYPES), or_(rejected, refused, ordered))
              .group_by(Item.id, Item.type, Item.title, Item.state, Item.rectification_deadline, unit_t.slug,
                        unit_t.name, unit_t.kind, unit_t.sort_order, unit_t.id, AnnexTask.number, AnnexTask.title)
              .order_by(Item.id))
    rectified_passed: list[tuple[tuple[int, int], dict[str, Any]]] = []
    for item_id, typ, title, state, deadline, n_rejected, n_refused, n_ordered, last_at, slug, name, kind, sort, \
            uid, number_, full in session.execute(failed):
        outcome = "rejected" if n_rejected else "provincial_rejected" if n_refused else "order_rectification"
        now = current_fact(state)
        entry = {"id": item_id, "type": typ, "title": title, "state": state, "outcome": outcome, "now": now,
                 "rectifications_ordered": int(n_ordered or 0), "last_failed_on": _as_date(last_at).isoformat(),
                 **_task_of(number_, full)}
        if now == "rectifying" and deadline is not None:
            entry["rectification_deadline"] = _as_date(deadline).isoformat()
        if now == PASSED_AFTER_RECTIFICATION:  # no longer a failing: not criticised, named once in the text
            rectified_passed.append(((sort, uid), {"unit": slug, "unit_name": name, **entry}))
        else:
            grouped.add(slug, name, kind, (sort, uid), "failed_acceptances", entry)

    _add_behind_quotas(session, grouped, plan_id, today, county)
    return {"kind": "criticism", "as_of": today.isoformat(), "county": county, "units": grouped.as_list(),
            "rectified_passed": [e for _, e in sorted(rectified_passed, key=lambda p: (p[0], p[1]["id"]))]}


PASSED_AFTER_RECTIFICATION = "passed_after_rectification"


def current_fact(state: str) -> str:
    """What a failed acceptance is now, from the item's current state (``now`` of its entry)."""
    if state in StateSet.PASSED_ACCEPTANCE:
        return PASSED_AFTER_RECTIFICATION
    if state in StateSet.RECTIFYING:
        return "rectifying"
    if state == StateSet.INSPECTION:
        return "awaiting_reinspection"
    return "rejected"


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
    passed = (select(Item.id, Item.type, Item.title, Item.state, func.min(ev.business_date), *_unit_columns(unit_t),
                     AnnexTask.number, AnnexTask.title)
              .join(ev, ev.item_id == Item.id)
              .join(unit_t, unit_t.id == Item.unit_id)
              .outerjoin(ASSIGNMENTS, ASSIGNMENTS.c.id == Item.id)
              .outerjoin(AnnexTask, AnnexTask.id == ASSIGNMENTS.c.annex_task_id)
              .where(Item.plan_id == plan_id, Item.type.in_(ACCEPTANCE_TYPES), ev.trigger == "pass",
                     ev.from_state == INSPECTION, ~rectified_before, Item.state != StateSet.REJECTED,
                     *([Item.county_id == county_id] if county_id is not None else []))
              .group_by(Item.id, Item.type, Item.title, Item.state, unit_t.slug, unit_t.name, unit_t.kind,
                        unit_t.sort_order, unit_t.id, AnnexTask.number, AnnexTask.title)
              .order_by(Item.id))
    for item_id, typ, title, state, first_at, slug, name, kind, sort, uid, number_, full in session.execute(passed):
        entry = {"id": item_id, "type": typ, "title": title, "state": state,
                 "passed_on": _as_date(first_at).isoformat(), **_task_of(number_, full)}
        grouped.add(slug, name, kind, (sort, uid), "passed_first_time", entry)

    _add_quota_rows(session, grouped, [r for r in quota_board(session, plan_id, today, county=county)
                                       if not r.is_city and r.achieved > r.target], "exceeded_quotas")

    return {"kind": "commendation", "as_of": today.isoformat(), "county": county, "units": grouped.as_list()}


PERIOD = re.compile(r"^(\d{4})(?:Q([1-4]))?$")


def period_bounds(period: str) -> tuple[date, date]:
    """``2018Q4`` → (2018-10-01, 2018-12-31); ``2018`` → the whole year. GuardFailed otherwise."""
    match = PERIOD.match(period or "")
    if match is None:
        raise GuardFailed(["考核期间格式应为“2018Q4”（季度）或“2018”（年度）"])
    year, quarter = int(match.group(1)), match.group(2)
    if quarter is None:
        return date(year, 1, 1), date(year, 12, 31)
    first_month = 3 * (int(quarter) - 1) + 1
    end = date(year + 1, 1, 1) if first_month == 10 else date(year, first_month + 3, 1)
    return date(year, first_month, 1), date.fromordinal(end.toordinal() - 1)


@dataclass(frozen=True)
class QuotaScore:
    """A stand-in for the 绩效考核 score until ``app.scores`` is plugged in: quota attainment
    (counties) or the share of assigned items not overdue (departments), 0-100."""

    unit_name: str
    kind: str
    score: float
    rank: int
    unit: str


def _ranked(rows: list[tuple[str, str, str, float]]) -> list[QuotaScore]:
    """(slug, name, kind, score) rows ranked per kind, best first (ties share a rank)."""
    out: list[QuotaScore] = []
    for kind in ("county", "department"):
        of_kind = sorted((r for r in rows if r[2] == kind), key=lambda r: (-r[3], r[1]))
        rank, previous = 0, None
        for index, (slug, name, _, score) in enumerate(of_kind, 1):
            if score != previous:
                rank, previous = index, score
            out.append(QuotaScore(name, kind, round(score, 2), rank, slug))
    return out


def quota_ranking(session: Session, plan_id: int, today: date) -> list[QuotaScore]:
    """Counties by quota attainment on the quota board (each quota counts up to 100%); departments
    by the share of their assigned items that are not overdue."""
    per_county: dict[str, list[float]] = {}
    for r in quota_board(session, plan_id, today):
        if not r.is_city and r.target:
            per_county.setdefault(r.county, []).append(min(float(r.achieved / r.target), 1.0))
    units = {slug: (name, kind) for slug, name, kind in session.execute(select(Unit.slug, Unit.name, Unit.kind))}
    rows = [(slug, units[slug][0], "county", 100 * sum(v) / len(v)) for slug, v in per_county.items()]
    granted = granted_extensions()
    due_col = effective_due_of(granted)
    counts = (select(Unit.slug, Unit.name, func.count(Item.id),
                     func.sum(case((and_(Item.due_on.is_not(None), Item.due_on < today, due_col < today), 1),
                                   else_=0)))
              .join(Unit, Unit.id == Item.unit_id)
              .outerjoin(granted, granted_join_condition(granted))
              .where(Item.plan_id == plan_id, Item.type.in_(FACT_TYPES), Unit.kind == "department")
              .group_by(Unit.slug, Unit.name))
    for slug, name, total, late in session.execute(counts):
        if total:
            rows.append((slug, name, "department", 100 * (1 - int(late or 0) / int(total))))
    return _ranked(rows)


def progress_facts(session: Session, plan_id: int, today: date, period: str,
                   ranking: Sequence[RankRow] | None = None) -> dict[str, Any]:
    """Overall progress against the city-wide targets and the ranking of counties and departments.

    ``ranking``: rows with unit_name, kind, score and rank (``app.scores``' UnitScore); until that
    is plugged in, :func:`quota_ranking` ranks by quota attainment.
    """
    start, end = period_bounds(period)
    if start > today:
        raise GuardFailed([f"考核期间{period}尚未开始"])
    as_of = min(today, end)
    targets = [{"indicator": r.indicator, "indicator_title": r.indicator_title, "measure": r.measure,
                "target": number(r.target), "achieved": number(r.achieved)}
               for r in quota_board(session, plan_id, as_of) if r.is_city]
    rows = list(ranking) if ranking is not None else quota_ranking(session, plan_id, as_of)
    slugs = {name: slug for slug, name in session.execute(select(Unit.slug, Unit.name))}
    return {"kind": "progress", "as_of": as_of.isoformat(), "period": period, "county": None,
            "targets": targets, "ranking": ranking_rows(rows, slugs),
            "units": [{"unit": r["unit"]} for r in ranking_rows(rows, slugs) if r["unit"]]}


def progress_periods(plan: Any, today: date) -> list[str]:
    """The periods a progress bulletin may report on: the plan's quarters that have ended, newest
    first, then each year the plan has run (``["2018Q3", "2018Q2", "2018"]``)."""
    quarters = quarters_until(plan, today)
    ended = [f"{y}Q{q}" for y, q in reversed(quarters) if period_bounds(f"{y}Q{q}")[1] < today]
    return ended + [str(y) for y in sorted({y for y, _ in quarters}, reverse=True)]


FACTS = {"criticism": criticism_facts, "commendation": commendation_facts, "progress": progress_facts}
REPLY_WORKING_DAYS = 10


# -- the draft ----------------------------------------------------------------------------------

def _behind(e: dict) -> str:
    filed = e["behind"] == "filed"
    done = Decimal(str(e["filed"] if filed else e["achieved"]))
    what = ("尚未申报" if filed else "尚未完成") if done == 0 else \
        f"仅{'申报' if filed else '完成'}{e['filed'] if filed else e['achieved']}{e['measure']}"
    return f"{e['indicator_title']}：指标{e['target']}{e['measure']}，至方案规定的{cn_date(e['deadline'])}{what}。"


def notice_text(kind: str, facts: dict[str, Any], plan_title: str, plan_number: str, county_name: str | None,
                issuer: str, reply_by: date | None = None) -> dict[str, Any]:
    """Title, addressees, body (one paragraph a line, headings 一、 and （一）), subject units and the
    附件说明 naming the attachment tables (printed from the same facts)."""
    reply_by = reply_by or date.fromisoformat(facts["as_of"])
    if kind == "criticism":
        return criticism_text(facts, plan_title, plan_number, county_name, issuer, reply_by)
    if kind == "commendation":
        return commendation_text(facts, plan_title, plan_number, county_name, issuer)
    return progress_text(facts, plan_title, plan_number, issuer, reply_by)


def draft_from_facts(actor: Actor, kind: str, county: str | None = None, period: str | None = None,
                     ranking: Sequence[RankRow] | None = None) -> Notice:
    """A draft criticism, commendation or progress bulletin whose body, attachment tables and frozen
    figures come from the data (flushes). ``period`` (``2018Q4``) is the progress bulletin's.

    GuardFailed (with a Chinese reason) when there is nothing to report.
    """
    if not may_draft(actor):
        raise NotPermitted(DRAFTER_ONLY)
    if kind not in FACTS:
        raise GuardFailed([f"只能据实生成{KINDS['criticism']}、{KINDS['commendation']}或{KINDS['progress']}草稿"])
    plan = current_plan(actor)
    today = clock_today()
    if kind == "progress":
        if county:
            raise GuardFailed(["工作进展情况通报面向全市，不按县区生成"])
        period = period or _current_quarter(today)
        period_bounds(period)  # a clear refusal for a period that is neither 2018Q4 nor 2018
        facts = facts_for(db.session, plan, kind, today, period=period, ranking=ranking)
        if not facts["targets"] and not facts["ranking"]:
            raise GuardFailed(["目前没有目标任务和考核结果，无法生成工作进展情况通报"])
    else:
        facts = facts_for(db.session, plan, kind, today, county=county)
        if not facts["units"]:
            reason = EMPTY_REASONS[kind]
            raise GuardFailed([reason.replace("目前", "目前该县区", 1) if county else reason])
    county_name = db.session.scalar(select(Unit.name).where(Unit.slug == county)) if county else None
    reply_by = working_calendar(db.session).add_working_days(today, REPLY_WORKING_DAYS)
    values = notice_text(kind, facts, plan.title, plan.document_number, county_name, plan_issuer(plan).short_name,
                         reply_by)
    return create_notice(actor, kind, values, facts=facts)


def facts_for(session: Session, plan: Any, kind: str, today: date, *, county: str | None = None,
              period: str | None = None, ranking: Sequence[RankRow] | None = None) -> dict[str, Any]:
    """The facts of a ``kind`` of notice on ``today``: a criticism's or commendation's for ``county``
    (None: the city), a progress bulletin's for ``period`` ranked by ``ranking`` (the period's
    绩效考核 ranking, as the scores screen shows it, when None)."""
    if kind == "progress":
        if ranking is None:
            ranking = score_board(plan, period, today, session=session).units
        return progress_facts(session, plan.id, today, period, ranking)
    return FACTS[kind](session, plan.id, today, county)


def _current_quarter(today: date) -> str:
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


__all__ = ["criticism_facts", "commendation_facts", "progress_facts", "progress_periods", "draft_from_facts",
           "facts_for", "notice_text", "cn_date", "current_fact"]
