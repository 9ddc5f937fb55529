"""The text of a notice drafted from the facts, as a clerk of the office would write it.

A short body that states the case (GB/T 9704 practice for a 通报: two to four pages) and the detail
in numbered attachment tables (附件) printed after the body:

- criticism (通报批评): "为…，根据…，现将…通报如下", the situation in figures, the units criticised
  with one sentence each, "经研究，决定…", requirements with a date to report back in writing,
  "特此通报。";
- commendation (通报表扬): units (先进集体) and, optionally, named individuals (先进个人) with
  what they did; a county is praised for its own share, never for a city-wide target;
- progress bulletin (工作进展情况通报): overall progress against the targets, the ranking of the
  counties and of the departments, the best and the lagging, requirements.

Pure functions of the frozen facts (plain JSON): the same facts always give the same text and the
same attachment tables, so a re-render of an issued notice prints what was issued. Full titles in
quotation marks are never shortened; only Chinese punctuation is written.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from app.notices.layout import chinese_numeral

ADDRESSEES = "各县区人民政府，市直有关部门"
SERIOUS = "seriously_overdue"
TYPE_NAMES = {"task": "工作任务", "application": "申报事项", "report": "季度报告"}
OUTCOMES = {"rejected": "检查验收不通过", "provincial_rejected": "未通过省级认定",
            "order_rectification": "检查验收未通过，责令限期整改"}
#: a failed acceptance as it stands when drafted (the entry's ``now``)
NOW = {"rejected": "验收未通过", "rectifying": "验收未通过，正在整改", "awaiting_reinspection": "验收未通过，已整改待复验",
       "passed_after_rectification": "验收未通过，经整改后通过复验"}
QUARTERS = "一二三四"


class RankRow(Protocol):
    """A row of the 绩效考核 ranking (``app.scores``' UnitScore fits): what the bulletin prints."""

    unit_name: str
    kind: str  # "county" or "department"
    score: float
    rank: int


@dataclass(frozen=True)
class Individual:
    """A named person commended (先进个人): name, unit and what they did."""

    name: str
    unit_name: str
    deed: str


def cn_date(day: date | str) -> str:
    """2018年7月31日."""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return f"{day.year}年{day.month}月{day.day}日"


def month_day(day: date | str, since: date | None = None) -> str:
    """7月31日: a reply date in the year of ``since`` (the notice's date); 2019年1月14日 when it falls in
    another year, so a notice of late December does not send its readers to the wrong January."""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    if since is not None and since.year != day.year:
        return cn_date(day)
    return f"{day.month}月{day.day}日"


def cn_text(text: Any) -> str:
    """Text from the data with Chinese punctuation: ASCII commas, semicolons, colons and
    parentheses between CJK text become their full-width forms (a number's "1,000" stays)."""
    out = []
    value = str(text or "").strip()
    for i, char in enumerate(value):
        before = value[i - 1] if i else ""
        after = value[i + 1] if i + 1 < len(value) else ""
        if char == "," and not (before.isdigit() and after.isdigit()):
            char = "，"
        elif char == ";":
            char = "；"
        elif char == ":" and not (before.isdigit() and after.isdigit()):
            char = "："
        elif char == "(":
            char = "（"
        elif char == ")":
            char = "）"
        out.append(char)
    return "".join(out)


def quoted(title: Any) -> str:
    """A full title in quotation marks, never cut; no closing stop inside the quotes."""
    return f"“{cn_text(title).rstrip('。；，')}”"


def figure(value: Any) -> str:
    """A figure as GB/T 15835 writes it: Arabic numerals, no trailing zeros."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def _names(units: Iterable[dict[str, Any]]) -> str:
    return "、".join(u["unit_name"] for u in units)


def _opening(plan_title: str, plan_number: str, issuer: str, what: str, county_name: str | None) -> str:
    scope = county_name or "各县区、市直有关部门"
    return (f"为推动《{plan_title}》（{plan_number}）落实落地，根据方案关于建立工作推进机制、加强督查考核的"
            f"要求，{issuer}对{scope}{what}。现将有关情况通报如下。")


def _clauses(parts: list[str]) -> str:
    return "；".join(p for p in parts if p)


# --- criticism ---------------------------------------------------------------------------------

def _late_summary(entries: list[dict[str, Any]], what: str) -> str:
    if not entries:
        return ""
    serious = sum(1 for e in entries if e.get("level") == SERIOUS)
    longest = max(int(e["days_late"]) for e in entries)
    if len(entries) == 1:
        return f"1项{what}，逾期{longest}天"
    return f"{len(entries)}项{what}{_serious_note(serious, len(entries))}，最长逾期{longest}天"


def failed_now(entry: dict[str, Any]) -> str:
    """A failed acceptance as it stands (验收未通过，正在整改（整改期限…）); the outcome itself for facts
    frozen before entries carried ``now``."""
    now = entry.get("now")
    if now is None:
        return OUTCOMES.get(entry.get("outcome"), "未通过")
    if now == "rejected" and entry.get("outcome") == "provincial_rejected":
        return "验收未通过（未通过省级认定）"
    text = NOW.get(now, NOW["rejected"])
    if now == "rectifying" and entry.get("rectification_deadline"):
        text += f"（整改期限{cn_date(entry['rectification_deadline'])}）"
    return text


def _failed_summary(failed: list[dict[str, Any]]) -> str:
    """2项检查验收未通过（其中1项正在整改）: the count, and how many are being rectified or re-inspected."""
    if not failed:
        return ""
    rectifying = sum(1 for e in failed if e.get("now") == "rectifying")
    waiting = sum(1 for e in failed if e.get("now") == "awaiting_reinspection")
    if rectifying == len(failed):
        return f"{len(failed)}项检查验收未通过、正在整改"
    if waiting == len(failed):
        return f"{len(failed)}项检查验收未通过、已整改待复验"
    parts = (f"{rectifying}项正在整改" if rectifying else "", f"{waiting}项已整改待复验" if waiting else "")
    inner = "、".join(p for p in parts if p)
    return f"{len(failed)}项检查验收未通过" + (f"（其中{inner}）" if inner else "")


def _serious_note(serious: int, total: int) -> str:
    """How many of ``total`` late items are 30 days or more late, as a clerk says it: "（其中逾期30日以上的
    3项）", "（均逾期30日以上）" when all are, nothing when none is."""
    if not serious:
        return ""
    if serious == total:
        return "（逾期30日以上）" if total == 1 else "（均逾期30日以上）"
    return f"（其中逾期30日以上的{serious}项）"


def _serious_clause(serious: int, total: int) -> str:
    """The summary's count of items 30 days or more late: "，其中逾期30日以上的5项", "，且均已逾期30日以上"."""
    if not serious:
        return ""
    return "，且均已逾期30日以上" if serious == total else f"，其中逾期30日以上的{serious}项"


def _unit_sentence(unit: dict[str, Any], *, all_serious: bool = False) -> str:
    """One sentence a criticised unit: what it has failed, in figures (the items are in the attachment).
    ``all_serious``: the summary has said that every late item is 30 days or more late (not repeated)."""
    overdue = unit["overdue_items"]
    parts = [_late_summary([{**e, "level": None} for e in overdue] if all_serious else overdue, "事项逾期未完成")]
    failed = unit["failed_acceptances"]
    if failed:
        parts.append(_failed_summary(failed))
    parts.append(_late_summary(unit["overdue_rectifications"], "整改超过限期"))
    behind = unit.get("behind_quotas") or []
    if behind:
        first = behind[0]["indicator_title"]
        more = f"等{len(behind)}项" if len(behind) > 1 else ""
        parts.append(f"{cn_text(first)}{more}目标任务未按方案进度完成")
    return unit["unit_name"] + "，".join(p for p in parts if p)


def _counties_of(units: list[dict[str, Any]]) -> str:
    """"7个县区的" before the count of targets behind; nothing when only one unit is criticised."""
    behind = len({u["unit"] for u in units if u.get("behind_quotas")})
    return "" if len(units) == 1 else f"{behind}个县区的"


def _is_county(unit: dict[str, Any]) -> bool:
    return unit.get("unit_kind") in ("county", "zone")


def _grouped_sentences(units: list[dict[str, Any]], sentence) -> list[str]:
    """Counties, then departments: one paragraph each, one sentence a unit (；between them)."""
    groups = [("县区", [u for u in units if _is_county(u)]), ("市直有关部门", [u for u in units if not _is_county(u)])]
    groups = [(title, members) for title, members in groups if members]
    if len(groups) == 1:
        return ["；".join(sentence(u) for u in groups[0][1]) + "。"]
    return [f"（{chinese_numeral(i)}）{title}。" + "；".join(sentence(u) for u in members) + "。"
            for i, (title, members) in enumerate(groups, 1)]


def _by_item(units: list[dict[str, Any]], section: str) -> dict[tuple[str, str], list[tuple[str, dict]]]:
    """Entries of ``section`` grouped by (title, deadline): one task of the plan is one row, with every
    unit late on it, rather than the same title once per county."""
    grouped: dict[tuple[str, str], list[tuple[str, dict]]] = {}
    for unit in units:
        for entry in unit[section]:
            grouped.setdefault((full_title(entry), entry["deadline"]), []).append((unit["unit_name"], entry))
    return dict(sorted(grouped.items(), key=lambda kv: (kv[1][0][1].get("task_number") or 0, kv[0][1])))


def full_title(entry: dict[str, Any]) -> str:
    """An item's full title: the plan task's own text for a task assignment (任务4：…), never cut."""
    if entry.get("task_title"):
        return f"任务{entry['task_number']}：{entry['task_title']}"
    return str(entry["title"])


def _late_units(entries: list[tuple[str, dict]]) -> str:
    """The units late on one item, those late by the same days together: "霍邱县（80天）；舒城县、金寨县
    （均73天）" (a cell that lists "（73天）" after every name breaks the figures across lines)."""
    by_days: dict[int, list[str]] = {}
    for name, e in entries:
        by_days.setdefault(int(e["days_late"]), []).append(name)
    return "；".join(f"{'、'.join(names)}（{'均' if len(names) > 1 else ''}{days}天）"
                    for days, names in sorted(by_days.items(), key=lambda kv: -kv[0]))


def criticism_annexes(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The attachment tables of a criticism: every item of the frozen facts, one row each."""
    units = facts["units"]
    annexes = []
    late = _by_item(units, "overdue_items")
    if late and len(units) == 1:  # one unit (a county's own notice): its days late in a column of their own
        annexes.append({
            "title": "逾期未完成事项清单",
            "columns": ["序号", "事项", "方案规定时限", "逾期天数"],
            "widths": [7, 56, 23, 14],
            "rows": [[str(i), cn_text(title), cn_date(deadline), str(max(int(e["days_late"]) for _, e in entries))]
                     for i, ((title, deadline), entries) in enumerate(late.items(), 1)]})
    elif late:
        annexes.append({
            "title": "逾期未完成事项清单",
            "columns": ["序号", "事项", "方案规定时限", "逾期单位（逾期天数）"],
            "widths": [7, 33, 20, 40],
            "rows": [[str(i), cn_text(title), cn_date(deadline),
                      _late_units(entries)]
                     for i, ((title, deadline), entries) in enumerate(late.items(), 1)]})
    failed = [(u["unit_name"], e) for u in units for e in u["failed_acceptances"]]
    if failed:
        annexes.append({
            "title": "检查验收未通过事项清单",
            "columns": ["序号", "责任单位", "事项", "验收结果", "日期"],
            "widths": [7, 15, 39, 19, 20],
            "rows": [[str(i), name, cn_text(full_title(e)), failed_now(e),
                      cn_date(e["last_failed_on"])] for i, (name, e) in enumerate(failed, 1)]})
    rect = [(u["unit_name"], e) for u in units for e in u["overdue_rectifications"]]
    if rect:
        annexes.append({
            "title": "整改逾期事项清单",
            "columns": ["序号", "责任单位", "事项", "整改期限", "逾期天数"],
            "widths": [7, 15, 44, 20, 14],
            "rows": [[str(i), name, cn_text(full_title(e)), cn_date(e["deadline"]), str(e["days_late"])]
                     for i, (name, e) in enumerate(rect, 1)]})
    behind = [(u["unit_name"], e) for u in units for e in u.get("behind_quotas") or []]
    if behind:
        annexes.append({
            "title": "未按方案进度完成目标任务情况表",
            "columns": ["序号", "县区", "目标任务", "指标", "已申报", "已完成", "方案规定时限"],
            "widths": [7, 10, 30, 9, 11, 11, 22],
            "rows": [[str(i), name, cn_text(e["indicator_title"]), f"{figure(e['target'])}{e['measure']}",
                      figure(e.get("filed", e["achieved"])), figure(e["achieved"]),
                      cn_date(e["deadline"]) if e.get("deadline") else "—"]
                     for i, (name, e) in enumerate(behind, 1)]})
    return annexes


def criticism_text(facts: dict[str, Any], plan_title: str, plan_number: str, county_name: str | None,
                   issuer: str, reply_by: date) -> dict[str, Any]:
    as_of = date.fromisoformat(facts["as_of"])
    units = facts["units"]
    annexes = criticism_annexes(facts)
    refer = {a["title"]: f"附件{i}" if len(annexes) > 1 else "附件" for i, a in enumerate(annexes, 1)}
    title = f"关于{county_name}{as_of.year}年农村电商工作推进不力的通报" if county_name else \
        f"关于{as_of.year}年农村电商工作推进不力单位的通报"
    late = [e for u in units for e in u["overdue_items"]]
    failed = [e for u in units for e in u["failed_acceptances"]]
    rect = [e for u in units for e in u["overdue_rectifications"]]
    behind = [e for u in units for e in u.get("behind_quotas") or []]
    figures = [
        f"{len(late)}项工作事项超过方案规定时限仍未完成"
        f"{_serious_clause(sum(1 for e in late if e.get('level') == SERIOUS), len(late))}"
        f"（详见{refer['逾期未完成事项清单']}）" if late else "",
        f"{len(failed)}项事项检查验收未通过（详见{refer['检查验收未通过事项清单']}）" if failed else "",
        f"{len(rect)}项整改超过限期（详见{refer['整改逾期事项清单']}）" if rect else "",
        (f"{_counties_of(units)}{len(behind)}项目标任务未按方案"
         f"进度完成（详见{refer['未按方案进度完成目标任务情况表']}）") if behind else "",
    ]
    rectified = facts.get("rectified_passed") or []
    # one unit criticised (a county's own notice, mostly) is named, not counted among "多数单位"
    one = units[0]["unit_name"] if len(units) == 1 else None
    situation = f"{one}工作推进不力" if one else \
        f"多数单位能够按照方案要求推进工作，但仍有{len(units)}个单位工作推进不力"
    lines = [
        _opening(plan_title, plan_number, issuer, "工作推进情况进行了调度督查", county_name),
        "一、基本情况",
        f"截至{cn_date(as_of)}，从督查情况看，{situation}：{_clauses(figures)}。" +
        (f"另有{len(rectified)}项事项检查验收未通过，经整改后已通过复验，不列入本次通报。" if rectified else ""),
        "二、存在的主要问题",
    ]
    all_serious = bool(late) and all(e.get("level") == SERIOUS for e in late)
    lines += _grouped_sentences(units, lambda unit: _unit_sentence(unit, all_serious=all_serious))
    whom = _names(units) if len(units) <= 8 else f"上述{len(units)}个单位"
    lines += [
        "三、处理决定",
        f"{one or '上述单位'}工作推进不力，影响了全市农村电商全覆盖巩固提升行动的整体进度。经研究，决定对{whom}"
        "予以通报批评。",
        "四、整改要求",
        f"（一）限期整改。请{one or '被通报单位'}认真查找原因，逐项明确责任人和完成时限，于{month_day(reply_by, as_of)}前将整改"
        f"情况书面报送{issuer}。",
        "（二）举一反三。各县区、各有关部门要以此为鉴，对照方案任务分解逐项自查，确保按时保质完成各项工作任务。",
        f"（三）跟踪问效。{issuer}将对整改情况跟踪督办，对整改不到位的单位，提请市电商工作领导小组进一步处理。",
        "特此通报。",
    ]
    return {"title": title, "addressees": ADDRESSEES, "body": "\n".join(lines),
            "subject_units": [u["unit"] for u in units],
            "attachments_note": "\n".join(a["title"] for a in annexes)}


# --- commendation -------------------------------------------------------------------------------

def _commended_sentence(unit: dict[str, Any]) -> str:
    """One sentence a commended unit, for its own share only (never a city-wide target)."""
    parts = []
    passed = unit["passed_first_time"]
    if passed:
        kinds = sorted({TYPE_NAMES.get(e["type"], "事项") for e in passed})
        parts.append(f"所承担的{len(passed)}项{'和'.join(kinds)}一次性通过检查验收")
    exceeded = unit["exceeded_quotas"]
    if exceeded:
        first = exceeded[0]
        more = f"等{len(exceeded)}项" if len(exceeded) > 1 else ""
        parts.append(f"{cn_text(first['indicator_title'])}{more}目标任务超额完成（{cn_text(first['indicator_title'])}"
                     f"任务数{figure(first['target'])}{first['measure']}，已完成{figure(first['achieved'])}"
                     f"{first['measure']}）")
    return unit["unit_name"] + "，".join(parts)


def commendation_annexes(facts: dict[str, Any]) -> list[dict[str, Any]]:
    units = facts["units"]
    annexes = []
    passed = [(u["unit_name"], e) for u in units for e in u["passed_first_time"]]
    if passed:
        annexes.append({
            "title": "一次性通过检查验收事项清单",
            "columns": ["序号", "单位", "承担的事项", "通过验收日期"],
            "widths": [7, 16, 57, 20],
            "rows": [[str(i), name, cn_text(full_title(e)), cn_date(e["passed_on"])]
                     for i, (name, e) in enumerate(passed, 1)]})
    exceeded = [(u["unit_name"], e) for u in units for e in u["exceeded_quotas"]]
    if exceeded:
        annexes.append({
            "title": "超额完成目标任务情况表",
            "columns": ["序号", "县区", "本县区目标任务", "任务数", "已完成"],
            "widths": [7, 16, 45, 16, 16],
            "rows": [[str(i), name, cn_text(e["indicator_title"]), f"{figure(e['target'])}{e['measure']}",
                      f"{figure(e['achieved'])}{e['measure']}"] for i, (name, e) in enumerate(exceeded, 1)]})
    return annexes


def commendation_text(facts: dict[str, Any], plan_title: str, plan_number: str, county_name: str | None,
                      issuer: str, individuals: Sequence[Individual] = ()) -> dict[str, Any]:
    as_of = date.fromisoformat(facts["as_of"])
    units = facts["units"]
    annexes = commendation_annexes(facts)
    where = county_name or ""
    title = f"关于{as_of.year}年{where}农村电商工作成效突出单位的通报"
    passed = sum(len(u["passed_first_time"]) for u in units)
    passed_kinds = sorted({TYPE_NAMES.get(e["type"], "事项") for u in units for e in u["passed_first_time"]},
                          key=lambda name: name != "工作任务")  # 工作任务和申报事项, as the plan says them
    exceeded = [u for u in units if u["exceeded_quotas"]]
    figures = _clauses([
        f"{passed}项{'和'.join(passed_kinds)}一次性通过检查验收" if passed else "",
        f"{len(exceeded)}个县区超额完成本县区承担的{sum(len(u['exceeded_quotas']) for u in exceeded)}项目标任务"
        if exceeded else "",
    ])
    attached = "（详见附件）" if len(annexes) == 1 else "（详见附件1、附件2）" if annexes else ""
    lines = [
        _opening(plan_title, plan_number, issuer, "工作推进情况进行了调度督查", county_name),
        "一、基本情况",
        f"截至{cn_date(as_of)}，各地各部门认真落实方案部署，工作取得积极进展，{figures}{attached}，涌现出一批"
        f"工作推进有力、成效突出的先进集体{'和先进个人' if individuals else ''}。",
        "二、先进集体",
    ]
    lines += _grouped_sentences(units, _commended_sentence)
    heading = 3
    if individuals:
        lines += ["三、先进个人", *individual_lines(individuals)]
        heading = 4
    whom = (_names(units) + (f"等{len(units)}个单位" if len(units) > 1 else "")) if len(units) <= 8 else \
        f"上述{len(units)}个单位"
    people = "和" + "、".join(cn_text(p.name) for p in individuals) + "同志" if individuals else ""
    lines += [
        f"{chinese_numeral(heading)}、表扬决定",
        f"为表扬先进、激励担当，经研究，决定对{whom}{people}予以通报表扬。",
        f"{chinese_numeral(heading + 1)}、有关要求",
        "希望受到表扬的单位和个人珍惜荣誉，再接再厉，巩固成果。各县区、各有关部门要以先进为榜样，对照方案目标任务，"
        "加快推进各项工作落实，确保全面完成全市农村电商全覆盖巩固提升行动目标任务。",
        "特此通报。",
    ]
    return {"title": commendation_title(title, individuals), "addressees": ADDRESSEES, "body": "\n".join(lines),
            "subject_units": [u["unit"] for u in units],
            "attachments_note": "\n".join(a["title"] for a in annexes)}


def individual_lines(individuals: Sequence[Individual]) -> list[str]:
    """The 先进个人 paragraphs: "（一）金寨县商务局张明同志。带头推进……。"."""
    return [f"（{chinese_numeral(i)}）{cn_text(p.unit_name)}{cn_text(p.name)}同志。{cn_text(p.deed).rstrip('。')}。"
            for i, p in enumerate(individuals, 1)]


_HEADING = re.compile(r"^([一二三四五六七八九十]+)、(.*)$")
_INDIVIDUALS = "先进个人"


def with_individuals(body: str, individuals: Sequence[Individual]) -> str:
    """A commendation's body with its 先进个人 section written from ``individuals`` as
    :func:`commendation_text` writes it: the section (after 先进集体, else before 表扬决定) replaced or
    removed, the headings renumbered, and the people named in the opening and the decision."""
    lines = body.split("\n")
    start = next((i for i, line in enumerate(lines) if _title(line) == _INDIVIDUALS), None)
    if start is not None:
        end = next((j for j in range(start + 1, len(lines)) if _HEADING.match(lines[j])), len(lines))
        del lines[start:end]
    if individuals:
        at = _section_end(lines, "先进集体")
        if at is None:
            at = next((i for i, line in enumerate(lines) if _title(line) == "表扬决定" or line == "特此通报。"),
                      len(lines))
        lines[at:at] = [f"三、{_INDIVIDUALS}", *individual_lines(individuals)]
    number = 0
    for i, line in enumerate(lines):
        match = _HEADING.match(line)
        if match:
            number += 1
            lines[i] = f"{chinese_numeral(number)}、{match.group(2)}"
    text = "\n".join(lines)
    text = re.sub(r"(成效突出的先进集体)(和先进个人)?", lambda m: m.group(1) + ("和先进个人" if individuals else ""), text)
    people = "和" + "、".join(cn_text(p.name) for p in individuals) + "同志" if individuals else ""
    return re.sub(r"(决定对[^。]*?)(和[^，。和]*同志)?(予以通报表扬)", lambda m: m.group(1) + people + m.group(3), text)


def commendation_title(title: str, individuals: Sequence[Individual]) -> str:
    """"…成效突出单位的通报" names 和个人 when the commendation names people (and not when it no longer does)."""
    units_only, with_people = "成效突出单位的通报", "成效突出单位和个人的通报"
    if individuals and title.endswith(units_only):
        return title[:-len(units_only)] + with_people
    if not individuals and title.endswith(with_people):
        return title[:-len(with_people)] + units_only
    return title


def _title(line: str) -> str | None:
    match = _HEADING.match(line.strip())
    return match.group(2).strip() if match else None


def _section_end(lines: list[str], title: str) -> int | None:
    """The index of the heading after the section ``title`` (its end), None without that section."""
    start = next((i for i, line in enumerate(lines) if _title(line) == title), None)
    if start is None:
        return None
    return next((j for j in range(start + 1, len(lines)) if _HEADING.match(lines[j])), len(lines))


# --- progress bulletin --------------------------------------------------------------------------

def period_title(period: str) -> str:
    """2018Q4 → 2018年第四季度; 2018 → 2018年度."""
    if "Q" in period:
        year, quarter = period.split("Q")
        return f"{year}年第{QUARTERS[int(quarter) - 1]}季度"
    return f"{period}年度"


def _rate(row: dict[str, Any]) -> Decimal:
    target = Decimal(str(row["target"]))
    return Decimal(str(row["achieved"])) / target if target else Decimal(0)


def progress_annexes(facts: dict[str, Any]) -> list[dict[str, Any]]:
    targets = facts["targets"]
    ranking = facts["ranking"]
    return [
        {"title": "全市目标任务完成情况表",
         "columns": ["序号", "目标任务", "目标", "已完成", "完成进度"],
         "widths": [7, 45, 16, 16, 16],
         "rows": [[str(i), cn_text(t["indicator_title"]), f"{figure(t['target'])}{t['measure']}",
                   f"{figure(t['achieved'])}{t['measure']}", f"{figure(round(_rate(t) * 100, 1))}%"]
                  for i, t in enumerate(targets, 1)]},
        {"title": "县区和市直部门绩效考核排名表",
         # the rank first (the column a table's 序号 takes, centred), then who, of which kind, and the score
         "columns": ["排名", "单位", "类别", "得分"],
         "widths": [12, 48, 20, 20],
         "rows": [[str(r["rank"]), r["unit_name"], ("县区" if r["kind"] == "county" else "市直部门"),
                   f"{float(r['score']):.1f}"] for r in ranking]},
    ]


def _ranked(ranking: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """One kind's rows by rank; tied units stay in the ranking's order (the plan's order of units)."""
    return sorted((r for r in ranking if r["kind"] == kind), key=lambda r: r["rank"])


def _ends(rows: list[dict[str, Any]], *, top: bool, count: int = 2) -> list[dict[str, Any]]:
    """The best (or the lagging) ``count`` of a ranking, with every unit tied with the last of them (a
    clerk does not name two of three units on the same score), only those whose score differs from the
    other end's: when every unit scores the same, nobody is named either way."""
    if len(rows) < 2:
        return []
    scores = [float(r["score"]) for r in rows]
    if top:
        edge = scores[min(count, len(rows)) - 1]
        return [r for r in rows if float(r["score"]) >= edge and float(r["score"]) > min(scores)]
    edge = scores[-min(count, len(rows))]
    best = _ends(rows, top=True, count=count)
    return [r for r in rows if float(r["score"]) <= edge and float(r["score"]) < max(scores) and r not in best]


def _ranking_sentence(rows: list[dict[str, Any]], who: str) -> str:
    if not rows:
        return f"本期暂无{who}考核结果。"
    if len(rows) > 1 and len({float(r["score"]) for r in rows}) == 1:
        return f"{who}本期绩效考核得分相同，均为{float(rows[0]['score']):.1f}分。"
    listed = "、".join(f"{r['unit_name']}（{float(r['score']):.1f}分）" for r in rows)
    return f"按绩效考核得分，{who}排名依次为：{listed}。"


def _target_progress(targets: list, done: list, half: list, none: list) -> str:
    """"中，已完成3项，完成进度过半的5项…" naming only the groups that have any; "均…" when one group is all."""
    if targets and len(done) == len(targets):
        return "均已完成"
    if targets and len(none) == len(targets):
        return "均尚未取得实质进展"
    parts = [f"已完成{len(done)}项" if done else "", f"完成进度过半的{len(half)}项" if half else "",
             f"尚未取得实质进展的{len(none)}项" if none else ""]
    said = "，".join(p for p in parts if p)
    return f"中，{said}" if said else "均已启动，完成进度均未过半"


def progress_text(facts: dict[str, Any], plan_title: str, plan_number: str, issuer: str,
                  reply_by: date) -> dict[str, Any]:
    as_of = date.fromisoformat(facts["as_of"])
    when = period_title(facts["period"])
    targets = facts["targets"]
    done = [t for t in targets if _rate(t) >= 1]
    half = [t for t in targets if Decimal("0.5") <= _rate(t) < 1]
    none = [t for t in targets if _rate(t) == 0]
    counties, departments = _ranked(facts["ranking"], "county"), _ranked(facts["ranking"], "department")
    best = _ends(counties, top=True) + _ends(departments, top=True)
    lagging = _ends(counties, top=False) + _ends(departments, top=False)
    lead_target = max(targets, key=_rate) if targets else None
    overall = f"截至{cn_date(as_of)}，方案确定的{len(targets)}项全市目标任务{_target_progress(targets, done, half, none)}"
    if lead_target is not None and _rate(lead_target) > 0:
        overall += (f"；其中{cn_text(lead_target['indicator_title'])}已完成{figure(lead_target['achieved'])}"
                    f"{lead_target['measure']}，为目标{figure(lead_target['target'])}{lead_target['measure']}的"
                    f"{figure(round(_rate(lead_target) * 100, 1))}%")
    overall += "（详见附件1）。"
    lines = [
        f"为及时掌握《{plan_title}》（{plan_number}）落实情况，根据方案关于建立工作推进机制、加强督查考核的要求，"
        f"{issuer}对{when}各县区、市直有关部门工作进展情况进行了调度和绩效考核。现将有关情况通报如下。",
        "一、总体进展情况",
        overall,
        "二、绩效考核排名情况",
        f"（一）县区排名。{_ranking_sentence(counties, '各县区')}",
        f"（二）市直部门排名。{_ranking_sentence(departments, '市直有关部门')}",
        "具体得分详见附件2。",
        "三、先进与后进",
    ]
    if best:
        lines.append(f"{_names(best)}工作推进有力，排名靠前，予以通报表扬。")
    if lagging:
        lines.append(f"{_names(lagging)}工作进展相对滞后，排名靠后，要认真分析原因，切实加快工作进度。")
    if not best and not lagging:
        lines.append("本期各单位考核得分相同，不分先进与后进。")
    lines += [
        "四、下一步工作要求",
        "（一）对标对表抓落实。各县区、各有关部门要对照方案目标任务和时间节点，倒排工期，确保按期完成。",
        (f"（二）限期报送整改措施。请{_names(lagging)}于{month_day(reply_by, as_of)}前将整改措施书面报送{issuer}。"
         if lagging else
         f"（二）按时报送工作措施。请各单位于{month_day(reply_by, as_of)}前将下一步工作措施书面报送{issuer}。"),
        f"（三）加强调度考核。{issuer}将按季度调度工作进展并通报考核结果。",
        "特此通报。",
    ]
    return {"title": f"关于{when}全市农村电商工作进展情况的通报", "addressees": ADDRESSEES,
            "body": "\n".join(lines), "subject_units": [r["unit"] for r in facts["ranking"] if r.get("unit")],
            "attachments_note": "\n".join(a["title"] for a in progress_annexes(facts))}


def annexes_for(kind: str, facts: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The attachment tables a notice of ``kind`` prints from its frozen facts (none without)."""
    if not facts:
        return []
    builder = {"criticism": criticism_annexes, "commendation": commendation_annexes,
               "progress": progress_annexes}.get(kind)
    return builder(facts) if builder else []


def ranking_rows(rows: Iterable[RankRow], slugs: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Ranking rows (UnitScore or any object with unit_name, kind, score, rank) as frozen facts."""
    slugs = slugs or {}
    return [{"unit": slugs.get(r.unit_name), "unit_name": r.unit_name, "kind": r.kind,
             "score": round(float(r.score), 2), "rank": int(r.rank)} for r in rows]
