"""Merge the benchmarks' result files into one table: bench/results/latest.json and latest.md.

    python bench/report.py [--quick] [--readme]

Reads engine, pdf, http and scale results of one mode (``*-quick.json`` with --quick), makes one
row per figure (benchmark, figure, median, floor or peer, ratio, goal, met), adds the machine they ran
on, writes both files and prints the table. ``--readme`` also replaces README.md's table between its
``bench:latest`` markers. A missing result file is listed as missing, never silently skipped.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import markdown_table, write_json, write_text  # noqa: E402
from bench.report_rows import ROWS  # noqa: E402

RESULTS = ROOT / "bench" / "results"
HEADERS = ["benchmark", "figure", "median", "floor / peer", "ratio", "goal", "met"]
BEGIN, END = "<!-- bench:latest:begin -->", "<!-- bench:latest:end -->"


def _first_line(path: str, prefix: str) -> str | None:
    try:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip() if ":" in line else line.split("=", 1)[1].strip('" ')
    except OSError:
        pass
    return None


def postgres_version(results: dict[str, Any]) -> str | None:
    for data in results.values():
        version = (data.get("environment") or {}).get("postgresql")
        if version:
            return str(version)
    try:
        from bench.pgdb import server_version

        return server_version()
    except Exception:  # noqa: BLE001 - no server: say so in the table rather than fail the report
        return None


def machine(results: dict[str, Any]) -> dict[str, Any]:
    mem_kb = _first_line("/proc/meminfo", "MemTotal")
    os_name = None
    try:
        match = re.search(r'^PRETTY_NAME="?([^"\n]*)', Path("/etc/os-release").read_text(), re.M)
        os_name = match.group(1) if match else None
    except OSError:
        pass
    loads = {name: (data.get("environment") or {}).get("load_average_before") for name, data in results.items()}
    return {
        "cpu": _first_line("/proc/cpuinfo", "model name") or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "ram_gib": round(int(mem_kb.split()[0]) / 1024 / 1024, 1) if mem_kb else None,
        "os": f"{os_name or platform.system()} (kernel {platform.release()})",
        "python": platform.python_version(),
        "postgresql": postgres_version(results),
        "sqlite": sqlite3.sqlite_version,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_at_start": {k: v for k, v in loads.items() if v is not None},
    }


def machine_line(m: dict[str, Any]) -> str:
    loads = ", ".join(f"{k} {v[0] if isinstance(v, list) else v:.1f}" for k, v in m["load_average_at_start"].items())
    line = (f"{m['date']}; {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; {m['os']}; Python {m['python']}, "
            f"PostgreSQL {m['postgresql']}, SQLite {m['sqlite']}")
    return line + (f"; 1-min load average at start: {loads}" if loads else "")


def load_results(quick: bool) -> tuple[dict[str, Any], list[str]]:
    found, missing = {}, []
    for name in ("engine", "pdf", "http", "scale"):
        path = RESULTS / f"{name}{'-quick' if quick else ''}.json"
        if path.exists():
            found[name] = json.loads(path.read_text(encoding="utf-8"))
        else:
            missing.append(path.name)
    return found, missing


def render(report: dict[str, Any]) -> str:
    mode = "quick (`make bench QUICK=1`)" if report["mode"] == "quick" else "full (`make bench`)"
    lines = [f"Benchmarks, {mode}. Machine: {machine_line(report['machine'])}.", ""]
    lines.append(markdown_table(HEADERS, [[r[h] for h in HEADERS] for r in report["rows"]], "lllllll"))
    notes = [n for n in report["notes"] if n]
    if report["missing"]:
        notes.append("missing result files: " + ", ".join(report["missing"]))
    if notes:
        lines += [""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def update_readme(markdown: str) -> bool:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        return False
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{markdown}{END}{tail}", encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="merge the *-quick.json results")
    parser.add_argument("--readme", action="store_true", help="also put the table into README.md")
    args = parser.parse_args(argv)
    results, missing = load_results(args.quick)
    rows, notes = [], []
    for name, data in results.items():
        made, note = ROWS[name](data)
        rows += [{"benchmark": name, **r} for r in made]
        notes.append(note)
    report = {"created_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "mode": "quick" if args.quick else "full", "machine": machine(results), "rows": rows,
              "notes": notes, "missing": missing,
              "sources": {n: f"bench/results/{n}{'-quick' if args.quick else ''}.json" for n in results}}
    markdown = render(report)
    write_json(RESULTS / "latest.json", report)
    write_text(RESULTS / "latest.md", markdown)
    print(markdown)
    if args.readme and not update_readme(markdown):
        print("README.md has no bench:latest markers: not updated", file=sys.stderr)
    print("wrote bench/results/latest.json and bench/results/latest.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
