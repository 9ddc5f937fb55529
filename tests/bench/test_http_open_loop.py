"""The HTTP bench's open loop: arrivals on a fixed schedule whatever the replies do, latency counted
from the scheduled send (so waiting counts), and the report's rows for it."""
from __future__ import annotations

import time

from bench.http_bench import run_open_loop
from bench.report_rows import http_rows


class SlowFiler:
    """A client whose every transition takes ``service`` seconds."""

    def __init__(self, service: float) -> None:
        self.service, self.sent = service, 0

    def transition(self) -> int:
        self.sent += 1
        time.sleep(self.service)
        return 200


def test_latency_counts_queueing_when_arrivals_outrun_the_clients() -> None:
    # one client serving 50/s, arrivals at 100/s: each request waits for the ones before it
    filers = [SlowFiler(0.02)]
    result = run_open_loop(filers, rate=100, seconds=0.3)  # type: ignore[arg-type]
    assert result["requests"] == filers[0].sent == 30 and result["errors"] == 0
    assert result["sent_late"] > 20
    assert result["p99_ms"] > 200  # the last arrival waited for ~29 others of 20 ms, less its 0.29 s head start


def test_latency_is_the_service_time_when_clients_keep_up() -> None:
    filers = [SlowFiler(0.02) for _ in range(4)]
    result = run_open_loop(filers, rate=50, seconds=0.4)  # type: ignore[arg-type]
    assert result["requests"] == sum(f.sent for f in filers) == 20
    assert 19 <= result["p50_ms"] < 100 and result["target_per_second"] == 50
    assert 35 < result["per_second"] <= 55  # arrivals follow the schedule, not the replies


def test_the_report_shows_the_open_loop_goals_and_keeps_closed_loop_latency_as_information() -> None:
    d = {"config": {"clients": 16, "workers": 2, "floor": "GET /api/v1/me", "repeats": 3, "seconds": 1.5},
         "results": {"floor": {"per_second": 500.0, "p50_ms": 20.0, "p95_ms": 30.0},
                     "transitions": {"per_second": 200.0, "p50_ms": 70.0, "p95_ms": 90.0},
                     "open_loop": {"target_per_second": 100.0, "per_second": 99.0, "p50_ms": 12.0, "p95_ms": 30.0,
                                   "p99_ms": 120.0},
                     "memory": {"worker_peak_rss_kb": 2048, "worker_rss_growth_kb": {"1": 4}}},
         "goals": {"throughput_share_of_floor": {"measured": 0.4, "met": True},
                   "open_loop_p95": {"measured": 30.0, "met": True}, "open_loop_p99": {"measured": 120.0, "met": False},
                   "worker_rss_flat": {"met": True}}}
    rows, note = http_rows(d)
    by_goal = {r["goal"]: r for r in rows}
    assert by_goal["≥ 0.4× floor"]["ratio"] == "0.40×" and by_goal["≥ 0.4× floor"]["met"] == "yes"
    open_row = by_goal["p95 < 50 ms, p99 < 100 ms"]
    assert open_row["median"] == "12.0 ms / 30.0 ms / 120.0 ms" and open_row["met"] == "**no**"  # p99 missed
    closed = [r for r in rows if r["figure"].startswith("same, closed-loop latency")]
    assert closed and closed[0]["goal"] == "–" and closed[0]["met"] == "–"
    assert "open-loop" in note
