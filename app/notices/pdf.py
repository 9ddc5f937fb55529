"""Printed notices (通报, 批复) in the layout of GB/T 9704-2012, as pure functions.

``render_notice_pdf(data)`` takes a plain dict (no ORM objects, no request) and returns PDF
bytes; the same data always gives the same bytes, so an issued notice can be archived with
its SHA-256 and re-rendered for comparison. Figures are the standard's (the project's
NOTICE-FORMAT notes); the ones WeasyPrint needs spelled out (28.99pt, -0.21pt, 31.58pt)
were measured on this layout.

Fonts are embedded with the glyphs the notice uses and nothing else (:func:`compact_fonts`):
WeasyPrint's own subsets keep an empty slot for every unused glyph id below the last one used,
a quarter of a notice's bytes with CJK fonts.

Everything printed from user input goes through Jinja autoescaping, and WeasyPrint may fetch
nothing but the fonts of the ``FontSet`` and files under ``templates/pdf``: see
:class:`AssetFetcher`.
"""

from __future__ import annotations

import base64
import logging
import math
import multiprocessing
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from hashlib import sha1
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jinja2
import pydyf
import segno
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.notices import fonts as fontlib
from app.notices.fonts import FontSet, discover_fonts
from app.notices.layout import (  # noqa: F401  (re-exported: the public names of this module)
    HEADING_1, HEADING_2, INDENT, NATURAL_SPACING, Line, Paragraph, chinese_date, parse_body, set_paragraph,
    wrap_title)

LOGGER = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
ASSET_DIR = ROOT / "templates" / "pdf"
FONT_SCHEME = "plandesk-font"

# --- figures of GB/T 9704-2012 ----------------------------------------------------------
MM = 72 / 25.4  # points per millimetre
PAGE_TOP_MM = 37  # 天头
TYPE_WIDTH = 156 * MM  # 版心 width, pt
PITCH = 28.99  # line pitch: 225 mm / 22, rounded down so that 22 lines fit
BODY_SIZE = 16.0  # 3号
CHAR = 15.79  # character pitch: 16pt with letter-spacing -0.21pt, 28 to a line
SMALL_SIZE = 14.0  # 4号: colophon and page numbers
TITLE_SIZE = 22.0  # 2号
MARK_SIZE = 42.0  # 初号; the standard leaves the mark's size free
MARK_INK_TOP = (72 - PAGE_TOP_MM) * MM  # general mark: 72 mm from the paper edge
NUMBER_GAP = 4 * MM  # red line under the document number
RED_RULE = 0.5 * MM  # thickness is free; practice is 0.35-0.5 mm
PAGE_NUMBER_GAP = 7 * MM  # the dash of "— N —" under the type area

# Letter format (信函格式): mark 30 mm from the paper edge, red double lines 170 mm wide.
LETTER_MARK_INK_TOP = (30 - PAGE_TOP_MM) * MM
LETTER_RULE_WIDTH = 170 * MM
LETTER_BOTTOM_RULE = (297 - 20 - PAGE_TOP_MM) * MM  # bottom edge of the lower double line
LETTER_THICK, LETTER_GAP, LETTER_THIN = 1.5, 1.5, 0.75  # pt: 上粗下细 / 上细下粗
LETTER_NUMBER_LINE = 1  # grid line carrying the document number
SEVEN_EIGHTHS = BODY_SIZE * 7 / 8  # distance number ↔ double line: 7/8 of a 3号 character

FORMATS = ("general", "letter")


# --- safety: the only fetcher WeasyPrint gets ------------------------------------------


class AssetFetcher(URLFetcher):
    """Serve the FontSet's files, files under ``templates/pdf`` and PNG ``data:`` URIs (the
    QR code); refuse everything else.

    WeasyPrint's default fetcher follows ``file://`` and ``http://`` (and redirects), so a
    hostile ``<link rel=attachment href=file:///…>`` reaching the HTML would embed any local
    file. This one never opens a network connection nor reads outside its allow-lists.
    """

    def __init__(self, fonts: FontSet | None, asset_dir: Path = ASSET_DIR) -> None:
        super().__init__(allowed_protocols=("file", "data", FONT_SCHEME), allow_redirects=False)
        roles = fonts.as_dict().items() if fonts is not None else ()
        self._fonts = {font_url(role, path): path for role, path in roles}
        self._asset_dir = asset_dir.resolve()

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        if url in self._fonts:
            return URLFetcherResponse(url, self._fonts[url].read_bytes(), {"Content-Type": "font/otf"})
        if url.startswith(PNG_DATA_URI):
            return URLFetcherResponse(url, _png_bytes(url), {"Content-Type": "image/png"})
        path = self._asset_path(url)
        if path is None:
            raise ValueError(f"PlanDesk notices fetch only their own assets; refused {url[:80]!r}")
        return URLFetcherResponse(url, path.read_bytes())

    def _asset_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if path.is_file() and path.is_relative_to(self._asset_dir):
            return path
        return None


PNG_DATA_URI = "data:image/png;base64,"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_bytes(url: str) -> bytes:
    data = base64.b64decode(url[len(PNG_DATA_URI):], validate=True)
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("data: URI is not a PNG image")
    return data


def font_url(role: str, path: Path) -> str:
    """A URL naming a font without revealing its path (the HTML preview goes to browsers).

    The digest keeps WeasyPrint's per-process font cache, keyed on the @font-face rule,
    from serving one FontSet's file for another's.
    """
    digest = sha1(str(path).encode(), usedforsecurity=False).hexdigest()[:12]
    return f"{FONT_SCHEME}:{role}-{digest}"


# --- layout figures computed from the fonts --------------------------------------------


@dataclass(frozen=True)
class Mark:
    """An issuer mark placed absolutely in the masthead, compressed if too wide."""

    text: str
    size: float
    top: float
    left: float
    width: float
    scale: float


@dataclass(frozen=True)
class Masthead:
    """Positions (pt, from the top of the type area) of the first page's header."""

    mark: Mark
    number_top: float  # top of the number's line box
    rule_top: float
    height: float  # the masthead's height: a whole number of lines, so the body stays on grid
    letter_bottom_rule: float = 0.0


def _line_box_offset(path: Path, size: float, line_height: float) -> tuple[float, float]:
    """(em-box top, baseline) of a glyph of ``size`` inside a line box of ``line_height``."""
    ascent, descent = fontlib.line_metrics(path)
    em_top = (line_height - (ascent + descent) * size) / 2
    return em_top, em_top + ascent * size


def _place_mark(text: str, path: Path, size: float, ink_top: float, width: float) -> Mark:
    _, baseline = _line_box_offset(path, size, size)
    ink_above, _ = fontlib.ink_extent(path, text)
    natural = fontlib.advance(path, text) * size
    scale = min(1.0, width / natural) if natural else 1.0
    return Mark(
        text=text,
        size=size,
        top=ink_top - (baseline - ink_above * size),
        left=(TYPE_WIDTH - natural) / 2,
        width=natural,
        scale=round(scale, 4),
    )


def _mark_ink_bottom(mark: Mark, path: Path) -> float:
    ink_above, ink_below = fontlib.ink_extent(path, mark.text)
    _, baseline = _line_box_offset(path, mark.size, mark.size)
    return mark.top + baseline - ink_below * mark.size


def _nearest_line(target_top: float, em_offset: float) -> int:
    """The grid line whose glyph top (line top + em_offset) is nearest ``target_top``."""
    return max(0, round((target_top - em_offset) / PITCH))


def general_masthead(issuer_mark: str, fonts: FontSet) -> Masthead:
    """Mark ink top at 72 mm; number two lines under it; red line 4 mm under the number;
    title two lines under the red line, on the body grid."""
    mark = _place_mark(issuer_mark, fonts.song_bold, MARK_SIZE, MARK_INK_TOP, TYPE_WIDTH)
    number_em_top, _ = _line_box_offset(fonts.fang, BODY_SIZE, PITCH)
    number_line = _nearest_line(_mark_ink_bottom(mark, fonts.song_bold) + 2 * PITCH, number_em_top)
    ascent, descent = fontlib.line_metrics(fonts.fang)
    number_bottom = number_line * PITCH + number_em_top + (ascent + descent) * BODY_SIZE
    rule_top = number_bottom + NUMBER_GAP
    title_em_top, _ = _line_box_offset(fonts.song_bold, TITLE_SIZE, PITCH)
    title_line = _nearest_line(rule_top + RED_RULE + 2 * PITCH, title_em_top)
    return Masthead(mark, number_line * PITCH, rule_top, title_line * PITCH)


def letter_masthead(issuer_mark: str, fonts: FontSet) -> Masthead:
    """信函格式: mark ink 30 mm from the paper top, its size chosen so that its ink ends
    4 mm above the red double line, which lies 7/8 of a character above the number."""
    number_em_top, _ = _line_box_offset(fonts.fang, BODY_SIZE, PITCH)
    number_top = LETTER_NUMBER_LINE * PITCH
    rule_bottom = number_top + number_em_top - SEVEN_EIGHTHS
    rule_top = rule_bottom - (LETTER_THICK + LETTER_GAP + LETTER_THIN)
    ink_top, ink_bottom = fontlib.ink_extent(fonts.song_bold, issuer_mark)
    ink_height = rule_top - NUMBER_GAP - LETTER_MARK_INK_TOP
    size = round(ink_height / max(ink_top - ink_bottom, 0.5), 2)
    mark = _place_mark(issuer_mark, fonts.song_bold, size, LETTER_MARK_INK_TOP, TYPE_WIDTH)
    ascent, descent = fontlib.line_metrics(fonts.fang)
    number_bottom = number_top + number_em_top + (ascent + descent) * BODY_SIZE
    title_em_top, _ = _line_box_offset(fonts.song_bold, TITLE_SIZE, PITCH)
    title_line = _nearest_line(number_bottom + 2 * PITCH, title_em_top)
    bottom_rule = LETTER_BOTTOM_RULE - (LETTER_THICK + LETTER_GAP + LETTER_THIN)
    return Masthead(mark, number_top, rule_top, title_line * PITCH, bottom_rule)


@dataclass(frozen=True)
class Signature:
    """Right padding (pt) of the issuer's name and of the date, both right-aligned."""

    name_pad: float
    date_pad: float


def _text_width(path: Path, text: str) -> float:
    """Width of body text on the grid: 16pt glyphs, each followed by -0.21pt spacing."""
    return fontlib.advance(path, text) * BODY_SIZE + len(text) * (CHAR - BODY_SIZE)


def signature_layout(name: str, date_text: str, sealed: bool, fonts: FontSet) -> Signature:
    """Place the issuer's name and the date (成文日期).

    Sealed: the date 4 characters in from the right, the name centred over it; a name too
    long to stay inside the type area moves the pair left, centring kept. Unsealed: the
    name 2 characters in, the date on the next line starting 2 characters right of the
    name's first character; a longer date goes 2 characters in and pushes the name left.
    """
    name_width = _text_width(fonts.fang, name)
    date_width = _text_width(fonts.fang, date_text)
    if sealed:
        date_pad = 4 * CHAR
        overflow = (name_width - date_width) / 2 - date_pad
        date_pad += max(0.0, overflow)
        return Signature(date_pad - (name_width - date_width) / 2, date_pad)
    limit = TYPE_WIDTH - 2 * CHAR
    name_left = min(limit - name_width, limit - date_width - 2 * CHAR)
    return Signature(
        TYPE_WIDTH - name_left - name_width,
        TYPE_WIDTH - name_left - 2 * CHAR - date_width,
    )


QR_SIZE = 18 * MM
QR_GAP = 3 * MM  # with the margin on its left: a quiet zone of over 4 modules (0.55 mm each)
RULE_THICK, RULE_THIN = 0.35 * MM, 0.25 * MM
COPIES_LABEL = "抄送："


def _wrapped_lines(width: float, first: float, rest: float) -> int:
    """Lines needed for ``width`` of text: ``first`` on the first line, ``rest`` after.

    Each line is assumed one character short, for punctuation that may not start a line.
    """
    lines, remaining, capacity = 1, width, first - SMALL_SIZE
    while remaining > capacity:
        remaining -= capacity
        lines, capacity = lines + 1, rest - SMALL_SIZE
    return lines


def colophon_height(fmt: str, copies: str, has_qr: bool, fonts: FontSet) -> float:
    """Height (pt) of the colophon, reserved at the end of the text so that no text runs
    under it: the colophon itself is placed absolutely at the bottom of the last page."""
    height = QR_SIZE + QR_GAP if has_qr else 0.0
    copies_lines = 0
    if copies:
        width = fontlib.advance(fonts.fang, COPIES_LABEL + copies) * SMALL_SIZE
        # "抄送：" starts 1 character in; wrapped lines align after the colon.
        copies_lines = _wrapped_lines(width, TYPE_WIDTH - 2 * SMALL_SIZE, TYPE_WIDTH - 5 * SMALL_SIZE)
    height += copies_lines * PITCH
    if fmt == "general":
        height += PITCH + 2 * RULE_THICK + (RULE_THIN if copies else 0.0)
    return height


def page_number_offset(fonts: FontSet) -> float:
    """Padding above "— N —" (4号宋体) in the bottom margin box so that the dash's ink lies
    7 mm under the type area."""
    song = fonts.song or fonts.song_bold
    _, baseline = _line_box_offset(song, SMALL_SIZE, SMALL_SIZE)
    dash_top, _ = fontlib.ink_extent(song, "—")
    return PAGE_NUMBER_GAP - (baseline - dash_top * SMALL_SIZE)


# --- text -------------------------------------------------------------------------------
# Paragraphs, titles and set-solid lines are laid out in app/notices/layout.py.


LINES_PER_PAGE = 22
#: the most lines the signature page may be tightened to take (22 lines set at 22/26 of the pitch)
MAX_TIGHT_LINES = 26


def _text_lines(text: str, fonts: FontSet, width: float = TYPE_WIDTH) -> int:
    return max(1, math.ceil(_text_width(fonts.fang, text) / width))


def tail_fit(first_page_used: int, paragraphs: list[tuple[Paragraph, list[Line]]], tail_lines: int
             ) -> tuple[int, float] | None:
    """Fill the page before the signature: when the text's last line and what must stay with it
    (附件说明, signature, note, and the colophon when nothing is attached) do not fit on the page
    where the text ends, WeasyPrint would carry the last line over and leave that page short.
    GB/T 9704 asks for tighter spacing instead: returns (index of the first body line of that page,
    the tightened pitch in pt), or None when everything fits or it would need more than
    ``MAX_TIGHT_LINES`` on the page.

    Counts lines as WeasyPrint places them on the 22-line grid: a heading standing alone never ends
    a page.
    """
    position, index, page_start = first_page_used, 0, 0
    for paragraph, lines in paragraphs:
        standalone = not paragraph.rest and len(lines) == 1
        for _ in lines:
            if position == LINES_PER_PAGE or (standalone and position == LINES_PER_PAGE - 1):
                position, page_start = 0, index
            position += 1
            index += 1
    needed = position + tail_lines
    if needed <= LINES_PER_PAGE or needed > MAX_TIGHT_LINES:
        return None
    return page_start, round(PITCH * LINES_PER_PAGE / needed, 3)


@dataclass(frozen=True)
class Annex:
    """An attachment (附件) printed after the body: a title and a table whose header row
    repeats on every page. ``widths`` are the columns' shares of the type area."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]


def _annex(data: Mapping[str, Any]) -> Annex:
    columns = tuple(str(c) for c in data.get("columns") or ())
    rows = tuple(tuple(str(cell) for cell in row) for row in data.get("rows") or ())
    if any(len(row) != len(columns) for row in rows):
        raise ValueError("every row of an attachment table has one cell per column")
    widths = tuple(float(w) for w in data.get("widths") or ()) or tuple(1.0 for _ in columns)
    total = sum(widths) or 1.0
    return Annex(str(data.get("title") or "").strip(), columns, rows,
                 tuple(round(100 * w / total, 3) for w in widths))


def _ensure_suffix(text: str, suffix: str, strip: str = "") -> str:
    text = (text or "").strip().rstrip(strip)
    return text if not text or text.endswith(suffix) else text + suffix


def _note_text(note: str | None) -> str:
    note = (note or "").strip()
    if not note:
        return ""
    return note if note.startswith(("（", "(")) else f"（{note}）"


@lru_cache(maxsize=256)
def qr_data_uri(url: str) -> str:
    """The verification URL as a QR code: a PNG of one pixel per module, printed 18 mm wide
    without interpolation (image-rendering: pixelated), so every module stays a sharp
    square. Half the cost of the same code as inline SVG, which WeasyPrint draws in Python."""
    return segno.make(url, error="m").png_data_uri(scale=1, border=0)


# --- HTML -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _jinja() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(ASSET_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


STYLESHEET = ASSET_DIR / "notice.css"


@lru_cache(maxsize=1)
def _stylesheet_text() -> Markup:
    # Static rules of this repository, inlined into the preview so it stands alone.
    return Markup(STYLESHEET.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _print_stylesheet() -> CSS:
    """The static rules parsed once per process (parsing them costs ~15 ms a render).

    They hold no @font-face (the fonts are declared in each document), so they need no
    font configuration and serve every FontSet."""
    return CSS(string=str(_stylesheet_text()), base_url=str(ASSET_DIR) + "/",
               url_fetcher=AssetFetcher(None))


@lru_cache(maxsize=1)
def default_fonts() -> FontSet:
    """The FontSet of this process (``PLANDESK_FONT_DIR`` is read once)."""
    return discover_fonts()


def _w3c_date(value: Any) -> str | None:
    if not value:
        return None
    return f"{date.fromisoformat(str(value)[:10]).isoformat()}T00:00:00+08:00"


def notice_context(data: Mapping[str, Any], fonts: FontSet, *, inline_css: bool = True) -> dict[str, Any]:
    """Everything the template prints, derived from ``data`` and the fonts only."""
    fmt = data.get("format") or "general"
    if fmt not in FORMATS:
        raise ValueError(f"unknown notice format {fmt!r}; expected one of {FORMATS}")
    mark_text = str(data.get("issuer_mark") or "").strip()
    masthead = (letter_masthead if fmt == "letter" else general_masthead)(mark_text, fonts)
    title = str(data.get("title") or "")
    code, url = data.get("verification_code"), data.get("verification_url")
    signature = str(data.get("signature") or "").strip()
    date_text = chinese_date(data.get("date"))
    sealed = bool(data.get("sealed"))
    copies = _ensure_suffix(str(data.get("copies") or ""), "。", "。.，,；;")
    paragraphs = [(p, set_paragraph(p, fonts)) for p in parse_body(str(data.get("body") or ""))]
    annexes = [_annex(annex) for annex in data.get("annexes") or ()]
    titles = [annex.title for annex in annexes]
    extra = [str(a).strip() for a in data.get("attachments") or [] if str(a).strip()]
    attachments = titles + [name for name in extra if name not in titles]
    title_lines = wrap_title(title, fonts)
    addressees = _ensure_suffix(str(data.get("addressees") or ""), "：", "：:，,。")
    note = _note_text(data.get("note"))
    has_qr = bool(code and url)
    colophon = colophon_height(fmt, copies, has_qr, fonts)
    tail = ((1 + sum(_text_lines(f"附件：{i}.{name}", fonts) for i, name in enumerate(attachments, 1))
             if attachments else 0) + (2 if sealed else 1) + 2 + (_text_lines(note, fonts) if note else 0)
            + (0 if annexes else math.ceil(colophon / PITCH)))
    first_page = round(masthead.height / PITCH) + len(title_lines) + 1 + _text_lines(addressees, fonts)
    fit = tail_fit(first_page, paragraphs, tail) if fmt == "general" else None
    tight_from = fit[0] if fit else None
    numbered: list[tuple[Paragraph, list[tuple[Line, bool]]]] = []
    index = 0
    for p, lines in paragraphs:
        numbered.append((p, [(line, tight_from is not None and index + i >= tight_from)
                             for i, line in enumerate(lines)]))
        index += len(lines)
    return {
        "format": fmt,
        "masthead": masthead,
        "number": data.get("number") or None,
        "title_lines": title_lines,
        "title_text": "".join(line.strip() for line in title.splitlines()),
        "addressees": addressees,
        "paragraphs": numbered,
        "tight_pitch": fit[1] if fit else None,
        "attachments": attachments,
        "annexes": annexes,
        "numbered_annexes": len(attachments) > 1,
        "draft": bool(data.get("draft", not data.get("number"))),
        "signature": signature,
        "date": date_text,
        "sealed": sealed,
        "signature_box": signature_layout(signature, date_text, sealed, fonts),
        "note": note,
        "copies": copies,
        "printed_by": str(data.get("printed_by") or "").strip(),
        "printed_on": chinese_date(data.get("printed_on")),
        "verification_code": code if code and url else None,
        "qr": qr_data_uri(str(url)) if has_qr else None,
        "colophon_height": colophon,
        "revoked": bool(data.get("revoked")),
        "created": _w3c_date(data.get("date") or data.get("printed_on")),
        "fonts": {role: font_url(role, path) for role, path in fonts.as_dict().items()},
        "page_number_top": page_number_offset(fonts),
        "css": _stylesheet_text() if inline_css else None,
        "LETTER": {
            "left": (TYPE_WIDTH - LETTER_RULE_WIDTH) / 2,
            "width": LETTER_RULE_WIDTH,
            "thick": LETTER_THICK,
            "gap": LETTER_GAP,
            "thin": LETTER_THIN,
        },
        "RED_RULE": RED_RULE,
        "NATURAL": round(NATURAL_SPACING, 4),
    }


def render_notice_html(data: Mapping[str, Any], *, fonts: FontSet | None = None) -> str:
    """The notice as HTML: the document WeasyPrint prints, also usable as a preview.

    Fonts are referenced by opaque ``plandesk-font:`` URLs; a browser falls back to the
    local 仿宋/楷体/黑体/宋体 named after them in each font-family list.
    """
    fonts = fonts or default_fonts()
    return _jinja().get_template("notice.html").render(notice_context(data, fonts))


def _print_html(data: Mapping[str, Any], fonts: FontSet) -> str:
    """The HTML WeasyPrint renders: the preview without its inlined static stylesheet,
    which is passed pre-parsed instead."""
    return _jinja().get_template("notice.html").render(notice_context(data, fonts, inline_css=False))


# --- PDF --------------------------------------------------------------------------------

# WeasyPrint's FontConfiguration is not documented as thread-safe, and threads give no
# speed-up (the GIL): one render at a time per process, processes for batches.
_RENDER_LOCK = threading.Lock()


@lru_cache(maxsize=8)
def _font_config(fonts: FontSet | None = None) -> FontConfiguration:
    """The process's FontConfiguration for ``fonts`` (default: the process's FontSet):
    fonts loaded once, and far less memory.

    One per FontSet: Fontconfig knows the fonts by family name ("PD Kai"), so two FontSets
    sharing one configuration would print with whichever registered that name last.
    """
    if fonts is None:
        return _font_config(default_fonts())
    return FontConfiguration()


def render_notice_pdf(data: Mapping[str, Any], *, fonts: FontSet | None = None) -> bytes:
    """Plain dict in, PDF bytes out: byte-identical for identical data and fonts."""
    fonts = fonts or default_fonts()
    html = _print_html(data, fonts)
    with _RENDER_LOCK:
        document = HTML(string=html, base_url=str(ASSET_DIR) + "/", url_fetcher=AssetFetcher(fonts))
        return document.write_pdf(
            font_config=_font_config(fonts), stylesheets=[_print_stylesheet()], finisher=compact_fonts)


def _object(pdf: pydyf.PDF, reference: Any) -> Any:
    """The object of ``pdf`` that a pydyf reference (``b"12 0 R"``) points to."""
    return pdf.objects[int(bytes(reference).split()[0])]


def _used_cids(widths: Iterable[Any]) -> set[int]:
    """The CIDs listed in a /W array written as ``start [w w …] start [w …]``."""
    cids, items = set(), list(widths)
    for start, run in zip(items[::2], items[1::2]):
        cids.update(range(int(start), int(start) + len(run)))
    return cids


def compact_fonts(document: Any, pdf: pydyf.PDF) -> None:
    """WeasyPrint finisher: embed each font with its used glyphs only (see
    :func:`app.notices.fonts.compact_cff`), about 45 KB less for a notice's four fonts.

    Codes, CIDs, /W and /ToUnicode stay as WeasyPrint wrote them; only the font programs
    change, so the text and its positions are those WeasyPrint laid out. A font this cannot
    rebuild (a name-keyed CFF) keeps WeasyPrint's own subset.
    """
    cid_fonts: dict[int, list[Any]] = {}  # font stream number -> CIDFonts using it
    for obj in pdf.objects:
        if not (isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Font"
                and obj.get("Subtype") == "/Type0"):
            continue
        for reference in obj["DescendantFonts"]:
            cid_font = _object(pdf, reference)
            descriptor = _object(pdf, cid_font["FontDescriptor"])
            stream_ref = descriptor.get("FontFile3") or descriptor.get("FontFile2")
            if stream_ref is not None:
                cid_fonts.setdefault(int(bytes(stream_ref).split()[0]), []).append(cid_font)
    for number, fonts_using in cid_fonts.items():
        stream = pdf.objects[number]
        if len(stream.stream) != 1 or not isinstance(stream.stream[0], bytes):
            continue
        program = stream.stream[0]
        used = set().union(*(_used_cids(font.get("W", ())) for font in fonts_using))
        try:
            cff = fontlib.compact_cff(program, used)
            truetype = None if cff is not None else fontlib.compact_truetype(program, used)
        except Exception:  # an office's odd font: WeasyPrint's own subset is still valid
            LOGGER.warning("font program kept as WeasyPrint subset it", exc_info=True)
            continue
        if cff is not None:
            stream.stream = [cff]
            stream.extra = pydyf.Dictionary({"Subtype": "/CIDFontType0C"})
        elif truetype is not None:
            program, cid_to_gid = truetype
            stream.stream = [program]
            stream.extra = pydyf.Dictionary({"Length1": len(program)})
            mapping = pydyf.Stream([cid_to_gid], compress=stream.compress)
            pdf.add_object(mapping)
            for font in fonts_using:
                font["CIDToGIDMap"] = mapping.reference


def _warm_worker(fonts: FontSet | None) -> None:
    """Pool initializer: import WeasyPrint and load every font before the first job."""
    render_notice_pdf(WARM_UP_NOTICE, fonts=fonts)


def render_many(
    datas: Iterable[Mapping[str, Any]],
    processes: int = 2,
    progress: Callable[[int, int], None] | None = None,
    *,
    fonts: FontSet | None = None,
) -> list[bytes]:
    """Render many notices on ``processes`` processes; results in the order of ``datas``.

    ``progress(done, total)`` is called in this process after each notice; the first
    failure cancels the rest and is raised. Workers are spawned, not forked: a fork would
    inherit this process's fontconfig and Pango state and its FontConfiguration's temporary
    font folder, and forking a threaded web server is unsafe.
    """
    items = [dict(data) for data in datas]
    total = len(items)
    if processes <= 1 or total <= 1:
        return _render_sequentially(items, progress, fonts)
    results: list[bytes] = [b""] * total
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=min(processes, total), mp_context=context,
        initializer=_warm_worker, initargs=(fonts,),
    ) as pool:
        futures = {
            pool.submit(render_notice_pdf, data, fonts=fonts): index for index, data in enumerate(items)
        }
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if progress is not None:
                    progress(done, total)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # stop at the first failure
            raise
    return results


def _render_sequentially(
    items: list[dict[str, Any]],
    progress: Callable[[int, int], None] | None,
    fonts: FontSet | None,
) -> list[bytes]:
    results = []
    for done, data in enumerate(items, start=1):
        results.append(render_notice_pdf(data, fonts=fonts))
        if progress is not None:
            progress(done, len(items))
    return results


#: A short notice touching every font, used to warm a worker.
WARM_UP_NOTICE: dict[str, Any] = {
    "format": "general",
    "issuer_mark": "六安市电商工作领导小组办公室文件",
    "number": "六电商办〔2019〕1号",
    "title": "关于预热的通知",
    "addressees": "各县区人民政府",
    "body": "一、总体要求\n（一）加强领导。请认真落实。\n1.按时报送。",
    "attachments": [],
    "signature": "市电商工作领导小组办公室",
    "date": "2019-03-05",
    "sealed": True,
    "copies": "市委办公室",
    "printed_by": "六安市电商工作领导小组办公室",
    "printed_on": "2019-03-05",
}
