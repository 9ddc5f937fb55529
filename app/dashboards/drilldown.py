"""The items behind a board or matrix cell (``/dashboard/items``): the query built from the link's
filters, as the caller may see them, and the words naming each filter."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from app.applications.models import Application
from app.dashboards import permissions as perm
from app.dashboards.figures import CLOSED_COLUMN, PHASES
from app.extension_requests.operations import effective_due_of, granted_extensions, granted_join_condition
from app.extensions import db
from app.items.models import Item
from app.items.queries import visible_items
from app.plans.models import AnnexTask, Category, Plan
from app.tasks.models import TaskAssignment
from app.units.models import Unit
from app.web.ui import state_label, tr
from workflows.base import PHASE_TITLES
from workflows.states import StateSet
from workflows.deadlines import DUE_SOON_DAYS, SERIOUS_AFTER_DAYS, OverdueLevel
from workflows.roles import Actor

TYPE_TITLES = {"application": _l("示范申报"), "task": _l("任务落实"), "report": _l("季度报告"), "notice": _l("通报")}
LIGHT_TITLES = {"red": _l("红灯（已逾期）"), "yellow": _l("黄灯（即将到期）"), "green": _l("绿灯（正常）")}


class BadFilter(ValueError):
    """A filter value the list does not know (400)."""


class Hidden(LookupError):
    """A unit the caller may not open, or none of that name (404)."""


@dataclass
class Drilldown:
    query: Any
    due: Any
    filters: list[str]


def level_filter(levels: Sequence[OverdueLevel], now: date, due: Any = None) -> Any:
    """Items whose overdue level (workflows.deadlines.overdue_level) is one of ``levels``, in SQL;
    ``due`` is the deadline expression (the effective one, extensions included)."""
    due = Item.due_on if due is None else due
    serious_before = now - timedelta(days=SERIOUS_AFTER_DAYS)
    soon_until = now + timedelta(days=DUE_SOON_DAYS)
    parts = {
        OverdueLevel.seriously_overdue: due < serious_before,
        OverdueLevel.overdue: and_(due >= serious_before, due < now),
        OverdueLevel.due_soon: and_(due >= now, due <= soon_until),
        OverdueLevel.none: or_(due.is_(None), due > soon_until),
    }
    return or_(*(parts[lv] for lv in levels))


def _unit(slug: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.slug == slug))
    if unit is None:
        raise Hidden(slug)
    return unit


def drilldown(actor: Actor, plan: Plan, now: date, args: Mapping[str, Any]) -> Drilldown:
    """The visible items of ``plan`` matching every filter in ``args``."""
    granted = granted_extensions()
    due = effective_due_of(granted)  # lights count from the deadline a granted extension (延期) set
    q = visible_items(actor, plan.id).outerjoin(granted, granted_join_condition(granted))
    filters: list[str] = []
    for name, apply in _FILTERS:
        value = args.get(name)
        if value:
            q = apply(q, value, filters, actor=actor, plan=plan, now=now, due=due, args=args)
    return Drilldown(q, due, filters)


def _by_unit(column: Any, allowed: Any) -> Any:
    def apply(q: Any, slug: str, filters: list[str], *, actor: Actor, **_kw: Any) -> Any:
        if not allowed(actor, slug):
            raise Hidden(slug)
        unit = _unit(slug)
        filters.append(unit.name)
        return q.where(column == unit.id)
    return apply


def _by_type(q: Any, item_type: str, filters: list[str], **_kw: Any) -> Any:
    if item_type not in TYPE_TITLES:
        raise BadFilter(item_type)
    filters.append(TYPE_TITLES[item_type])
    return q.where(Item.type == item_type)


def _by_phase(q: Any, phase: str, filters: list[str], **_kw: Any) -> Any:
    if phase == CLOSED_COLUMN:
        filters.append(_("已终止"))
        return q.where(Item.state.in_(StateSet.CLOSED))
    if phase not in PHASES:
        raise BadFilter(phase)
    filters.append(tr(PHASE_TITLES[phase]))
    return q.where((Item.state == phase) | Item.state.like(f"{phase}.%"))


def _by_state(q: Any, state: str, filters: list[str], **_kw: Any) -> Any:
    filters.append(state_label(state))
    return q.where(Item.state == state)


def _by_task(q: Any, raw: str, filters: list[str], *, plan: Plan, **_kw: Any) -> Any:
    if not raw.isdigit():
        return q  # as before: a task number that is not a number filters nothing
    task = int(raw)
    filters.append(_("任务%(number)s", number=task))
    return q.where(Item.id.in_(select(TaskAssignment.id).join(AnnexTask, AnnexTask.id == TaskAssignment.annex_task_id)
                               .where(AnnexTask.plan_id == plan.id, AnnexTask.number == task)))


def _by_indicator(q: Any, indicator: str, filters: list[str], *, plan: Plan, args: Mapping[str, Any],
                  **_kw: Any) -> Any:
    categories = select(Category.code).where(Category.plan_id == plan.id, Category.indicator_code == indicator)
    q = q.where(Item.id.in_(select(Application.id).where(Application.category.in_(categories))))
    status = args.get("status")
    if status == "achieved":
        q = q.where(Item.state == StateSet.ACHIEVED)
        filters.append(_("已认定"))
    elif status == "pending":
        q = q.where(Item.state.not_in(StateSet.NOT_PENDING))
        filters.append(_("审核中"))
    title = db.session.scalar(select(Category.title).where(Category.plan_id == plan.id,
                                                           Category.indicator_code == indicator))
    filters.append(tr(title) or indicator)
    return q


def _by_light(q: Any, light: str, filters: list[str], *, now: date, due: Any, **_kw: Any) -> Any:
    levels = [lv for lv in OverdueLevel if lv.light == light]
    if not levels:
        raise BadFilter(light)
    filters.append(LIGHT_TITLES[light])
    return q.where(level_filter(levels, now, due))


_FILTERS = (("county", _by_unit(Item.county_id, perm.can_open_county_items)),
            ("unit", _by_unit(Item.unit_id, perm.can_open_unit_items)),
            ("type", _by_type), ("phase", _by_phase), ("state", _by_state), ("task", _by_task),
            ("indicator", _by_indicator), ("light", _by_light))
