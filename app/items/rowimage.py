"""An item as one transition sees it: read with one Core SELECT, written back with Core UPDATEs.

The hot workflows (applications and task assignments) fire through this image instead of the ORM:
one statement loads the item row-locked with everything its facts and due date need (owning unit and
county, the application's category checklist, the task's annex deadline, the plan's review days and
phase deadlines), and
only the columns the transition changed are written back, the ``items`` row with ``WHERE version =
:old`` (a concurrent winner makes it match nothing: stale). Workflows or triggers whose effects need the
full ORM object (numbering and archiving a notice, a report's figures) take the ORM path instead
(``app.items.store.needs_orm``).
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from datetime import date
from typing import Any

from sqlalchemy import String, Table, and_, bindparam, cast, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import Text

from app.audit.models import AuditEventRow
from app.items import counters
from app.items.models import Item
from app.plans.models import AnnexTask, Category, Plan, PlanPhase
from app.units.models import Unit
from app.workdays.models import CalendarOverride
from app.workdays.operations import prime_calendar
from workflows.errors import StaleVersion

ITEMS: Table = Item.__table__  # type: ignore[assignment]
#: item type → the table of its own columns (joined-table inheritance); only these fire through an
#: image. Named, not imported: the item core sits below the features that define these subtypes.
SUBTYPES: frozenset[str] = frozenset({"application", "task"})
_SUBTYPE_TABLES = {"application": "applications", "task": "task_assignments"}
_ITEM_COLUMNS = frozenset(c.key for c in ITEMS.c)


@cache
def subtype_table(kind: str) -> Table:
    """The subtype's table, from the mapped metadata (every model is loaded by the time one fires)."""
    return ITEMS.metadata.tables[_SUBTYPE_TABLES[kind]]


@cache
def subtype_columns(kind: str) -> frozenset[str]:
    return frozenset(c.key for c in subtype_table(kind).c if c.key != "id")


@dataclass(frozen=True)
class UnitRef:
    """The few unit fields a transition reads (kind for the facts, slug for permissions)."""

    slug: str
    kind: str


@dataclass(frozen=True)
class CategoryRef:
    level: str
    checklist: list


@dataclass(frozen=True)
class AnnexRef:
    deadline: date | None
    indicator_codes: list


class PhaseDeadlines(Mapping[str, "date | None"]):
    """A plan's phase deadlines as read with the item (code → date or None), parsed on first use."""

    __slots__ = ("_raw", "_parsed")

    def __init__(self, raw: Mapping[str, str | None]) -> None:
        self._raw, self._parsed = raw, {}

    def __getitem__(self, code: str) -> date | None:
        if code not in self._parsed:
            value = self._raw[code]  # KeyError for a phase the plan does not have, as the query would
            self._parsed[code] = date.fromisoformat(value[:10]) if value else None
        return self._parsed[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


class ItemImage:
    """Attribute access like the ORM row (``item.state``, ``item.unit.kind``, ``item.category``);
    assignments are recorded so :func:`write_image` writes exactly the changed columns."""

    __slots__ = ("_values", "_original", "_changed", "unit", "county", "category_ref", "annex_task", "review_working_days",
                 "draft_working_days",
                 "chain_head", "phase_deadlines")

    def __init__(self, values: dict[str, Any], *, unit: UnitRef, county: UnitRef | None,
                 category_ref: CategoryRef | None, annex_task: AnnexRef | None, review_working_days: int,
                 draft_working_days: dict[str, int] | None = None,
                 chain_head: tuple[int, str] | None = None,
                 phase_deadlines: Mapping[str, date | None] | None = None) -> None:
        object.__setattr__(self, "_values", values)
        #: the values as loaded (the counters move from these to the written ones)
        object.__setattr__(self, "_original", dict(values))
        object.__setattr__(self, "_changed", set())
        object.__setattr__(self, "unit", unit)
        object.__setattr__(self, "county", county)
        object.__setattr__(self, "category_ref", category_ref)
        object.__setattr__(self, "annex_task", annex_task)
        object.__setattr__(self, "review_working_days", review_working_days)
        object.__setattr__(self, "draft_working_days", draft_working_days or {})
        #: (seq, hash) of the item's last audit event, read with the row (under its lock)
        object.__setattr__(self, "chain_head", chain_head)
        #: the plan's phase deadlines (None: not read with the row, the due date queries them)
        object.__setattr__(self, "phase_deadlines", phase_deadlines)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._values:
            raise AttributeError(f"{self._values.get('type')} item has no column {name!r}")
        self._values[name] = value
        self._changed.add(name)

    @property
    def phase(self) -> str:
        return self.state.split(".", 1)[0]

    @property
    def changed(self) -> Mapping[str, Any]:
        return {name: self._values[name] for name in self._changed}

    def __repr__(self) -> str:
        return f"<ItemImage {self.type} {self.id} {self.state} v{self.version}>"


def _last_event(column: Any) -> Any:
    """``column`` of the item's last audit event (its chain head), as a scalar subquery."""
    audit = AuditEventRow.__table__
    return (select(column).where(audit.c.item_id == ITEMS.c.id).order_by(audit.c.seq.desc()).limit(1)
            .correlate(ITEMS).scalar_subquery())


class _JsonObjectOf(FunctionElement[str]):
    """``{key: value, …}`` of a group's rows as JSON text: the same aggregate under each dialect's name."""

    type = Text()
    inherit_cache = True
    name = "json_object_of"


@compiles(_JsonObjectOf, "sqlite")
def _json_object_sqlite(element: _JsonObjectOf, compiler: Any, **kw: Any) -> str:
    return f"json_group_object({compiler.process(element.clauses, **kw)})"


@compiles(_JsonObjectOf, "postgresql")
def _json_object_postgresql(element: _JsonObjectOf, compiler: Any, **kw: Any) -> str:
    return f"CAST(json_object_agg({compiler.process(element.clauses, **kw)}) AS TEXT)"


def _phase_deadlines() -> ColumnElement[str]:
    """The item's plan's phase deadlines as one JSON object (code → ISO date or null), as a scalar
    subquery: the due date needs one of them after the move, and a second statement for it cost a
    round trip a transition."""
    phases = PlanPhase.__table__
    return (select(_JsonObjectOf(phases.c.code, phases.c.deadline)).where(phases.c.plan_id == ITEMS.c.plan_id)
            .correlate(ITEMS).scalar_subquery())


def _calendar_overrides() -> ColumnElement[str]:
    """The administrator's working-day overrides (day → working?) as one JSON object: a handling
    deadline counts working days, and reading them apart cost a round trip a transition."""
    overrides = CalendarOverride.__table__
    return select(_JsonObjectOf(overrides.c.day, overrides.c.is_working_day)).scalar_subquery()


@cache
def _statement(lock: bool) -> Any:
    """The one SELECT of :func:`load_image_for_update` (built once, on first use)."""
    statement = _load_statement()
    return statement.with_for_update(of=ITEMS) if lock else statement


def _load_statement() -> Any:
    apps, tasks = subtype_table("application"), subtype_table("task")
    audit = AuditEventRow.__table__
    owner, county = Unit.__table__.alias("owner"), Unit.__table__.alias("county_unit")
    categories, annex, plans = Category.__table__, AnnexTask.__table__, Plan.__table__
    sub_columns = [apps.c[k].label(f"application__{k}") for k in sorted(subtype_columns("application"))]
    sub_columns += [tasks.c[k].label(f"task__{k}") for k in sorted(subtype_columns("task"))]
    return (
        select(*ITEMS.c, *sub_columns,
               owner.c.slug.label("owner_slug"), owner.c.kind.label("owner_kind"),
               county.c.slug.label("county_slug"), county.c.kind.label("county_kind"),
               categories.c.level.label("category_level"), categories.c.checklist.label("category_checklist"),
               categories.c.id.label("category_id"),
               annex.c.deadline.label("annex_deadline"), annex.c.indicator_codes.label("annex_indicator_codes"),
               annex.c.id.label("annex_id"), plans.c.review_working_days.label("review_working_days"),
               plans.c.draft_working_days.label("draft_working_days"),
               _last_event(audit.c.seq).label("head_seq"), _last_event(audit.c.hash).label("head_hash"),
               _phase_deadlines().label("phase_deadlines"), _calendar_overrides().label("calendar_overrides"))
        .select_from(ITEMS)
        .join(owner, owner.c.id == ITEMS.c.unit_id)
        .outerjoin(county, county.c.id == ITEMS.c.county_id)
        .join(plans, plans.c.id == ITEMS.c.plan_id)
        .outerjoin(apps, apps.c.id == ITEMS.c.id)
        .outerjoin(categories, and_(categories.c.plan_id == ITEMS.c.plan_id, categories.c.code == apps.c.category))
        .outerjoin(tasks, tasks.c.id == ITEMS.c.id)
        .outerjoin(annex, annex.c.id == tasks.c.annex_task_id)
        .where(ITEMS.c.id == bindparam("item_id"), _in_viewers_plans(plans))
    )


def _in_viewers_plans(plans: Table) -> Any:
    """The item's plan is one of the viewer's region's (any plan when no viewer unit is given)."""
    viewer = cast(bindparam("viewer", type_=String), String(64))
    units = Unit.__table__
    region = select(units.c.region_code).where(units.c.slug == viewer).scalar_subquery()
    return or_(viewer.is_(None), plans.c.region_code == region)




def load_image_for_update(connection: Connection, item_id: int, *, lock: bool = True,
                          viewer: str | None = None) -> ItemImage | None:
    """The item row-locked until the transaction ends (None when there is no such item).

    Any item type loads; only types in ``SUBTYPES`` carry their own columns and may be written back.
    ``lock=False`` reads without the row lock (the versioned UPDATE alone must still hold: tested).
    ``viewer`` (a unit's slug) keeps to the plans of that unit's region, in the same statement: an item
    of another region's plan is None, as if it did not exist."""
    row = connection.execute(_statement(lock), {"item_id": item_id, "viewer": viewer}).mappings().first()
    if row is None:
        return None
    prime_calendar(json.loads(row["calendar_overrides"] or "{}"))
    kind = row["type"]
    values = {k: row[k] for k in _ITEM_COLUMNS}
    if kind in SUBTYPES:
        values.update({k: row[f"{kind}__{k}"] for k in subtype_columns(kind)})
    county = UnitRef(row["county_slug"], row["county_kind"]) if row["county_slug"] is not None else None
    category = (CategoryRef(row["category_level"], row["category_checklist"] or [])
                if row["category_id"] is not None else None)
    annex = (AnnexRef(row["annex_deadline"], row["annex_indicator_codes"] or [])
             if row["annex_id"] is not None else None)
    return ItemImage(values, unit=UnitRef(row["owner_slug"], row["owner_kind"]), county=county,
                     category_ref=category, annex_task=annex, review_working_days=row["review_working_days"],
                     draft_working_days=row["draft_working_days"],
                     chain_head=(row["head_seq"], row["head_hash"]) if row["head_seq"] is not None else None,
                     phase_deadlines=PhaseDeadlines(json.loads(row["phase_deadlines"] or "{}")))


#: the columns a transition may change on ``items`` (the engine's state and version, the due date, the
#: office's rectification deadline); written together, with the version check
_MOVED = ("state", "version", "state_entered_on", "due_on", "phase_due_on", "rectification_deadline")
_MOVE = (update(ITEMS).where(ITEMS.c.id == bindparam("item_id"), ITEMS.c.version == bindparam("old_version"))
         .values({c: bindparam(c) for c in _MOVED}))
_OWN_UPDATES: dict[tuple[str, frozenset[str]], Any] = {}


def _own_update(kind: str, columns: frozenset[str]) -> Any:
    """UPDATE of the subtype table's changed columns (one statement object per column set, reused)."""
    key = (kind, columns)
    if key not in _OWN_UPDATES:
        table = subtype_table(kind)
        _OWN_UPDATES[key] = (update(table).where(table.c.id == bindparam("item_id"))
                             .values({c: bindparam(c) for c in sorted(columns)}))
    return _OWN_UPDATES[key]


def write_image(session: Session, image: ItemImage, old_version: int, connection: Connection | None = None) -> None:
    """Write the changed columns: the ``items`` row only if still at ``old_version``, else stale."""
    changed = image.changed
    refused = set(changed) - set(_MOVED) - subtype_columns(image.type)
    if refused:
        raise ValueError(f"a transition may not change {sorted(refused)} through a row image")
    connection = connection if connection is not None else session.connection()
    values = image._values  # noqa: SLF001  (the image's own module)
    moved = connection.execute(_MOVE, {"item_id": image.id, "old_version": old_version,
                                       **{c: values[c] for c in _MOVED}})
    if moved.rowcount != 1:
        raise StaleVersion()
    own = frozenset(changed) - _ITEM_COLUMNS
    if own:
        connection.execute(_own_update(image.type, own), {"item_id": image.id, **{c: values[c] for c in own}})
    counters.move(session, image._original, values)  # noqa: SLF001  (the image's own module)
    # an ORM copy loaded earlier in this session would now show the old state: reload it on next access
    stale = session.identity_map.get(identity_key(Item, image.id))
    if stale is not None:
        session.expire(stale)
