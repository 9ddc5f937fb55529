"""One function per benchmark: its result file → table rows (figure, median, floor / peer, ratio, goal,
met) and a note. Each reads only the keys its benchmark writes; a figure it cannot find becomes "–"."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = dict[str, str]


def _met(value: Any) -> str:
    return {True: "yes", False: "**no**"}.get(value, "–")


def _num(value: Any, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"
    return f"{text} {unit}".strip()


def _ratio(a: Any, b: Any) -> str:
    return f"{a / b:.2f}×" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "–"


def row(figure: str, median: str, floor: str, ratio: str, goal: str, met: Any) -> Row:
    return {"figure": figure, "median": median, "floor / peer": floor, "ratio": ratio, "goal": goal, "met": _met(met)}


def engine_rows(d: dict[str, Any]) -> tuple[list[Row], str]:
    res, goals, cfg = d.get("results", {}), d.get("goals", {}), d.get("config", {})
    ours, floor = res.get("plandesk", {}), res.get("floor", {})
    us = ours.get("us_per_transition")
    rows = [row(f"transition, whole application path ({cfg.get('items')} items, SQLite, own commit)",
                f"{_num(us, 'µs')} ({_num(ours.get('transitions_per_second'), '/s')})",
                f"raw SQL floor {_num(floor.get('us_per_transition'), 'µs')}",
                _ratio(us, floor.get("us_per_transition")),
                "≤ 4× floor", goals.get("plandesk_at_most_4x_floor", {}).get("met"))]
    for peer, key in (("python-statemachine", "faster_than_python_statemachine"),
                      ("SpiffWorkflow", "faster_than_spiffworkflow")):
        p = res.get(peer, {})
        if p.get("status") == "ok":
            rows.append(row(f"same path vs {peer}", _num(us, "µs"), f"{peer} {_num(p.get('us_per_transition'), 'µs')}",
                            _ratio(us, p.get("us_per_transition")), "< 1× (PlanDesk faster)",
                            goals.get(key, {}).get("met")))
    mem = d.get("memory", {})
    probes = mem.get("probes", {})
    if probes:
        sizes = sorted(probes, key=int)
        last, first = probes[sizes[-1]], probes[sizes[0]]
        rows.append(row(f"memory: peak RSS after dispatching {int(sizes[-1]):,} items through the engine",
                        f"{_num(last.get('peak_rss_kb_after'), 'KiB')}, {_num(last.get('traced_retained_bytes'), 'B')} "
                        f"retained", f"{int(sizes[0]):,} items: {_num(first.get('peak_rss_kb_after'), 'KiB')}",
                        f"{_num(mem.get('peak_rss_growth_kb'), 'KiB')} growth", "no growth with the items",
                        mem.get("flat")))
    return rows, f"engine: {d.get('mode')} mode, {cfg.get('repeats')} repeats, {cfg.get('items')} items."


def pdf_rows(d: dict[str, Any]) -> tuple[list[Row], str]:
    n = d.get("batch_count")
    batch = d.get(f"batch_{n}_s")
    limit = 10.0 * (n or 0) / 100
    met = d.get("met") or {}  # pdf_bench's own verdicts where it gives them; else the same rule here

    def ok(key: str, value: Any, goal: float) -> Any:
        return met[key] if key in met else (value is not None and value <= goal)

    rows = [
        row(f"notice PDF, warm render ({d.get('pages')} pages)", _num(d.get("warm_ms"), "ms"),
            f"same text, no layout {_num(d.get('floor_ms'), 'ms')}", _ratio(d.get("warm_ms"), d.get("floor_ms")),
            "≤ 100 ms", ok("warm_ms", d.get("warm_ms"), 100.0)),
        row("notice PDF, size", _num(d.get("size_kb"), "KB"), "–", "–", "≤ 200 KB",
            ok("size_kb", d.get("size_kb"), 200.0)),
        row(f"{n} notices on {d.get('batch_processes')} processes", _num(batch, "s", 2),
            f"workers' CPU / processes {_num(d.get('batch_idle_estimate_s'), 's', 2)}",
            _ratio(batch, d.get("batch_idle_estimate_s")), f"≤ {limit:.1f} s (10 s per 100)",
            ok(f"batch_{n}_s", batch, limit)),
    ]
    load = d.get("load_average")
    return rows, f"pdf: load average {_num(load)} at start (warm render and batch are wall times)."


def http_rows(d: dict[str, Any]) -> tuple[list[Row], str]:
    res, goals, cfg = d.get("results", {}), d.get("goals", {}), d.get("config", {})
    app, floor, mem = res.get("transitions", {}), res.get("floor", {}), res.get("memory", {})
    arrivals = res.get("open_loop", {})
    share = goals.get("throughput_share_of_floor", {})
    rows = [
        row(f"transitions over HTTP, {cfg.get('clients')} clients, gunicorn -w {cfg.get('workers')}, PostgreSQL",
            _num(app.get("per_second"), "req/s"), f"{cfg.get('floor')} {_num(floor.get('per_second'), 'req/s')}",
            f"{share.get('measured', 0):.2f}×", "≥ 0.4× floor", share.get("met")),
        row("same, closed-loop latency p50 / p95 (information: clients ÷ throughput)",
            f"{_num(app.get('p50_ms'), 'ms')} / {_num(app.get('p95_ms'), 'ms')}",
            f"floor {_num(floor.get('p50_ms'), 'ms')} / {_num(floor.get('p95_ms'), 'ms')}",
            _ratio(app.get("p95_ms"), floor.get("p95_ms")), "–", None),
        row(f"open loop: transitions arriving at {_num(arrivals.get('target_per_second'), '/s')} (½ the maximum), "
            "latency p50 / p95 / p99 from the scheduled send",
            f"{_num(arrivals.get('p50_ms'), 'ms')} / {_num(arrivals.get('p95_ms'), 'ms')} / "
            f"{_num(arrivals.get('p99_ms'), 'ms')}", f"achieved {_num(arrivals.get('per_second'), 'req/s')}", "–",
            "p95 < 50 ms, p99 < 100 ms",
            (goals.get("open_loop_p95", {}).get("met") and goals.get("open_loop_p99", {}).get("met"))
            if "open_loop_p95" in goals else None),
        row("memory: worker peak RSS under the HTTP load", _num((mem.get("worker_peak_rss_kb") or 0) / 1024, "MiB"),
            "RSS after warm-up → after the last run",
            f"+{_num(max((mem.get('worker_rss_growth_kb') or {'-': None}).values()), 'KiB')} "
            f"({_num(mem.get('transitions_between'))} transitions)", "no growth",
            goals.get("worker_rss_flat", {}).get("met")),
    ]
    return rows, (f"http: medians of {cfg.get('repeats')} runs of {cfg.get('seconds')} s per path, runs alternating "
                  f"floor / transitions ({cfg.get('transitions')}); the throughput ratio is the median of the "
                  "paired runs' ratios; then as many open-loop runs, arrivals at a fixed rate of half the "
                  "closed-loop median, each latency counted from its scheduled send time.")


SCALE_LABELS = {"list_first_page": "item list, first page", "list_deep_page": "item list, deep page (keyset)",
                "quota_board": "quota board", "phase_matrix": "phase matrix"}


def _ms(timing: dict[str, Any]) -> str:
    return f"{_num(timing.get('median_ms'), 'ms')} (p95 {_num(timing.get('p95_ms'), 'ms')})"


def scale_rows(d: dict[str, Any]) -> tuple[list[Row], str]:
    sizes, goals, cfg = d.get("sizes", {}), d.get("goals", {}), d.get("config", {})
    if len(sizes) < 2:
        return [], "scale: incomplete"
    small, large = (sizes[k] for k in sorted(sizes, key=int))
    rows = []
    for name, label in SCALE_LABELS.items():
        s, b = small.get(name, {}), large.get(name, {})
        list_goal = name.startswith("list")
        met = goals.get(f"{name}_p95", {}).get("met")
        if f"{name}_ratio" in goals:  # the dashboards' ratio goal came with the counters
            met = met and goals[f"{name}_ratio"].get("met")
        rows.append(row(f"{label}, {large['items']:,} items / {large['audit_events']:,} events", _ms(b),
                        f"{small['items']:,} items: {_ms(s)}",
                        f"{_ratio(b.get('median_ms'), s.get('median_ms'))} "
                        f"(p95 {_ratio(b.get('p95_ms'), s.get('p95_ms'))})",
                        "p95 < 100 ms; median ≤ 1.5× the small size's" if list_goal
                        else "p95 < 300 ms; median ≤ 2× the small size's", met))
    note = (f"scale: {cfg.get('list_repeats')} timed calls per list figure, {cfg.get('repeats')} per dashboard, after "
            f"2 warm-ups; list `{cfg.get('list_query')}` as {cfg.get('viewer', 'the city reviewer')}, deep page = the "
            f"`after` cursor {int(cfg.get('deep_fraction', 0) * 100)}% down the list.")
    if cfg.get("note"):
        note += f" **{cfg['note']}**."
    return rows, note


ROWS: dict[str, Callable[[dict[str, Any]], tuple[list[Row], str]]] = {
    "engine": engine_rows, "pdf": pdf_rows, "http": http_rows, "scale": scale_rows}
