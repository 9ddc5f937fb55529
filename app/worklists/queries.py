"""The worklists as SQL: 待办 (what I may act on now), 已办 (what I acted on), 我的 (what my unit filed).

"What I may act on" is exactly :func:`workflows.engine.available_actions`, turned into one SQL
predicate from the same transition tables (role, source state, own unit, county/department and
provincial/municipal routing, a delegate's excluded units), so the list and the item page agree and
the list stays one query however many items there are.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select

from app.applications.models import Application
from app.audit.models import AuditEventRow
from app.extension_requests.operations import effective_due_column, effective_due_map
from app.extensions import db
from app.items.models import Item
from app.items.queries import capped_count, visible_items
from app.items.waiting import OPTIONAL_TRIGGERS
from app.plans.models import Category
from app.plans.scope import visible_plan_ids
from app.units.models import Unit
from workflows.application import CATEGORIES
from workflows.audit import UNVERSIONED_TRIGGERS
from workflows.deadlines import DUE_SOON_DAYS, SERIOUS_AFTER_DAYS, OverdueLevel, overdue_level
from workflows.registry import WORKFLOWS
from workflows.roles import CITY_WIDE_ROLES, Actor
from workflows.states import Phase

#: triggers that are not decisions: they never put an item in anyone's 已办
NOT_DECISIONS = frozenset(UNVERSIONED_TRIGGERS) | {"create", "edit"}
LISTS = ("todo", "done", "mine", "all")
SORTS = ("due", "-due", "-updated", "updated", "-acted")
PER_PAGE_CHOICES = (20, 50, 100)
ALL_STATES: tuple[str, ...] = tuple(dict.fromkeys(s.value for wf in WORKFLOWS.values() for s in wf.states))
PHASES: tuple[str, ...] = tuple(phase.value for phase in Phase)
#: the 待办 item groups (待审批, 被退回, 催办), in the order the list pages through them (app.worklists.groups)
ITEM_GROUPS = ("approve", "returned", "reminded")


def _unit_ids(slugs: Iterable[str | None]) -> list[int]:
    slugs = [s for s in slugs if s]
    if not slugs:
        return []
    return list(db.session.scalars(select(Unit.id).where(Unit.slug.in_(slugs))))


def _county_ids() -> list[int]:
    return list(db.session.scalars(select(Unit.id).where(Unit.kind == "county")))  # any region: ids are unique


def _category_codes(level: str) -> list[str]:
    """Category codes of a level (as the plan data says; the code's prefix when no plan names it)."""
    codes = set(db.session.scalars(select(Category.code).where(Category.level == level)))
    return sorted(codes or {c for c in CATEGORIES if c.startswith(f"{level}_")})


def visible_condition(actor: Actor) -> ColumnElement[bool]:
    """``visible_items(actor)`` as a predicate that can be OR-ed with other actors' (every plan of the
    actor's region: work waiting in last year's plan is still waiting)."""
    if actor.role in CITY_WIDE_ROLES:
        return Item.plan_id.in_(visible_plan_ids(actor.unit))
    return Item.id.in_(visible_items(actor).with_only_columns(Item.id))


def todo_condition(actor: Actor) -> ColumnElement[bool]:
    """Items waiting for ``actor``: one of its available actions (role, state, unit, routing, a
    delegate's excluded units) is not optional. A veto counts too (the office's 不予通过 at the city
    step): every action a role may take puts the item in its 待办, though the item waits for the step's owner."""
    own_ids = _unit_ids([actor.unit])
    excluded = _unit_ids(actor.excluded_units)
    counties: list[int] | None = None
    seen: set[tuple] = set()
    parts: list[ColumnElement[bool]] = []
    for wf in WORKFLOWS.values():
        for sp in wf.specs:
            if actor.role not in sp.roles:
                continue
            sources = sp.sources if sp.trigger not in OPTIONAL_TRIGGERS else ()
            if not sources:
                continue
            key = (wf.name, sources, sp.own, tuple(w for w in sp.when if w in (
                "county_item", "department_item", "provincial", "municipal")))
            if key in seen:
                continue
            seen.add(key)
            cond: list[ColumnElement[bool]] = [Item.type == wf.name, Item.state.in_(sources)]
            if sp.own:
                if not own_ids:
                    continue
                cond.append(Item.unit_id == own_ids[0])
            for w in key[3]:
                if w in ("county_item", "department_item"):
                    counties = _county_ids() if counties is None else counties
                    cond.append(Item.unit_id.in_(counties) if w == "county_item" else Item.unit_id.not_in(counties))
                else:
                    cond.append(Item.id.in_(select(Application.id).where(
                        Application.category.in_(_category_codes(w)))))
            if excluded:
                cond.append(Item.unit_id.not_in(excluded))
            parts.append(and_(*cond))
    return or_(*parts) if parts else false()


def acted_subquery(user_id: int):
    """(item_id, last_at) of the items ``user_id`` made a decision on (transitions, not notes or edits)."""
    return (select(AuditEventRow.item_id.label("item_id"), func.max(AuditEventRow.at).label("last_at"))
            .where(AuditEventRow.actor_id == user_id, AuditEventRow.trigger.not_in(NOT_DECISIONS))
            .group_by(AuditEventRow.item_id).subquery())


def overdue_condition(due: Any, level: str, today: date) -> ColumnElement[bool]:
    """workflows.deadlines.overdue_level as a range on ``due``."""
    soon_end = today + timedelta(days=DUE_SOON_DAYS)
    serious_before = today - timedelta(days=SERIOUS_AFTER_DAYS)
    if level == OverdueLevel.due_soon:
        return due.between(today, soon_end)
    if level == OverdueLevel.overdue:
        return due.between(serious_before, today - timedelta(days=1))
    if level == OverdueLevel.seriously_overdue:
        return due < serious_before
    return or_(due.is_(None), due > soon_end)


@dataclass(frozen=True)
class Filters:
    type: str | None = None
    state: str | None = None
    phase: str | None = None
    county: str | None = None
    category: str | None = None
    overdue: str | None = None
    q: str | None = None
    group: str | None = None
    sort: str = "due"
    page: int = 1
    per_page: int = 50

    @classmethod
    def from_args(cls, args: Any, *, default_sort: str = "due") -> Filters:
        def pick(name: str, allowed: Sequence[str]) -> str | None:
            value = (args.get(name) or "").strip()
            return value if value in allowed else None

        per_page = args.get("per_page", type=int)
        return cls(
            type=pick("type", tuple(WORKFLOWS)), state=pick("state", ALL_STATES), phase=pick("phase", PHASES),
            county=(args.get("county") or "").strip() or None,
            category=(args.get("category") or "").strip() or None,
            overdue=pick("overdue", tuple(level.value for level in OverdueLevel)),
            q=(args.get("q") or "").strip()[:100] or None, group=pick("group", ITEM_GROUPS),
            sort=pick("sort", SORTS) or default_sort,
            page=max(1, args.get("page", 1, type=int) or 1),
            per_page=per_page if per_page in PER_PAGE_CHOICES else 50,
        )

    def args(self, **override: Any) -> dict[str, Any]:
        """The query-string arguments of these filters (for links to other pages and sorts)."""
        names = ("type", "state", "phase", "county", "category", "overdue", "q", "group", "sort", "per_page")
        values = {k: getattr(self, k) for k in names}
        values.update(override)
        return {k: v for k, v in values.items() if v not in (None, "")}

    @property
    def active(self) -> bool:
        return any((self.type, self.state, self.phase, self.county, self.category, self.overdue, self.q, self.group))


@dataclass
class Row:
    item: Item
    due: date | None
    level: OverdueLevel
    last_event: AuditEventRow | None
    acted_at: Any = None
    #: the 待办 group of the row (``ITEM_GROUPS``), on the grouped 待办 only
    group: str | None = None

    @property
    def returned(self) -> bool:
        return self.last_event is not None and self.last_event.trigger == "send_back"


@dataclass
class Page:
    rows: list[Row]
    total: int
    page: int
    per_page: int
    #: more than TOTAL_CAP items: ``total`` is TOTAL_CAP and the screen says "1000+"
    capped: bool = False
    #: another page follows this one
    more: bool = False

    @property
    def pages(self) -> int:
        """The number of pages; with a capped total, this page and the next one if any."""
        if self.capped:
            return max(self.page + (1 if self.more else 0), -(-self.total // self.per_page))
        return max(1, -(-self.total // self.per_page))


def base_query(kind: str, actors: Sequence[Actor], user_id: int, unit_slug: str | None) -> tuple[Select, Any]:
    """The items of one worklist, before filters: (query, acted subquery or None)."""
    visible = or_(*[visible_condition(a) for a in actors])
    q = select(Item).where(visible)
    acted = None
    if kind == "todo":
        q = q.where(or_(*[and_(visible_condition(a), todo_condition(a)) for a in actors]))
    elif kind == "done":
        acted = acted_subquery(user_id)
        q = q.join(acted, acted.c.item_id == Item.id).add_columns(acted.c.last_at)
    elif kind == "mine":
        own = _unit_ids([unit_slug])
        q = q.where(or_(Item.created_by_id == user_id, Item.unit_id == own[0]) if own
                    else Item.created_by_id == user_id)
    return q, acted


def apply_filters(q: Select, f: Filters, today: date, due: Any) -> Select:
    if f.type:
        q = q.where(Item.type == f.type)
    if f.state:
        q = q.where(Item.state == f.state)
    if f.phase:
        q = q.where(Item.state.in_([s for s in ALL_STATES if s.split(".", 1)[0] == f.phase]))
    if f.county:
        q = q.where(Item.county_id.in_(select(Unit.id).where(Unit.slug == f.county)))
    if f.category:
        q = q.where(Item.id.in_(select(Application.id).where(Application.category == f.category)))
    if f.overdue:
        q = q.where(overdue_condition(due, f.overdue, today))
    if f.q:
        q = q.where(Item.title.contains(f.q, autoescape=True))
    return q


def order(q: Select, f: Filters, due: Any, acted: Any) -> Select:
    if f.sort == "-due":
        return q.order_by(due.desc().nulls_last(), Item.id.desc())
    if f.sort == "-updated":
        return q.order_by(Item.updated_at.desc(), Item.id.desc())
    if f.sort == "updated":
        return q.order_by(Item.updated_at, Item.id)
    if f.sort == "-acted" and acted is not None:
        return q.order_by(acted.c.last_at.desc(), Item.id.desc())
    return q.order_by(due.asc().nulls_last(), Item.id)


def last_events(item_ids: Sequence[int]) -> dict[int, AuditEventRow]:
    """Each item's latest decision event (a transition, not a note or an edit), in one query."""
    if not item_ids:
        return {}
    latest = (select(AuditEventRow.item_id, func.max(AuditEventRow.seq).label("seq"))
              .where(AuditEventRow.item_id.in_(item_ids), AuditEventRow.trigger.not_in(NOT_DECISIONS))
              .group_by(AuditEventRow.item_id).subquery())
    rows = db.session.scalars(select(AuditEventRow).join(
        latest, and_(latest.c.item_id == AuditEventRow.item_id, latest.c.seq == AuditEventRow.seq)))
    return {ev.item_id: ev for ev in rows}


#: a hook of the grouped 待办: (query, effective due column) -> (query narrowed, order to lead with)
Shape = Callable[[Select, Any], tuple[Select, list[Any]]]


def worklist(kind: str, actors: Sequence[Actor], user_id: int, unit_slug: str | None, f: Filters,
             today: date, shape: Shape | None = None) -> Page:
    """One page of a worklist: the rows with their deadline (extensions included) and light."""
    q, acted = base_query(kind, actors, user_id, unit_slug)
    due = effective_due_column()
    q = apply_filters(q, f, today, due)
    lead: list[Any] = []
    if shape is not None:
        q, lead = shape(q, due)
    total, capped = capped_count(q)
    result = db.session.execute(order(q.order_by(*lead) if lead else q, f, due, acted).limit(f.per_page + 1)
                                .offset((f.page - 1) * f.per_page))
    fetched = result.unique().all()
    more = len(fetched) > f.per_page
    fetched = fetched[:f.per_page]
    items = [r[0] for r in fetched]
    acted_at = {r[0].id: (r[1] if len(r) > 1 else None) for r in fetched}
    dues = effective_due_map(items)
    events = last_events([it.id for it in items])
    rows = [Row(it, dues.get(it.id), overdue_level(dues.get(it.id), today), events.get(it.id), acted_at.get(it.id))
            for it in items]
    return Page(rows, total, f.page, f.per_page, capped, more)


def todo_count(actors: Sequence[Actor]) -> int:
    q = select(func.count()).select_from(Item).where(
        or_(*[and_(visible_condition(a), todo_condition(a)) for a in actors]))
    return db.session.scalar(q) or 0
