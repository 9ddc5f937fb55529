"""Engine benchmark: PlanDesk's persisted transitions against raw SQL and two peer libraries.

    python bench/engine_bench.py [--quick] [--items N] [--repeats R] [--no-peers] [--profile [ITEMS]]
                                 [--json bench/results/engine.json] [--workdir DIR] [--keep]

Every measured path fires the application workflow's whole path (mobilization.draft → … →
consolidation: 8 transitions) for N applications, in-process, each transition with its permission
check, guard, audit event and its own commit, on a file-backed SQLite database with PlanDesk's durable
settings (WAL, synchronous=FULL, foreign keys, busy timeout, BEGIN IMMEDIATE). Paths:

- ``floor``: what a transition must write, as raw sqlite3 with the same settings: BEGIN IMMEDIATE, load
  the item, read the chain head, UPDATE … WHERE version, INSERT the hashed audit event, then the two
  writes every PlanDesk transition also makes since the dashboards' counters and in-app notifications
  joined it: one multi-row upsert per counter table (item_counts and item_due_counts: -1 for the old
  key, +1 for the new one) and the notifications of whoever must act next and of the filer (one
  INSERT … SELECT over the users, run for each message), COMMIT. The floor does not compute deadlines:
  its due-date counter row keeps the item's due date, so it writes the same rows, not the same values;
- ``floor, engine statements only`` (a reference, not a goal): the floor as it was before those two
  writes joined the transition (BEGIN, load, chain head, UPDATE, audit INSERT, COMMIT), so the ratio
  against the engine alone stays visible;
- ``floor via SQLAlchemy Core`` (a reference, not a goal): the engine-only floor's statements as
  SQLAlchemy Core statements on the app's session, to separate what SQLAlchemy costs from what the ORM
  costs;
- ``plandesk``: ``app.items.operations.fire_transition`` + ``db.session.commit()``, as a route does;
- ``python-statemachine`` and ``SpiffWorkflow``: the same app work around another library
  (bench/peers/), so only the workflow library differs.

Each repeat copies one template database (migrated, plan loaded, accounts, N + warm-up applications
with their evidence files and creation events), warms the path up on the extra applications, then
times the N applications step by step; results are medians over the repeats (interleaved across the
paths), checked afterwards (all items in consolidation, 8 new audit events each, every hash chain
intact). The memory check dispatches 1,000 and 10,000 items through ``workflows.engine.fire`` with a
store that keeps nothing, each in a fresh process. ``--profile`` adds a cProfile of PlanDesk's path.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make ``app``, ``workflows`` and ``bench`` importable
    sys.path.insert(0, str(ROOT))

from bench.common import (connect_like_plandesk, environment, filesystem_type, latency_summary,  # noqa: E402
                          markdown_table, median, rate_summary, relative_to_root, sqlite_settings,
                          write_json, write_text)
from bench.common import checkpoint as checkpoint_wal  # noqa: E402

TODAY = date(2018, 7, 10)
COUNTY = "huoqiu"
CATEGORY = "provincial_demo_village"
FULL_ITEMS, QUICK_ITEMS = 2000, 30
REPEATS = 3
WARMUP_ITEMS, QUICK_WARMUP_ITEMS = 20, 5
MEMORY_ITEMS, QUICK_MEMORY_ITEMS = (1000, 10_000), (500, 2000)
IN_MEMORY_ITEMS, QUICK_IN_MEMORY_ITEMS = 300, 30
PROFILE_ITEMS = 200
STATEMENT_ITEMS, QUICK_STATEMENT_ITEMS = 10, 5
GOAL_RATIO = 4.0
#: memory is "flat" when dispatching 10× the items retains less than this much more (tracemalloc)
MEMORY_SLACK_BYTES = 64 * 1024
#: and when peak RSS grows by less than this (allocator arenas move in steps)
RSS_SLACK_KB = 2048
PACKAGES = ("SQLAlchemy", "Flask", "Flask-SQLAlchemy", "transitions", "python-statemachine", "SpiffWorkflow")

FLOOR, PLANDESK = "floor", "plandesk"
#: a reference, not a goal: the floor without the counters' and notifications' writes (the engine's statements)
FLOOR_ENGINE = "floor, engine statements only"
#: a reference, not a goal: the engine-only floor's statements through SQLAlchemy Core on the app's session
FLOOR_CORE = "floor via SQLAlchemy Core"
OURS = (FLOOR, FLOOR_ENGINE, FLOOR_CORE, PLANDESK)

#: the accounts the path needs: key → (username, role, unit slug)
ACCOUNTS: dict[str, tuple[str, str, str]] = {
    "filer": ("huoqiu_filer", "county_filer", COUNTY),
    "reviewer": ("huoqiu_reviewer", "county_reviewer", COUNTY),
    "city": ("city_reviewer", "city_reviewer", "commerce"),
    "office": ("office_approver", "office_approver", "leading_group_office"),
}


@dataclass(frozen=True)
class Step:
    """One transition of the benchmarked path, fired at ``version`` by the account ``actor``."""

    trigger: str
    actor: str
    from_state: str
    to_state: str
    version: int
    data: Mapping[str, Any] = field(default_factory=dict)
    comment: str | None = None


def path_steps(indicator_codes: Sequence[str]) -> tuple[Step, ...]:
    """draft → consolidation for a provincial category; the self-assessment carries every checklist figure."""
    figures = {code: 10 + i for i, code in enumerate(indicator_codes)}
    rows = (
        ("submit", "filer", "mobilization.draft", "mobilization.county_review", {}),
        ("endorse", "reviewer", "mobilization.county_review", "mobilization.city_review", {}),
        ("accept", "city", "mobilization.city_review", "implementation", {}),
        ("start_self_assessment", "filer", "implementation", "self_assessment.draft", {}),
        ("submit", "filer", "self_assessment.draft", "self_assessment.county_review",
         {"text": "自查评估报告：各项指标均已完成。", "figures": figures}),
        ("endorse", "reviewer", "self_assessment.county_review", "acceptance.inspection", {}),
        ("pass", "office", "acceptance.inspection", "acceptance.provincial_review",
         {"findings": "现场检查符合省级示范村标准。"}),
        ("record_provincial_decision", "office", "acceptance.provincial_review", "consolidation",
         {"decision": "approved", "document_number": "皖商办〔2018〕99号"}),
    )
    return tuple(Step(t, a, f, to, version=1 + i, data=d) for i, (t, a, f, to, d) in enumerate(rows))


@dataclass
class Fixture:
    """The template database every run copies, and what the runs need to know about it."""

    workdir: Path
    template: Path
    item_ids: list[int]
    warmup_ids: list[int]
    actors: dict[str, Any]
    steps: tuple[Step, ...]
    busy_timeout_ms: int
    setup_seconds: float

    def copy(self, name: str) -> Path:
        target = self.workdir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, target)
        return target

    @staticmethod
    def remove(path: Path) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


# -- the app --------------------------------------------------------------------------------------

def make_app(database: Path, storage: Path) -> Any:
    from app import create_app
    from app.config import TestConfig

    cfg = TestConfig()
    cfg.SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"
    cfg.PLANDESK_STORAGE_DIR = str(storage)
    cfg.PLANDESK_TODAY = TODAY
    return create_app(cfg)


def build_fixture(workdir: Path, items: int, warmup: int) -> Fixture:
    """Migrate an empty database, load the plan, create the accounts and the applications (untimed)."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app.applications.models import Application
    from app.attachments.models import Attachment
    from app.auth.models import User
    from app.database import SQLITE_BUSY_TIMEOUT_MS
    from app.extensions import db
    from app.applications.fields import fields_for
    from app.items.operations import create_item
    from app.tasks.loading import DEFAULT_PLAN_FILE, load_plan_file
    from app.plans.models import Category, Plan
    from app.units.models import Unit

    started = time.perf_counter()
    template = workdir / "template.sqlite3"
    app = make_app(template, workdir / "storage")
    with app.app_context():
        upgrade()
        load_plan_file(DEFAULT_PLAN_FILE)
        units = {u.slug: u for u in db.session.scalars(select(Unit))}
        users = {}
        for key, (username, role, unit) in ACCOUNTS.items():
            # the demo seed hashes ~40 passwords with argon2 (seconds); these four accounts never sign in
            users[key] = User(username=username, display_name=username, role=role, unit_id=units[unit].id,
                              password_hash="!benchmark-account", is_active_user=True, session_version=1)
            db.session.add(users[key])
        db.session.flush()
        actors = {key: user.actor() for key, user in users.items()}
        plan = db.session.scalar(select(Plan).where(Plan.is_current.is_(True)))
        category = db.session.scalar(select(Category).where(Category.plan_id == plan.id, Category.code == CATEGORY))
        steps = path_steps([c["code"] for c in category.checklist])
        county = units[COUNTY]
        ids: list[int] = []
        now = datetime.now(UTC)
        # every input the category requires (the submit guard checks them)
        complete = {f.key: 1 if f.kind == "number" else f.title for f in fields_for(CATEGORY) if f.required}
        for n in range(warmup + items):
            item = create_item(Application(plan_id=plan.id, title=f"霍邱县省级电商示范村申报 {n + 1}", unit_id=county.id,
                                           county_id=county.id, category=CATEGORY, site_name=f"示范村{n + 1}",
                                           fields=complete), actors["filer"])
            # evidence for the two phases whose submit needs it ("evidence added in this phase")
            for phase in ("mobilization", "self_assessment"):
                db.session.add(Attachment(item_id=item.id, name=f"{phase}.pdf", kind="evidence",
                                          content_type="application/pdf", size=1024, sha256="0" * 64, phase=phase,
                                          uploaded_by_id=actors["filer"].user_id, uploaded_at=now))
            ids.append(item.id)
            if n % 500 == 499:
                db.session.commit()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    checkpoint_wal(template)
    return Fixture(workdir=workdir, template=template, item_ids=ids[warmup:], warmup_ids=ids[:warmup],
                   actors=actors, steps=steps, busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS,
                   setup_seconds=time.perf_counter() - started)


# -- the paths ------------------------------------------------------------------------------------

Fire = Callable[[int, Step, Any], str]


@dataclass
class Run:
    seconds: float
    latencies: list[float]
    settings: dict[str, Any]
    cpu_seconds: float = 0.0
    #: what the process still holds after the timed loop (rows in the session, models on the machine)
    retained: dict[str, int] = field(default_factory=dict)


def timed_steps(fire: Fire, commit: Callable[[], None], ids: Sequence[int], fixture: Fixture,
                latencies: list[float] | None, cpu: list[float] | None = None) -> float:
    """Fire every step for every item (step by step), committing each transition; returns wall seconds
    (and appends the process's CPU seconds to ``cpu``: the part other processes on the machine cannot inflate)."""
    perf = time.perf_counter
    cpu_started = time.process_time()
    started = perf()
    for step in fixture.steps:
        actor = fixture.actors[step.actor]
        for item_id in ids:
            t0 = perf()
            to_state = fire(item_id, step, actor)
            commit()
            if latencies is not None:
                latencies.append(perf() - t0)
            if to_state != step.to_state:
                raise AssertionError(f"item {item_id}: {step.trigger} went to {to_state}, not {step.to_state}")
    seconds = perf() - started
    if cpu is not None:
        cpu.append(time.process_time() - cpu_started)
    return seconds


FLOOR_LOAD = ("SELECT i.id, i.state, i.version, i.unit_id, i.county_id, a.category, i.plan_id, i.type, i.due_on, "
              "i.title, u.kind FROM items AS i JOIN applications AS a ON a.id = i.id "
              "JOIN units AS u ON u.id = i.unit_id WHERE i.id = ?")
FLOOR_HEAD = "SELECT seq, hash FROM audit_events WHERE item_id = ? ORDER BY seq DESC LIMIT 1"
FLOOR_UPDATE = "UPDATE items SET state = ?, version = ? WHERE id = ? AND version = ?"
FLOOR_INSERT = ("INSERT INTO audit_events (item_id, item_type, seq, from_state, to_state, trigger, actor, actor_id, "
                "on_behalf_of, role, unit, at, comment, data_json, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


FLOOR_COUNTS = ("INSERT INTO item_counts (plan_id, county_id, type, category, state, n) VALUES (?, ?, ?, ?, ?, ?), "
                "(?, ?, ?, ?, ?, ?) ON CONFLICT (plan_id, county_id, type, category, state) "
                "DO UPDATE SET n = item_counts.n + excluded.n")
FLOOR_DUE_COUNTS = ("INSERT INTO item_due_counts (plan_id, county_id, type, state, due_on, n) "
                    "VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (plan_id, county_id, type, state, due_on) "
                    "DO UPDATE SET n = item_due_counts.n + excluded.n")
FLOOR_NOTIFY = ("INSERT INTO notifications (user_id, item_id, kind, message, created_at) "
                "SELECT id, ?, ?, ?, ? FROM users WHERE is_active = 1 AND role = ? AND (? IS NULL OR unit_id = ?) "
                "AND id != ?")
#: the next step → the role told that it waits for them (as ``app.outbox.operations.transition_messages``)
FLOOR_WAITING = {"county_review": "county_reviewer", "city_review": "city_reviewer", "office_review": "office_approver",
                 "inspection": "office_approver", "provincial_review": "office_approver", "review": "office_approver"}


def _floor_moves(row: tuple[Any, ...], to_state: str) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The two counter upserts' parameters: -1 for the item's old key, +1 for its new one, in one lock order."""
    _id, state, _version, _unit, county, category, plan_id, kind, due_on, _title, _unit_kind = row
    counts = sorted([((plan_id, county or 0, kind, category or "", state), -1),
                     ((plan_id, county or 0, kind, category or "", to_state), 1)], key=lambda kn: str(kn[0]))
    due = due_on or "0001-01-01"
    dues = sorted([((plan_id, county or 0, kind, state, due), -1), ((plan_id, county or 0, kind, to_state, due), 1)],
                  key=lambda kn: str(kn[0]))
    return (tuple(v for k, n in counts for v in (*k, n)), tuple(v for k, n in dues for v in (*k, n)))


def _floor_messages(row: tuple[Any, ...], step: Step, actor: Any, at: str) -> list[tuple[Any, ...]]:
    """The notifications' parameters: whoever must act next (if anyone), and the filer's unit."""
    item_id, _state, _version, unit_id, county, _category, _plan, _kind, _due, title, unit_kind = row
    text = f"{step.trigger}：{title}（{step.to_state}）"
    waiting = FLOOR_WAITING.get(step.to_state.partition(".")[2] or step.to_state)
    messages = []
    if waiting is not None:
        unit = county if waiting == "county_reviewer" else None
        messages.append((item_id, "waiting", f"待办：{title}（{step.to_state}）", at, waiting, unit, unit, actor.user_id))
    kind = "returned" if step.trigger == "send_back" else "progressed" if waiting else "decided"
    filer = "county_filer" if unit_kind == "county" else "dept_filer"
    messages.append((item_id, kind, text, at, filer, unit_id, unit_id, actor.user_id))
    return messages


def floor_fire(conn: sqlite3.Connection, *, engine_only: bool = False) -> Fire:
    """What a transition must write, nothing else: the floor PlanDesk is measured against. With
    ``engine_only``, the engine's statements alone (no counters, no notifications): a reference."""
    from workflows.audit import canonical_json, event_hash

    def fire(item_id: int, step: Step, actor: Any) -> str:
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(FLOOR_LOAD, (item_id,)).fetchone()
            if row is None or row[1] != step.from_state or row[2] != step.version:
                raise AssertionError(f"item {item_id} is not in {step.from_state} v{step.version}: {row}")
            head = conn.execute(FLOOR_HEAD, (item_id,)).fetchone()
            at = datetime.now(UTC)
            fields = dict(item_id=item_id, item_type="application", seq=head[0] + 1 if head else 1,
                          from_state=step.from_state, to_state=step.to_state, trigger=step.trigger,
                          actor=actor.username, actor_id=actor.user_id, on_behalf_of=None, role=actor.role.value,
                          unit=actor.unit, at=at, comment=step.comment, data_json=canonical_json(dict(step.data)),
                          prev_hash=head[1] if head else None)
            digest = event_hash(fields)
            if conn.execute(FLOOR_UPDATE, (step.to_state, step.version + 1, item_id, step.version)).rowcount != 1:
                raise AssertionError(f"item {item_id}: stale version")
            fields["at"] = at.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
            conn.execute(FLOOR_INSERT, (*fields.values(), digest))
            if not engine_only:
                conn.executemany(FLOOR_NOTIFY, _floor_messages(row, step, actor, fields["at"]))
                counts, dues = _floor_moves(row, step.to_state)
                conn.execute(FLOOR_COUNTS, counts)
                conn.execute(FLOOR_DUE_COUNTS, dues)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return step.to_state

    return fire


class Tracer:
    """Counts what the timed loop makes SQLite do: every statement (sqlite3's trace callback) and the WAL
    bytes written (automatic checkpoints off while tracing, so the WAL only grows)."""

    def __init__(self, database: Path) -> None:
        self.wal = Path(f"{database}-wal")
        self.statements: list[str] = []
        self.on = False
        self.wal_bytes = 0

    def __call__(self, sql: str) -> None:
        if self.on:
            self.statements.append(sql)

    def attach(self, dbapi_conn: sqlite3.Connection) -> None:
        dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")
        dbapi_conn.set_trace_callback(self)

    def start(self) -> None:
        self.on = True
        self.wal_bytes = -self._wal_size()

    def stop(self) -> None:
        self.on = False
        self.wal_bytes += self._wal_size()

    def _wal_size(self) -> int:
        return self.wal.stat().st_size if self.wal.exists() else 0


def run_floor(database: Path, fixture: Fixture, *, warmup: bool = True, latencies: bool = True,
              tracer: Tracer | None = None, ids: Sequence[int] | None = None, engine_only: bool = False) -> Run:
    conn = connect_like_plandesk(database, fixture.busy_timeout_ms)
    try:
        settings = sqlite_settings(conn)
        fire = floor_fire(conn, engine_only=engine_only)

        def commit() -> None:
            conn.execute("COMMIT")

        if tracer is not None:
            tracer.attach(conn)
        if warmup:
            timed_steps(fire, commit, fixture.warmup_ids, fixture, None)
        lat: list[float] = []
        cpu: list[float] = []
        if tracer is not None:
            tracer.start()
        seconds = timed_steps(fire, commit, fixture.item_ids if ids is None else ids, fixture,
                              lat if latencies else None, cpu)
        if tracer is not None:
            tracer.stop()
        conn.set_trace_callback(None)
    finally:
        conn.close()
    return Run(seconds, lat, settings, cpu[0])


def core_fire() -> Fire:
    """The floor's statements through SQLAlchemy Core on the app's session: what the ORM costs on top
    of SQLAlchemy itself (statement caching, parameter processing, result rows), for the same work."""
    from sqlalchemy import bindparam, insert, select, update

    from app.applications.models import Application
    from app.audit.models import AuditEventRow
    from app.extensions import db
    from app.items.models import Item
    from workflows.audit import canonical_json, event_hash

    items, apps, audit = Item.__table__, Application.__table__, AuditEventRow.__table__
    load = (select(items.c.id, items.c.state, items.c.version, items.c.unit_id, items.c.county_id, apps.c.category)
            .select_from(items.join(apps, apps.c.id == items.c.id)).where(items.c.id == bindparam("item_id")))
    head = (select(audit.c.seq, audit.c.hash).where(audit.c.item_id == bindparam("item_id"))
            .order_by(audit.c.seq.desc()).limit(1))
    move = (update(items).where(items.c.id == bindparam("item_id"), items.c.version == bindparam("old_version"))
            .values(state=bindparam("new_state"), version=bindparam("new_version")))
    append = insert(audit)

    def fire(item_id: int, step: Step, actor: Any) -> str:
        session = db.session
        row = session.execute(load, {"item_id": item_id}).one()
        if row.state != step.from_state or row.version != step.version:
            raise AssertionError(f"item {item_id} is not in {step.from_state} v{step.version}: {row}")
        last = session.execute(head, {"item_id": item_id}).first()
        fields = dict(item_id=item_id, item_type="application", seq=last.seq + 1 if last else 1,
                      from_state=step.from_state, to_state=step.to_state, trigger=step.trigger,
                      actor=actor.username, actor_id=actor.user_id, on_behalf_of=None, role=actor.role.value,
                      unit=actor.unit, at=datetime.now(UTC), comment=step.comment,
                      data_json=canonical_json(dict(step.data)), prev_hash=last.hash if last else None)
        fields["hash"] = event_hash(fields)
        moved = session.execute(move, {"item_id": item_id, "old_version": step.version, "new_state": step.to_state,
                                       "new_version": step.version + 1})
        if moved.rowcount != 1:
            raise AssertionError(f"item {item_id}: stale version")
        session.execute(append, fields)
        return step.to_state

    return fire


def plandesk_fire(item_id: int, step: Step, actor: Any) -> str:
    from app.items.operations import fire_transition

    return fire_transition(item_id, step.trigger, actor, version=step.version, comment=step.comment,
                           data=step.data).to_state


def peer_fire(peer: Any) -> Fire:
    from bench.peers.harness import fire_with_peer

    def fire(item_id: int, step: Step, actor: Any) -> str:
        return fire_with_peer(peer, item_id, step.trigger, actor, version=step.version, comment=step.comment,
                              data=step.data)

    return fire


@contextmanager
def app_session(database: Path, fixture: Fixture, tracer: Tracer | None = None) -> Iterator[Any]:
    """An app context on ``database``; with ``tracer``, on every connection the app opens."""
    from sqlalchemy import event

    from app.extensions import db

    app = make_app(database, fixture.workdir / "storage")
    with app.app_context():
        if tracer is not None:
            db.engine.dispose()
            event.listen(db.engine, "connect", lambda dbapi_conn, _record: tracer.attach(dbapi_conn))
        try:
            yield db
        finally:
            db.session.remove()
            db.engine.dispose()


def run_app(database: Path, fixture: Fixture, fire: Fire, prepare: Callable[[Any, list[int]], None] | None = None,
            *, warmup: bool = True, latencies: bool = True, tracer: Tracer | None = None,
            ids: Sequence[int] | None = None, profile: cProfile.Profile | None = None) -> Run:
    with app_session(database, fixture, tracer) as db:
        if prepare is not None:
            prepare(db.session, fixture.warmup_ids + fixture.item_ids)
            db.session.commit()
        settings = sqlite_settings(db.session.connection().connection.driver_connection)
        db.session.commit()
        if warmup:
            timed_steps(fire, db.session.commit, fixture.warmup_ids, fixture, None)
        gc.collect()
        lat: list[float] = []
        cpu: list[float] = []
        if tracer is not None:
            tracer.start()
        if profile is not None:
            profile.enable()
        seconds = timed_steps(fire, db.session.commit, fixture.item_ids if ids is None else ids, fixture,
                              lat if latencies else None, cpu)
        if profile is not None:
            profile.disable()
        if tracer is not None:
            tracer.stop()
        retained = retained_objects(db.session)
    return Run(seconds, lat, settings, cpu[0], retained)


def retained_objects(session: Any) -> dict[str, int]:
    """After a run: ORM rows the session still holds, and models the shared Machine holds (both must
    stay small and independent of the number of items dispatched)."""
    from app.items.models import Item
    from workflows.application import APPLICATION

    gc.collect()
    return {"session_rows": len(session.identity_map),
            "session_items": sum(1 for obj in session.identity_map.values() if isinstance(obj, Item)),
            "machine_models": len(APPLICATION.machine.models)}


# -- checks ---------------------------------------------------------------------------------------

def verify(database: Path, fixture: Fixture, ids: Sequence[int] | None = None) -> dict[str, Any]:
    """What a run left behind: every item in consolidation at the right version, its events, intact chains."""
    from workflows.audit import check_chain

    ids = list(fixture.item_ids if ids is None else ids)
    steps = len(fixture.steps)
    conn = sqlite3.connect(str(database))
    try:
        conn.row_factory = sqlite3.Row
        wanted = json.dumps(ids)
        in_ids = "IN (SELECT value FROM json_each(?))"
        consolidation = conn.execute(
            f"SELECT count(*) FROM items WHERE id {in_ids} AND state = 'consolidation' AND version = ?",
            (wanted, 1 + steps)).fetchone()[0]
        events = conn.execute(f"SELECT count(*) FROM audit_events WHERE item_id {in_ids} AND seq > 1",
                              (wanted,)).fetchone()[0]
        by_item: dict[int, list[dict[str, Any]]] = {}
        for row in conn.execute(f"SELECT * FROM audit_events WHERE item_id {in_ids} ORDER BY item_id, seq", (wanted,)):
            ev = dict(row)
            ev["at"] = datetime.fromisoformat(ev["at"])
            by_item.setdefault(ev["item_id"], []).append(ev)
        broken = [problem for evs in by_item.values() if (problem := check_chain(evs))]
        outbox = conn.execute(f"SELECT count(*) FROM outbox WHERE item_id {in_ids}", (wanted,)).fetchone()[0]
        notifications = conn.execute(f"SELECT count(*) FROM notifications WHERE item_id {in_ids}",
                                     (wanted,)).fetchone()[0]
    finally:
        conn.close()
    return {
        "items": len(ids),
        "in_consolidation": consolidation,
        "audit_events_written": events,
        "audit_events_expected": len(ids) * steps,
        "chains_checked": len(by_item),
        "chains_broken": len(broken),
        "first_break": broken[0] if broken else None,
        "outbox_messages": outbox,
        #: the floor and PlanDesk tell the same people: the same count
        "notifications_written": notifications,
        "ok": consolidation == len(ids) and events == len(ids) * steps and not broken and len(by_item) == len(ids),
    }


# -- statements per transition --------------------------------------------------------------------

def count_statements(path: str, fixture: Fixture, peer: Any | None, items: int) -> dict[str, Any]:
    """Every statement sqlite3 executes for ``items`` items' transitions, by kind, per transition, and
    the WAL pages each commit writes (what synchronous=FULL makes the disk sync)."""
    database = fixture.copy(f"statements-{_slug(path)}")
    tracer = Tracer(database)
    ids = fixture.item_ids[:items]
    try:
        if path == FLOOR:
            run_floor(database, fixture, latencies=False, tracer=tracer, ids=ids)
        elif path == FLOOR_ENGINE:
            run_floor(database, fixture, latencies=False, tracer=tracer, ids=ids, engine_only=True)
        elif path == PLANDESK:
            run_app(database, fixture, plandesk_fire, latencies=False, tracer=tracer, ids=ids)
        elif path == FLOOR_CORE:
            run_app(database, fixture, core_fire(), latencies=False, tracer=tracer, ids=ids)
        else:
            run_app(database, fixture, peer_fire(peer), peer.prepare, latencies=False, tracer=tracer, ids=ids)
        conn = sqlite3.connect(str(database))
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.close()
    finally:
        Fixture.remove(database)
    seen = tracer.statements
    transitions = len(ids) * len(fixture.steps)
    kinds = Counter(_statement_kind(sql) for sql in seen)
    by_table = Counter(_statement_shape(sql) for sql in seen)
    return {
        "per_transition": round(len(seen) / transitions, 2),
        "wal_pages_per_transition": round(tracer.wal_bytes / (page_size + 24) / transitions, 2),
        "by_kind": {k: round(v / transitions, 2) for k, v in kinds.most_common()},
        "by_statement": {k: round(v / transitions, 2) for k, v in by_table.most_common()},
    }


def _statement_kind(sql: str) -> str:
    word = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
    return "BEGIN" if word == "BEGIN" else word


def _statement_shape(sql: str) -> str:
    """SELECT/INSERT/UPDATE and the first table it names, e.g. ``SELECT items``."""
    words = sql.replace("(", " ").replace(")", " ").replace(",", " ").split()
    kind = words[0].upper() if words else "?"
    upper = [w.upper() for w in words]
    for keyword in ("FROM", "INTO", "UPDATE"):
        if keyword in upper[1:] or (keyword == "UPDATE" and kind == "UPDATE"):
            index = 0 if keyword == "UPDATE" and kind == "UPDATE" else upper.index(keyword, 1)
            if index + 1 < len(words):
                return f"{kind} {words[index + 1].strip(chr(34))}"
    return " ".join(words[:2]).upper()


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower())


# -- profile --------------------------------------------------------------------------------------

#: (label, predicate on (filename, function name)) — first match wins, for tottime attribution
PROFILE_GROUPS: tuple[tuple[str, Callable[[str, str], bool]], ...] = (
    ("sqlite3 commit (fsync)", lambda f, n: "sqlite3.Connection" in n and "commit" in n),
    ("sqlite3 execute / fetch", lambda f, n: "sqlite3." in n),
    ("SQLAlchemy", lambda f, n: "/sqlalchemy/" in f),
    ("Flask / Flask-SQLAlchemy", lambda f, n: any(p in f for p in ("/flask/", "/flask_sqlalchemy/", "/werkzeug/"))),
    ("transitions", lambda f, n: "/transitions/" in f),
    ("workflows/ (engine, audit, guards)", lambda f, n: f.startswith(str(ROOT / "workflows"))),
    ("app/ (operations, facts, store, outbox)", lambda f, n: f.startswith(str(ROOT / "app"))),
    ("bench harness", lambda f, n: f.startswith(str(ROOT / "bench"))),
    ("json / hashlib / datetime / other", lambda f, n: True),
)

#: inclusive time of these functions, per transition: where PlanDesk's time goes, step by step
PROFILE_FUNCTIONS: tuple[tuple[str, str], ...] = (
    ("app/items/operations.py", "fire_transition"),
    ("app/items/operations.py", "load_item_for_update"),
    ("app/items/facts.py", "subject_for"),
    ("app/items/facts.py", "evidence_in_phase"),
    ("workflows/engine.py", "fire"),
    ("app/items/store.py", "apply_effects"),
    ("app/items/store.py", "refresh_due_date"),
    ("app/outbox/operations.py", "transition_messages"),
    ("app/items/store.py", "chain_head"),
    ("workflows/audit.py", "make_event"),
    ("sqlalchemy/orm/session.py", "flush"),
    ("sqlalchemy/orm/session.py", "commit"),
    ("sqlalchemy/orm/session.py", "_autoflush"),
    ("sqlalchemy/engine/base.py", "_commit_impl"),
    ("~", "<method 'commit' of 'sqlite3.Connection' objects>"),
)


def profile_plandesk(fixture: Fixture, items: int, dump: Path | None = None) -> dict[str, Any]:
    """cProfile of PlanDesk's timed loop on ``items`` items: time by area and by app function."""
    database = fixture.copy("profile-plandesk")
    profile = cProfile.Profile()
    ids = fixture.item_ids[:items]
    try:
        run = run_app(database, fixture, plandesk_fire, latencies=False, ids=ids, profile=profile)
    finally:
        Fixture.remove(database)
    transitions = len(ids) * len(fixture.steps)
    stats = pstats.Stats(profile)
    if dump is not None:
        stats.dump_stats(dump)  # for pstats' callers/callees, beyond the summary below
    raw: Mapping[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values())
    groups: Counter[str] = Counter()
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        for label, matches in PROFILE_GROUPS:
            if matches(filename, name):
                groups[label] += tottime
                break
    functions = []
    for suffix, name in PROFILE_FUNCTIONS:
        # several functions may share a name in one module (Session.commit, SessionTransaction.commit):
        # the outermost (largest inclusive time) stands for them, summing would count nested calls twice
        hits = sorted(((v[3], v[1], line) for (f, line, n), v in raw.items() if n == name and f.endswith(suffix)),
                      reverse=True)
        if hits:
            cumtime, calls, line = hits[0]
            functions.append({"function": f"{suffix}:{line}:{name}" if suffix != "~" else name,
                              "calls_per_transition": round(calls / transitions, 2),
                              "us_per_transition": round(cumtime / transitions * 1e6, 1)})
    top = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:20]
    return {
        "items": len(ids),
        "transitions": transitions,
        "profiled_us_per_transition": round(run.seconds / transitions * 1e6, 1),
        "by_area": [{"area": label, "share_pct": round(t / total * 100, 1),
                     "us_per_transition": round(t / transitions * 1e6, 1)} for label, t in groups.most_common()],
        "inclusive": functions,
        "top_tottime": [{"function": _pretty(f, line, name), "calls_per_transition": round(v[1] / transitions, 2),
                         "us_per_transition": round(v[2] / transitions * 1e6, 2)} for (f, line, name), v in top],
    }


def _pretty(filename: str, line: int, name: str) -> str:
    if filename == "~":
        return name
    marker = "/site-packages/"
    short = filename.split(marker, 1)[1] if marker in filename else relative_to_root(Path(filename))
    return f"{short}:{line}({name})"


# -- without a database: the library's own cost -----------------------------------------------------

def in_memory(fixture_steps: tuple[Step, ...], actors: Mapping[str, Any], peers: Mapping[str, Any],
              items: int, repeats: int) -> dict[str, Any]:
    """µs per transition with no database: permission, guard, transition and audit event (hash) only."""
    from bench.peers.harness import audit_event
    from bench.peers.rules import can_act
    from workflows import engine
    from workflows.application import APPLICATION
    from workflows.permissions import Subject

    facts = {"is_department": False, "level": "provincial", "missing_fields": [],
             "indicator_codes": sorted(fixture_steps[4].data["figures"]), "evidence_in_phase": 1}

    class Row:
        def __init__(self, item_id: int) -> None:
            self.id, self.state, self.version = item_id, "mobilization.draft", 1

    class HeadStore:
        """Keeps each item's chain head, discards the events."""

        def __init__(self) -> None:
            self.heads: dict[int, tuple[int, str]] = {}

        def chain_head(self, item_id: int) -> tuple[int, str] | None:
            return self.heads.get(item_id)

        def append_event(self, event: Any) -> None:
            self.heads[event.item_id] = (event.seq, event.hash)

        def apply_effects(self, *args: Any) -> None:
            pass

    def plandesk_run(rows: list[Row], store: HeadStore) -> None:
        for step in fixture_steps:
            actor = actors[step.actor]
            for row in rows:
                subject = Subject(row=row, workflow=APPLICATION, unit=COUNTY, county=COUNTY, facts=facts)
                engine.fire(subject, step.trigger, actor, version=step.version, store=store, data=step.data,
                            comment=step.comment, today=TODAY)

    def peer_run(peer: Any) -> Callable[[list[Row], HeadStore], None]:
        def run(rows: list[Row], store: HeadStore) -> None:
            for step in fixture_steps:
                actor = actors[step.actor]
                for row in rows:
                    state = row.state
                    can_act(actor, state, step.trigger, COUNTY, COUNTY)
                    if step.version != row.version:
                        raise AssertionError("stale")
                    data = dict(step.data)
                    peer.fire(row, step.trigger, facts, data, step.comment)
                    row.version += 1
                    store.append_event(audit_event(row, state, step.trigger, actor, step.comment, data,
                                                   store.chain_head(row.id)))
        return run

    runners: dict[str, Callable[[list[Row], HeadStore], None]] = {PLANDESK: plandesk_run}
    prepares: dict[str, Callable[[list[Row]], None]] = {}
    for name, peer in peers.items():
        if name == "SpiffWorkflow":
            from bench.peers.spiff_peer import MemoryWorkflowStore, SpiffPeer

            spiff = SpiffPeer(MemoryWorkflowStore())
            template = spiff.new_instance_json()
            prepares[name] = lambda rows, s=spiff, t=template: s.store.update({r.id: t for r in rows})
            runners[name] = peer_run(spiff)
        else:
            runners[name] = peer_run(peer)
    out: dict[str, Any] = {}
    transitions = items * len(fixture_steps)
    for name, runner in runners.items():
        try:
            warm = [Row(-1 - i) for i in range(5)]
            if name in prepares:
                prepares[name](warm)
            runner(warm, HeadStore())  # warm-up
            seconds = []
            for _ in range(repeats):
                rows = [Row(i) for i in range(items)]
                if name in prepares:
                    prepares[name](rows)
                store = HeadStore()
                gc.collect()
                t0 = time.perf_counter()
                runner(rows, store)
                seconds.append(time.perf_counter() - t0)
                if any(r.state != "consolidation" for r in rows):
                    raise AssertionError("not every row reached consolidation")
            out[name] = {"status": "ok", **rate_summary(seconds, transitions)}
        except Exception as exc:  # noqa: BLE001  (a peer that fails is reported, not fatal)
            out[name] = {"status": "failed", "reason": f"{type(exc).__name__}: {exc}"[:300]}
    return out


# -- memory ---------------------------------------------------------------------------------------

def memory_probe(items: int) -> dict[str, Any]:
    """Dispatch ``items`` items through ``workflows.engine.fire`` (the whole path, a store that keeps
    nothing) and report what stayed behind. Meant to run in a fresh process (``--memory-probe``)."""
    import resource
    import tracemalloc
    import weakref

    from workflows import engine
    from workflows.application import APPLICATION
    from workflows.permissions import Subject
    from workflows.roles import Actor, Role

    actors = {key: Actor(i + 1, username, Role(role), unit) for i, (key, (username, role, unit))
              in enumerate(ACCOUNTS.items())}
    steps = path_steps(["online_sales", "service_stations", "online_products", "poor_households"])
    facts = {"is_department": False, "level": "provincial", "missing_fields": [],
             "indicator_codes": ["online_sales", "service_stations", "online_products", "poor_households"],
             "evidence_in_phase": 1}

    class ProbeRow:
        """Like an ORM row: a ``__dict__``, weak-referenceable."""

        def __init__(self, item_id: int) -> None:
            self.id, self.state, self.version = item_id, APPLICATION.initial, 1

    class DiscardStore:
        def chain_head(self, item_id: int) -> None:
            return None

        def append_event(self, event: Any) -> None:
            pass

        def apply_effects(self, *args: Any) -> None:
            pass

    store = DiscardStore()
    sample = 20
    stride = max(1, items // sample)

    def dispatch(first: int, count: int, refs: list[Any] | None) -> None:
        for item_id in range(first, first + count):
            row = ProbeRow(item_id)
            subject = Subject(row=row, workflow=APPLICATION, unit=COUNTY, county=COUNTY, facts=facts)
            for step in steps:
                engine.fire(subject, step.trigger, actors[step.actor], version=row.version, store=store,
                            data=step.data, today=TODAY)
            if row.state != "consolidation":
                raise AssertionError(row.state)
            if refs is not None and (item_id - first) % stride == 0 and len(refs) < sample:
                refs.append(weakref.ref(row))

    def maxrss_kb() -> int:
        # VmHWM: this process's own peak. ru_maxrss would not do: Linux carries the parent's peak
        # across fork + exec, so a probe started from a big parent would report the parent's size.
        try:
            with open("/proc/self/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    dispatch(-500, 200, None)  # warm-up: first-call caches, interned strings
    gc.collect()
    rss_before = maxrss_kb()
    refs: list[Any] = []
    t0 = time.perf_counter()
    dispatch(0, items, refs)
    seconds = time.perf_counter() - t0
    gc.collect()
    rss_after = maxrss_kb()
    # second pass, traced: what is still allocated after dispatching the same number of items
    objects_before = len(gc.get_objects())
    tracemalloc.start()
    traced_before = tracemalloc.get_traced_memory()[0]
    dispatch(items, items, None)
    gc.collect()
    traced_after, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    objects_after = len(gc.get_objects())
    return {
        "items": items,
        "transitions": items * len(steps),
        "us_per_transition": round(seconds / (items * len(steps)) * 1e6, 1),
        "peak_rss_kb_before": rss_before,
        "peak_rss_kb_after": rss_after,
        "peak_rss_growth_kb": rss_after - rss_before,
        "traced_retained_bytes": traced_after - traced_before,
        "traced_peak_bytes": traced_peak - traced_before,
        "gc_objects_retained": objects_after - objects_before,
        "machine_models": len(APPLICATION.machine.models),
        "sampled_rows": len(refs),
        "sampled_rows_alive": sum(1 for r in refs if r() is not None),
    }


def memory_check(sizes: Sequence[int]) -> dict[str, Any]:
    """Run ``memory_probe`` for each size in a fresh interpreter and judge growth between them."""
    probes: dict[str, Any] = {}
    for items in sizes:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--memory-probe", str(items)],
                              capture_output=True, text=True, cwd=str(ROOT), timeout=900)
        if proc.returncode != 0:
            return {"status": "failed", "reason": (proc.stderr or proc.stdout).strip()[-600:]}
        probes[str(items)] = json.loads(proc.stdout.strip().splitlines()[-1])
    small, large = probes[str(min(sizes))], probes[str(max(sizes))]
    retained_growth = large["traced_retained_bytes"] - small["traced_retained_bytes"]
    rss_growth = large["peak_rss_kb_after"] - small["peak_rss_kb_after"]
    objects_growth = large["gc_objects_retained"] - small["gc_objects_retained"]
    no_rows = all(p["machine_models"] == 0 and p["sampled_rows_alive"] == 0 for p in probes.values())
    flat = no_rows and retained_growth < MEMORY_SLACK_BYTES and rss_growth < RSS_SLACK_KB and objects_growth < 100
    return {
        "status": "ok",
        "probes": probes,
        "retained_growth_bytes": retained_growth,
        "peak_rss_growth_kb": rss_growth,
        "gc_objects_growth": objects_growth,
        "no_rows_retained": no_rows,
        "flat": flat,
        "criterion": (f"machine keeps no models, no dispatched row survives, and {max(sizes):,} items retain "
                      f"< {MEMORY_SLACK_BYTES // 1024} KiB (tracemalloc), < 100 objects and "
                      f"< {RSS_SLACK_KB // 1024} MiB peak RSS more than {min(sizes):,}"),
    }


# -- the benchmark --------------------------------------------------------------------------------

@dataclass
class Options:
    items: int = FULL_ITEMS
    repeats: int = REPEATS
    warmup: int = WARMUP_ITEMS
    memory_items: tuple[int, ...] = MEMORY_ITEMS
    in_memory_items: int = IN_MEMORY_ITEMS
    statement_items: int = STATEMENT_ITEMS
    profile_items: int | None = None
    profile_dump: Path | None = None
    peers: bool = True
    workdir: Path | None = None
    keep: bool = False
    quick: bool = False
    log: Callable[[str], None] = field(default=lambda msg: print(msg, file=sys.stderr, flush=True))


def run_benchmark(opts: Options) -> dict[str, Any]:
    """Build the fixture, run every path ``repeats`` times (interleaved), check, and summarise."""
    from bench.peers import PEERS, load_peer

    log = opts.log
    load_before = _loadavg()
    workdir = Path(tempfile.mkdtemp(prefix="plandesk-engine-bench-", dir=opts.workdir))
    try:
        log(f"building the template database ({opts.items} + {opts.warmup} applications)…")
        fixture = build_fixture(workdir, opts.items, opts.warmup)
        log(f"  {fixture.setup_seconds:.1f} s")
        paths: dict[str, Any] = {FLOOR: None, FLOOR_ENGINE: None, FLOOR_CORE: None, PLANDESK: None}
        results: dict[str, dict[str, Any]] = {}
        if opts.peers:
            for info in PEERS:
                peer, reason = load_peer(info)
                if peer is None:
                    results[info.name] = {"status": "unavailable", "reason": reason}
                    log(f"  peer {info.name} unavailable: {reason}")
                else:
                    paths[info.name] = peer
        runs: dict[str, list[Run]] = {name: [] for name in paths}
        checks: dict[str, list[dict[str, Any]]] = {name: [] for name in paths}
        failed: dict[str, str] = {}
        for repeat in range(opts.repeats):
            for name, peer in paths.items():
                if name in failed:
                    continue
                database = fixture.copy(f"{_slug(name)}-{repeat}")
                try:
                    if name == FLOOR:
                        run = run_floor(database, fixture)
                    elif name == FLOOR_ENGINE:
                        run = run_floor(database, fixture, engine_only=True)
                    elif name == PLANDESK:
                        run = run_app(database, fixture, plandesk_fire)
                    elif name == FLOOR_CORE:
                        run = run_app(database, fixture, core_fire())
                    else:
                        run = run_app(database, fixture, peer_fire(peer), peer.prepare)
                    check = verify(database, fixture)
                except Exception as exc:  # noqa: BLE001  (a failing peer is reported; PlanDesk and floor re-raise)
                    if name in OURS:
                        raise
                    failed[name] = _reason(exc)
                    log(f"  {name} failed: {failed[name]}")
                    continue
                finally:
                    Fixture.remove(database)
                runs[name].append(run)
                checks[name].append(check)
                transitions = opts.items * len(fixture.steps)
                log(f"  repeat {repeat + 1}/{opts.repeats} {name:<20} {run.seconds:7.2f} s "
                    f"{run.seconds / transitions * 1e6:8.1f} µs/transition  checks {'ok' if check['ok'] else 'FAILED'}")
        transitions = opts.items * len(fixture.steps)
        floor_us = floor_best = None
        for name in paths:
            if name in failed:
                results[name] = {"status": "failed", "reason": failed[name]}
                continue
            rate = rate_summary([r.seconds for r in runs[name]], transitions)
            median_run = sorted(runs[name], key=lambda r: r.seconds)[len(runs[name]) // 2]
            results[name] = {
                "status": "ok",
                "transitions_per_second": rate["per_second"],
                "us_per_transition": rate["us_per_operation"],
                "ratio_to_floor": None,
                "best_us_per_transition": round(min(r.seconds for r in runs[name]) / transitions * 1e6, 1),
                "cpu_us_per_transition": round(median([r.cpu_seconds for r in runs[name]]) / transitions * 1e6, 1),
                "latency_us": latency_summary(median_run.latencies),
                "timing": rate,
                "sqlite_settings": runs[name][0].settings,
                "retained_after_run": median_run.retained or None,
                "verified": checks[name][-1],
                "all_repeats_verified": all(c["ok"] for c in checks[name]),
            }
            if name == FLOOR:
                floor_us = rate["us_per_operation"]
                floor_best = results[name]["best_us_per_transition"]
        engine_floor = results.get(FLOOR_ENGINE, {})
        for name, res in results.items():
            if res["status"] == "ok" and floor_us:
                res["ratio_to_floor"] = round(res["us_per_transition"] / floor_us, 2)
                res["best_ratio_to_floor"] = round(res["best_us_per_transition"] / floor_best, 2)
            if res["status"] == "ok" and engine_floor.get("status") == "ok":
                # against the floor without counters and notifications (the goal's floor before they joined)
                res["ratio_to_engine_only_floor"] = round(
                    res["us_per_transition"] / engine_floor["us_per_transition"], 2)
        log("counting statements per transition…")
        for name, peer in paths.items():
            if results[name]["status"] == "ok":
                results[name]["statements"] = count_statements(name, fixture, peer,
                                                               min(opts.statement_items, opts.items))
        log("timing the libraries without a database…")
        memory_peers = {n: p for n, p in paths.items() if n not in OURS and results[n]["status"] == "ok"}
        no_db = in_memory(fixture.steps, fixture.actors, memory_peers, opts.in_memory_items, opts.repeats)
        log(f"memory: dispatching {' and '.join(f'{n:,}' for n in opts.memory_items)} items in fresh processes…")
        memory = memory_check(opts.memory_items)
        profile = None
        if opts.profile_items:
            log(f"profiling PlanDesk's path on {opts.profile_items} items…")
            profile = profile_plandesk(fixture, min(opts.profile_items, opts.items), opts.profile_dump)
        settings_same = len({json.dumps(r.get("sqlite_settings"), sort_keys=True)
                             for r in results.values() if r["status"] == "ok"}) == 1
        report = {
            "benchmark": "engine",
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "mode": "quick" if opts.quick else ("full" if opts.items >= FULL_ITEMS else "custom"),
            "config": {
                "items": opts.items,
                "warmup_items": opts.warmup,
                "repeats": opts.repeats,
                "transitions_per_item": len(fixture.steps),
                "transitions": transitions,
                "path": [f"{s.from_state} --{s.trigger}--> {s.to_state}" for s in fixture.steps],
                "category": CATEGORY,
                "database": "file-backed SQLite, fresh copy of one template per repeat",
                "filesystem": filesystem_type(workdir),
                "setup_seconds": round(fixture.setup_seconds, 1),
                "bpmn": relative_to_root(ROOT / "bench" / "peers" / "application.bpmn"),
            },
            "environment": {**environment(PACKAGES), "load_average_before": load_before,
                            "load_average_after": _loadavg()},
            "sqlite_settings_identical": settings_same,
            "results": results,
            "without_database": no_db,
            "memory": memory,
            "profile": profile,
        }
        report["goals"] = goals(report)
        return report
    finally:
        if not opts.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"kept the databases in {workdir}")


def _reason(exc: BaseException) -> str:
    """An exception and its causes, one line: why a peer failed."""
    parts = []
    while exc is not None and len(parts) < 4:
        parts.append(f"{type(exc).__name__}: {str(exc).strip()}")
        exc = exc.__cause__ or exc.__context__
    return " ← ".join(parts)[:600]


def _loadavg() -> list[float] | None:
    """1/5/15-minute load average: a benchmark on a busy machine says so in its results."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def goals(report: Mapping[str, Any]) -> dict[str, Any]:
    res = report["results"]
    plandesk = res[PLANDESK]
    out: dict[str, Any] = {
        "plandesk_at_most_4x_floor": {"target": f"ratio ≤ {GOAL_RATIO}", "measured": plandesk.get("ratio_to_floor"),
                                      "met": plandesk.get("ratio_to_floor") is not None
                                      and plandesk["ratio_to_floor"] <= GOAL_RATIO},
    }
    for name, peer in res.items():
        if name in OURS:
            continue
        key = f"faster_than_{_slug(name).replace('-', '_')}"
        if peer["status"] != "ok":
            out[key] = {"target": f"PlanDesk faster than {name}", "measured": f"{name} {peer['status']}: "
                        f"{peer.get('reason')}", "met": None}
        else:
            out[key] = {"target": f"PlanDesk faster than {name}",
                        "measured": (f"{plandesk['us_per_transition']} vs {peer['us_per_transition']} µs/transition "
                                     f"(CPU {plandesk['cpu_us_per_transition']} vs {peer['cpu_us_per_transition']})"),
                        "speedup": round(peer["us_per_transition"] / plandesk["us_per_transition"], 2),
                        "met": plandesk["us_per_transition"] < peer["us_per_transition"]}
    mem = report["memory"]
    out["memory_flat"] = {"target": mem.get("criterion"),
                          "measured": (f"{mem['retained_growth_bytes']:+,} B retained, "
                                       f"{mem['peak_rss_growth_kb']:+,} KiB peak RSS, "
                                       f"{mem['gc_objects_growth']:+,} objects") if mem["status"] == "ok"
                          else mem.get("reason"),
                          "met": mem.get("flat") if mem["status"] == "ok" else False}
    out["all_runs_verified"] = {"met": all(r.get("all_repeats_verified", True) for r in res.values()
                                           if r["status"] == "ok")}
    return out


# -- output ---------------------------------------------------------------------------------------

def render_markdown(report: Mapping[str, Any]) -> str:
    cfg, env = report["config"], report["environment"]
    lines = [
        f"# Engine benchmark ({report['mode']})",
        "",
        f"{cfg['items']:,} applications × {cfg['transitions_per_item']} transitions = {cfg['transitions']:,} "
        f"persisted transitions per repeat, median of {cfg['repeats']} repeats; file-backed SQLite "
        f"({cfg['filesystem']}), WAL + synchronous=FULL + BEGIN IMMEDIATE, one commit per transition. "
        f"Python {env['python']}, SQLite {env['sqlite']}, {env['cpus']} CPUs.",
        "",
    ]
    rows = []
    for name, res in report["results"].items():
        if res["status"] != "ok":
            rows.append([name, *([None] * 9), f"{res['status']}: {res.get('reason')}"])
            continue
        t = res["timing"]
        rows.append([name, res["transitions_per_second"], res["us_per_transition"], res["ratio_to_floor"],
                     res["best_ratio_to_floor"], res["cpu_us_per_transition"], res["latency_us"]["p95"],
                     f"{t['spread_pct']}%", res.get("statements", {}).get("per_transition"),
                     res.get("statements", {}).get("wal_pages_per_transition"),
                     "ok" if res["all_repeats_verified"] else "CHECK FAILED"])
    lines.append(markdown_table(["path", "transitions/s", "µs/transition", "× floor", "best × floor",
                                 "CPU µs/transition", "p95 µs", "spread", "statements/transition",
                                 "WAL pages/transition", "checks"], rows, "lrrrrrrrrrl"))
    load = env.get("load_average_before"), env.get("load_average_after")
    lines += ["", "transitions/s and µs/transition: median repeat (wall clock, commit included); × floor: its ratio "
                  "to the floor's median; best × floor: fastest repeat against the floor's fastest; CPU: this "
                  "process's CPU time (not inflated by other processes, excludes waiting for fsync); spread: "
                  "(slowest − fastest) / median; WAL pages: pages each commit appends to the write-ahead log "
                  f"(and syncs). Load average before/after: {load[0]} / {load[1]}."]
    lines += ["", "## Goals", ""]
    lines.append(markdown_table(["goal", "target", "measured", "met"], [
        [k, g.get("target"), g.get("measured"), {True: "yes", False: "NO", None: "n/a"}[g.get("met")]]
        for k, g in report["goals"].items()], "llll"))
    no_db = report["without_database"]
    lines += ["", "## Without a database (permission, guard, transition, audit event hash)", ""]
    lines.append(markdown_table(["library", "transitions/s", "µs/transition"], [
        [n, r.get("per_second"), r.get("us_per_operation")] if r["status"] == "ok" else [n, None, r.get("reason")]
        for n, r in no_db.items()], "lrr"))
    mem = report["memory"]
    lines += ["", "## Memory (workflows.engine.fire, store keeps nothing, fresh process per size)", ""]
    if mem["status"] == "ok":
        lines.append(markdown_table(
            ["items", "peak RSS KiB", "RSS growth KiB", "retained B (traced)", "objects retained", "machine models",
             "sampled rows alive"],
            [[int(n), p["peak_rss_kb_after"], p["peak_rss_growth_kb"], p["traced_retained_bytes"],
              p["gc_objects_retained"], p["machine_models"], f"{p['sampled_rows_alive']}/{p['sampled_rows']}"]
             for n, p in mem["probes"].items()]))
    else:
        lines.append(f"failed: {mem.get('reason')}")
    after = {n: r["retained_after_run"] for n, r in report["results"].items() if r.get("retained_after_run")}
    if after:
        lines += ["", "After each timed run on the database (gc collected): " + "; ".join(
            f"{n}: {a['session_items']} items / {a['session_rows']} rows in the session, "
            f"{a['machine_models']} models on the machine" for n, a in after.items()) + "."]
    stm = {n: r["statements"] for n, r in report["results"].items() if r.get("statements")}
    if stm:
        lines += ["", "## Statements per transition (sqlite3 trace)", ""]
        shapes = sorted({s for v in stm.values() for s in v["by_statement"]})
        lines.append(markdown_table(["statement", *stm], [[s, *(v["by_statement"].get(s) for v in stm.values())]
                                                          for s in shapes]))
    prof = report.get("profile")
    if prof:
        lines += ["", f"## Profile of PlanDesk's path ({prof['items']} items, cProfile, "
                      f"{prof['profiled_us_per_transition']} µs/transition under the profiler)", ""]
        areas = [[a["area"], f"{a['share_pct']}%", a["us_per_transition"]] for a in prof["by_area"]]
        lines.append(markdown_table(["area (own time)", "share", "µs/transition"], areas, "lrr"))
        lines += [""]
        lines.append(markdown_table(["function (inclusive)", "calls/transition", "µs/transition"],
                                    [[f["function"], f["calls_per_transition"], f["us_per_transition"]]
                                     for f in prof["inclusive"]], "lrr"))
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_ITEMS} items, memory at {' and '.join(map(str, QUICK_MEMORY_ITEMS))} items")
    parser.add_argument("--items", type=int, help=f"applications to move through the path (default {FULL_ITEMS})")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timed repeats per path (≥ 3 for the report)")
    parser.add_argument("--memory-items", type=int, nargs="+", help="item counts of the memory probes")
    parser.add_argument("--no-peers", action="store_true", help="floor and PlanDesk only")
    parser.add_argument("--profile", nargs="?", type=int, const=PROFILE_ITEMS, metavar="ITEMS",
                        help=f"add a cProfile of PlanDesk's path (default {PROFILE_ITEMS} items)")
    parser.add_argument("--profile-dump", type=Path, metavar="FILE",
                        help="with --profile, also write the raw cProfile statistics (pstats) to FILE")
    parser.add_argument("--json", type=Path, help="results file (default bench/results/engine[-quick].json); "
                                                  "a Markdown copy is written beside it")
    parser.add_argument("--workdir", type=Path, help="where the temporary databases go (default: the system's "
                                                     "temporary folder; it must be a real disk, not tmpfs)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary databases")
    parser.add_argument("--memory-probe", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_probe is not None:
        print(json.dumps(memory_probe(args.memory_probe)))
        return 0
    quick = args.quick
    opts = Options(
        items=args.items or (QUICK_ITEMS if quick else FULL_ITEMS),
        repeats=args.repeats,
        warmup=QUICK_WARMUP_ITEMS if quick else WARMUP_ITEMS,
        memory_items=tuple(args.memory_items or (QUICK_MEMORY_ITEMS if quick else MEMORY_ITEMS)),
        in_memory_items=QUICK_IN_MEMORY_ITEMS if quick else IN_MEMORY_ITEMS,
        statement_items=QUICK_STATEMENT_ITEMS if quick else STATEMENT_ITEMS,
        profile_items=args.profile,
        profile_dump=args.profile_dump,
        peers=not args.no_peers,
        workdir=args.workdir,
        keep=args.keep,
        quick=quick,
    )
    started = time.perf_counter()
    report = run_benchmark(opts)
    report["config"]["wall_seconds"] = round(time.perf_counter() - started, 1)
    markdown = render_markdown(report)
    out = args.json or ROOT / "bench" / "results" / ("engine-quick.json" if quick else "engine.json")
    write_json(out, report)
    write_text(out.with_suffix(".md"), markdown)
    print(markdown)
    print(f"results: {relative_to_root(out)} and {relative_to_root(out.with_suffix('.md'))} "
          f"({report['config']['wall_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
