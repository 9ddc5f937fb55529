"""The facts of a notice drafted from the data, checked again when the office head issues it (签发).

A criticism, commendation or progress bulletin freezes its facts when drafted (``facts_json``). At
issue the facts of the same kind, county and period are computed again for the business date of the
issue and compared item by item (what a reader of the notice would see differently, never the
days-late figures that grow every day): a failed acceptance passed since, a new or no longer overdue
item, a quota caught up, a changed rank. When anything changed, the issue is refused with
:class:`FactsChanged` listing the changes (one Chinese line each) and the hash of that change-set;
the same issue carrying ``confirm_facts`` = that hash signs the notice as drafted (the confirmation is
kept in the issue's audit event). A notice written by hand (no facts) is not checked.

Plain operations: no Flask here (the screen and the API only pass ``confirm_facts`` on).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from app.extensions import db
from app.items.store import effect
from app.notices.drafting import NOW, figure, full_title, quoted
from app.notices.facts import facts_for
from app.notices.models import Notice
from app.plans.models import Plan
from workflows.audit import canonical_json
from workflows.base import Spec
from workflows.deadlines import OverdueLevel
from workflows.errors import FactsChanged
from workflows.roles import Actor

#: the data key of the issue that confirms a change-set
CONFIRM = "confirm_facts"
#: one line per item up to this many of a kind of change, then one line for the rest
LISTED = 20


def _entries(facts: Mapping[str, Any], section: str) -> dict[Any, tuple[str, dict[str, Any]]]:
    """A section's entries by item id (or by county and indicator for a quota), with the unit's name."""
    out: dict[Any, tuple[str, dict[str, Any]]] = {}
    for unit in facts.get("units") or []:
        for entry in unit.get(section) or []:
            key = entry["id"] if "id" in entry else (unit["unit"], entry["indicator"])
            out[key] = (unit["unit_name"], entry)
    return out


def _what(name: str, entry: Mapping[str, Any]) -> str:
    if "indicator_title" in entry:
        return f"{name}{quoted(entry['indicator_title'])}"
    return f"{name}{quoted(full_title(dict(entry)))}"


def _listed(head: str, items: list[str]) -> list[str]:
    lines = [f"{head}：{item}" for item in items[:LISTED]]
    if len(items) > LISTED:
        lines.append(f"{head}：另有{len(items) - LISTED}项")
    return lines


def _now_label(entry: Mapping[str, Any]) -> str:
    return NOW.get(entry.get("now") or "rejected", NOW["rejected"])


def _failed_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    was, now = _entries(before, "failed_acceptances"), _entries(after, "failed_acceptances")
    passed = {e["id"]: e for e in after.get("rectified_passed") or []}
    lines: list[str] = []
    for key, (name, entry) in was.items():
        label = _now_label(entry)
        if key in passed:
            lines.append(f"{name}：{quoted(full_title(entry))}已经整改后通过复验（起草时为{label}）")
        elif key not in now:
            lines.append(f"{name}：{quoted(full_title(entry))}不再列为验收未通过（起草时为{label}）")
        elif now[key][1].get("now") != entry.get("now"):
            lines.append(f"{name}：{quoted(full_title(entry))}现为{_now_label(now[key][1])}（起草时为{label}）")
    new = [f"{_what(name, e)}（{_now_label(e)}）" for key, (name, e) in now.items() if key not in was]
    return lines + _listed("新增验收未通过事项", new)


def _set_changes(before: Mapping[str, Any], after: Mapping[str, Any], section: str, added: str,
                 gone: str, *, levels: bool = False) -> list[str]:
    """Entries of ``section`` that appeared or went since the draft (and, for the late ones, whose
    level changed: 逾期 → 严重逾期)."""
    was, now = _entries(before, section), _entries(after, section)
    lines = _listed(added, [_what(name, e) for key, (name, e) in now.items() if key not in was])
    lines += _listed(gone, [_what(name, e) for key, (name, e) in was.items() if key not in now])
    if levels:
        for key, (name, entry) in now.items():
            old = was.get(key, (None, {}))[1].get("level")
            if old is not None and old != entry.get("level"):
                lines.append(f"{_what(name, entry)}现为{OverdueLevel(entry['level']).label}"
                             f"（起草时为{OverdueLevel(old).label}）")
    return lines


def _achieved_changes(before: Mapping[str, Any], after: Mapping[str, Any], section: str) -> list[str]:
    was, now = _entries(before, section), _entries(after, section)
    return [f"{_what(name, e)}已完成{figure(e['achieved'])}{e['measure']}（起草时为{figure(was[k][1]['achieved'])}"
            f"{e['measure']}）" for k, (name, e) in now.items()
            if k in was and str(was[k][1]["achieved"]) != str(e["achieved"])]


def _progress_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    was = {t["indicator"]: t for t in before.get("targets") or []}
    for t in after.get("targets") or []:
        old = was.get(t["indicator"])
        if old is not None and str(old["achieved"]) != str(t["achieved"]):
            lines.append(f"全市{quoted(t['indicator_title'])}已完成{figure(t['achieved'])}{t['measure']}"
                         f"（起草时为{figure(old['achieved'])}{t['measure']}）")
    ranked = {(r["kind"], r["unit_name"]): r for r in before.get("ranking") or []}
    for r in after.get("ranking") or []:
        old = ranked.pop((r["kind"], r["unit_name"]), None)
        if old is None:
            lines.append(f"新增考核排名：{r['unit_name']}第{r['rank']}名（{float(r['score']):.1f}分）")
        elif (old["rank"], float(old["score"])) != (r["rank"], float(r["score"])):
            lines.append(f"{r['unit_name']}：第{r['rank']}名、{float(r['score']):.1f}分"
                         f"（起草时为第{old['rank']}名、{float(old['score']):.1f}分）")
    lines += [f"不再参加考核排名：{r['unit_name']}" for r in ranked.values()]
    return lines


def facts_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """What a reader of the notice would find different between the facts at drafting and now, one
    Chinese line each (empty when the notice still tells the facts)."""
    kind = before.get("kind")
    if kind == "criticism":
        return (_failed_changes(before, after)
                + _set_changes(before, after, "overdue_items", "新增逾期事项", "不再逾期", levels=True)
                + _set_changes(before, after, "overdue_rectifications", "新增整改逾期", "不再整改逾期", levels=True)
                + _set_changes(before, after, "behind_quotas", "新增未按方案进度完成的目标任务", "已赶上方案进度"))
    if kind == "commendation":
        return (_set_changes(before, after, "passed_first_time", "新增一次性通过验收", "不再属于一次性通过验收")
                + _set_changes(before, after, "exceeded_quotas", "新增超额完成目标任务", "不再超额完成目标任务")
                + _achieved_changes(before, after, "exceeded_quotas"))
    if kind == "progress":
        return _progress_changes(before, after)
    return []


def confirmation(notice_id: int, changes: list[str]) -> str:
    """The hash a signer sends back to confirm this change-set of this notice."""
    return hashlib.sha256(canonical_json({"notice": notice_id, "changes": changes}).encode("utf-8")).hexdigest()


def changes_since_drafting(notice: Notice, on: date) -> list[str]:
    """The changes between a notice's frozen facts and the facts of ``on`` (none without facts)."""
    if notice.facts_json is None:
        return []
    before = json.loads(notice.facts_json)
    if before.get("kind") not in ("criticism", "commendation", "progress"):
        return []
    plan = db.session.get(Plan, notice.plan_id)
    after = facts_for(db.session, plan, before["kind"], on, county=before.get("county"), period=before.get("period"))
    return facts_changes(before, after)


@effect("notice", "issue", first=True)
def recheck_facts(item: Notice, sp: Spec, actor: Actor, comment: str | None, data: Mapping[str, Any],
                  on: date) -> None:
    """签发 of a notice drafted from the data: refused with the changes unless the signer confirmed them."""
    changes = changes_since_drafting(item, on)
    if not changes:
        return
    expected = confirmation(item.id, changes)
    if data.get(CONFIRM) != expected:
        raise FactsChanged(changes, expected)
