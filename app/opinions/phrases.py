"""常用意见: the stock phrases a user picks an approval opinion from; the shipped ones until they edit them."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.opinions.models import OpinionPhrases
from app.web.terms import N_
from workflows.errors import GuardFailed

#: what an OA offers out of the box: agreeing, agreeing on checked facts, returning for more material
#: (shown in English on an English screen; a user's own phrases are shown as they wrote them)
DEFAULT_PHRASES: tuple[str, ...] = (
    N_("同意上报"),
    N_("情况属实，同意"),
    N_("同意，请按程序办理"),
    N_("经审核，材料齐全，符合要求，同意"),
    N_("材料不全，请补充完善后重新报送"),
    N_("数据与佐证材料不一致，请核实后重新报送"),
    N_("请按整改要求逐项落实，并按时报送整改报告"),
    N_("不同意，理由如下："),
)
MAX_PHRASES = 30
MAX_PHRASE_CHARS = 200
#: the no-JavaScript path's field: a phrase chosen in the <select> beside the opinion box
PHRASE_FIELD = "opinion_phrase"
ENDINGS = "。，；：！？,.;:!?…"


def phrases_of(session: Session, user_id: int | None) -> list[str]:
    """The user's phrases, in their order; the shipped ones while they have not saved their own."""
    if user_id is None:
        return list(DEFAULT_PHRASES)
    cache: dict[int, list[str]] = g.setdefault("opinion_phrases", {})
    if user_id not in cache:
        row = session.get(OpinionPhrases, user_id)
        cache[user_id] = list(DEFAULT_PHRASES) if row is None else [str(p) for p in row.phrases or []]
    return cache[user_id]


def parse_phrases(text: str) -> list[str]:
    """One phrase a line, blank lines and repeats dropped; refused when too many or too long."""
    phrases = list(dict.fromkeys(line.strip() for line in (text or "").splitlines() if line.strip()))
    problems = []
    if len(phrases) > MAX_PHRASES:
        problems.append(f"常用意见最多 {MAX_PHRASES} 条")
    long = [p for p in phrases if len(p) > MAX_PHRASE_CHARS]
    if long:
        problems.append(f"每条常用意见最多 {MAX_PHRASE_CHARS} 字：{long[0][:20]}…")
    if problems:
        raise GuardFailed(problems)
    return phrases


def save_phrases(session: Session, user_id: int, phrases: list[str] | None) -> list[str]:
    """Store the user's phrases (None: go back to the shipped ones). Flush, never commit."""
    row = session.get(OpinionPhrases, user_id)
    if phrases is None:
        if row is not None:
            session.delete(row)
    else:
        if row is None:
            row = OpinionPhrases(user_id=user_id)
            session.add(row)
        row.phrases, row.updated_at = list(phrases), utcnow()
    session.flush()
    g.pop("opinion_phrases", None)
    return list(DEFAULT_PHRASES) if phrases is None else list(phrases)


def opinion_from_form(form: Mapping[str, Any]) -> str | None:
    """The opinion a decision form sends: what was typed, led by the phrase chosen without JavaScript
    (the <select> beside the box): "同意上报" alone, or "情况属实，同意。请于月底前报送台账" with text."""
    typed = str(form.get("comment") or "").strip()
    phrase = str(form.get(PHRASE_FIELD) or "").strip()[:MAX_PHRASE_CHARS]
    if not phrase or phrase in typed:
        return typed or None
    if not typed:
        return phrase
    return phrase + ("" if phrase[-1] in ENDINGS else "。") + typed
