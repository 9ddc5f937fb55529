"""A quarterly report's text sections: 工作进展 / 存在问题 / 下步计划, beside its figures.

Drafts may leave them blank; submitting requires all three (a blank or whitespace-only section is
refused with a reason naming it). The sections typed with the submit (``data["progress"]`` ...) are
stored over the draft's by the submit effect (``app.reports.operations``), in the same transaction,
so the screen's "提交报告" and the API's ``submit`` refuse the same incomplete report with the same
reasons.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.items.models import Item
from app.reports.models import Report
from workflows.errors import GuardFailed
from workflows.report import TEXT_MAX_CHARS, TEXT_SECTIONS


#: (attribute, title) in the order they are shown and printed (titles are in the catalogue: ``terms.py``)
SECTIONS = TEXT_SECTIONS
TITLES = dict(SECTIONS)
#: a section's longest text, in characters
MAX_CHARS = TEXT_MAX_CHARS


def normalise(value: Any) -> str | None:
    """A section as stored: line ends unified and the text trimmed; blank is None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise GuardFailed(["报告内容应为文字"])
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def parse_sections(raw: Mapping[str, Any]) -> dict[str, str | None]:
    """The sections present in ``raw`` (attribute → text, None when blank), each within :data:`MAX_CHARS`."""
    out: dict[str, str | None] = {}
    problems: list[str] = []
    for name, title in SECTIONS:
        if name not in raw:
            continue
        text = normalise(raw[name])
        if text is not None and len(text) > MAX_CHARS:
            problems.append(f"“{title}”不能超过 {MAX_CHARS} 个字")
        out[name] = text
    if problems:
        raise GuardFailed(problems)
    return out


def missing_sections(values: Mapping[str, str | None]) -> list[str]:
    """A reason for each section that is blank in ``values`` (attribute → text)."""
    return [f"“{title}”不能为空，请填写{title}" for name, title in SECTIONS if not (values.get(name) or "").strip()]


def current_sections(report: Report) -> dict[str, str | None]:
    return {name: getattr(report, name) for name, _ in SECTIONS}


def section_changes(report: Report, raw: Mapping[str, Any]) -> dict[str, str | None]:
    """The sections in ``raw`` that differ from the report's (attribute → new text)."""
    before = current_sections(report)
    return {name: text for name, text in parse_sections(raw).items() if before.get(name) != text}


def submitted_sections(report: Report, data: Mapping[str, Any]) -> tuple[dict[str, str | None], list[str]]:
    """The sections typed with a submit (to store over the draft's) and a reason for each section
    that would still be blank."""
    typed = parse_sections(data)
    return typed, missing_sections({**current_sections(report), **typed})


def apply_sections(report: Report, values: Mapping[str, str | None]) -> None:
    for name, text in values.items():
        setattr(report, name, text)


def report_detail_extras(item: Item) -> dict[str, Any]:
    """The report's own fields in the API's item detail."""
    return {"year": item.year, "quarter": item.quarter, **current_sections(item)}  # type: ignore[arg-type]
