"""Dashboards at province scale on PostgreSQL: the quota board and the phase matrix under 300 ms.

Creates a fresh database (dropped at the end), migrates it, loads the shipped plan and the demo
accounts, then grows that ONE plan to a province's size (98 more counties, 105 in all, 45 more
departments, 200 annex tasks; every unit in the plan's region) and generates items with realistic
states and due dates, loaded with COPY: first up to 2,000 items, then up to 200,000 items and 2,000,000
audit events, all in that plan; after each load the dashboards' counters (item_counts,
item_due_counts) are back-filled by their migration's SQL, as in scale_bench.py. At each size it times
the app's own functions (the queries the screens run) for that plan over repeated calls and reports
median and p95, with EXPLAIN ANALYZE of every statement the quota board and the phase matrix run.

This benchmark keeps the single-plan shape on purpose: a dashboard reads one plan, so one plan holding
every county and item is its hardest case. ``bench/scale_bench.py`` (the one ``make bench`` runs) uses
the same loader in the province shape instead (:meth:`Generator.setup_province`: 16 city plans, 7
counties each). This one is run by hand; ``make bench`` does not run it.

    .venv/bin/python bench/dashboard_bench.py            # 2,000 and 200,000 items, 2,000,000 events
    .venv/bin/python bench/dashboard_bench.py --quick    # same sizes, 400,000 events, fewer repeats (< 2 min)

``PLANDESK_BENCH_PG`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``) names the server.
Results go to bench/results/dashboards.json; a table is printed.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile, relative_to_root  # noqa: E402

ADMIN_URL = os.environ.get("PLANDESK_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
TODAY = date(2018, 11, 20)
LIMIT_MS = 300.0
EXTRA_COUNTIES = 98  # + the plan's 7 = 105, about Anhui's county-level divisions
EXTRA_DEPARTMENTS = 45
ANNEX_TASKS = 200  # annex tasks a plan has after setup (the shipped plan has 18)
APP_STATES = (  # (state, weight): a plan some months in
    ("mobilization.draft", 12), ("mobilization.county_review", 4), ("mobilization.city_review", 4),
    ("implementation", 25), ("self_assessment.draft", 6), ("self_assessment.county_review", 4),
    ("acceptance.inspection", 5), ("acceptance.provincial_review", 3), ("rectification.draft", 3),
    ("rectification.county_review", 2), ("consolidation", 25), ("rejected", 4), ("revoked", 3),
)
TASK_STATES = (
    ("mobilization.draft", 20), ("mobilization.county_review", 5), ("mobilization.city_review", 5),
    ("implementation", 40), ("self_assessment.county_review", 5), ("self_assessment.city_review", 5),
    ("acceptance.inspection", 5), ("rectification.draft", 5), ("rectification.county_review", 2),
    ("consolidation", 8),
)
REPORT_STATES = (("draft", 20), ("county_review", 10), ("city_review", 10), ("accepted", 60))
HASH = "0" * 64


def admin():
    import psycopg

    return psycopg.connect(ADMIN_URL, autocommit=True)


def sa_url(dbname: str) -> str:
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{dbname}"


def plain_url(dbname: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{dbname}"


def make_app(dbname: str):
    from app import create_app
    from app.config import TestConfig

    cfg = TestConfig()
    cfg.SQLALCHEMY_DATABASE_URI = sa_url(dbname)
    cfg.PLANDESK_TODAY = TODAY
    cfg.PLANDESK_STORAGE_DIR = str(Path("/tmp") / f"{dbname}_storage")
    return create_app(cfg)


def weighted(rng: random.Random, table: tuple[tuple[str, int], ...], n: int) -> list[str]:
    states, weights = zip(*table)
    return rng.choices(states, weights=weights, k=n)


def tsv(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


class Generator:
    """Sets up the plans' units and annex tasks once, then adds items in batches up to a total.

    Two shapes: :meth:`setup` grows the one shipped plan into a province-sized plan (98 more counties,
    45 more departments, 200 annex tasks: this benchmark's shape); :meth:`setup_province` loads one
    plan per Anhui city (16 plans, 7 counties each: ``scale_bench.py``'s shape)."""

    def __init__(self, dbname: str, seed: int = 2018) -> None:
        self.dbname = dbname
        self.rng = random.Random(seed)
        self.next_id = 0
        self.event_id = 0
        self.items = 0
        self.events = 0
        self.plan_id: int | None = None  # the plan of the single-plan shape
        self.region_plans: dict[str, int] = {}  # region code → plan id
        self.phase_deadlines: dict[int, dict[str, date]] = {}  # plan id → phase → deadline
        self.county_plan: dict[int, int] = {}  # county id → its plan's id
        self.counties: list[int] = []
        self.task_deadlines: dict[int, date] = {}  # annex task id → deadline
        self.task_plan: dict[int, int] = {}  # annex task id → plan id
        self.free_pairs: list[tuple[int, int]] = []  # (annex task, unit) not yet assigned, shuffled
        self.free_report_keys: list[tuple[int, int, int]] = []  # (county, year, quarter) not yet reported
        self.county_units: set[int] = set()
        self.types: dict[str, int] = {}  # items by type

    def setup(self, app) -> None:
        """One plan, the shipped one, grown to a province's size (this benchmark's own shape)."""
        from sqlalchemy import select

        from app.extensions import db
        from app.plans.models import Plan, Target
        from app.units.models import Unit

        with app.app_context():
            plan = db.session.scalar(select(Plan).where(Plan.is_current.is_(True)))
            self.plan_id = plan.id
            self.region_plans = {plan.region_code: plan.id}
            huoqiu = db.session.scalar(select(Unit).where(Unit.slug == "huoqiu"))
            quotas = db.session.execute(select(Target.indicator_id, Target.figure)
                                        .where(Target.unit_id == huoqiu.id)).all()
            for i in range(EXTRA_COUNTIES):
                unit = Unit(slug=f"county{i:03d}", name=f"第{i + 1}县", kind="county", code=f"3499{i:02d}",
                            aliases=[], sort_order=100 + i, is_active=True, region_code=plan.region_code)
                db.session.add(unit)
                db.session.flush()
                for indicator_id, figure in quotas:
                    db.session.add(Target(plan_id=plan.id, indicator_id=indicator_id, unit_id=unit.id, figure=figure))
            for i in range(EXTRA_DEPARTMENTS):
                db.session.add(Unit(slug=f"dept{i:03d}", name=f"省直部门{i + 1}", kind="department", aliases=[],
                                    sort_order=300 + i, is_active=True, region_code=plan.region_code))
            self._add_annex_tasks(db.session, [plan.id])
            db.session.commit()
            self._read_shape(db.session)
            db.session.remove()

    def setup_province(self, app, prefix: Callable[[str], str]) -> None:
        """Sixteen plans, one per Anhui city: the shipped plan (Lu'an's, already loaded) and a copy for each
        other city (``for_region``; units ``{prefix(code)}_{slug}``), each grown to 200 annex tasks.

        The assignments the plan loads create (190 a plan, 3,040 in all: more than the small data set) are
        cleared, so that every size holds generated items only, in the same mix; the generated
        assignments draw on the same (task, unit) pairs."""
        from sqlalchemy import select, text

        from app.extensions import db
        from app.plans.copies import for_region
        from app.plans.models import Plan
        from app.plans.schema import RegionData, read_plan_file
        from app.tasks.loading import DEFAULT_PLAN_FILE, load_plan
        from app.units.regions import ANHUI_CITIES

        with app.app_context():
            shipped = read_plan_file(DEFAULT_PLAN_FILE)
            home = shipped.region.code if shipped.region else None
            for code, name in ANHUI_CITIES.items():
                if code != home:
                    load_plan(for_region(shipped, RegionData(code, name), prefix(code)))
            db.session.commit()
            plans = dict(db.session.execute(select(Plan.region_code, Plan.id)).tuples().all())
            if set(plans) != set(ANHUI_CITIES):
                raise RuntimeError(f"expected one plan per Anhui city, found regions {sorted(plans)}")
            self.region_plans = plans
            db.session.execute(text("TRUNCATE task_assignments, audit_events, items CASCADE"))
            self._add_annex_tasks(db.session, list(plans.values()))
            db.session.commit()
            self._read_shape(db.session)
            db.session.remove()

    def _add_annex_tasks(self, session, plan_ids: list[int]) -> None:
        """Annex tasks up to number 200 in each plan, as a province's plan has (tasks × units give the
        assignments: 200 × 32 units = 6,400 a plan of the shipped shape)."""
        from sqlalchemy import func, select

        from app.plans.models import AnnexTask

        for plan_id in plan_ids:
            last = session.scalar(select(func.max(AnnexTask.number)).where(AnnexTask.plan_id == plan_id)) or 0
            for n in range(last + 1, ANNEX_TASKS + 1):
                session.add(AnnexTask(plan_id=plan_id, number=n, title=f"省级任务{n}：推进农村电商重点工作。",
                                      deadline=date(2018, 12, 31) - timedelta(days=self.rng.randint(0, 150)),
                                      lead_text="各县区人民政府", cooperating_text="", indicator_codes=[]))

    def _read_shape(self, session) -> None:
        """Each plan's phases, counties and departments (its region's units) and annex tasks, the pairs
        and report keys still free, and where the ids go on."""
        from sqlalchemy import func, select

        from app.audit.models import AuditEventRow
        from app.items.models import Item
        from app.plans.models import AnnexTask, Plan, PlanPhase
        from app.reports.models import Report
        from app.tasks.models import TaskAssignment
        from app.units.models import Unit

        regions = dict(session.execute(select(Plan.id, Plan.region_code)
                                       .where(Plan.id.in_(self.region_plans.values()))).tuples().all())
        units_of: dict[int, list[tuple[int, str]]] = {plan_id: [] for plan_id in regions}
        plan_of_region = {region: plan_id for plan_id, region in regions.items()}
        for unit_id, kind, region in session.execute(select(Unit.id, Unit.kind, Unit.region_code)
                                                     .order_by(Unit.id)):
            if region in plan_of_region and kind in ("county", "department"):
                units_of[plan_of_region[region]].append((unit_id, kind))
        for phase in session.scalars(select(PlanPhase).where(PlanPhase.plan_id.in_(regions))):
            self.phase_deadlines.setdefault(phase.plan_id, {})[phase.code] = phase.deadline
        for task_id, plan_id, deadline in session.execute(select(AnnexTask.id, AnnexTask.plan_id, AnnexTask.deadline)
                                                          .where(AnnexTask.plan_id.in_(regions))):
            self.task_deadlines[task_id], self.task_plan[task_id] = deadline, plan_id
        self.counties = [u for plan_id in regions for u, kind in units_of[plan_id] if kind == "county"]
        self.county_units = set(self.counties)
        self.county_plan = {u: plan_id for plan_id in regions for u, kind in units_of[plan_id] if kind == "county"}
        used = set(session.execute(select(TaskAssignment.annex_task_id, TaskAssignment.assignee_id)).tuples().all())
        # every (task, unit of the task's plan) pair not yet assigned, in random order: one assignment a pair
        self.free_pairs = [(t, u) for t, plan_id in self.task_plan.items() for u, _kind in units_of[plan_id]
                           if (t, u) not in used]
        self.rng.shuffle(self.free_pairs)
        reported = set(session.execute(select(Report.reporter_id, Report.year, Report.quarter)).tuples().all())
        # a county reports once a quarter (2018 and 2019): the reports a data set can hold are bounded
        self.free_report_keys = [(c, y, q) for c in self.counties for y in (2018, 2019) for q in range(1, 5)
                                 if (c, y, q) not in reported]
        self.rng.shuffle(self.free_report_keys)
        self.types = dict(session.execute(select(Item.type, func.count()).group_by(Item.type)).tuples().all())
        self.items = sum(self.types.values())
        self.events = session.scalar(select(func.count()).select_from(AuditEventRow))
        self.next_id = (session.scalar(select(func.max(Item.id))) or 0) + 1
        self.event_id = (session.scalar(select(func.max(AuditEventRow.id))) or 0) + 1

    def _due(self, plan_id: int, state: str, entered: date, task_deadline: date | None,
             rect: date | None) -> date | None:
        from workflows.deadlines import due_date

        return due_date(state, entered_on=entered, phase_deadlines=self.phase_deadlines[plan_id],
                        task_deadline=task_deadline, rectification_deadline=rect, review_days=10)

    def grow_to(self, total_items: int, events_per_item: float, *, vacuum: bool = True) -> dict[str, float]:
        """Add items (88% applications, 10% task assignments, 2% reports) until there are ``total_items``.

        Applications go to a county drawn from all the plans' counties (so evenly over the plans), task
        assignments to a free (task, unit) pair of any plan, reports to a free (county, quarter); when
        the pairs or the quarters run out, applications make up the rest. ``vacuum=False`` leaves out
        the closing VACUUM ANALYZE (a caller growing in steps runs it once)."""
        import psycopg

        from workflows.application import CATEGORIES

        n = total_items - self.items
        if n <= 0:
            return {"added": 0}
        started = time.perf_counter()
        rng = self.rng
        n_tasks, n_reports = min(n // 10, len(self.free_pairs)), min(n // 50, len(self.free_report_keys))
        items, apps, tasks, reports, figures, events = (io.StringIO() for _ in range(6))

        def item_row(item_type: str, state: str, plan_id: int, unit: int, county: int | None, title: str,
                     task_deadline: date | None = None) -> int:
            item_id = self.next_id
            self.next_id += 1
            entered = date(2018, 7, 15) + timedelta(days=rng.randint(0, 125))
            rect = entered + timedelta(days=rng.randint(10, 60)) if state.startswith("rectification") else None
            due = self._due(plan_id, state, entered, task_deadline, rect)
            row = (item_id, item_type, plan_id, title, state, rng.randint(1, 12), unit, county, entered, due,
                   rect, None, "2018-08-01 08:00:00+00", "2018-09-01 08:00:00+00")
            items.write("\t".join(map(tsv, row)) + "\n")
            k = max(1, int(rng.expovariate(1 / events_per_item))) if events_per_item > 1 else 1
            for seq in range(1, k + 1):
                events.write("\t".join(map(tsv, (
                    self.event_id, item_id, item_type, seq, None if seq == 1 else "mobilization.draft",
                    state if seq == k else "mobilization.draft", "create" if seq == 1 else "edit", "bench", None, None,
                    "county_filer", "bench", "2018-08-01 08:00:00+00", None, "{}", None if seq == 1 else HASH,
                    HASH))) + "\n")
                self.event_id += 1
                self.events += 1
            return item_id

        for state in weighted(rng, TASK_STATES, n_tasks):
            task_id, unit = self.free_pairs.pop()
            is_county = unit in self.county_units
            if not is_county and state.endswith("county_review"):
                state = "implementation"
            item_id = item_row("task", state, self.task_plan[task_id], unit, unit if is_county else None,
                               f"任务落实{self.next_id}", self.task_deadlines[task_id])
            tasks.write("\t".join(map(tsv, (item_id, task_id, unit, rng.random() < 0.5, None))) + "\n")
        codes = ("training_person_times", "new_ecommerce_entities", "entities_over_10m", "brands_over_1m",
                 "sanpin_yibiao_online", "trademark_enterprises_online")
        for state in weighted(rng, REPORT_STATES, n_reports):
            unit, year, quarter = self.free_report_keys.pop()
            plan_id = self.county_plan[unit]
            item_id = item_row("report", state, plan_id, unit, unit, f"季度报告{self.next_id}")
            reports.write("\t".join(map(tsv, (item_id, plan_id, unit, year, quarter))) + "\n")
            for code in codes:
                figures.write("\t".join(map(tsv, (item_id, code, rng.randint(0, 900)))) + "\n")
        n_apps = n - n_tasks - n_reports  # applications fill up to the exact total
        for state in weighted(rng, APP_STATES, n_apps):
            county = rng.choice(self.counties)
            category = rng.choice(CATEGORIES)
            item_id = item_row("application", state, self.county_plan[county], county, county,
                               f"示范创建申报{self.next_id}")
            apps.write("\t".join(map(tsv, (item_id, category, f"示范点{item_id}", "{}"))) + "\n")
        with psycopg.connect(plain_url(self.dbname)) as conn, conn.cursor() as cur:
            for table, columns, buf in (
                ("items", "id, type, plan_id, title, state, version, unit_id, county_id, state_entered_on, due_on, "
                          "rectification_deadline, created_by_id, created_at, updated_at", items),
                ("applications", "id, category, site_name, fields", apps),
                ("task_assignments", "id, annex_task_id, assignee_id, is_lead, plan_filed_on", tasks),
                ("reports", "id, plan_id, reporter_id, year, quarter", reports),
                ("report_figures", "report_id, indicator_code, value", figures),
                ("audit_events", "id, item_id, item_type, seq, from_state, to_state, trigger, actor, actor_id, "
                                 "on_behalf_of, role, unit, at, comment, data_json, prev_hash, hash", events),
            ):
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write(buf.getvalue())
            cur.execute("SELECT setval(pg_get_serial_sequence('items', 'id'), (SELECT max(id) FROM items))")
            cur.execute("SELECT setval(pg_get_serial_sequence('audit_events', 'id'), "
                        "(SELECT max(id) FROM audit_events))")
            conn.commit()
        if vacuum:
            self.vacuum()
        self.items += n
        for item_type, added in (("application", n_apps), ("task", n_tasks), ("report", n_reports)):
            self.types[item_type] = self.types.get(item_type, 0) + added
        return {"added": n, "seconds": round(time.perf_counter() - started, 1)}

    def backfill_counters(self) -> None:
        """Rebuild the dashboards' counters (item_counts, item_due_counts) from the items COPYed so far,
        by their migration's SQL (``BACKFILL_SQL``), as an upgrade over existing items would."""
        import psycopg

        from app.items.counters import BACKFILL_SQL

        with psycopg.connect(plain_url(self.dbname)) as conn:
            for sql in BACKFILL_SQL:
                conn.execute(sql)
            conn.commit()

    def vacuum(self) -> None:
        import psycopg

        with psycopg.connect(plain_url(self.dbname), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")


def in_context(app: Any, fn: Callable[[Any], Any]) -> Callable[[], Any]:
    """``fn(session)`` in a fresh application context, its session removed after (one EXPLAINed call)."""
    def call() -> Any:
        from app.extensions import db

        with app.app_context():
            fn(db.session)
            db.session.remove()
    return call


def timed(fn: Callable[[], Any], repeats: int) -> dict[str, float]:
    for _ in range(2):  # warm caches and the plan cache
        fn()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 1), "p95_ms": round(percentile(samples, 0.95), 1),
            "min_ms": round(samples[0], 1), "max_ms": round(samples[-1], 1), "repeats": repeats}


def explain_calls(app: Any, call: Callable[[], Any],
                  tables: tuple[str, ...] = ("FROM items",)) -> list[list[str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of each query reading ``tables`` that ``call`` ran, with its own parameters."""
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[tuple[str, Any]] = []

    def hook(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and any(t in statement for t in tables):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", hook)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", hook)
    with engine.connect() as conn:
        return [[r[0] for r in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + st, params)]
                for st, params in seen]


def measure(app, plan_id: int, repeats: int) -> dict[str, Any]:
    from app.dashboards.overdue import overdue_items
    from app.dashboards.matrix import phase_matrix
    from app.dashboards.board import quota_board
    from app.extensions import db

    with app.app_context():
        session = db.session
        out = {
            "quota_board": timed(lambda: quota_board(session, plan_id, TODAY), repeats),
            "phase_matrix": timed(lambda: phase_matrix(session, plan_id, TODAY), repeats),
            "task_matrix": timed(lambda: phase_matrix(session, plan_id, TODAY, kind="tasks"), repeats),
            "overdue_first_page": timed(lambda: overdue_items(session, plan_id, TODAY, limit=50), repeats),
        }
        out["rows"] = {"quota_board": len(quota_board(session, plan_id, TODAY))}
        session.remove()

    counted = ("FROM items", "item_counts", "item_due_counts")  # every statement each figure runs
    out["explain"] = {
        "quota_board": explain_calls(app, in_context(app, lambda s: quota_board(s, plan_id, TODAY)), counted),
        "phase_matrix": explain_calls(app, in_context(app, lambda s: phase_matrix(s, plan_id, TODAY)), counted)}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer audit events and repeats (under 2 minutes)")
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed) for EXPLAIN work")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "dashboards.json")
    args = parser.parse_args()
    sizes = (2_000, 200_000)
    events_per_item = 2.0 if args.quick else 10.0
    repeats = 7 if args.quick else 25
    dbname = f"plandesk_bench_{uuid.uuid4().hex[:10]}"
    started = time.perf_counter()
    with admin() as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    results: dict[str, Any] = {"today": TODAY.isoformat(), "limit_ms": LIMIT_MS, "quick": args.quick, "sizes": {}}
    try:
        from flask_migrate import upgrade

        from app.auth.operations import seed_demo_accounts
        from app.extensions import db
        from app.tasks.loading import DEFAULT_PLAN_FILE, load_plan_file

        app = make_app(dbname)
        with app.app_context():
            upgrade()
            load_plan_file(DEFAULT_PLAN_FILE)
            seed_demo_accounts("bench-password")
            db.session.commit()
            db.session.remove()
        gen = Generator(dbname)
        gen.setup(app)
        for size in sizes:
            load = gen.grow_to(size, events_per_item, vacuum=False)
            gen.backfill_counters()  # the dashboards read the counters: rebuilt as their migration does
            gen.vacuum()
            measured = measure(app, gen.plan_id, repeats)
            results["sizes"][str(size)] = {"items": gen.items, "audit_events": gen.events, "load": load, **measured}
            print(f"  {gen.items:>7,} items, {gen.events:>9,} audit events loaded "
                  f"({load.get('seconds', 0)} s)", file=sys.stderr)
        with app.app_context():
            db.engine.dispose()
    finally:
        if args.keep:
            print(f"kept database {dbname}", file=sys.stderr)
        else:
            with admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    from bench.common import environment

    results["environment"] = environment(["SQLAlchemy", "psycopg", "Flask"])
    with admin() as conn:
        results["environment"]["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    results["seconds"] = round(time.perf_counter() - started, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    print(f"\nDashboards on PostgreSQL (today {TODAY}; limit {LIMIT_MS:.0f} ms; median / p95 over "
          f"{repeats} calls)\n")
    print("| items | audit events | query | median ms | p95 ms | under limit |")
    print("|---:|---:|---|---:|---:|:---:|")
    for size, res in results["sizes"].items():
        for name in ("quota_board", "phase_matrix", "task_matrix", "overdue_first_page"):
            t = res[name]
            ok = t["p95_ms"] < LIMIT_MS
            print(f"| {res['items']:,} | {res['audit_events']:,} | {name} | {t['median_ms']} | {t['p95_ms']} | "
                  f"{'yes' if ok else 'NO'} |")
    largest = results["sizes"][str(sizes[-1])]
    for name in ("quota_board", "phase_matrix"):
        print(f"\nEXPLAIN ANALYZE {name} at {largest['items']:,} items (each statement: top and totals):")
        for plan in largest["explain"][name]:
            for line in plan[:6] + [ln for ln in plan if "Execution Time" in ln or "Planning Time" in ln]:
                print("   ", line)
    print(f"\nwrote {relative_to_root(args.output)} in {results['seconds']} s")
    failed = [(s, n) for s, res in results["sizes"].items() for n in ("quota_board", "phase_matrix")
              if res[n]["p95_ms"] >= LIMIT_MS]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
