"""A tiny run of bench/engine_bench.py, so the benchmark cannot rot between its real runs.

No timing is asserted. What is: the report has the shape the issue asks for, every measured path
really moved its items to consolidation and wrote one chained audit event per transition, the floor
ran the engine's statements plus the counters' upserts and the notifications PlanDesk writes (and the
engine-only floor nothing else) with PlanDesk's SQLite settings, both told as many people, a peer either
ran or says why not, and the memory probe found no row or machine model kept.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from bench import engine_bench as eb
from bench.peers import PEERS

pytestmark = pytest.mark.slow

ITEMS = 3


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    opts = eb.Options(items=ITEMS, repeats=1, warmup=1, memory_items=(40, 80), in_memory_items=2, statement_items=1,
                      profile_items=2, workdir=tmp_path_factory.mktemp("engine_bench"), log=lambda _msg: None)
    return eb.run_benchmark(opts)


def test_report_structure(report: dict[str, Any]) -> None:
    assert {"config", "environment", "results", "without_database", "memory", "profile", "goals"} <= set(report)
    assert report["config"]["transitions"] == ITEMS * len(report["config"]["path"]) == ITEMS * 8
    assert report["config"]["path"][0].startswith("mobilization.draft --submit-->")
    assert report["config"]["path"][-1].endswith("--> consolidation")
    assert {"plandesk_at_most_4x_floor", "memory_flat", "all_runs_verified"} <= set(report["goals"])
    for res in report["results"].values():
        if res["status"] == "ok":
            assert res["transitions_per_second"] > 0 and res["us_per_transition"] > 0
            assert res["ratio_to_floor"] is not None and res["timing"]["repeats"] == 1
    assert report["results"]["floor"]["ratio_to_floor"] == 1.0
    json.dumps(report)  # serialisable as it is


@pytest.mark.parametrize("path", ["floor", "floor via SQLAlchemy Core", "plandesk"])
def test_floor_and_plandesk_moved_every_item(report: dict[str, Any], path: str) -> None:
    res = report["results"][path]
    assert res["status"] == "ok"
    checked = res["verified"]
    assert checked["ok"] and res["all_repeats_verified"]
    assert checked["in_consolidation"] == ITEMS
    assert checked["audit_events_written"] == checked["audit_events_expected"] == ITEMS * 8
    assert checked["chains_checked"] == ITEMS and checked["chains_broken"] == 0
    if path != "floor":  # nothing per item stays in the session or on the shared machine
        assert res["retained_after_run"] == {"session_rows": 0, "session_items": 0, "machine_models": 0}


def test_floor_runs_the_engines_statements_with_plandesks_settings(report: dict[str, Any]) -> None:
    floor, plandesk = report["results"]["floor"], report["results"]["plandesk"]
    assert floor["sqlite_settings"] == plandesk["sqlite_settings"]
    assert floor["sqlite_settings"]["journal_mode"] == "wal" and floor["sqlite_settings"]["synchronous"] == 2
    assert report["sqlite_settings_identical"]
    engine_only = report["results"]["floor, engine statements only"]
    assert engine_only["statements"]["by_statement"] == {"BEGIN IMMEDIATE": 1, "SELECT items": 1,
                                                         "SELECT audit_events": 1, "UPDATE items": 1,
                                                         "INSERT audit_events": 1, "COMMIT": 1}
    # the floor writes what PlanDesk's transition writes besides the engine's rows: one upsert per
    # counter table and the notifications of the same people
    by_statement = floor["statements"]["by_statement"]
    assert {k: by_statement[k] for k in ("INSERT item_counts", "INSERT item_due_counts")} == {
        "INSERT item_counts": 1, "INSERT item_due_counts": 1}
    assert by_statement["INSERT users"] > 0
    assert floor["verified"]["notifications_written"] == plandesk["verified"]["notifications_written"] > 0
    assert plandesk["statements"]["by_statement"]["INSERT audit_events"] == 1


@pytest.mark.parametrize("info", PEERS, ids=[p.name for p in PEERS])
def test_peer_ran_or_says_why_not(report: dict[str, Any], info: Any) -> None:
    res = report["results"][info.name]
    if importlib.util.find_spec(info.module) is None:
        assert res["status"] == "unavailable" and res["reason"]
        return
    assert res["status"] == "ok", res.get("reason")
    assert res["verified"]["ok"]
    assert res["verified"]["audit_events_written"] == ITEMS * 8 and res["verified"]["chains_broken"] == 0
    assert report["without_database"][info.name]["status"] == "ok"


def test_memory_probe_keeps_nothing_per_item(report: dict[str, Any]) -> None:
    memory = report["memory"]
    assert memory["status"] == "ok", memory.get("reason")
    for probe in memory["probes"].values():
        assert probe["machine_models"] == 0
        assert probe["sampled_rows"] > 0 and probe["sampled_rows_alive"] == 0


def test_profile_names_where_time_goes(report: dict[str, Any]) -> None:
    profile = report["profile"]
    assert {a["area"] for a in profile["by_area"]} >= {"SQLAlchemy"}
    assert any(f["function"].endswith("fire_transition") for f in profile["inclusive"])


def test_command_line_writes_json_and_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "engine.json"
    assert eb.main(["--items", "2", "--repeats", "1", "--no-peers", "--memory-items", "20", "40",
                    "--workdir", str(tmp_path), "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["results"]["plandesk"]["verified"]["ok"]
    assert str(tmp_path) not in out.read_text(encoding="utf-8")  # no path outside the repository in results
    assert "| plandesk |" in out.with_suffix(".md").read_text(encoding="utf-8")
    assert "| floor |" in capsys.readouterr().out


def test_a_peer_that_cannot_load_is_unavailable_with_the_reason() -> None:
    from bench.peers import PeerInfo, load_peer

    def missing() -> Any:
        raise ModuleNotFoundError("No module named 'SpiffWorkflow'")

    peer, reason = load_peer(PeerInfo("SpiffWorkflow", "SpiffWorkflow", "SpiffWorkflow", missing))
    assert peer is None and reason == "ModuleNotFoundError: No module named 'SpiffWorkflow'"
