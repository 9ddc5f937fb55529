"""GET /items: visibility, filters, sorting and pagination that stay fast on a large table.

Filters become indexed predicates (a phase expands to its states, an overdue level to a due-date
range against today); deep pages use a keyset cursor ``after`` (base64 of sort, value, id) instead
of an offset; the rows come with their units in the same query (no N+1).
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, func, or_, select, tuple_, type_coerce

from app.api.errors import bad_request
from app.api.schemas import STATES
from app.extension_requests.operations import effective_due_column
from app.extensions import db
from app.items.models import Item
from app.items.queries import capped_count, visible_items
from app.plans.models import Plan
from app.plans.scope import plan_for, visible_plans
from app.units.models import Unit
from workflows.deadlines import DUE_SOON_DAYS, SERIOUS_AFTER_DAYS
from workflows.roles import Actor


@dataclass(frozen=True)
class Page:
    items: list[Item]
    #: the number of matching items, exact up to ``TOTAL_CAP`` (then ``TOTAL_CAP`` itself)
    total: int
    page: int | None
    per_page: int
    next: str | None
    #: item id → the deadline in force (its due date moved by a granted extension)
    due: dict[int, date | None]
    #: more than ``TOTAL_CAP`` items match (``total`` is then ``TOTAL_CAP``)
    total_capped: bool = False


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _sort_column(name: str) -> Any:
    return Item.due_on if name.lstrip("-") == "due_at" else Item.updated_at


def _raw(column: Any) -> Any:
    """The column as stored. SQLite keeps datetimes as text whose format may differ from what
    SQLAlchemy binds (CURRENT_TIMESTAMP has no microseconds), so the cursor compares the stored text."""
    if column is Item.updated_at and _sqlite():
        return type_coerce(column, String)
    return column


def state_condition(value: str) -> ColumnElement[bool]:
    """An exact state, or a phase: every state of that phase (an IN list the index can use)."""
    if "." in value or value not in {s.split(".", 1)[0] for s in STATES if "." in s}:
        return Item.state == value
    return Item.state.in_([s for s in STATES if s.split(".", 1)[0] == value])


def overdue_condition(level: str, today: date) -> ColumnElement[bool]:
    """workflows.deadlines.overdue_level as ranges of the deadline in force (an extension moves it).

    An extension only ever moves a deadline later, so the item's own due date is bounded by the same
    upper end: that bound lets the due-date index narrow the scan before the extension is looked at."""
    due = effective_due_column()
    soon_end = today + timedelta(days=DUE_SOON_DAYS)
    serious_before = today - timedelta(days=SERIOUS_AFTER_DAYS)
    if level == "due_soon":
        return and_(Item.due_on <= soon_end, due.between(today, soon_end))
    if level == "overdue":
        return and_(Item.due_on < today, due.between(serious_before, today - timedelta(days=1)))
    if level == "seriously_overdue":
        return and_(Item.due_on < serious_before, due < serious_before)
    return or_(Item.due_on.is_(None), due > soon_end)


def encode_cursor(sort: str, item: Item, raw: Any) -> str:
    value = raw.isoformat() if isinstance(raw, (date, datetime)) else raw
    text = json.dumps([sort, value, item.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        cur_sort, value, item_id = json.loads(text)
        if cur_sort != sort or not isinstance(item_id, int) or isinstance(item_id, bool):
            raise ValueError("cursor of another sort")
        if value is not None and not isinstance(value, str):
            raise ValueError("bad cursor value")
        if value is not None and sort.lstrip("-") == "due_at":
            value = date.fromisoformat(value)
        elif value is not None and not _sqlite():
            value = datetime.fromisoformat(value)
        elif value is None and sort.lstrip("-") == "updated_at":
            raise ValueError("updated_at is never null")
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error) as exc:
        raise bad_request("after 游标无效（请使用上一页返回的 next，且排序方式不变）", fields={"after": ["无效"]}) from exc
    if not 0 < item_id < 2**31:
        raise bad_request("after 游标无效", fields={"after": ["无效"]})
    return value, item_id


def _after(sort: str, value: Any, item_id: int) -> list[ColumnElement[bool]]:
    """Rows strictly after (value, id) in the order of ``sort`` (nulls last ascending, first descending),
    as consecutive segments of that order: each is one index range (a row comparison, or the nulls by
    id), so a deep page reads only the rows it returns, whatever the table's size."""
    col = _raw(_sort_column(sort))
    if not sort.startswith("-"):
        if value is None:
            return [and_(col.is_(None), Item.id > item_id)]
        return [tuple_(col, Item.id) > tuple_(value, item_id), col.is_(None)]
    if value is None:
        return [and_(col.is_(None), Item.id < item_id), col.is_not(None)]
    return [tuple_(col, Item.id) < tuple_(value, item_id)]


def _ordered(q: Select, sort: str) -> Select:
    col = _sort_column(sort)
    if sort.startswith("-"):
        return q.order_by(col.desc().nulls_first(), Item.id.desc())
    return q.order_by(col.asc().nulls_last(), Item.id.asc())


def listed_plan(actor: Actor, code: str | None) -> Plan:
    """The plan a list shows: the one ``code`` names among the actor's plans, else their current plan."""
    if code is None:
        return plan_for(actor)
    plan = next((p for p in visible_plans(actor.unit) if p.code == code), None)
    if plan is None:
        raise bad_request(f"方案“{code}”不存在或不可见", fields={"plan": ["未知方案"]})
    return plan


def filtered(actor: Actor, query: dict[str, Any], today: date) -> Select:
    """One plan's items (``query["plan"]``, else the actor's current plan) the actor may see, filtered."""
    plan = listed_plan(actor, query.get("plan"))
    q = visible_items(actor, plan.id)
    if "type" in query:
        q = q.where(Item.type == query["type"])
    if "state" in query:
        q = q.where(state_condition(query["state"]))
    if "county" in query:
        county_id = db.session.scalar(select(Unit.id).where(Unit.slug == query["county"], Unit.kind == "county",
                                                            Unit.region_code == plan.region_code))
        if county_id is None:
            raise bad_request(f"县区“{query['county']}”不存在", fields={"county": ["未知县区"]})
        q = q.where(Item.county_id == county_id)
    if "overdue" in query:
        q = q.where(overdue_condition(query["overdue"], today))
    return q


def list_items(actor: Actor, query: dict[str, Any], today: date) -> Page:
    """One page of the items ``actor`` may see: three queries whatever the page size."""
    sort, per_page = query["sort"], query["per_page"]
    if "after" in query and "page" in query:
        raise bad_request("page 与 after 只能二选一", fields={"page": ["与 after 冲突"]})
    base = filtered(actor, query, today)
    total, capped = capped_count(base)
    raw_col = _raw(_sort_column(sort)).label("sort_raw")
    q = _ordered(base.add_columns(raw_col, effective_due_column().label("due_in_force")), sort)
    page: int | None = None
    if "after" in query:
        value, item_id = decode_cursor(query["after"], sort)
        rows: list[Any] = []
        for segment in _after(sort, value, item_id):  # the next segment only if this one ran out
            rows += db.session.execute(q.where(segment).limit(per_page + 1 - len(rows))).unique().all()
            if len(rows) > per_page:
                break
    else:
        page = query.get("page", 1)
        rows = db.session.execute(q.limit(per_page + 1).offset((page - 1) * per_page)).unique().all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    cursor = encode_cursor(sort, rows[-1][0], rows[-1][1]) if more and rows else None
    return Page([r[0] for r in rows], total, page, per_page, cursor, {r[0].id: r[2] for r in rows}, capped)
