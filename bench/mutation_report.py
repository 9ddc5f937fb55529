"""The mutation score of `make mutate`: bench/results/mutation.json and mutation.md.

    python bench/mutation_report.py [--note TEXT]

Reads mutmut's per-file results under mutants/ (``*.meta``), keeps the mutants in scope of
bench/mutation_targets.yaml (a module's ``functions`` when it names some), counts per module the
mutants killed (a failing test or a timeout), survived, without a covering test and not run, lists every survivor
with the line it changed and its explanation from bench/mutation_notes.yaml (glob pattern over the
mutant name → one line; a survivor without one is marked UNEXPLAINED), writes both files and prints
the table, followed by bench/mutation_manual.md (mutants made by hand where mutmut does not reach).
"""
from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import sys
from collections import Counter
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import markdown_table, write_json, write_text  # noqa: E402
from bench.mutate import TARGETS_FILE, scope_module  # noqa: E402

MUTANTS = ROOT / "mutants"
NOTES = ROOT / "bench" / "mutation_notes.yaml"
MANUAL = ROOT / "bench" / "mutation_manual.md"
RESULTS = ROOT / "bench" / "results"
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
          36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout", None: "not run"}
COLUMNS = ("killed", "timeout", "survived", "no tests", "not run", "other")


def load_results() -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """module path → {mutant name: exit code}, from every .meta file mutmut wrote, in scope only; and
    module path → seconds its mutants took to run."""
    scope = scope_module()
    targets = scope.load_targets(TARGETS_FILE)
    found: dict[str, dict[str, Any]] = {}
    seconds: dict[str, float] = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        codes = data.get("exit_code_by_key", {})
        durations = data.get("durations_by_key", {})
        codes = {name: code for name, code in codes.items()
                 if (target := scope.target_of(targets, name)) is not None and target.covers(name)}
        if codes:
            module = str(meta.relative_to(MUTANTS))[: -len(".meta")]
            found[module] = codes
            seconds[module] = sum(durations.get(name) or 0.0 for name in codes)
    return found, seconds


def status_of(code: Any) -> str:
    status = STATUS.get(code, "other")
    return status if status != "skipped" else "other"


def changed_line(module: str, mutant: str) -> str:
    """The line the mutant changed, read from mutmut's mutated copy of the module."""
    path = MUTANTS / module
    func = mutant.rsplit(".", 1)[-1]
    orig = func.rsplit("__mutmut_", 1)[0] + "__mutmut_orig"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return ""
    bodies = {n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if func not in bodies or orig not in bodies:
        return ""
    before = ast.unparse(bodies[orig]).splitlines()[1:]
    after = ast.unparse(bodies[func]).splitlines()[1:]
    added = [line.strip() for line in difflib.ndiff(before, after) if line.startswith("+ ")]
    return " / ".join(added)[:160] or "(line removed)"


def explanation(notes: dict[str, str], mutant: str) -> str:
    for pattern, why in notes.items():
        if fnmatchcase(mutant, pattern):
            return why
    return "UNEXPLAINED"


def summarise(results: dict[str, dict[str, Any]], notes: dict[str, str],
              seconds: dict[str, float] | None = None) -> dict[str, Any]:
    modules = []
    survivors = []
    totals: Counter[str] = Counter()
    for module, codes in results.items():
        counts = Counter(status_of(code) for code in codes.values())
        totals.update(counts)
        tested = counts["killed"] + counts["timeout"] + counts["survived"]
        modules.append({"module": module, "total": len(codes), **{c: counts[c] for c in COLUMNS},
                        "seconds": round((seconds or {}).get(module, 0.0)),
                        "score": round(100 * (counts["killed"] + counts["timeout"]) / tested, 1) if tested else None})
        for name, code in codes.items():
            if status_of(code) == "survived":
                survivors.append({"mutant": name, "change": changed_line(module, name),
                                  "why": explanation(notes, name)})
    tested = totals["killed"] + totals["timeout"] + totals["survived"]
    return {"modules": modules, "survivors": survivors,
            "total": {"total": sum(m["total"] for m in modules), **{c: totals[c] for c in COLUMNS},
                      "seconds": sum(m["seconds"] for m in modules),
                      "score": round(100 * (totals["killed"] + totals["timeout"]) / tested, 1) if tested else None}}


def markdown(summary: dict[str, Any], header: str) -> str:
    rows = [[m["module"], m["total"], *(m[c] for c in COLUMNS), "" if m["score"] is None else f"{m['score']}%",
             m["seconds"]] for m in summary["modules"]]
    t = summary["total"]
    rows.append(["**all**", t["total"], *(t[c] for c in COLUMNS), "" if t["score"] is None else f"{t['score']}%",
                 t["seconds"]])
    table = markdown_table(["module", "mutants", *COLUMNS, "score", "mutant s"], rows,
                           "l" + "r" * (len(COLUMNS) + 3))
    surv = markdown_table(["mutant", "change", "why it survives"],
                          [[f"`{s['mutant']}`", f"`{s['change']}`" if s["change"] else "", s["why"]]
                           for s in summary["survivors"]], "lll")
    unexplained = sum(1 for s in summary["survivors"] if s["why"] == "UNEXPLAINED")
    return (f"{header}\n\nScore = (killed + timeout) / (killed + timeout + survived); \"not run\" mutants were "
            f"not reached in this run; \"mutant s\": seconds spent running the module's mutants (one worker).\n\n"
            f"{table}\n\n## Surviving mutants ({len(summary['survivors'])}, "
            f"{unexplained} unexplained)\n\n{surv}\n")


def equivalents(summary: dict[str, Any]) -> str:
    """The short list: every survivor and why it is left (equivalent, or caught on PostgreSQL only)."""
    rows = [[f"`{s['mutant']}`", s["why"]] for s in summary["survivors"]]
    pg = sum(1 for s in summary["survivors"] if s["why"].startswith("NOT equivalent"))
    late = sum(1 for s in summary["survivors"] if s["why"].startswith("KILLED"))
    return ("# Surviving mutants of `make mutate`\n\nWritten by bench/mutation_report.py from "
            "bench/mutation_notes.yaml; `python bench/mutate.py show NAME` shows the change. "
            f"{len(rows)} survivors: {len(rows) - pg - late} equivalent or harmless, {pg} caught on PostgreSQL "
            f"only (the mutation run is SQLite-only), {late} killed by a test added after the run.\n\n"
            + markdown_table(["mutant", "why it survives"], rows, "ll") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--note", default="", help="what was run, printed under the heading")
    args = parser.parse_args()
    results, seconds = load_results()
    if not results:
        sys.exit("no mutmut results under mutants/: run `make mutate` first")
    notes = yaml.safe_load(NOTES.read_text(encoding="utf-8")) if NOTES.exists() else {}
    summary = summarise(results, notes or {}, seconds)
    at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (f"# Mutation testing (`make mutate`)\n\nmutmut, {at}; 1-min load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores. {args.note}".rstrip())
    summary["at"], summary["note"] = at, args.note
    RESULTS.mkdir(parents=True, exist_ok=True)
    write_json(RESULTS / "mutation.json", summary)
    text = markdown(summary, header)
    if MANUAL.exists():
        text += "\n" + MANUAL.read_text(encoding="utf-8")
    write_text(RESULTS / "mutation.md", text)
    write_text(RESULTS / "mutation-equivalent.md", equivalents(summary))
    print(text)


if __name__ == "__main__":
    main()
