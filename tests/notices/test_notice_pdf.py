"""The notice PDF against GB/T 9704-2012, checked on the PDF itself.

Positions come from pdfplumber (characters, sizes, colours, baselines), fonts from pypdf,
rules and ink from a pdftoppm raster. Every position has the standard's ±1 mm tolerance.
No database and no Flask: the renderer is a pure function of a dict.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.notices import fonts as fontlib
from app.notices.samples import CRITICISM_BODY, sample_notice
from app.notices.fonts import FontsMissing, FontSet, discover_fonts
from app.notices.pdf import (
    ASSET_DIR,
    AssetFetcher,
    chinese_date,
    font_url,
    parse_body,
    render_many,
    render_notice_html,
    render_notice_pdf,
    wrap_title,
)

pdfplumber = pytest.importorskip("pdfplumber")
pypdf = pytest.importorskip("pypdf")
Image = pytest.importorskip("PIL.Image")
ImageChops = pytest.importorskip("PIL.ImageChops")

MM = 72 / 25.4
TOL = 1 * MM  # 制版误差 ±1 mm
PAGE_W, PAGE_H = 210 * MM, 297 * MM
TYPE_TOP, TYPE_BOTTOM = 37 * MM, 262 * MM
TYPE_W = 156 * MM
PITCH = 225 * MM / 22  # 10.227 mm
CHAR = 156 * MM / 28  # 5.571 mm
DPI = 150
PX_PER_MM = DPI / 25.4
NUMBER_RE = re.compile(r"〔\d{4}〕[1-9]\d*号")
RED = (0.0, 0.8, 0.8, 0.0)

BODY = CRITICISM_BODY

REPLY_BODY = """\
你县《关于申报省级电子商务示范镇的请示》（霍政〔2019〕12号）收悉。经研究，现批复如下：
一、同意推荐你县冯井镇申报2019年度省级电子商务示范镇。
二、请你县按照《六安市农村电商全覆盖巩固提升行动实施方案》要求，进一步完善镇级电商公共服务站点功能，健全农产品上行体系，于2019年4月30日前将申报材料报送市商务局。
三、申报过程中要严格审核把关，确保申报材料真实准确，不得弄虚作假。"""


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fonts() -> FontSet:
    try:
        return discover_fonts()
    except FontsMissing as error:
        pytest.skip(f"notice fonts not installed (apt-get install texlive-lang-chinese): {error}")


@pytest.fixture(scope="session")
def criticism() -> dict[str, Any]:
    """A 3-page criticism notice (通报批评) about counties with overdue tasks."""
    return {
        "format": "general",
        "issuer_mark": "六安市电商工作领导小组办公室文件",  # the plan's issuer (app/notices/issuer.py)
        "number": "六电商办〔2019〕3号",
        "title": "关于对工作推进不力的县区\n予以通报批评的通报",
        "addressees": "各县区人民政府，市直有关部门",
        "body": BODY,
        "attachments": ["逾期未完成任务清单", "整改情况报告模板"],
        "signature": "市电商工作领导小组办公室",
        "date": "2019-03-05",
        "sealed": True,
        "note": "联系人：王某，联系电话：0564-3377123",
        "copies": "市委办公室，市人大常委会办公室，市政府办公室，市政协办公室，"
                  "市电商工作领导小组成员单位",
        "printed_by": "六安市电商工作领导小组办公室",
        "printed_on": "2019-03-05",
        "verification_code": "7K3Q-9F2A",
        "verification_url": "https://plandesk.example.gov.cn/verify/7K3Q-9F2A",
        "revoked": False,
    }


@pytest.fixture(scope="session")
def reply() -> dict[str, Any]:
    """A 批复 in the letter format (信函格式)."""
    return {
        "format": "letter",
        "issuer_mark": "六安市商务局",
        "number": "六商函〔2019〕15号",
        "title": "关于同意霍邱县申报省级电子商务示范镇的批复",
        "addressees": "霍邱县人民政府",
        "body": REPLY_BODY,
        "attachments": [],
        "signature": "六安市商务局",
        "date": "2019-04-08",
        "sealed": True,
        "copies": "市电商工作领导小组办公室",
        "printed_by": "六安市商务局",
        "printed_on": "2019-04-08",
        "verification_code": "M2PX-4HQ7",
        "verification_url": "https://plandesk.example.gov.cn/verify/M2PX-4HQ7",
    }


@dataclass
class Rendered:
    """A rendered PDF opened with pdfplumber and pypdf; pages rastered on demand."""

    data: bytes
    plumber: Any
    reader: Any
    tmp_dir: Path
    _images: dict[int, Any] = field(default_factory=dict)

    @property
    def pages(self) -> list[Any]:
        return self.plumber.pages

    def image(self, index: int) -> Any:
        """Page ``index`` (0-based, negative from the end) as an RGB image at DPI."""
        if not shutil.which("pdftoppm"):
            pytest.skip("pdftoppm (poppler-utils) is not installed")
        number = index % len(self.pages) + 1
        if number not in self._images:
            source, prefix = self.tmp_dir / "notice.pdf", self.tmp_dir / f"page{number}"
            source.write_bytes(self.data)
            subprocess.run(
                ["pdftoppm", "-r", str(DPI), "-png", "-singlefile", "-f", str(number), "-l", str(number),
                 str(source), str(prefix)],
                check=True,
            )
            self._images[number] = Image.open(f"{prefix}.png").convert("RGB")
        return self._images[number]


def _open(data: bytes, tmp_dir: Path) -> Rendered:
    tmp_dir.mkdir(parents=True, exist_ok=True)
    return Rendered(data, pdfplumber.open(io.BytesIO(data)), pypdf.PdfReader(io.BytesIO(data)), tmp_dir)


@pytest.fixture(scope="module")
def notice(fonts, criticism, tmp_path_factory) -> Iterator[Rendered]:
    rendered = _open(render_notice_pdf(criticism, fonts=fonts), tmp_path_factory.mktemp("notice"))
    yield rendered
    rendered.plumber.close()


@pytest.fixture(scope="module")
def letter(fonts, reply, tmp_path_factory) -> Iterator[Rendered]:
    rendered = _open(render_notice_pdf(reply, fonts=fonts), tmp_path_factory.mktemp("letter"))
    yield rendered
    rendered.plumber.close()


# --- measuring helpers -------------------------------------------------------------------


def type_area(page_number: int) -> tuple[float, float]:
    """(left, right) of the type area: binding margin 28 mm, mirrored on even pages."""
    left = (28 if page_number % 2 else 26) * MM
    return left, left + TYPE_W


def baseline(char: dict[str, Any], page: Any) -> float:
    """Baseline from the top of the page, read from the text matrix."""
    return float(page.height - char["matrix"][5])


def lines_of(page: Any, chars: list[dict[str, Any]] | None = None) -> list[list[dict[str, Any]]]:
    """Characters grouped by baseline, top to bottom, each line sorted left to right."""
    grouped: dict[float, list[dict[str, Any]]] = {}
    for char in page.chars if chars is None else chars:
        grouped.setdefault(round(baseline(char, page), 1), []).append(char)
    return [sorted(grouped[key], key=lambda c: c["x0"]) for key in sorted(grouped)]


def text(line: list[dict[str, Any]]) -> str:
    return "".join(char["text"] for char in line)


def is_body(char: dict[str, Any]) -> bool:
    """3号 text of the grid: 仿宋, 黑体 or 楷体 at 16 pt."""
    return abs(char["size"] - 16) < 0.1 and re.search(r"PD-(Fang|Hei|Kai)", char["fontname"]) is not None


def find_line(rendered: Rendered, wanted: str) -> tuple[int, list[dict[str, Any]]]:
    """(page index, line) of the last line whose text is ``wanted``."""
    for index in reversed(range(len(rendered.pages))):
        found = [line for line in lines_of(rendered.pages[index]) if text(line) == wanted]
        if found:
            return index, found[-1]
    raise AssertionError(f"no line reads {wanted!r}")


def px(mm: float) -> int:
    return int(round(mm * PX_PER_MM))


def mask(image: Any, colour: str) -> Any:
    """An L image, 255 where the pixel is red (the red ink) or dark, 0 elsewhere."""
    red, green, blue = image.split()
    if colour == "red":
        parts = [red.point(lambda v: 255 if v > 180 else 0),
                 green.point(lambda v: 255 if v < 130 else 0),
                 blue.point(lambda v: 255 if v < 130 else 0)]
    else:
        parts = [band.point(lambda v: 255 if v < 110 else 0) for band in (red, green, blue)]
    result = parts[0]
    for part in parts[1:]:
        result = ImageChops.multiply(result, part)  # logical "and" of 0/255 images
    return result


def long_rules(bitmap: Any, min_mm: float) -> list[tuple[float, float, float, float]]:
    """Horizontal rules at least ``min_mm`` long: (top, bottom, left, right) in mm."""
    width, height = bitmap.size
    rows = []
    for y in range(height):
        row = bitmap.crop((0, y, width, y + 1))
        if row.histogram()[255] >= px(min_mm):
            left, _, right, _ = row.getbbox()
            rows.append((y, left, right))
    rules: list[list[int]] = []
    for y, left, right in rows:
        if rules and y == rules[-1][1] + 1:
            rules[-1][1] = y
            rules[-1][2] = min(rules[-1][2], left)
            rules[-1][3] = max(rules[-1][3], right)
        else:
            rules.append([y, y, left, right])
    return [(t / PX_PER_MM, (b + 1) / PX_PER_MM, l / PX_PER_MM, r / PX_PER_MM) for t, b, l, r in rules]


def ink_top_mm(bitmap: Any, box: tuple[int, int, int, int] | None = None) -> float:
    region = bitmap.crop(box) if box else bitmap
    bbox = region.getbbox()
    assert bbox is not None, "no ink found"
    return (bbox[1] + (box[1] if box else 0)) / PX_PER_MM


# --- page and fonts ----------------------------------------------------------------------


def test_sample_is_three_pages(notice):
    assert len(notice.pages) == 3


def test_every_page_is_a4(notice, letter):
    for page in [*notice.pages, *letter.pages]:
        assert page.width == pytest.approx(PAGE_W, abs=0.5)
        assert page.height == pytest.approx(PAGE_H, abs=0.5)


def _font_dicts(reader: Any) -> Iterator[Any]:
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            yield ref.get_object()


def test_fonts_embedded_as_subsets(notice):
    names = set()
    for font in _font_dicts(notice.reader):
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]
        assert re.match(r"^/[A-Z]{6}\+", str(font["/BaseFont"])), font["/BaseFont"]
        assert "/ToUnicode" in font
        names.add(str(font["/BaseFont"]).split("+", 1)[1])
    assert {"PD-Fang", "PD-Hei", "PD-Kai", "PD-XBS"} <= names


SIZE_LIMIT = 200 * 1024  # the figure for the 3-page sample notice
TRUETYPE_KAI = Path("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf")  # fonts-arphic-gkai00mp


@pytest.fixture(scope="module")
def sample(fonts, tmp_path_factory) -> Iterator[Rendered]:
    """The benchmark's workload: ``app.notices.samples.sample_notice()``."""
    rendered = _open(render_notice_pdf(sample_notice(), fonts=fonts), tmp_path_factory.mktemp("sample"))
    yield rendered
    rendered.plumber.close()


def _embedded_fonts(reader: Any) -> dict[str, tuple[Any, Any, Any]]:
    """Name (without subset tag) -> (Type0 font, CIDFont, font program stream)."""
    found = {}
    for font in _font_dicts(reader):
        cid_font = font["/DescendantFonts"][0].get_object()
        descriptor = cid_font["/FontDescriptor"].get_object()
        stream = (descriptor.get("/FontFile3") or descriptor.get("/FontFile2")).get_object()
        found[str(font["/BaseFont"]).split("+", 1)[1]] = (font, cid_font, stream)
    return found


def _widths_cids(cid_font: Any) -> set[int]:
    """The CIDs the text uses, as listed in the CIDFont's /W (``start [w …]`` runs)."""
    items = list(cid_font["/W"])
    return {cid for start, run in zip(items[::2], items[1::2]) for cid in range(start, start + len(run))}


def _cff_cids(program: bytes) -> list[int]:
    """The CID of each glyph of a bare CID-keyed CFF, in glyph order."""
    from fontTools.cffLib import CFFFontSet

    cff = CFFFontSet()
    cff.decompile(io.BytesIO(program), None)
    top = cff.topDictIndex[0]
    assert hasattr(top, "ROS"), "not CID-keyed"
    return [0 if name == ".notdef" else int(name[3:]) for name in top.charset]


def test_sample_notice_is_at_most_200kb_in_three_pages(sample):
    assert len(sample.data) <= SIZE_LIMIT, f"{len(sample.data) / 1024:.1f} KB"
    assert len(sample.pages) == 3


def test_sample_fonts_embedded_with_the_used_glyphs_only(sample):
    """Every font embedded as a subset holding glyph 0 and the glyphs the text uses, each
    glyph reached through the CFF charset by the CID (= character code) the page writes."""
    fonts = _embedded_fonts(sample.reader)
    assert set(fonts) == {"PD-Fang", "PD-Hei", "PD-Kai", "PD-XBS", "PD-Song"}  # 宋体: page numbers
    for name, (font, cid_font, stream) in fonts.items():
        assert re.match(r"^/[A-Z]{6}\+", str(font["/BaseFont"]))
        assert "/ToUnicode" in font and font["/Encoding"] == "/Identity-H"
        assert stream["/Subtype"] == "/CIDFontType0C", name
        cids = _cff_cids(stream.get_data())
        assert cids[0] == 0 and cids[1:] == sorted(_widths_cids(cid_font) - {0}), name
    printed = "".join(char["text"] for page in sample.pages for char in page.chars)
    assert "关于对工作推进不力的县区" in printed and "核验码" in printed


def _weasyprint_subsets(data: dict[str, Any], fonts: FontSet) -> bytes:
    """The notice with WeasyPrint's own font subsets, i.e. without ``compact_fonts``."""
    from weasyprint import HTML

    from app.notices import pdf as pdflib

    document = HTML(string=pdflib._print_html(data, fonts), base_url=str(ASSET_DIR) + "/",
                    url_fetcher=AssetFetcher(fonts))
    return document.write_pdf(font_config=pdflib._font_config(fonts), stylesheets=[pdflib._print_stylesheet()])


def _same_pixels(first: bytes, second: bytes, tmp_path: Path) -> None:
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name, data in (("a", first), ("b", second)):
        (tmp_path / f"{name}.pdf").write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "100", "-png", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)],
                       check=True)
    pages = sorted(tmp_path.glob("a-*.png"))
    assert pages and len(pages) == len(list(tmp_path.glob("b-*.png")))
    for page in pages:
        other = page.with_name(page.name.replace("a-", "b-", 1))
        diff = ImageChops.difference(Image.open(page).convert("RGB"), Image.open(other).convert("RGB"))
        assert diff.getbbox() is None, f"{page.name} differs at {diff.getbbox()}"


def test_compact_fonts_print_what_weasyprint_laid_out(fonts, criticism, tmp_path):
    compact = render_notice_pdf(criticism, fonts=fonts)
    original = _weasyprint_subsets(criticism, fonts)
    assert len(compact) < len(original) - 30 * 1024
    _same_pixels(original, compact, tmp_path)


def test_licensed_truetype_font_is_compacted_with_a_cid_to_gid_map(criticism, tmp_path):
    """An office's TrueType 楷体 (here AR PL KaitiM GB standing in for simkai.ttf) wins, and
    is embedded with its used glyphs renumbered and a /CIDToGIDMap from the page's CIDs."""
    if not TRUETYPE_KAI.is_file():
        pytest.skip("fonts-arphic-gkai00mp is not installed")
    try:
        discover_fonts()
    except FontsMissing as error:
        pytest.skip(f"notice fonts not installed: {error}")
    office = tmp_path / "fonts"
    office.mkdir()
    (office / "simkai.ttf").symlink_to(TRUETYPE_KAI)
    fonts = discover_fonts(office)
    assert fonts.kai == TRUETYPE_KAI.resolve()
    data = render_notice_pdf(criticism, fonts=fonts)
    assert data == render_notice_pdf(criticism, fonts=fonts)
    reader = pypdf.PdfReader(io.BytesIO(data))
    _, cid_font, stream = _embedded_fonts(reader)["PD-Kai"]
    descriptor = cid_font["/FontDescriptor"].get_object()
    assert "/FontFile2" in descriptor
    from fontTools.ttLib import TTFont

    glyph_count = TTFont(io.BytesIO(stream.get_data()), lazy=True)["maxp"].numGlyphs
    mapping = cid_font["/CIDToGIDMap"].get_object().get_data()
    cids = _widths_cids(cid_font) - {0}
    new_ids = [int.from_bytes(mapping[2 * cid:2 * cid + 2], "big") for cid in sorted(cids)]
    assert all(0 < gid < glyph_count for gid in new_ids) and len(set(new_ids)) == len(cids)
    assert glyph_count < len(cids) + 10  # the used glyphs (and components), not every slot
    _same_pixels(_weasyprint_subsets(criticism, fonts), data, tmp_path / "pixels")


def test_a_font_that_cannot_be_compacted_keeps_weasyprints_subset(fonts, criticism, monkeypatch, caplog):
    def refuse(program: bytes, used: Any) -> None:
        raise ValueError("unsupported")

    monkeypatch.setattr(fontlib, "compact_cff", refuse)
    data = render_notice_pdf(criticism, fonts=fonts)
    assert data == _weasyprint_subsets(criticism, fonts)
    assert "kept as WeasyPrint subset it" in caplog.text
    streams = [stream for _, _, stream in _embedded_fonts(pypdf.PdfReader(io.BytesIO(data))).values()]
    assert streams and all(stream["/Subtype"] == "/OpenType" for stream in streams)


def test_another_font_set_in_the_same_process_changes_nothing(fonts, criticism, tmp_path):
    """Fontconfig knows the fonts by family name ("PD Kai"): each FontSet has its own
    configuration, so rendering with an office's fonts leaves the next default render alone."""
    if not TRUETYPE_KAI.is_file():
        pytest.skip("fonts-arphic-gkai00mp is not installed")
    before = render_notice_pdf(criticism, fonts=fonts)
    (tmp_path / "simkai.ttf").symlink_to(TRUETYPE_KAI)
    other = render_notice_pdf(criticism, fonts=discover_fonts(tmp_path))
    assert other != before
    assert render_notice_pdf(criticism, fonts=fonts) == before


def test_headings_use_hei_and_kai(notice):
    lines = {text(line): line for page in notice.pages for line in lines_of(page)}
    heading = lines["一、基本情况"]
    assert all("PD-Hei" in c["fontname"] for c in heading)
    second = next(line for t, line in lines.items() if t.startswith("（一）公共服务"))
    lead = second[: len("（一）公共服务体系建设滞后。")]
    assert all("PD-Kai" in c["fontname"] for c in lead)
    assert all("PD-Fang" in c["fontname"] for c in second[len(lead):])
    item = next(line for t, line in lines.items() if t.startswith("1.各县区"))
    assert all("PD-Fang" in c["fontname"] for c in item)


# --- header --------------------------------------------------------------------------------


def test_document_number(notice, criticism):
    index, line = find_line(notice, criticism["number"])
    assert index == 0
    assert NUMBER_RE.search(text(line))
    centre = (line[0]["x0"] + line[-1]["x1"]) / 2
    left, right = type_area(1)
    assert centre == pytest.approx((left + right) / 2, abs=TOL)


def test_mark_is_red_and_inside_the_type_area(notice, criticism):
    mark = [c for c in notice.pages[0].chars if c["size"] > 30]
    assert text(mark) == criticism["issuer_mark"]
    assert all(tuple(c["non_stroking_color"]) == pytest.approx(RED) for c in mark)


def test_mark_ink_top_at_72mm(notice):
    red = mask(notice.image(0), "red")
    assert ink_top_mm(red) == pytest.approx(72, abs=1)
    left, _, right, _ = red.crop((0, 0, red.size[0], px(100))).getbbox()
    assert (right - left) / PX_PER_MM <= 156 + 1  # compressed with scaleX to the type width


def test_red_line_under_the_number(notice, criticism):
    _, line = find_line(notice, criticism["number"])
    number_bottom_mm = max(c["bottom"] for c in line) / MM
    rules = long_rules(mask(notice.image(0), "red"), 150)
    assert len(rules) == 1
    top, bottom, left, right = rules[0]
    assert top - number_bottom_mm == pytest.approx(4, abs=1)
    assert right - left == pytest.approx(156, abs=1)
    assert left == pytest.approx(28, abs=1)


def test_title_is_22pt_and_centred(notice):
    title = [c for c in notice.pages[0].chars if "PD-XBS" in c["fontname"] and c["size"] < 30]
    assert all(c["size"] == pytest.approx(22, abs=0.1) for c in title)
    left, right = type_area(1)
    for line in lines_of(notice.pages[0], title):
        assert (line[0]["x0"] + line[-1]["x1"]) / 2 == pytest.approx((left + right) / 2, abs=TOL)


# --- body grid -----------------------------------------------------------------------------


def test_text_stays_inside_the_type_area(notice):
    for number, page in enumerate(notice.pages, start=1):
        left, right = type_area(number)
        for char in page.chars:
            if char["top"] > TYPE_BOTTOM:  # the page number
                continue
            assert char["top"] >= TYPE_TOP - TOL and char["bottom"] <= TYPE_BOTTOM + TOL, char["text"]
            assert left - TOL <= char["x0"] and char["x1"] <= right + TOL, char["text"]


def test_only_the_page_number_lies_below_the_type_area(notice):
    for number, page in enumerate(notice.pages, start=1):
        below = [c for c in page.chars if c["top"] > TYPE_BOTTOM]
        assert text(sorted(below, key=lambda c: c["x0"])) == f"— {number} —"


def _grid_offset(fonts: FontSet) -> float:
    """Baseline of a 16 pt line inside its 28.99 pt line box."""
    ascent, descent = fontlib.line_metrics(fonts.fang)
    return (28.99 - (ascent + descent) * 16) / 2 + ascent * 16


def test_baselines_on_the_line_grid(notice, fonts):
    offset = _grid_offset(fonts)
    for page in notice.pages:
        body = [c for c in page.chars if is_body(c) and c["top"] < TYPE_BOTTOM]
        slots = set()
        for line in lines_of(page, body):
            position = (baseline(line[0], page) - TYPE_TOP - offset) / PITCH
            assert abs(position - round(position)) * PITCH <= TOL, text(line)
            assert 0 <= round(position) < 22, text(line)
            slots.add(round(position))
        assert len(slots) <= 22


def test_a_full_page_has_22_lines(notice):
    page = notice.pages[1]
    body = [c for c in page.chars if is_body(c) and c["top"] < TYPE_BOTTOM]
    assert len(lines_of(page, body)) == 22


def _is_cjk_only(line: list[dict[str, Any]]) -> bool:
    return all(ord(c["text"]) >= 0x2E80 or c["text"] in "“”" for c in line)


def test_full_cjk_lines_hold_28_characters(notice):
    counts = []
    for number, page in enumerate(notice.pages, start=1):
        left, _ = type_area(number)
        for line in lines_of(page, [c for c in page.chars if is_body(c)]):
            if _is_cjk_only(line) and line[0]["x0"] == pytest.approx(left, abs=1):
                counts.append(len(line))
    assert max(counts) == 28
    assert counts.count(28) >= 5, counts


def test_paragraphs_are_indented_two_characters(notice):
    _, line = find_line(notice, "一、基本情况")
    left, _ = type_area(1)
    assert line[0]["x0"] - left == pytest.approx(2 * CHAR, abs=TOL)


def test_addressees_flush_left_and_attachments_aligned_after_the_colon(notice, criticism):
    index, addressees = find_line(notice, criticism["addressees"] + "：")
    left, _ = type_area(index + 1)
    assert addressees[0]["x0"] == pytest.approx(left, abs=TOL)
    index, first = find_line(notice, "附件：1." + criticism["attachments"][0])
    left, _ = type_area(index + 1)
    assert first[0]["x0"] - left == pytest.approx(2 * CHAR, abs=TOL)
    _, second = find_line(notice, "2." + criticism["attachments"][1])
    assert second[0]["x0"] == pytest.approx(first[3]["x0"], abs=TOL)
    page = notice.pages[index]
    assert baseline(second[0], page) - baseline(first[0], page) == pytest.approx(PITCH, abs=TOL)


# --- page numbers --------------------------------------------------------------------------


def test_page_numbers_alternate_sides(notice):
    for number, page in enumerate(notice.pages, start=1):
        chars = sorted((c for c in page.chars if c["top"] > TYPE_BOTTOM), key=lambda c: c["x0"])
        assert text(chars) == f"— {number} —"
        assert all(c["size"] == pytest.approx(14, abs=0.1) for c in chars)
        left, right = type_area(number)
        if number % 2:
            assert right - chars[-1]["x1"] == pytest.approx(14, abs=TOL)
        else:
            assert chars[0]["x0"] - left == pytest.approx(14, abs=TOL)


def test_page_number_dash_7mm_under_the_type_area(notice):
    for index, page in enumerate(notice.pages):
        image = notice.image(index)
        dash = next(c for c in page.chars if c["text"] == "—" and c["top"] > TYPE_BOTTOM)
        dark = mask(image, "dark")
        box = (px(dash["x0"] / MM), px(262), px(dash["x1"] / MM), px(285))
        assert ink_top_mm(dark, box) - 262 == pytest.approx(7, abs=1)


# --- signature -----------------------------------------------------------------------------


def _signature(rendered: Rendered, data: dict[str, Any]) -> tuple[int, list, list]:
    index, date_line = find_line(rendered, chinese_date(data["date"]))
    name_index, name_line = find_line(rendered, data["signature"])
    assert name_index == index
    return index, name_line, date_line


def _centre(line: list[dict[str, Any]]) -> float:
    return (line[0]["x0"] + line[-1]["x1"]) / 2


@pytest.mark.parametrize("signature", ["六安市商务局", "六安市电子商务工作领导小组"])
def test_sealed_date_four_characters_in_with_the_name_centred_over_it(fonts, criticism, tmp_path, signature):
    data = {**criticism, "signature": signature}
    rendered = _open(render_notice_pdf(data, fonts=fonts), tmp_path)
    index, name, date_line = _signature(rendered, data)
    _, right = type_area(index + 1)
    assert right - date_line[-1]["x1"] == pytest.approx(4 * CHAR, abs=TOL)
    assert _centre(name) == pytest.approx(_centre(date_line), abs=TOL)
    assert baseline(date_line[0], rendered.pages[index]) - baseline(name[0], rendered.pages[index]) == (
        pytest.approx(PITCH, abs=TOL))
    rendered.plumber.close()


def test_long_sealed_name_stays_inside_and_centred(notice, criticism):
    index, name, date_line = _signature(notice, criticism)
    _, right = type_area(index + 1)
    assert name[-1]["x1"] <= right + TOL
    assert _centre(name) == pytest.approx(_centre(date_line), abs=TOL)
    assert right - date_line[-1]["x1"] >= 4 * CHAR - TOL


@pytest.mark.parametrize("signature", ["六安市电子商务工作领导小组办公室", "六安市商务局"])
def test_unsealed_name_two_characters_in_and_date_two_characters_right(fonts, criticism, tmp_path, signature):
    data = {**criticism, "signature": signature, "sealed": False}
    rendered = _open(render_notice_pdf(data, fonts=fonts), tmp_path)
    index, name, date_line = _signature(rendered, data)
    _, right = type_area(index + 1)
    assert date_line[0]["x0"] - name[0]["x0"] == pytest.approx(2 * CHAR, abs=TOL)
    assert min(right - name[-1]["x1"], right - date_line[-1]["x1"]) == pytest.approx(2 * CHAR, abs=TOL)
    rendered.plumber.close()


def test_signature_page_carries_body_text(notice, criticism):
    index, name, _ = _signature(notice, criticism)
    page = notice.pages[index]
    above = [text(line) for line in lines_of(page) if baseline(line[0], page) < baseline(name[0], page)]
    body = criticism["body"].replace("\n", "")
    assert any(len(line) >= 2 and line in body for line in above), above


# --- colophon ------------------------------------------------------------------------------


def test_colophon_rules_end_at_262mm(notice):
    rules = long_rules(mask(notice.image(-1), "dark"), 150)
    assert len(rules) == 3  # first, between 抄送 and the printing line, last
    assert rules[-1][1] == pytest.approx(262, abs=1)
    for top, bottom, left, right in rules:
        assert right - left == pytest.approx(156, abs=1)
    assert rules[0][1] - rules[0][0] >= rules[1][1] - rules[1][0]  # first rule thicker


def _colophon_text(data: dict[str, Any]) -> str:
    return f"抄送：{data['copies']}。{data['printed_by']}{chinese_date(data['printed_on'])}印发"


def test_nothing_but_the_colophon_under_its_first_rule(notice, criticism):
    first_rule_top = long_rules(mask(notice.image(-1), "dark"), 150)[0][0] * MM
    page = notice.pages[-1]
    under = [c for c in page.chars if first_rule_top < c["top"] < TYPE_BOTTOM]
    expected = _colophon_text(criticism)
    assert under
    for line in lines_of(page, under):
        assert text(line) in expected
        assert all(c["size"] == pytest.approx(14, abs=0.1) for c in line)


def test_copies_one_character_in_and_printing_line(notice, criticism):
    page = notice.pages[-1]
    left, right = type_area(len(notice.pages))
    copies = next(line for line in lines_of(page) if text(line).startswith("抄送："))
    assert copies[0]["x0"] - left == pytest.approx(14, abs=TOL)
    printed_by = next(line for line in lines_of(page) if text(line).endswith("印发"))
    assert text(printed_by).startswith(criticism["printed_by"])
    assert printed_by[0]["x0"] - left == pytest.approx(14, abs=TOL)
    assert right - printed_by[-1]["x1"] == pytest.approx(14, abs=TOL)
    assert text(printed_by).endswith("2019年3月5日印发")


def test_verification_code_and_qr_inside_the_type_area_above_the_colophon(notice, criticism):
    page = notice.pages[-1]
    code = [c for c in page.chars if c["size"] < 12]
    assert criticism["verification_code"] in text(sorted(code, key=lambda c: (round(c["top"]), c["x0"])))
    first_rule_top = long_rules(mask(notice.image(-1), "dark"), 150)[0][0] * MM
    assert all(c["bottom"] <= first_rule_top for c in code)
    [qr] = page.images
    assert qr["width"] == pytest.approx(18 * MM, abs=TOL) and qr["height"] == pytest.approx(18 * MM, abs=TOL)
    assert qr["bottom"] <= first_rule_top and qr["top"] >= TYPE_TOP
    _, right = type_area(len(notice.pages))
    assert qr["x1"] == pytest.approx(right, abs=TOL)
    assert qr["stream"].attrs["Interpolate"] is False  # modules stay sharp squares


ONE_LINE = "各县区要高度重视逾期任务整改工作切实加强督促检查。"  # 2 + 25 characters: one line


@pytest.mark.slow
@pytest.mark.parametrize("extra_lines", range(15))
def test_closing_as_the_text_grows_line_by_line(fonts, criticism, tmp_path, extra_lines):
    """Across a page boundary: the signature keeps text on its page and the colophon,
    placed absolutely, never covers text."""
    data = {**criticism, "body": "\n".join([criticism["body"], *[ONE_LINE] * extra_lines])}
    rendered = _open(render_notice_pdf(data, fonts=fonts), tmp_path)
    index, name, _ = _signature(rendered, data)
    page = rendered.pages[index]
    above = [text(line) for line in lines_of(page) if baseline(line[0], page) < baseline(name[0], page)]
    assert any(len(line) >= 2 and line in data["body"].replace("\n", "") for line in above), above
    first_rule_top = long_rules(mask(rendered.image(-1), "dark"), 150)[0][0] * MM
    last = rendered.pages[-1]
    for line in lines_of(last, [c for c in last.chars if first_rule_top < c["top"] < TYPE_BOTTOM]):
        assert text(line) in _colophon_text(data), text(line)
    rendered.plumber.close()


# --- safety and determinism ----------------------------------------------------------------


def _has_embedded_files(rendered: Rendered) -> bool:
    names = rendered.reader.trailer["/Root"].get("/Names")
    return (names is not None and "/EmbeddedFiles" in names.get_object()) or b"/EmbeddedFile" in rendered.data


def test_no_embedded_files(notice):
    assert not _has_embedded_files(notice)


def test_identical_bytes_on_a_second_render(notice, fonts, criticism):
    assert render_notice_pdf(criticism, fonts=fonts) == notice.data


HOSTILE = '<link rel=attachment href=file:///etc/passwd><img src="http://127.0.0.1:9/x.png">'


def test_hostile_input_prints_as_text_and_embeds_nothing(fonts, criticism, tmp_path):
    data = {
        **criticism,
        "title": "关于" + HOSTILE + "的通报",
        "body": criticism["body"] + "\n" + HOSTILE + "<style>@import url(file:///etc/passwd);</style>",
        "copies": HOSTILE,
        "verification_url": "javascript:alert(1)",
    }
    rendered = _open(render_notice_pdf(data, fonts=fonts), tmp_path)
    assert not _has_embedded_files(rendered)
    assert sum(len(page.images) for page in rendered.pages) == 1  # the QR code only
    printed = "".join(char["text"] for page in rendered.pages for char in page.chars)
    assert "<link rel=attachment href=file:///etc/passwd>" in printed
    assert "root:" not in printed
    rendered.plumber.close()


def test_html_preview_escapes_input_and_reveals_no_paths(fonts, criticism):
    html = render_notice_html({**criticism, "title": HOSTILE}, fonts=fonts)
    assert "&lt;link rel=attachment" in html
    assert "<link rel=attachment" not in html
    assert str(fonts.fang) not in html and "/usr/share" not in html


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x.css",
    "https://example.org/font.otf",
    "file:///etc/passwd",
    "file:///etc/passwd?x=templates/pdf",
    f"file://{ASSET_DIR}/../../app/notices/pdf.py",
    "data:text/css,body{}",
    "plandesk-font:fang-000000000000",
    "ftp://example.org/x",
])
def test_fetcher_refuses_everything_but_its_assets(fonts, url):
    with pytest.raises(ValueError):
        AssetFetcher(fonts).fetch(url)


def test_fetcher_serves_the_fonts_and_the_pdf_templates(fonts):
    fetcher = AssetFetcher(fonts)
    font = fetcher.fetch(font_url("fang", fonts.fang))
    assert font.read(4) in (b"OTTO", b"\x00\x01\x00\x00", b"ttcf")
    css = fetcher.fetch((ASSET_DIR / "notice.css").as_uri())
    assert b"@page" in css.read()


# --- letter format -------------------------------------------------------------------------


def test_letter_mark_at_30mm_with_red_double_lines(letter):
    red = mask(letter.image(0), "red")
    mark_top = ink_top_mm(red)
    assert mark_top == pytest.approx(30, abs=1)
    rules = long_rules(red, 165)
    assert len(rules) == 4  # two double lines
    for top, bottom, left, right in rules:
        assert right - left == pytest.approx(170, abs=1)
        assert (left + right) / 2 == pytest.approx(28 + 78, abs=1)
    mark_bottom = (red.crop((0, 0, red.size[0], px(rules[0][0]))).getbbox()[3]) / PX_PER_MM
    assert rules[0][0] - mark_bottom == pytest.approx(4, abs=1)
    assert rules[-1][1] == pytest.approx(297 - 20, abs=1)
    assert rules[0][1] - rules[0][0] > rules[1][1] - rules[1][0]  # upper line thick, lower thin
    assert rules[-1][1] - rules[-1][0] > rules[-2][1] - rules[-2][0]  # bottom: thin over thick


def test_letter_number_flush_right_under_the_double_line(letter, reply):
    index, line = find_line(letter, reply["number"])
    assert index == 0
    _, right = type_area(1)
    assert line[-1]["x1"] == pytest.approx(right, abs=TOL)
    double_bottom = long_rules(mask(letter.image(0), "red"), 165)[1][1]
    assert line[0]["top"] / MM - double_bottom == pytest.approx(16 * 7 / 8 / MM, abs=1)


def test_letter_has_no_page_number_on_page_one_nor_printing_line(letter):
    page_one_below = [c for c in letter.pages[0].chars if c["top"] > TYPE_BOTTOM]
    assert page_one_below == []
    printed = "".join(char["text"] for page in letter.pages for char in page.chars)
    assert "印发" not in printed
    assert "抄送：" in printed
    assert long_rules(mask(letter.image(-1), "dark"), 150) == []


def test_letter_second_page_is_numbered(fonts, reply, tmp_path):
    data = {**reply, "body": reply["body"] + "\n" + "请认真组织实施。" * 60}
    rendered = _open(render_notice_pdf(data, fonts=fonts), tmp_path)
    assert len(rendered.pages) >= 2
    below = sorted((c for c in rendered.pages[1].chars if c["top"] > TYPE_BOTTOM), key=lambda c: c["x0"])
    assert text(below) == "— 2 —"
    rendered.plumber.close()


# --- drafts, text rules and fonts ----------------------------------------------------------


def test_draft_without_number_prints_a_placeholder(fonts, criticism, tmp_path):
    data = {**criticism, "number": None, "verification_code": None, "verification_url": None}
    rendered = _open(render_notice_pdf(data, fonts=fonts), tmp_path)
    page_one = text([c for line in lines_of(rendered.pages[0]) for c in line])
    assert "（草稿" in page_one
    assert not NUMBER_RE.search(page_one)
    rendered.plumber.close()


def test_revoked_is_only_a_data_attribute(fonts, criticism):
    html = render_notice_html({**criticism, "revoked": True}, fonts=fonts)
    assert 'data-revoked="true"' in html


@pytest.mark.parametrize(("iso", "printed"), [
    ("2019-03-05", "2019年3月5日"),
    ("2018-12-31", "2018年12月31日"),
    ("2019-10-01T08:00:00", "2019年10月1日"),
])
def test_dates_have_no_leading_zeros(iso, printed):
    assert chinese_date(iso) == printed


def test_body_headings_are_recognised():
    kinds = [(p.kind, p.lead, p.rest) for p in parse_body("一、总体要求\n（一）加强领导。要落实。\n（1）细则\n1.要求\n\n正文")]
    assert kinds == [
        ("h1", "一、总体要求", ""),
        ("h2", "（一）加强领导。", "要落实。"),
        ("text", "", "（1）细则"),
        ("text", "", "1.要求"),
        ("text", "", "正文"),
    ]


def test_unknown_format_is_refused(fonts, criticism):
    with pytest.raises(ValueError):
        render_notice_html({**criticism, "format": "poster"}, fonts=fonts)


def test_licensed_fonts_win_role_by_role(fonts, tmp_path):
    (tmp_path / "FZXBSJW.otf").symlink_to(fonts.hei)  # stands in for 方正小标宋
    chosen = discover_fonts(tmp_path)
    assert chosen.song_bold == fonts.hei.resolve()
    assert chosen.fang == fonts.fang and chosen.kai == fonts.kai


def test_fonts_missing_names_the_debian_package(monkeypatch, tmp_path):
    monkeypatch.setattr(fontlib, "FANDOL_DIRS", (tmp_path,))
    monkeypatch.delenv("PLANDESK_FONT_DIR", raising=False)
    with pytest.raises(FontsMissing, match="texlive-lang-chinese"):
        discover_fonts()


def test_render_many_uses_processes_and_keeps_order(fonts, criticism, reply):
    datas = [criticism, reply, {**reply, "number": "六商函〔2019〕16号"}]
    seen: list[tuple[int, int]] = []
    results = render_many(datas, processes=2, progress=lambda done, total: seen.append((done, total)), fonts=fonts)
    assert results == [render_notice_pdf(data, fonts=fonts) for data in datas]
    assert seen == [(1, 3), (2, 3), (3, 3)]


@pytest.mark.parametrize(("title", "lines"), [
    ("关于同意霍邱县申报省级电子商务示范镇的批复", ["关于同意霍邱县申报省级", "电子商务示范镇的批复"]),
    ("关于对工作推进不力的县区予以通报批评的通报", ["关于对工作推进不力的", "县区予以通报批评的通报"]),
    ("关于表扬先进单位的通报", ["关于表扬先进单位的通报"]),
    ("关于对工作推进不力的县区\n予以通报批评的通报", ["关于对工作推进不力的县区", "予以通报批评的通报"]),
])
def test_long_titles_break_between_words_into_even_lines(fonts, title, lines):
    assert wrap_title(title, fonts) == lines


@pytest.mark.slow
def test_render_many_raises_the_first_failure(fonts, reply):
    with pytest.raises(ValueError, match="unknown notice format"):
        render_many([reply, {**reply, "format": "poster"}, reply], processes=2, fonts=fonts)


# --- nothing lost: runs wider than the line break anywhere ---------------------------------

#: a 165-character URL, no space in it
LONG_URL = ("https://plandesk.example.gov.cn/files/2018/report?"
            + "&".join(f"field{i}=value{i}" for i in range(12)))[:165]


def _printed(data: bytes, tmp_path: Path) -> str:
    """The PDF's text as pdftotext reads it, every whitespace and the page numbers removed."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    source = tmp_path / "wide.pdf"
    source.write_bytes(data)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(source), "-"], check=True, capture_output=True)
    # page numbers ("— 2 —") come at the end of each page's text: without them the flow is contiguous
    return re.sub(r"—\d+—", "", re.sub(r"\s+", "", out.stdout.decode("utf-8")))


def _in_order(wanted: str, printed: str) -> int:
    """How many characters of ``wanted`` (whitespace ignored) appear in ``printed``, in order, as a run."""
    wanted = re.sub(r"\s+", "", wanted)
    start = printed.find(wanted[:8])
    found = 0
    while start >= 0 and found < len(wanted) and start + found < len(printed) \
            and printed[start + found] == wanted[found]:
        found += 1
    return found


def test_a_long_url_in_the_body_wraps_and_loses_nothing(fonts, criticism, tmp_path):
    assert len(LONG_URL) == 165 and " " not in LONG_URL
    body = "一、有关情况\n请登录" + LONG_URL + "，按要求填报整改情况。\n" + "x" * 300 + "（完）"
    data = {**criticism, "body": body,
            "title": "关于" + LONG_URL[:120] + "的通报",
            "addressees": "各县区人民政府，" + "y" * 150,
            "attachments": ["清单" + "z" * 120],
            "copies": "市委办公室，" + "w" * 140,
            "note": "联系方式：" + LONG_URL}
    printed = _printed(render_notice_pdf(data, fonts=fonts), tmp_path)
    for field_name in ("body", "title", "addressees", "copies", "note"):
        wanted = re.sub(r"\s+", "", data[field_name])
        assert _in_order(wanted, printed) == len(wanted), field_name
    assert _in_order(data["attachments"][0], printed) == len(data["attachments"][0])
    assert LONG_URL + "，按要求" in printed


def test_a_20000_character_token_is_printed_whole(fonts, criticism, tmp_path):
    token = "".join(chr(ord("a") + i % 26) for i in range(20_000))
    rendered = render_notice_pdf({**criticism, "body": token}, fonts=fonts)
    printed = _printed(rendered, tmp_path)
    assert _in_order(token, printed) == len(token)
    assert render_notice_pdf({**criticism, "body": token}, fonts=fonts) == rendered
