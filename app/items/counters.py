"""Exact item counters for the dashboards, kept in the transaction that changes the items.

Two tables, keyed by plan (several plans share the database):

- ``item_counts`` (plan, county, type, category, state) → n: what the quota board counts (demo-site
  applications per county and category, achieved or filed);
- ``item_due_counts`` (plan, county, type, state, due date) → n: what the phase matrix counts (items
  per county and state, and their lights: the level is a function of the due date and today, so the
  counter keeps the date and the matrix folds dates into levels when it reads).

Every write of an item goes through one of two doors, and both update the counters with
``INSERT … ON CONFLICT DO UPDATE SET n = n + delta`` (atomic on PostgreSQL and SQLite) on the same
connection, before the transaction commits:

- the ORM flush (creation, edits, deletion, transitions that need the ORM object): :func:`track_flush`,
  installed on every Session, compares each item's key columns before and after the flush;
- the engine's Core row image (``app.items.rowimage.write_image``): :func:`move`.

A missing county is stored as 0, a missing category as ``''`` and a missing due date as
:data:`NO_DUE` (unique keys must not hold NULLs to meet ON CONFLICT). :data:`BACKFILL_SQL` rebuilds
both tables from ``items`` (the migration, ``flask --app wsgi counters rebuild`` and the benchmark's
bulk loader use it).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from datetime import date
from typing import Any

from sqlalchemy import (Column, Date, Integer, MetaData, PrimaryKeyConstraint, String, Table, bindparam, event,
                        inspect, text)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, scoped_session

from app.extensions import db
from app.items.models import Item

#: the due date stored for "no deadline" (never a real deadline; the readers map it back to None)
NO_DUE = date(1, 1, 1)

metadata: MetaData = db.Model.metadata

ITEM_COUNTS = Table(
    "item_counts", metadata,
    Column("plan_id", Integer, nullable=False),
    Column("county_id", Integer, nullable=False),
    Column("type", String(20), nullable=False),
    Column("category", String(40), nullable=False),
    Column("state", String(40), nullable=False),
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint("plan_id", "county_id", "type", "category", "state", name="pk_item_counts"),
)

ITEM_DUE_COUNTS = Table(
    "item_due_counts", metadata,
    Column("plan_id", Integer, nullable=False),
    Column("county_id", Integer, nullable=False),
    Column("type", String(20), nullable=False),
    Column("state", String(40), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint("plan_id", "county_id", "type", "state", "due_on", name="pk_item_due_counts"),
)

#: the item columns the counters are keyed by (an ORM change of any other column leaves them alone)
KEY_COLUMNS = ("plan_id", "county_id", "type", "state", "due_on", "category")

#: rebuild both tables from the items (plain SQL, the same on PostgreSQL and SQLite)
BACKFILL_SQL = (
    "DELETE FROM item_counts",
    "DELETE FROM item_due_counts",
    "INSERT INTO item_counts (plan_id, county_id, type, category, state, n) "
    "SELECT i.plan_id, COALESCE(i.county_id, 0), i.type, COALESCE(a.category, ''), i.state, count(*) "
    "FROM items i LEFT JOIN applications a ON a.id = i.id "
    "GROUP BY i.plan_id, COALESCE(i.county_id, 0), i.type, COALESCE(a.category, ''), i.state",
    "INSERT INTO item_due_counts (plan_id, county_id, type, state, due_on, n) "
    "SELECT plan_id, COALESCE(county_id, 0), type, state, COALESCE(due_on, '0001-01-01'), count(*) "
    "FROM items GROUP BY plan_id, COALESCE(county_id, 0), type, state, COALESCE(due_on, '0001-01-01')",
)

Key = tuple[Any, ...]

#: where a session keeps the deltas it has not written yet
_PENDING = "item_counter_deltas"


def _keys(values: dict[str, Any]) -> tuple[Key, Key]:
    """(item_counts key, item_due_counts key) of one item's key columns."""
    county = values.get("county_id") or 0
    return ((values["plan_id"], county, values["type"], values.get("category") or "", values["state"]),
            (values["plan_id"], county, values["type"], values["state"], values.get("due_on") or NO_DUE))


def apply(session: Session, before: Iterable[dict[str, Any]], after: Iterable[dict[str, Any]]) -> None:
    """Take the items ``before`` out of the counters and put the items ``after`` in.

    The deltas wait in the session until just before it commits (:func:`write_pending`), so a counter
    row is locked only for the commit itself: two transitions of one county and state take turns at
    their commits, never for the whole of a transaction. Inside a savepoint they are written at once,
    so rolling the savepoint back takes them back too."""
    nested = session.in_nested_transaction()
    counts, dues = (Counter(), Counter()) if nested else _pending(session)
    for values, sign in [(v, -1) for v in before] + [(v, 1) for v in after]:
        c, d = _keys(values)
        counts[c] += sign
        dues[d] += sign
    if nested:
        _write(session.connection(), counts, dues)


def _pending(session: Session) -> tuple[Counter[Key], Counter[Key]]:
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = (Counter(), Counter())
    return pending


def write_pending(session: Session) -> None:
    """Write the session's waiting deltas (one statement per table), in one lock order."""
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    _write(session.connection(), *pending)


def _write(connection: Connection, counts: Counter[Key], dues: Counter[Key]) -> None:
    _upsert(connection, ITEM_COUNTS, ("plan_id", "county_id", "type", "category", "state"), counts)
    _upsert(connection, ITEM_DUE_COUNTS, ("plan_id", "county_id", "type", "state", "due_on"), dues)


def _before_commit(session: Session) -> None:
    """Flush first (the flush may move items), then write the deltas, as the last statements before COMMIT."""
    session.flush()
    write_pending(session)


def _forget(session: Session, transaction: Any) -> None:
    """When the outermost transaction ends without writing them (rolled back, closed), its deltas go with
    it. A savepoint's were written at once and its rollback took them back; the enclosing one's wait on."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


#: rows per upsert statement: a transition writes 2 per table; a bulk flush (plan load, bulk actions)
#: goes in chunks of this many, within SQLite's 999 bind parameters (6 per row)
CHUNK_ROWS = 100


@lru_cache(maxsize=32)
def _upsert_statement(table: Table, key: tuple[str, ...], rows: int) -> Any:
    """``INSERT … VALUES (…), (…) ON CONFLICT (key) DO UPDATE SET n = n + excluded.n`` for ``rows`` rows
    (the same text on PostgreSQL and SQLite ≥ 3.24), built once per table and row count: a dialect
    insert's ON CONFLICT clause has no cache key, so SQLAlchemy would compile it on every call, which
    cost more than the statement itself. Parameters are named ``<column>_<row>``. PostgreSQL inserts
    the rows in the listed order, so the callers' sorting is the order the rows are locked in."""
    columns = (*key, "n")
    values = ", ".join("(" + ", ".join(f":{c}_{i}" for c in columns) + ")" for i in range(rows))
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {values} "
           f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET n = {table.name}.n + excluded.n")
    return text(sql).bindparams(*(bindparam(f"{c}_{i}", type_=table.c[c].type) for i in range(rows) for c in columns))


def _upsert(connection: Connection, table: Table, key: tuple[str, ...], deltas: Counter[Key]) -> None:
    """Every non-zero delta of ``table`` in one statement (in chunks of :data:`CHUNK_ROWS` for a bulk
    flush), the rows in one lock order: two writers never wait on each other's rows crosswise."""
    rows = sorted(((k, n) for k, n in deltas.items() if n), key=lambda kn: tuple(str(v) for v in kn[0]))
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start:start + CHUNK_ROWS]
        params: dict[str, Any] = {}
        for i, (k, n) in enumerate(chunk):
            params.update({f"{c}_{i}": v for c, v in zip(key, k)})
            params[f"n_{i}"] = n
        connection.execute(_upsert_statement(table, key, len(chunk)), params)


def move(session: Session | scoped_session, old: dict[str, Any], new: dict[str, Any]) -> None:
    """One item's key columns changed from ``old`` to ``new`` (the engine's Core write)."""
    if any(old.get(c) != new.get(c) for c in KEY_COLUMNS):
        apply(session() if isinstance(session, scoped_session) else session, [old], [new])


def _values(obj: Any, *, old: bool) -> dict[str, Any]:
    """The key columns of an ORM item before (``old``) or after the flush."""
    state = inspect(obj)
    out: dict[str, Any] = {}
    for name in KEY_COLUMNS:
        if name not in state.mapper.column_attrs:
            continue
        hist = state.attrs[name].history
        if old and hist.deleted:
            out[name] = hist.deleted[0]
        elif old and hist.added:  # set without the old value loaded: active_history makes this not happen
            out[name] = hist.unchanged[0] if hist.unchanged else None
        else:
            out[name] = getattr(obj, name)
    return out


def track_flush(session: Session, flush_context: Any) -> None:
    """after_flush: move the counters of every item the flush inserted, changed or deleted."""
    before: list[dict[str, Any]] = []
    after: list[dict[str, Any]] = []
    for obj in session.new:
        if isinstance(obj, Item):
            after.append(_values(obj, old=False))
    for obj in session.deleted:
        if isinstance(obj, Item):
            before.append(_values(obj, old=True))
    for obj in session.dirty:
        if isinstance(obj, Item) and obj not in session.deleted:
            state = inspect(obj)
            if any(name in state.mapper.column_attrs and state.attrs[name].history.has_changes()
                   for name in KEY_COLUMNS):
                before.append(_values(obj, old=True))
                after.append(_values(obj, old=False))
    if before or after:
        apply(session, before, after)


def install() -> None:
    """Listen on every Session (idempotent); the item columns the counters read keep their old values."""
    for name, fn in (("after_flush", track_flush), ("before_commit", _before_commit), ("after_transaction_end", _forget)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


def rebuild(connection: Connection) -> tuple[int, int]:
    """Recount both tables from the items (repair); returns their row counts."""
    for sql in BACKFILL_SQL:
        connection.execute(text(sql))
    return (connection.execute(text("SELECT count(*) FROM item_counts")).scalar_one(),
            connection.execute(text("SELECT count(*) FROM item_due_counts")).scalar_one())
