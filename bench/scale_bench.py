"""Scale benchmark on PostgreSQL: the item list (first page and a deep keyset page, filtered), the quota
board and the phase matrix, as one city's reviewer sees them, at a small and at a province-scale data set.

    python bench/scale_bench.py            # 2,000 then 1,000,000 items with 10,000,000 audit events
    python bench/scale_bench.py --quick    # 2,000 then 20,000 items with 200,000 audit events

Creates a fresh database (dropped at the end), installs the app into it (migrations, the shipped Lu'an
plan, the demo accounts) and makes a province of it: one plan per Anhui city, 16 plans, the shipped plan
as it is for 六安市 and a copy of it (``app.plans.copies.for_region``) for each of the other 15, each
with its 7 counties (112 in all), its 25 departments and 200 annex tasks. The assignments the plan loads
create are cleared, so that both sizes hold generated items only. The items are grown with the COPY
loader of bench/dashboard_bench.py, in steps of 100,000, spread evenly over the 16 plans: 88%
applications (each to a county drawn from the 112), 10% task assignments (one per free task × unit
pair: 16 × 200 × 32 = 102,400 pairs), 2% quarterly reports (one per county and quarter of 2018–2019:
896 at most, so at 1,000,000 items they are under 0.1%, and applications make up the rest); 10 audit
events per item on average. The mix each size ended with is in the results (``mix``). The dashboards'
counters (item_counts, item_due_counts) are back-filled after each load by the SQL of their migration
(``app.items.counters.BACKFILL_SQL``), as an upgrade over existing items would.

What is measured, at each size, is what one city's reviewer sees: a ``city_reviewer`` account on that
city's 商务局 (``commerce``; 合肥市 unless ``--city``), whose region holds one plan, a sixteenth of the
items. ``GET /api/v1/items`` through the app (WSGI in-process: routing, token, the plan scope, queries,
JSON; the caller's current plan; applications in one state, sorted by due date, 50 a page) on the first
page and on a page 90% of the way down through the ``after`` cursor; the quota board and the phase matrix
of that plan as their screens call them. Reported: median, p95 and the large/small ratio; EXPLAIN
(ANALYZE, BUFFERS) of every statement of each figure at the large size.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import dashboard_bench as dash  # noqa: E402
from bench.common import environment, finish_report  # noqa: E402
from bench.pgdb import install, issue_tokens, make_app, scratch_database, server_version  # noqa: E402

SMALL, FULL_LARGE, QUICK_LARGE = 2_000, 1_000_000, 20_000
#: items COPYed per step (bounds the loader's memory: 10 audit events an item)
LOAD_STEP = 100_000
#: the loader draws each item's event count from an exponential (at least 1, rounded down): a mean of 10.4
#: gives 10 events per item on average, so 1,000,000 items come with about 10,000,000 audit events
EVENTS_PER_ITEM = 10.4
LIST_QUERY = "type=application&state=implementation&sort=due_at&per_page=50"
DEEP_FRACTION = 0.9
LIST_P95_MS, DASHBOARD_P95_MS = 100.0, 300.0
#: the largest slowdown allowed (ratio of the medians, large / small): lists, dashboards
LIST_MAX_RATIO, DASHBOARD_MAX_RATIO = 1.5, 2.0
LIST_REPEATS_FACTOR = 3  # a list call costs a few ms: more calls for a steadier p95
PASSWORD = "bench-scale"
#: the city whose reviewer is measured (a copy of the shipped plan; 341500 would be the shipped one)
CITY = "340100"


def city_prefix(code: str) -> str:
    """The unit slug prefix of a city's copy of the shipped plan (``c340100_commerce``)."""
    return f"c{code}"


def deep_cursor(app: Any, plan_id: int) -> tuple[str, int]:
    """The ``after`` cursor the API hands out at 90% of the filtered list of the plan, and that position."""
    from app.item_page.listing import encode_cursor, state_condition
    from app.extensions import db
    from app.items.models import Item

    with app.app_context():
        where = (Item.plan_id == plan_id) & (Item.type == "application") & state_condition("implementation")
        total = db.session.query(Item.id).filter(where).count()
        offset = int(total * DEEP_FRACTION)
        row = db.session.execute(
            db.select(Item.id, Item.due_on).where(where)
            .order_by(Item.due_on.asc().nulls_last(), Item.id.asc()).offset(offset).limit(1)).one()
        db.session.remove()
    return encode_cursor("due_at", SimpleNamespace(id=row.id), row.due_on), offset


def list_timings(app: Any, token: str, plan_id: int, repeats: int, with_explain: bool) -> dict[str, Any]:
    """GET /api/v1/items through the app (WSGI in-process: routing, token, queries, JSON)."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    cursor, offset = deep_cursor(app, plan_id)

    def get(url: str) -> Any:
        def call() -> dict[str, Any]:
            resp = client.get(url, headers=headers)
            if resp.status_code != 200:
                raise RuntimeError(f"GET {url}: {resp.status_code} {resp.get_data(as_text=True)[:300]}")
            return resp.get_json()
        return call

    first = get(f"/api/v1/items?{LIST_QUERY}")
    deep = get(f"/api/v1/items?{LIST_QUERY}&after={cursor}")
    page, top = deep(), first()
    out = {"list_first_page": dash.timed(first, repeats), "list_deep_page": dash.timed(deep, repeats),
           "list_rows": {"total": page["total"], "total_capped": page["total_capped"],
                         "first_page_rows": len(top["items"]), "deep_offset": offset,
                         "deep_page_rows": len(page["items"])}}
    if with_explain:  # the count and the page query of each call, as the endpoint ran them
        out["explain_list"] = {"first_page": dash.explain_calls(app, first), "deep_page": dash.explain_calls(app, deep)}
    return out


def dashboard_timings(app: Any, plan_id: int, repeats: int, with_explain: bool) -> dict[str, Any]:
    """The quota board and the phase matrix as their screens call them, and EXPLAIN ANALYZE of each."""
    from app.dashboards.matrix import phase_matrix
    from app.dashboards.board import quota_board
    from app.extensions import db

    today = dash.TODAY
    with app.app_context():
        session = db.session
        out: dict[str, Any] = {"quota_board": dash.timed(lambda: quota_board(session, plan_id, today), repeats),
                               "phase_matrix": dash.timed(lambda: phase_matrix(session, plan_id, today), repeats)}
        session.remove()
    if with_explain:  # every statement each figure runs, as it ran them
        counted = ("FROM items", "item_counts", "item_due_counts")
        board = dash.in_context(app, lambda s: quota_board(s, plan_id, today))
        matrix = dash.in_context(app, lambda s: phase_matrix(s, plan_id, today))
        out["explain"] = {"quota_board": dash.explain_calls(app, board, counted),
                          "phase_matrix": dash.explain_calls(app, matrix, counted)}
    return out


FIGURES = (("list_first_page", LIST_P95_MS, LIST_MAX_RATIO), ("list_deep_page", LIST_P95_MS, LIST_MAX_RATIO),
           ("quota_board", DASHBOARD_P95_MS, DASHBOARD_MAX_RATIO),
           ("phase_matrix", DASHBOARD_P95_MS, DASHBOARD_MAX_RATIO))


def goals(sizes: dict[str, Any]) -> dict[str, Any]:
    small, large = (sizes[k] for k in sorted(sizes, key=int))
    out: dict[str, Any] = {}
    for name, limit, max_ratio in FIGURES:
        p95 = large[name]["p95_ms"]
        out[f"{name}_p95"] = {"target": f"p95 < {limit:.0f} ms at {large['items']:,} items", "measured": p95,
                              "met": p95 < limit}
        # slowdown: ratio of the medians (a p95 of few calls is nearly their max)
        ratio = round(large[name]["median_ms"] / small[name]["median_ms"], 2)
        out[f"{name}_ratio"] = {"target": f"median ≤ {max_ratio}× the one at {small['items']:,} items",
                                "measured": ratio, "met": ratio <= max_ratio,
                                "p95_ratio": round(p95 / small[name]["p95_ms"], 2)}
    return out


def print_table(report: dict[str, Any]) -> None:
    print(f"\nScale on PostgreSQL ({report['mode']}; {report['config']['viewer']}; median / p95 ms)\n")
    print("| items | audit events | plans | the plan's items | figure | median ms | p95 ms |")
    print("|---:|---:|---:|---:|---|---:|---:|")
    for res in report["sizes"].values():
        for name, _, _ in FIGURES:
            t = res[name]
            print(f"| {res['items']:,} | {res['audit_events']:,} | {res['plans']} | {res['plan_items']:,} | {name} | "
                  f"{t['median_ms']} | {t['p95_ms']} |")
    for res in report["sizes"].values():
        print(f"  {res['items']:,} items: {res['mix']}; listed in the plan: {res['plan_listed']:,} "
              f"({res['list_rows']})")
    for name, g in report["goals"].items():
        print(f"  {name}: {g['measured']} ({g['target']}): {'met' if g['met'] else 'NOT met'}")
    largest = report["sizes"][max(report["sizes"], key=int)]
    keys = ("Scan", "Rows Removed", "Execution Time")
    for page, plans in largest.get("explain_list", {}).items():
        print(f"\nEXPLAIN ANALYZE, list {page} at {largest['items']:,} items (scans, filters, times):")
        for plan in plans:
            print("\n".join("    " + line.strip() for line in plan if any(k in line for k in keys)))


def add_viewer(app: Any, city: str) -> tuple[str, int]:
    """A city reviewer on ``city``'s 商务局 (the demo ``city_reviewer`` for the shipped plan's city), and the
    id of the plan that reviewer works in (their region's one plan)."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db
    from app.plans.scope import plan_for
    from app.units.models import Unit
    from workflows.roles import Role

    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.region_code == city, Unit.slug.in_(
            ("commerce", f"{city_prefix(city)}_commerce"))))
        username = "city_reviewer" if unit.slug == "commerce" else f"{city_prefix(city)}_city_reviewer"
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            template = db.session.scalar(select(User).where(User.username == "city_reviewer"))
            user = User(username=username, display_name=f"{unit.name}审核人", role=Role.city_reviewer.value,
                        unit_id=unit.id, password_hash=template.password_hash, is_active_user=True,
                        session_version=1)
            db.session.add(user)
            db.session.commit()
        plan_id = plan_for(user.actor()).id
        db.session.remove()
    return username, plan_id


def shape(app: Any, plan_id: int) -> dict[str, Any]:
    """What the data set holds: plans, counties, and the measured plan's share of the items."""
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        row = db.session.execute(text(
            "SELECT (SELECT count(*) FROM plans) AS plans, "
            "(SELECT count(*) FROM units WHERE kind = 'county') AS counties, "
            "(SELECT count(*) FROM items WHERE plan_id = :p) AS plan_items, "
            "(SELECT count(*) FROM items WHERE plan_id = :p AND type = 'application' "
            "AND state = 'implementation') AS plan_listed"), {"p": plan_id}).one()
        db.session.remove()
    return dict(row._mapping)


def run(sizes: tuple[int, int], repeats: int, keep: bool, city: str, stages: dict[str, float]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    started = time.perf_counter()

    def stage(name: str) -> None:
        stages[name] = round(time.perf_counter() - started, 1)

    with tempfile.TemporaryDirectory(prefix="plandesk-scale-") as tmp, \
            scratch_database("plandesk_scale", keep=keep) as dbname:
        app = make_app(dbname, dash.TODAY, Path(tmp) / "storage")
        install(app, PASSWORD)
        gen = dash.Generator(dbname)
        gen.setup_province(app, city_prefix)
        viewer, plan_id = add_viewer(app, city)
        token = issue_tokens(app, [viewer])[viewer]
        stage("installed")
        for size in sizes:
            load = grow(gen, size)
            stage(f"loaded_{size}")
            print(f"  {gen.items:>7,} items, {gen.events:>9,} audit events loaded ({load.get('seconds', 0)} s)",
                  file=sys.stderr)
            measured = {**list_timings(app, token, plan_id, repeats * LIST_REPEATS_FACTOR,
                                       with_explain=size == sizes[-1]),
                        **dashboard_timings(app, plan_id, repeats, with_explain=size == sizes[-1])}
            results[str(size)] = {"items": gen.items, "audit_events": gen.events, "mix": dict(gen.types),
                                  "viewer": viewer, **shape(app, plan_id), "load": load, **measured}
            stage(f"measured_{size}")
        from app.extensions import db

        with app.app_context():
            db.engine.dispose()
    return results


def grow(gen: Any, size: int) -> dict[str, Any]:
    """COPY items up to ``size`` in steps, VACUUM ANALYZE once, back-fill the counters (the migration's SQL)."""
    started = time.perf_counter()
    added = size - gen.items
    while gen.items < size:
        gen.grow_to(min(size, gen.items + LOAD_STEP), EVENTS_PER_ITEM, vacuum=False)
    loaded = time.perf_counter()
    gen.backfill_counters()
    counted = time.perf_counter()
    gen.vacuum()
    return {"added": added, "seconds": round(time.perf_counter() - started, 1),
            "copy_seconds": round(loaded - started, 1), "counters_backfill_seconds": round(counted - loaded, 1)}


def reduced_note(large: int) -> str | None:
    if large == FULL_LARGE:
        return None
    return f"large data set reduced to {large:,} items ({large // SMALL}× the small one, not 100×)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"large size {QUICK_LARGE:,} items, fewer repeats")
    parser.add_argument("--large", type=int, help="items in the large data set")
    parser.add_argument("--repeats", type=int, help="timed calls per dashboard figure, 3× as many per list figure "
                                                    "(default 25, quick 10)")
    parser.add_argument("--json", type=Path, help="results file (default bench/results/scale[-quick].json)")
    parser.add_argument("--keep", action="store_true", help="keep the database (for EXPLAIN work)")
    parser.add_argument("--city", default=CITY, help=f"GB/T 2260 code of the city whose reviewer is measured "
                                                     f"(default {CITY})")
    args = parser.parse_args(argv)
    large = args.large or (QUICK_LARGE if args.quick else FULL_LARGE)
    repeats = args.repeats or (10 if args.quick else 25)
    started = time.perf_counter()
    load_before = os.getloadavg()
    stages: dict[str, float] = {}
    from app.units.regions import ANHUI_CITIES

    if args.city not in ANHUI_CITIES:
        parser.error(f"--city: one of {', '.join(ANHUI_CITIES)}")
    sizes = run((SMALL, large), repeats, args.keep, args.city, stages)
    env = environment(["SQLAlchemy", "psycopg", "Flask"])
    env["postgresql"] = server_version()
    env["load_average_before"], env["load_average_after"] = load_before, os.getloadavg()
    report: dict[str, Any] = {
        "benchmark": "scale", "mode": "quick" if args.quick else "full",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {"sizes": [SMALL, large], "events_per_item": EVENTS_PER_ITEM, "repeats": repeats,
                   "list_repeats": repeats * LIST_REPEATS_FACTOR,
                   "list_query": LIST_QUERY, "deep_fraction": DEEP_FRACTION,
                   "shape": "province: 16 city plans (Anhui), 7 counties each; items spread evenly over the plans",
                   "viewer": f"city_reviewer of {ANHUI_CITIES[args.city]} ({args.city}): one plan of 16",
                   "today": dash.TODAY.isoformat(),
                   "note": reduced_note(large)},
        "environment": env, "sizes": sizes}
    out = args.json or ROOT / "bench" / "results" / ("scale-quick.json" if args.quick else "scale.json")
    return finish_report(report, goals(sizes), started, stages, out, print_table)


if __name__ == "__main__":
    sys.exit(main())
