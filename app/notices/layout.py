"""Text layout of printed notices: paragraphs, headings, titles and set-solid (两端对齐) body lines.

WeasyPrint's ``text-align: justify`` stretches spaces only, and CJK text has none, so body lines
are broken here, from the fonts' own advance widths, and each line but a paragraph's last is
printed with the letter-spacing that makes it end flush at the type area's right edge, as
Word's 两端对齐 does. Line breaks keep 避头尾 (no closing mark at the start of a line, no
opening mark at its end); a Latin word or number stays whole unless it is wider than a line,
in which case it breaks between characters, so no character is ever lost.

Pure functions of text and fonts: no Flask, no database.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from app.notices import fonts as fontlib
from app.notices.fonts import FontSet

MM = 72 / 25.4  # points per millimetre
TYPE_WIDTH = 156 * MM  # 版心 width, pt
BODY_SIZE = 16.0  # 3号
CHAR = 15.79  # character pitch: 16pt with letter-spacing -0.21pt, 28 to a line
NATURAL_SPACING = CHAR - BODY_SIZE  # -0.21pt
INDENT = 31.58  # 2 characters
TITLE_SIZE = 22.0  # 2号

HEADING_1 = re.compile(r"^[一二三四五六七八九十百]+、")
HEADING_2 = re.compile(r"^（[一二三四五六七八九十百]+）")

#: characters that may not start a line (避头) and may not end one (避尾)
NO_LINE_START = frozenset("，。、；：！？》）”’」』〕】〉…—%‰·,.;:!?)]}")
NO_LINE_END = frozenset("《（“‘「『〔【〈([{")


# --- numerals ---------------------------------------------------------------------------

DIGITS = "零一二三四五六七八九"


def chinese_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 31 → 三十一, 100 → 一百, 105 → 一百零五."""
    if number <= 0:
        raise ValueError("heading numbers start at 1")
    if number < 10:
        return DIGITS[number]
    if number < 20:
        return "十" + (DIGITS[number % 10] if number % 10 else "")
    if number < 100:
        return DIGITS[number // 10] + "十" + (DIGITS[number % 10] if number % 10 else "")
    if number < 1000:
        rest = number % 100
        tail = "" if rest == 0 else ("零" + DIGITS[rest]) if rest < 10 else (
            "一" + chinese_numeral(rest) if rest < 20 else chinese_numeral(rest))
        return DIGITS[number // 100] + "百" + tail
    return str(number)


# --- paragraphs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph; ``lead`` is the heading run printed in 黑体 (h1) or 楷体 (h2)."""

    kind: str  # "text", "h1" or "h2"
    lead: str
    rest: str


def parse_body(body: str) -> list[Paragraph]:
    """One paragraph a line. "一、…" is a 黑体 heading and "（一）…" a 楷体 heading; when such
    a line goes on after its first "。", only the sentence up to it is the heading."""
    paragraphs = []
    for line in (raw.strip() for raw in (body or "").splitlines()):
        if not line:
            continue
        kind = "h1" if HEADING_1.match(line) else "h2" if HEADING_2.match(line) else "text"
        if kind == "text":
            paragraphs.append(Paragraph(kind, "", line))
            continue
        head, stop, rest = line.partition("。")
        if stop and rest:
            paragraphs.append(Paragraph(kind, head + stop, rest))
        else:
            paragraphs.append(Paragraph(kind, line, ""))
    return paragraphs


# --- set-solid lines --------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """Text in one face: ``face`` is "fang", "hei" or "kai" (a FontSet role)."""

    face: str
    text: str


@dataclass(frozen=True)
class Line:
    """One printed line: its runs, its letter-spacing (pt) and whether it is indented."""

    runs: tuple[Run, ...]
    spacing: float
    indent: float
    last: bool

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@lru_cache(maxsize=65536)
def _char_width(path: Path, char: str, size: float) -> float:
    return fontlib.advance(path, char) * size


def _is_latin(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "_-./:@#&=+%~")


def _may_break(chars: list[str], index: int) -> bool:
    """May a line end before ``chars[index]``?"""
    before, after = chars[index - 1], chars[index]
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    if before == after and before in "…—":
        return False
    if _is_latin(before) and _is_latin(after):
        return False
    return True


def break_lines(runs: list[Run], fonts: FontSet, *, indent: float = INDENT, width: float = TYPE_WIDTH,
                size: float = BODY_SIZE) -> list[Line]:
    """Lines of a paragraph, each but the last set solid to ``width`` (pt)."""
    faces = fonts.as_dict()
    chars: list[str] = []
    roles: list[str] = []
    for run in runs:
        for char in run.text:
            chars.append(char)
            roles.append(run.face)
    widths = [_char_width(faces[role], char, size) for char, role in zip(chars, roles)]
    natural = NATURAL_SPACING
    lines: list[Line] = []
    start, total, first = 0, len(chars), True
    while start < total:
        avail = width - (indent if first else 0.0)
        # the furthest end such that chars[start:end] fits at natural spacing
        end, used = start, 0.0
        while end < total and used + widths[end] + natural <= avail + 0.01:
            used += widths[end] + natural
            end += 1
        if end == start:  # one glyph wider than the line: print it anyway
            end = start + 1
        if end < total:
            end = _choose_break(chars, widths, start, end, avail)
        piece = list(range(start, end))
        # spaces at a break are the break itself
        while piece and chars[piece[-1]] == " " and end < total:
            piece.pop()
        is_last = end >= total
        spacing = natural
        if len(piece) > 1:
            advance = sum(widths[i] for i in piece)
            fitted = (avail - advance) / (len(piece) - 1)
            # set solid; a paragraph's last line keeps its natural spacing unless it took a closing mark in
            spacing = fitted if not is_last else min(natural, fitted)
        lines.append(Line(_runs(chars, roles, piece), round(spacing, 4), indent if first else 0.0, is_last))
        start, first = end, False
        while start < total and chars[start] == " ":
            start += 1
    return lines


def _choose_break(chars: list[str], widths: list[float], start: int, end: int, avail: float) -> int:
    """Where to end a line that could hold ``chars[start:end]``: 避头尾 kept by carrying characters
    over to the next line (never more than 28 to a line, as the grid asks); a Latin run wider than
    a line breaks anywhere."""
    if _may_break(chars, end):
        return end
    for cut in range(end - 1, start, -1):
        if _may_break(chars, cut):
            # carrying more than a third of the line over would leave it looking gappy: a long
            # Latin run is broken between characters instead
            if end - cut <= max(6, (end - start) // 3) or not _is_latin(chars[end]):
                return cut
            break
    for cut in range(end, start, -1):  # inside a Latin run: any place but before a closing mark
        if chars[cut] not in NO_LINE_START and chars[cut - 1] not in NO_LINE_END:
            return cut
    return end


def _runs(chars: list[str], roles: list[str], piece: list[int]) -> tuple[Run, ...]:
    out: list[Run] = []
    for i in piece:
        if out and out[-1].face == roles[i]:
            out[-1] = Run(roles[i], out[-1].text + chars[i])
        else:
            out.append(Run(roles[i], chars[i]))
    return tuple(out)


def paragraph_runs(paragraph: Paragraph) -> list[Run]:
    lead_face = {"h1": "hei", "h2": "kai"}.get(paragraph.kind, "fang")
    runs = [Run(lead_face, paragraph.lead)] if paragraph.lead else []
    if paragraph.rest:
        runs.append(Run("fang", paragraph.rest))
    return runs


@lru_cache(maxsize=4096)
def _set_paragraph(paragraph: Paragraph, fonts: FontSet, indent: float, width: float) -> tuple[Line, ...]:
    return tuple(break_lines(paragraph_runs(paragraph), fonts, indent=indent, width=width))


def set_paragraph(paragraph: Paragraph, fonts: FontSet, *, indent: float = INDENT,
                  width: float = TYPE_WIDTH) -> list[Line]:
    """The paragraph's lines (cached: a re-render of the same text lays it out once)."""
    return list(_set_paragraph(paragraph, fonts, indent, width))


# --- titles -----------------------------------------------------------------------------

# Title breaks (标题回行 "词意完整"): prefer a break after these particles or before these
# openers; avoid splitting the common words of notices, and 《…》.
BREAK_AFTER = frozenset("的于和与及、》）")
BREAK_BEFORE = ("关于", "《", "（")
KEEP_TOGETHER = (
    "电子商务", "人民政府", "办公室", "领导小组", "农村", "电商", "全覆盖", "巩固提升", "实施方案",
    "工作", "任务", "目标", "情况", "通报", "批评", "表扬", "批复", "通知", "示范", "县区", "整改",
    "年度", "推进", "完成", "申报", "省级", "市级", "同意", "落实", "不力", "逾期", "行动", "予以",
    "进展", "成效", "突出", "单位", "季度", "先进", "集体", "个人",
)
#: a title wider than this is broken: WeasyPrint's own line fitting must never break it again
TITLE_WIDTH = TYPE_WIDTH - TITLE_SIZE / 2


def _break_score(title: str, index: int, target: float, widths: list[float]) -> float | None:
    """How good a break before ``title[index]`` is (higher is better); None if not allowed."""
    before, after = title[index - 1], title[index]
    if after in NO_LINE_START or before in NO_LINE_END:
        return None
    if before.isascii() and after.isascii() and before.isalnum() and after.isalnum():
        return None
    score = -abs(widths[index] - target) / TITLE_SIZE
    if before in BREAK_AFTER or title.startswith(BREAK_BEFORE, index):
        score += 3
    if any(title.startswith(word, start) for word in KEEP_TOGETHER
           for start in range(max(0, index - len(word) + 1), index)):
        score -= 3  # the break would split this word
    if title[:index].count("《") > title[:index].count("》"):
        score -= 2
    return score


def wrap_title(title: str, fonts: FontSet) -> list[str]:
    """Title lines: the author's own line breaks if any; otherwise, when the title is wider
    than the type area, lines of even width (排列对称) broken between words where possible."""
    lines = [line.strip() for line in title.splitlines() if line.strip()]
    if len(lines) != 1:
        return lines
    title = lines[0]
    widths = [0.0]  # widths[i]: width of title[:i]
    for char in title:
        widths.append(widths[-1] + _char_width(fonts.song_bold, char, TITLE_SIZE))
    count = math.ceil(widths[-1] / TITLE_WIDTH)
    lines, start = [], 0
    for remaining in range(count, 1, -1):
        target = widths[start] + (widths[-1] - widths[start]) / remaining
        scored = [
            (score, index)
            for index in range(start + 1, len(title))
            if widths[index] - widths[start] <= TITLE_WIDTH
            and abs(widths[index] - target) <= 4 * TITLE_SIZE
            and (score := _break_score(title, index, target, widths)) is not None
        ]
        cut = max(scored)[1] if scored else start + max(
            i for i in range(1, len(title) - start + 1) if widths[start + i] - widths[start] <= TITLE_WIDTH)
        lines.append(title[start:cut])
        start = cut
    lines.append(title[start:])
    return [line for line in lines if line]


# --- small texts ------------------------------------------------------------------------


def chinese_date(iso: str | date | None) -> str:
    """``2019-03-05`` → ``2019年3月5日`` (Arabic numerals, no leading zeros)."""
    if not iso:
        return "　　年　　月　　日"
    day = iso if isinstance(iso, date) else date.fromisoformat(str(iso)[:10])
    return f"{day.year}年{day.month}月{day.day}日"
