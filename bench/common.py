"""Helpers shared by PlanDesk's benchmarks: timing statistics, SQLite settings, environment, output.

Benchmarks report medians over repeated runs (never a single run) and write their results twice: as
JSON for machines and diffs, and as a Markdown table for people. Nothing here imports the app.
"""
from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: The pragmas PlanDesk sets on every SQLite connection (app/database.py), in the same order.
#: The benchmark reads them back from both the app's and the floor's connections and reports any
#: difference, so the floor can never silently run with cheaper settings than the app.
SQLITE_PRAGMAS = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")


# -- statistics --------------------------------------------------------------------------------

def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction in 0..1) of values in any order."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return float(ordered[index])


def latency_summary(latencies_s: Iterable[float]) -> dict[str, float]:
    """p50/p95/p99/max of per-operation latencies, in microseconds."""
    values = sorted(latencies_s)
    return {
        "p50": round(percentile(values, 0.50) * 1e6, 1),
        "p95": round(percentile(values, 0.95) * 1e6, 1),
        "p99": round(percentile(values, 0.99) * 1e6, 1),
        "max": round((values[-1] if values else float("nan")) * 1e6, 1),
    }


def rate_summary(seconds_per_repeat: Sequence[float], operations: int) -> dict[str, Any]:
    """Throughput from the wall time of each repeat: the median repeat decides, min and max show spread."""
    med = median(seconds_per_repeat)
    return {
        "repeats": len(seconds_per_repeat),
        "seconds": [round(s, 4) for s in seconds_per_repeat],
        "median_seconds": round(med, 4),
        "operations": operations,
        "per_second": round(operations / med, 1) if med > 0 else None,
        "us_per_operation": round(med / operations * 1e6, 1) if operations else None,
        "spread_pct": round((max(seconds_per_repeat) - min(seconds_per_repeat)) / med * 100, 1) if med > 0 else None,
    }


# -- SQLite ------------------------------------------------------------------------------------

def sqlite_settings(conn: sqlite3.Connection) -> dict[str, Any]:
    """The values of SQLITE_PRAGMAS as this connection sees them."""
    return {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in SQLITE_PRAGMAS}


def connect_like_plandesk(path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    """A raw sqlite3 connection with PlanDesk's settings: driver transactions off (the caller says
    BEGIN IMMEDIATE), WAL, synchronous=FULL, foreign keys, busy timeout."""
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=busy_timeout_ms / 1000,
                           check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    return conn


def checkpoint(path: Path) -> None:
    """Fold the WAL into the database file, so a plain copy of the file is the whole database."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def filesystem_type(path: Path) -> str:
    """The filesystem a path lives on (ext4, tmpfs, ...): fsync costs differ by orders of magnitude."""
    try:
        target = os.path.realpath(path)
        best, kind = "", "unknown"
        with open("/proc/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                parts = line.split()
                if len(parts) >= 3 and (target == parts[1] or target.startswith(parts[1].rstrip("/") + "/")) \
                        and len(parts[1]) >= len(best):
                    best, kind = parts[1], parts[2]
        return kind
    except OSError:
        return "unknown"


# -- environment -------------------------------------------------------------------------------

def package_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def environment(packages: Iterable[str]) -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(terse=True),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "packages": {name: package_version(name) for name in packages},
    }


# -- output ------------------------------------------------------------------------------------

def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` as indented JSON, atomically (a ``.tmp`` beside it, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], align: str | None = None) -> str:
    """A GitHub-flavoured Markdown table; ``align`` is one letter per column (l, r, c)."""
    align = align or "l" + "r" * (len(headers) - 1)
    marks = {"l": ":---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(marks[a] for a in align) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def relative_to_root(path: Path) -> str:
    """A path as written into result files: relative to the repository, never an absolute one."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return Path(path).name


def finish_report(report: dict[str, Any], goals: Mapping[str, Any], started: float, stages: Mapping[str, float],
                  out: Path, print_table: Any) -> int:
    """Add the goals and timings to ``report``, write it to ``out``, print its table; the exit status."""
    import time

    report["goals"] = dict(goals)
    report["config"]["wall_seconds"] = round(time.perf_counter() - started, 1)
    report["config"]["stages_seconds_since_start"] = dict(stages)
    write_json(out, report)
    print_table(report)
    print(f"\nwrote {relative_to_root(out)} ({report['config']['wall_seconds']} s)")
    return 0
