"""What the item page shows, built from the item, its audit trail and the engine's available actions.

Plain data for the templates; nothing here writes.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.attachments.operations import live_attachments, locked_attachment_ids
from app.audit.models import AuditEventRow
from app.auth.models import User
from app.extensions import db
from app.items.facts import indicator_codes_for
from app.items.models import Item
from app.plans.models import Category, Indicator, Target
from app.web.terms import N_
from app.units.models import Unit
from workflows.audit import UNVERSIONED_TRIGGERS
from workflows.base import INPUT_REQUIREMENTS, Workflow
from workflows.engine import available_actions
from workflows.guards import figure_marks
from workflows.permissions import Subject
from workflows.roles import Actor
from app.reports.operations import current_figures, report_indicators

#: requirements checked against the item's facts, with the hint the screen shows
FACT_HINTS = {"evidence": N_("本阶段至少需要上传一份证明材料"), "fields": N_("必填项须填写完整"),
              "plan_document": N_("须上传实施方案（材料类别选“实施方案”）"),
              "notice_fields": N_("标题、主送机关、正文和涉及单位须填写完整")}
#: triggers whose inputs may be saved as a draft before they are sent
SAVE_TRIGGERS = frozenset({"submit", "submit_self_assessment"})
DRAFT_INPUTS = frozenset({"text", "figures", "report"})
#: the actor name of what the system does itself (loading the plan, opening reports)
SYSTEM_ACTOR = "system"


@dataclass
class ActionView:
    trigger: str
    title: str
    inputs: tuple[str, ...]
    facts: tuple[str, ...]
    delegation_id: int | None = None
    on_behalf_of: str | None = None
    danger: bool = False
    can_save: bool = False

    @property
    def key(self) -> str:
        return f"{self.trigger}-{self.delegation_id or 0}"


@dataclass
class FigureInput:
    code: str
    title: str
    measure: str
    target: Decimal | None
    value: str = ""


@dataclass
class HistoryRow:
    event: AuditEventRow
    actor_name: str
    on_behalf_name: str | None
    data: dict[str, Any] = field(default_factory=dict)
    title: str = ""

    @property
    def is_transition(self) -> bool:
        return self.event.trigger not in UNVERSIONED_TRIGGERS and self.event.trigger not in ("create", "edit")


def display_names(usernames: set[str]) -> dict[str, str]:
    usernames = {u for u in usernames if u}
    if not usernames:
        return {}
    return dict(db.session.execute(select(User.username, User.display_name).where(User.username.in_(usernames)))
                .tuples().all())


def actions_for(subject: Subject, actors: Sequence[tuple[Actor, int | None]], danger: frozenset[str]
                ) -> list[ActionView]:
    """One entry per trigger the user may fire now: as themselves first, then under each delegation
    (a trigger they may fire themselves is not offered again as a delegate)."""
    out: list[ActionView] = []
    seen: set[str] = set()
    names = display_names({a.on_behalf_of for a, _d in actors if a.on_behalf_of})
    editable_roles = subject.workflow.editable.get(subject.row.state, frozenset())
    for actor, delegation_id in actors:
        for action in available_actions(subject, actor):
            if action.trigger in seen:
                continue
            seen.add(action.trigger)
            inputs = tuple(r for r in action.requires if r in INPUT_REQUIREMENTS)
            facts = tuple(r for r in action.requires if r not in INPUT_REQUIREMENTS)
            can_save = (action.trigger in SAVE_TRIGGERS and bool(DRAFT_INPUTS & set(inputs))
                        and actor.role in editable_roles and delegation_id is None)
            out.append(ActionView(action.trigger, action.title, inputs, facts, delegation_id,
                                  names.get(actor.on_behalf_of, actor.on_behalf_of), action.trigger in danger,
                                  can_save))
    return out


def trigger_title(workflow: Workflow, trigger: str, from_state: str | None, to_state: str | None = None) -> str:
    """The title of the transition an event records (variants of a trigger have their own titles)."""
    specs = [sp for sp in workflow.specs if sp.trigger == trigger]
    if not specs:
        return trigger
    exact = next((sp for sp in specs if from_state in sp.sources and sp.dest == to_state), None)
    near = next((sp for sp in specs if from_state in sp.sources), None)
    return (exact or near or specs[0]).title


def history(item_id: int, workflow: Workflow | None = None) -> list[HistoryRow]:
    events = list(db.session.scalars(select(AuditEventRow).where(AuditEventRow.item_id == item_id)
                                     .order_by(AuditEventRow.seq)))
    names = display_names({e.actor for e in events} | {e.on_behalf_of for e in events if e.on_behalf_of})
    rows = []
    for ev in events:
        try:
            data = json.loads(ev.data_json or "{}") or {}
        except ValueError:
            data = {}
        title = trigger_title(workflow, ev.trigger, ev.from_state, ev.to_state) if workflow else ev.trigger
        rows.append(HistoryRow(ev, names.get(ev.actor) or actor_fallback(ev.actor),
                               names.get(ev.on_behalf_of, ev.on_behalf_of) if ev.on_behalf_of else None,
                               data if isinstance(data, dict) else {}, title))
    return rows


def actor_fallback(username: str) -> str:
    """The name of an actor with no account: 系统 for the plan's own loading and schedules."""
    return _("系统") if username == SYSTEM_ACTOR else username


def last_transition(rows: Sequence[HistoryRow]) -> HistoryRow | None:
    return next((r for r in reversed(rows) if r.is_transition), None)


def last_of(rows: Sequence[HistoryRow], trigger: str) -> HistoryRow | None:
    return next((r for r in reversed(rows) if r.event.trigger == trigger), None)


def returned_reason(item: Item, rows: Sequence[HistoryRow]) -> HistoryRow | None:
    """The send-back the item is sitting on: the latest decision was a 退回 and the item has not moved."""
    last = last_transition(rows)
    if last is not None and last.event.trigger == "send_back" and last.event.to_state == item.state:
        return last
    return None


def _category(item: Item) -> Category | None:
    return db.session.scalar(select(Category).where(Category.plan_id == item.plan_id,
                                                    Category.code == getattr(item, "category", None)))


def figure_inputs(item: Item) -> list[FigureInput]:
    """The figures a self-assessment or a quarterly report asks for, with targets and saved values."""
    saved: dict[str, Any] = {}
    out: list[FigureInput] = []
    if item.type == "report":
        saved = {k: v for k, v in current_figures(item).items()}
        unit = db.session.get(Unit, item.unit_id)
        for ind in report_indicators(db.session, item.plan_id, unit):
            out.append(FigureInput(ind.code, ind.title, ind.measure, ind.target))
    elif item.type == "application":
        saved = dict((item.self_assessment or {}).get("figures") or {})
        category = _category(item)
        for entry in (category.checklist if category else []) or []:
            out.append(FigureInput(entry["code"], entry.get("title", entry["code"]), entry.get("measure", ""), None))
    elif item.type == "task":
        saved = dict((item.self_assessment or {}).get("figures") or {})
        codes = indicator_codes_for(item)
        indicators = {i.code: i for i in db.session.scalars(select(Indicator).where(
            Indicator.plan_id == item.plan_id, Indicator.code.in_(codes)))}
        targets = dict(db.session.execute(select(Indicator.code, Target.figure).join(
            Target, Target.indicator_id == Indicator.id).where(Indicator.code.in_(codes),
                                                               Target.unit_id == item.unit_id)).tuples().all())
        for code in codes:
            ind = indicators.get(code)
            out.append(FigureInput(code, ind.title if ind else code, ind.measure if ind else "", targets.get(code)))
    for f in out:
        value = saved.get(f.code)
        f.value = "" if value is None else str(value)
    return out


def category_quota(item: Item) -> Decimal | None:
    """The county's quota for the indicator an application's category counts toward."""
    category = _category(item)
    if category is None or not category.indicator_code or item.county_id is None:
        return None
    return db.session.scalar(select(Target.figure).join(Indicator, Indicator.id == Target.indicator_id)
                             .where(Indicator.plan_id == item.plan_id, Indicator.code == category.indicator_code,
                                    Target.unit_id == item.county_id))


def figure_errors(item: Item, figures: Sequence[FigureInput], values: Any) -> dict[str, str]:
    """Code → why the figure typed into a failed form is refused, named by the indicator's title
    (a quarterly report's blank ones too when it was sent, not saved): the inputs the page marks."""
    if not values or not figures:
        return {}
    typed = {f.code: values.get(f"fig_{f.code}", "") for f in figures}
    every = item.type == "report" and values.get("op") != "save"  # a report's submit needs every figure
    return figure_marks(typed, {f.code: f.title for f in figures}, required=every)


def attachments(item: Item) -> list:
    rows = live_attachments(item.id)
    names = dict(db.session.execute(select(User.id, User.display_name).where(
        User.id.in_({a.uploaded_by_id for a in rows if a.uploaded_by_id}))).tuples().all()) if rows else {}
    locked = locked_attachment_ids(item, rows) if rows else set()
    for a in rows:
        a.uploader_name = names.get(a.uploaded_by_id, "")
        a.locked = a.id in locked  # evidence of a decided stage: no delete button
    return rows
