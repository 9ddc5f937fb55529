"""HTTP benchmark: transitions through the JSON API on gunicorn (2 workers) and PostgreSQL.

    python bench/http_bench.py [--quick] [--json bench/results/http.json] [--seconds S] [--repeats R]

Creates a fresh PostgreSQL database (dropped at the end) and installs the app into it (migrations,
the Lu'an plan, the demo accounts), starts ``gunicorn -w 2 wsgi:app`` on a free loopback port with the
production settings, and lets 16 client threads (HTTP/1.1 keep-alive, which gunicorn's default sync
workers end after each reply, so each request opens a loopback connection; one county filer's token
each) create their own applications through the API, each with one evidence file. Then, for a fixed
time per run, each client fires transitions on its own items only: ``submit`` (draft → county review)
and ``withdraw`` (back to draft, with a comment), so the run never runs out of items. The floor is
``GET /api/v1/me`` on the same server with the same clients and tokens: authentication, one small
query and a JSON reply. Runs alternate floor / transitions; throughput and latencies are medians
over the repeats. Worker RSS is sampled throughout (peak) and read after each run (growth).

The closed-loop latencies (16 clients always waiting: latency = clients ÷ throughput) are kept as
information; the latency goals are measured open loop: transitions arriving at a fixed rate, half the
closed-loop maximum, each sent at its scheduled time by whichever client is free (the 16 clients'
own items), its latency counted from the scheduled time, so time spent queueing counts.
"""
from __future__ import annotations

import argparse
import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import environment, finish_report, median, percentile  # noqa: E402
from bench.httpclient import ApiClient  # noqa: E402
from bench.pgdb import install, issue_tokens, make_app, sa_url, scratch_database, server_version  # noqa: E402

TODAY = date(2018, 7, 10)  # the mobilization phase: applications are being filed
COUNTIES = ("huoqiu", "shucheng", "jinzhai", "huoshan", "jinan", "yuan", "yeji")
CLIENTS, WORKERS, ITEMS_PER_CLIENT = 16, 2, 2
PASSWORD = "bench-" + secrets.token_hex(4)
#: what the 申报表 of a provincial demonstration village requires before it may be submitted
VILLAGE_FIELDS = {"town": "城关镇", "main_products": "茶叶、农产品", "online_sales": 120,
                  "highlights": "村级电商服务站运营良好。", "contact_person": "张三", "contact_phone": "0564-1234567"}
GOAL_SHARE = 0.4
#: open loop: arrivals at this share of the closed-loop maximum, and the latency goals there
OPEN_LOOP_SHARE, GOAL_P95_MS, GOAL_P99_MS = 0.5, 50.0, 100.0
#: a worker's RSS "does not grow" when it ends the runs within this of where it was after warm-up
RSS_SLACK_KB = 4096


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker_pids(master: int) -> list[int]:
    try:
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler(threading.Thread):
    """Reads the workers' RSS every 100 ms and keeps each one's peak."""

    def __init__(self, master: int) -> None:
        super().__init__(daemon=True)
        self.master, self.peak_kb, self.stop = master, {}, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            for pid in worker_pids(self.master):
                self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), rss_kb(pid))


def launch_gunicorn(dbname: str, port: int, storage: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PLANDESK_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "DATABASE_URL": sa_url(dbname), "PLANDESK_STORAGE_DIR": str(storage),
           "PLANDESK_TODAY": TODAY.isoformat(), "PLANDESK_BASE_URL": f"http://127.0.0.1:{port}"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    cmd = [str(gunicorn), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--timeout", "120",
           "--error-logfile", str(log), "wsgi:app"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(proc: subprocess.Popen, port: int, log: Path) -> None:
    """Until both workers run and one answers; fails with the end of gunicorn's log."""
    deadline = time.monotonic() + 90
    probe = ApiClient(port)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if probe.call("GET", "/api/v1/openapi.json")[0] == 200 and len(worker_pids(proc.pid)) == WORKERS:
                probe.close()
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer within 90 s")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Filer:
    """One client: its connection, its county filer's token and its own applications (id → version, state)."""

    def __init__(self, port: int, county: str, token: str) -> None:
        self.api = ApiClient(port, token)
        self.county = county
        self.items: list[list[Any]] = []
        self.turn = 0

    def create_items(self, n: int) -> None:
        for _ in range(n):
            status, body = self.api.call("POST", "/api/v1/applications", {
                "category": "provincial_demo_village", "county": self.county, "site_name": "压测示范村",
                "fields": VILLAGE_FIELDS})
            if status != 201:
                raise RuntimeError(f"create application: {status} {body}")
            status, att = self.api.upload(f"/api/v1/items/{body['id']}/attachments", "证明材料.txt",
                                          "村级电商服务站建设情况说明。\n".encode())
            if status != 201:
                raise RuntimeError(f"upload evidence: {status} {att}")
            self.items.append([body["id"], body["version"], body["state"]])

    def transition(self) -> int:
        item = self.items[self.turn % len(self.items)]
        self.turn += 1
        payload: dict[str, Any] = {"trigger": "submit", "version": item[1]}
        if item[2] != "mobilization.draft":
            payload = {"trigger": "withdraw", "version": item[1], "comment": "压测：撤回修改"}
        status, body = self.api.call("POST", f"/api/v1/items/{item[0]}/transitions", payload)
        if status == 200:
            item[1], item[2] = body["version"], body["state"]
        return status

    def floor(self) -> int:
        return self.api.call("GET", "/api/v1/me")[0]


def run_clients(filers: list[Filer], kind: str, seconds: float) -> dict[str, Any]:
    """Every client fires ``kind`` requests back to back for ``seconds``; throughput and latencies."""
    barrier = threading.Barrier(len(filers) + 1)
    latencies: list[list[float]] = [[] for _ in filers]
    failures: list[list[int]] = [[] for _ in filers]
    ends = [0.0] * len(filers)
    clock: dict[str, float] = {}

    def work(i: int, filer: Filer) -> None:
        fire = filer.transition if kind == "transitions" else filer.floor
        barrier.wait()
        stop = clock["start"] + seconds
        while (t0 := time.perf_counter()) < stop:
            status = fire()
            latencies[i].append(time.perf_counter() - t0)
            if status != 200:
                failures[i].append(status)
        ends[i] = time.perf_counter()

    threads = [threading.Thread(target=work, args=(i, f)) for i, f in enumerate(filers)]
    for t in threads:
        t.start()
    clock["start"] = start = time.perf_counter()
    barrier.wait()
    for t in threads:
        t.join()
    flat = sorted(x for lat in latencies for x in lat)
    errors = [s for f in failures for s in f]
    elapsed = max(ends) - start
    return {"requests": len(flat), "errors": len(errors), "error_statuses": sorted(set(errors)),
            "seconds": round(elapsed, 3), "per_second": round(len(flat) / elapsed, 1),
            "p50_ms": round(percentile(flat, 0.50) * 1000, 2), "p95_ms": round(percentile(flat, 0.95) * 1000, 2),
            "p99_ms": round(percentile(flat, 0.99) * 1000, 2)}


def run_open_loop(filers: list[Filer], rate: float, seconds: float) -> dict[str, Any]:
    """Transitions arriving at ``rate`` per second for ``seconds``, whatever the replies do: each is sent
    at its scheduled time by a free client (or as soon as one is free) and its latency runs from that
    scheduled time, so waiting for a client or for the server counts."""
    count = max(1, int(rate * seconds))
    start = time.perf_counter() + 0.05
    schedule: queue.SimpleQueue[float] = queue.SimpleQueue()
    for k in range(count):
        schedule.put(start + k / rate)
    latencies: list[list[float]] = [[] for _ in filers]
    failures: list[list[int]] = [[] for _ in filers]
    late_sends: list[int] = [0] * len(filers)

    def work(i: int, filer: Filer) -> None:
        while True:
            try:
                due = schedule.get_nowait()
            except queue.Empty:
                return
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.001:
                late_sends[i] += 1  # every client was busy at its time
            status = filer.transition()
            latencies[i].append(time.perf_counter() - due)
            if status != 200:
                failures[i].append(status)

    threads = [threading.Thread(target=work, args=(i, f)) for i, f in enumerate(filers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    flat = sorted(x for lat in latencies for x in lat)
    errors = [s for f in failures for s in f]
    return {"requests": len(flat), "errors": len(errors), "error_statuses": sorted(set(errors)),
            "target_per_second": round(rate, 1), "per_second": round(len(flat) / elapsed, 1),
            "seconds": round(elapsed, 3), "sent_late": sum(late_sends),
            "p50_ms": round(percentile(flat, 0.50) * 1000, 2), "p95_ms": round(percentile(flat, 0.95) * 1000, 2),
            "p99_ms": round(percentile(flat, 0.99) * 1000, 2)}


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"per_second": round(median([r["per_second"] for r in runs]), 1),
            "p50_ms": round(median([r["p50_ms"] for r in runs]), 2),
            "p95_ms": round(median([r["p95_ms"] for r in runs]), 2),
            "p99_ms": round(median([r["p99_ms"] for r in runs]), 2),
            "requests": sum(r["requests"] for r in runs), "errors": sum(r["errors"] for r in runs),
            "runs": runs}


def measure(port: int, master: int, tokens: dict[str, str], seconds: float, repeats: int,
            stages: dict[str, float], started: float) -> dict[str, Any]:
    counties = [COUNTIES[i % len(COUNTIES)] for i in range(CLIENTS)]
    filers = [Filer(port, county, tokens[f"{county}_filer"]) for county in counties]
    creators = [threading.Thread(target=f.create_items, args=(ITEMS_PER_CLIENT,)) for f in filers]
    for t in creators:
        t.start()
    for t in creators:
        t.join()
    if any(len(f.items) != ITEMS_PER_CLIENT for f in filers):
        raise RuntimeError("a client could not create its applications (see above)")
    stages["items_created"] = round(time.perf_counter() - started, 1)
    sampler = RssSampler(master)
    sampler.start()
    run_clients(filers, "floor", min(0.5, seconds))  # warm-up: connections, caches, plans
    run_clients(filers, "transitions", min(0.5, seconds))
    pids = worker_pids(master)
    rss_start = {pid: rss_kb(pid) for pid in pids}
    floor_runs, app_runs, rss_after = [], [], []
    for _ in range(repeats):
        floor_runs.append(run_clients(filers, "floor", seconds))
        app_runs.append(run_clients(filers, "transitions", seconds))
        rss_after.append({pid: rss_kb(pid) for pid in pids})
    # open loop at half the closed-loop maximum (the median of the transitions runs)
    rate = OPEN_LOOP_SHARE * median([r["per_second"] for r in app_runs])
    open_runs = [run_open_loop(filers, rate, seconds) for _ in range(repeats)]
    rss_after.append({pid: rss_kb(pid) for pid in pids})
    sampler.stop.set()
    sampler.join()
    for f in filers:
        f.api.close()
    transitions = sum(r["requests"] for r in app_runs) + sum(r["requests"] for r in open_runs)
    open_loop = summarize(open_runs)
    open_loop["target_per_second"] = round(rate, 1)
    growth = {str(pid): rss_after[-1][pid] - rss_start[pid] for pid in pids}
    return {"floor": summarize(floor_runs), "transitions": summarize(app_runs), "open_loop": open_loop, "memory": {
        "worker_peak_rss_kb": max(sampler.peak_kb.values()),
        "worker_hwm_kb": {str(pid): rss_kb(pid, "VmHWM") for pid in pids},
        "worker_rss_after_warmup_kb": {str(p): v for p, v in rss_start.items()},
        "worker_rss_after_each_run_kb": [{str(p): v for p, v in r.items()} for r in rss_after],
        "worker_rss_growth_kb": growth, "transitions_between": transitions,
        "flat": max(growth.values()) < RSS_SLACK_KB}}


def goals(res: dict[str, Any]) -> dict[str, Any]:
    floor, app, mem, arrivals = res["floor"], res["transitions"], res["memory"], res["open_loop"]
    # each transitions run against the floor run just before it, so a change of machine load between
    # runs moves both sides of a ratio; the median of those ratios is the figure
    share = median([a["per_second"] / f["per_second"] for f, a in zip(floor["runs"], app["runs"])])
    return {
        "throughput_share_of_floor": {"target": f"≥ {GOAL_SHARE}× the floor's requests/s (median of paired runs)",
                                      "measured": round(share, 3), "met": share >= GOAL_SHARE and app["errors"] == 0},
        "open_loop_p95": {"target": f"p95 < {GOAL_P95_MS:.0f} ms at {arrivals['target_per_second']} arrivals/s "
                                    f"(½ the maximum)", "measured": arrivals["p95_ms"],
                          "met": arrivals["p95_ms"] < GOAL_P95_MS and arrivals["errors"] == 0},
        "open_loop_p99": {"target": f"p99 < {GOAL_P99_MS:.0f} ms at {arrivals['target_per_second']} arrivals/s",
                          "measured": arrivals["p99_ms"],
                          "met": arrivals["p99_ms"] < GOAL_P99_MS and arrivals["errors"] == 0},
        "worker_rss_flat": {"target": f"worker RSS grows < {RSS_SLACK_KB // 1024} MiB over the runs",
                            "measured": max(mem["worker_rss_growth_kb"].values()), "met": mem["flat"]},
    }


def print_table(report: dict[str, Any]) -> None:
    res, cfg = report["results"], report["config"]
    print(f"\nHTTP on gunicorn ({cfg['workers']} {cfg['worker_class']} workers) + PostgreSQL, {cfg['clients']} "
          f"clients, {cfg['repeats']} × {cfg['seconds']} s per path; medians over the runs\n")
    print("| path | requests/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, label in (("floor", "floor: GET /api/v1/me"), ("transitions", "POST …/transitions")):
        r = res[name]
        print(f"| {label} | {r['per_second']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['errors']} |")
    r = res["open_loop"]
    print(f"| open loop: transitions arriving at {r['target_per_second']}/s | {r['per_second']} | {r['p50_ms']} | "
          f"{r['p95_ms']} | {r['p99_ms']} | {r['errors']} |")
    mem = res["memory"]
    print(f"\nworker peak RSS {mem['worker_peak_rss_kb'] / 1024:.1f} MiB; growth after warm-up "
          f"{max(mem['worker_rss_growth_kb'].values())} KiB over {mem['transitions_between']} transitions")
    for name, g in report["goals"].items():
        print(f"  {name}: {g['measured']} ({g['target']}): {'met' if g['met'] else 'NOT met'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 runs of 1.5 s per path (full: 5 of 10 s)")
    parser.add_argument("--seconds", type=float, help="length of one run")
    parser.add_argument("--repeats", type=int, help="runs per path")
    parser.add_argument("--json", type=Path, help="results file (default bench/results/http[-quick].json)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)
    # a TERM (make interrupted, a CI timeout) unwinds like an exception: gunicorn stopped, database dropped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    seconds = args.seconds or (1.5 if args.quick else 10.0)
    repeats = args.repeats or (3 if args.quick else 5)
    started = time.perf_counter()
    load_before = os.getloadavg()
    stages: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="plandesk-http-") as tmp, \
            scratch_database("plandesk_http", keep=args.keep) as dbname:
        storage = Path(tmp) / "storage"
        port = free_port()
        # gunicorn's workers import the app while this process installs it into the database
        proc = launch_gunicorn(dbname, port, storage, Path(tmp) / "gunicorn.log")
        try:
            app = make_app(dbname, TODAY, storage)
            install(app, PASSWORD)
            tokens = issue_tokens(app, [f"{county}_filer" for county in COUNTIES])
            stages["install"] = round(time.perf_counter() - started, 1)
            wait_ready(proc, port, Path(tmp) / "gunicorn.log")
            stages["server_ready"] = round(time.perf_counter() - started, 1)
            results = measure(port, proc.pid, tokens, seconds, repeats, stages, started)
        finally:
            stop_gunicorn(proc)
    env = environment(["gunicorn", "SQLAlchemy", "psycopg", "Flask"])
    env["postgresql"] = server_version()
    env["load_average_before"], env["load_average_after"] = load_before, os.getloadavg()
    report: dict[str, Any] = {
        "benchmark": "http", "mode": "quick" if args.quick else "full",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {"clients": CLIENTS, "workers": WORKERS, "worker_class": "sync", "seconds": seconds,
                   "repeats": repeats, "items": CLIENTS * ITEMS_PER_CLIENT, "today": TODAY.isoformat(),
                   "floor": "GET /api/v1/me", "transitions": "submit / withdraw (with comment), own items",
                   "open_loop_share": OPEN_LOOP_SHARE},
        "environment": env, "results": results}
    out = args.json or ROOT / "bench" / "results" / ("http-quick.json" if args.quick else "http.json")
    return finish_report(report, goals(results), started, stages, out, print_table)


if __name__ == "__main__":
    sys.exit(main())
