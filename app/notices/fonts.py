"""Fonts for printed notices: which files to use, and the few metrics the layout needs.

GB/T 9704-2012 names four faces: 仿宋 (body), 楷体 (second-level headings), 黑体
(first-level headings) and 小标宋 (issuer mark and title). Offices that own the licensed
fonts put them in ``PLANDESK_FONT_DIR``; those win, role by role. Otherwise the open Fandol
fonts of the Debian package ``texlive-lang-chinese`` are used.

The metrics helpers read only the tables they need, lazily, and are cached per process: the
mark's ink top must land at 72 mm whatever font the office supplies, so it is computed from
the actual glyphs rather than from a constant measured on one font.
"""

from __future__ import annotations

import io
import os
import re
import struct
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from fontTools.pens.boundsPen import BoundsPen
from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont, TTLibError

#: Debian locations searched for the Fandol fonts (texlive-lang-chinese).
FANDOL_DIRS: tuple[Path, ...] = (
    Path("/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol"),
    Path("/usr/share/fonts/opentype/fandol"),
)

FANDOL_FILES: dict[str, str] = {
    "fang": "FandolFang-Regular.otf",
    "kai": "FandolKai-Regular.otf",
    "hei": "FandolHei-Regular.otf",
    "song_bold": "FandolSong-Bold.otf",
    "song": "FandolSong-Regular.otf",
}

#: Names that identify a licensed font for each role, found in its file name or in its
#: family or full name (compared without case, spaces, "-" or "_"). Earlier names win.
LICENSED_NAMES: dict[str, tuple[str, ...]] = {
    "fang": ("仿宋_GB2312", "FangSong_GB2312", "simfang", "FangSong", "仿宋"),
    "kai": ("楷体_GB2312", "KaiTi_GB2312", "simkai", "KaiTi", "楷体"),
    "hei": ("SimHei", "黑体"),
    "song_bold": ("方正小标宋", "FZXiaoBiaoSong", "FZXBSJW", "FZXBS"),
    "song": ("SimSun", "NSimSun", "宋体"),
}

FONT_SUFFIXES = frozenset({".ttf", ".otf", ".ttc", ".otc"})
ENV_FONT_DIR = "PLANDESK_FONT_DIR"


class FontsMissing(RuntimeError):
    """No usable font was found for one or more roles."""


@dataclass(frozen=True)
class FontSet:
    """Absolute paths of the font files a notice uses. ``song`` (宋体, for page numbers) may be
    missing from an office's set: the page numbers then fall back to the title's face."""

    fang: Path
    kai: Path
    hei: Path
    song_bold: Path
    song: Path | None = None

    def __post_init__(self) -> None:
        if self.song is None:
            object.__setattr__(self, "song", self.song_bold)
        for field in fields(self):
            path = Path(getattr(self, field.name))
            if not path.is_absolute():
                raise ValueError(f"FontSet.{field.name} must be an absolute path: {path}")
            object.__setattr__(self, field.name, path)

    def as_dict(self) -> dict[str, Path]:
        return {field.name: getattr(self, field.name) for field in fields(self)}


def discover_fonts(font_dir: str | Path | None = None) -> FontSet:
    """Return the fonts to print with: licensed ones in ``font_dir`` first, else Fandol.

    ``font_dir`` defaults to the ``PLANDESK_FONT_DIR`` environment variable. Each role is
    resolved on its own, so an office owning only 方正小标宋 still gets Fandol for the rest.
    Raises :class:`FontsMissing` naming the Debian package when a role has no font at all.
    """
    if font_dir is None:
        font_dir = os.environ.get(ENV_FONT_DIR) or None
    licensed = _find_licensed(Path(font_dir)) if font_dir else {}
    chosen: dict[str, Path] = {}
    missing: list[str] = []
    for role, file_name in FANDOL_FILES.items():
        path = licensed.get(role) or _find_fandol(file_name)
        if path is None:
            if role != "song":  # optional: page numbers fall back to the title's face
                missing.append(role)
        else:
            chosen[role] = path.resolve()
    if missing:
        searched = ", ".join(str(d) for d in FANDOL_DIRS)
        raise FontsMissing(
            f"No font for {', '.join(missing)}: install the Debian package "
            f"texlive-lang-chinese (Fandol fonts, searched {searched}) or put licensed "
            f"fonts in {ENV_FONT_DIR}."
        )
    return FontSet(**chosen)


def _find_fandol(file_name: str) -> Path | None:
    for directory in FANDOL_DIRS:
        candidate = directory / file_name
        if candidate.is_file():
            return candidate
    return None


def _normalise(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).casefold()


def _find_licensed(font_dir: Path) -> dict[str, Path]:
    """Map each role to the first licensed font file in ``font_dir`` that matches it."""
    if not font_dir.is_dir():
        return {}
    candidates = sorted(
        p for p in font_dir.rglob("*") if p.suffix.lower() in FONT_SUFFIXES and p.is_file()
    )
    names = {path: _font_names(path) for path in candidates}
    found: dict[str, Path] = {}
    for role, wanted in LICENSED_NAMES.items():
        for want in map(_normalise, wanted):
            match = next((p for p in candidates if any(want in name for name in names[p])), None)
            if match is not None:
                found[role] = match
                break
    return found


def _font_names(path: Path) -> frozenset[str]:
    """The file stem plus the family and full names of the font, normalised."""
    names = {_normalise(path.stem)}
    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            for record in font["name"].names:
                if record.nameID in (1, 4, 16):
                    try:
                        names.add(_normalise(record.toUnicode()))
                    except UnicodeDecodeError:
                        continue
    except (TTLibError, OSError, KeyError):
        pass
    return frozenset(names)


# --- metrics ---------------------------------------------------------------------------
# Results are cached per process; the lock keeps two threads from reading one lazily
# loaded TTFont at the same time.
_LOCK = threading.RLock()


@lru_cache(maxsize=16)
def _open(path: Path) -> TTFont:
    return TTFont(path, lazy=True, fontNumber=0)


@lru_cache(maxsize=16)
def line_metrics(path: Path) -> tuple[float, float]:
    """(ascent, descent) in em, both positive, as HarfBuzz (and so WeasyPrint) reads them."""
    with _LOCK:
        return _line_metrics(_open(path))


def _line_metrics(font: TTFont) -> tuple[float, float]:
    upm = font["head"].unitsPerEm
    os2 = font["OS/2"] if "OS/2" in font else None
    hhea = font["hhea"]
    if os2 is not None and os2.fsSelection & (1 << 7):  # USE_TYPO_METRICS
        ascent, descent = os2.sTypoAscender, os2.sTypoDescender
    elif hhea.ascent or hhea.descent:
        ascent, descent = hhea.ascent, hhea.descent
    else:
        ascent, descent = os2.sTypoAscender, os2.sTypoDescender
    return ascent / upm, abs(descent) / upm


@lru_cache(maxsize=256)
def advance(path: Path, text: str) -> float:
    """Sum of the advance widths of ``text`` in em (no kerning: CJK fonts have none)."""
    with _LOCK:
        return _advance(_open(path), text)


def _advance(font: TTFont, text: str) -> float:
    upm = font["head"].unitsPerEm
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    notdef = hmtx[".notdef"][0] if ".notdef" in hmtx.metrics else upm
    return sum(hmtx[cmap[ord(c)]][0] if ord(c) in cmap else notdef for c in text) / upm


@lru_cache(maxsize=256)
def ink_extent(path: Path, text: str) -> tuple[float, float]:
    """(top, bottom) of the ink of ``text`` above the baseline, in em (bottom may be < 0)."""
    with _LOCK:
        return _ink_extent(_open(path), text, path)


def _ink_extent(font: TTFont, text: str, path: Path) -> tuple[float, float]:
    upm = font["head"].unitsPerEm
    cmap = font.getBestCmap()
    glyphs = font.getGlyphSet()
    tops: list[float] = []
    bottoms: list[float] = []
    for char in set(text):
        name = cmap.get(ord(char))
        if name is None:
            continue
        pen = BoundsPen(glyphs)
        glyphs[name].draw(pen)
        if pen.bounds is not None:
            bottoms.append(pen.bounds[1])
            tops.append(pen.bounds[3])
    if not tops:
        ascent, descent = line_metrics(path)
        return ascent, -descent
    return max(tops) / upm, min(bottoms) / upm


# --- compact embedding ------------------------------------------------------------------
# WeasyPrint subsets fonts keeping every glyph slot up to the last one used (HarfBuzz's
# "retain GIDs"), so that the glyph ids written in the page content stay valid. For a CJK
# font that means thousands of empty slots: a CharStrings offset for each in CFF, a metric
# in hmtx and vmtx, ~10 KB per font once compressed. The functions below rebuild the
# embedded program with the used glyphs only, while the page content, /W widths and
# /ToUnicode keep the ids WeasyPrint wrote (the character codes, which are CIDs):
#
# - CFF (OpenType/CFF, the Fandol fonts): a bare CID-keyed CFF (PDF FontFile3 subtype
#   CIDFontType0C) whose charset names each glyph by its old id, so a CID selects its
#   glyph through the charset, as the PDF specification defines for CIDFontType0.
# - TrueType: the glyphs renumbered from 0 and a /CIDToGIDMap stream from old to new ids.
#
# Both are pure functions of their input, so a notice keeps rendering to identical bytes.

_CFF_REGISTRY, _CFF_ORDERING = b"Adobe", b"Identity"
_STANDARD_STRINGS = 391  # SIDs below this are CFF's predefined strings


def _sfnt_table(data: bytes, tag: bytes) -> bytes | None:
    """The raw bytes of table ``tag`` of an OpenType font, None if it has none."""
    (count,) = struct.unpack_from(">H", data, 4)
    for index in range(count):
        record_tag, _, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * index)
        if record_tag == tag:
            return data[offset:offset + length]
    return None


def _read_index(data: bytes, pos: int) -> tuple[list[bytes], int]:
    """A CFF INDEX at ``pos``: (items, position after it)."""
    (count,) = struct.unpack_from(">H", data, pos)
    if count == 0:
        return [], pos + 2
    off_size = data[pos + 2]
    start = pos + 3
    offsets = [
        int.from_bytes(data[start + i * off_size:start + (i + 1) * off_size], "big")
        for i in range(count + 1)
    ]
    base = start + (count + 1) * off_size - 1  # offsets are 1-based
    return [data[base + offsets[i]:base + offsets[i + 1]] for i in range(count)], base + offsets[-1]


def _index_offsets(data: bytes, pos: int) -> tuple[int, int, int, int]:
    """(count, offSize, first offset position, data base) of a CFF INDEX, items unread."""
    (count,) = struct.unpack_from(">H", data, pos)
    if count == 0:
        return 0, 0, pos + 2, pos + 2
    off_size = data[pos + 2]
    return count, off_size, pos + 3, pos + 3 + (count + 1) * off_size - 1


def _index_item(data: bytes, header: tuple[int, int, int, int], index: int) -> bytes:
    _, off_size, first, base = header
    at = first + index * off_size
    start = int.from_bytes(data[at:at + off_size], "big")
    end = int.from_bytes(data[at + off_size:at + 2 * off_size], "big")
    return data[base + start:base + end]


def _write_index(items: list[bytes]) -> bytes:
    if not items:
        return b"\x00\x00"
    total = sum(map(len, items)) + 1
    off_size = 1 if total < 1 << 8 else 2 if total < 1 << 16 else 3 if total < 1 << 24 else 4
    offsets, position = [], 1
    for item in items:
        offsets.append(position)
        position += len(item)
    offsets.append(position)
    return b"".join((
        struct.pack(">HB", len(items), off_size),
        b"".join(offset.to_bytes(off_size, "big") for offset in offsets),
        *items,
    ))


def _parse_dict(data: bytes) -> list[tuple[int, list[bytes], list[float]]]:
    """A CFF DICT as (operator, raw operands, operand values); escaped operators are
    1200 + their second byte."""
    entries, raw, values, pos = [], [], [], 0
    while pos < len(data):
        b0 = data[pos]
        if b0 <= 21:
            if b0 == 12:
                operator, pos = 1200 + data[pos + 1], pos + 2
            else:
                operator, pos = b0, pos + 1
            entries.append((operator, raw, values))
            raw, values = [], []
            continue
        start = pos
        if b0 == 28:
            value, pos = struct.unpack_from(">h", data, pos + 1)[0], pos + 3
        elif b0 == 29:
            value, pos = struct.unpack_from(">i", data, pos + 1)[0], pos + 5
        elif b0 == 30:  # real: nibbles up to an 0xf
            pos += 1
            while data[pos] & 0x0F != 0x0F and data[pos] >> 4 != 0x0F:
                pos += 1
            value, pos = 0.0, pos + 1  # value unused: reals are copied raw
        elif 32 <= b0 <= 246:
            value, pos = b0 - 139, pos + 1
        elif 247 <= b0 <= 250:
            value, pos = (b0 - 247) * 256 + data[pos + 1] + 108, pos + 2
        elif 251 <= b0 <= 254:
            value, pos = -(b0 - 251) * 256 - data[pos + 1] - 108, pos + 2
        else:
            raise ValueError(f"bad CFF DICT operand byte {b0}")
        raw.append(data[start:pos])
        values.append(value)
    return entries


def _int5(value: int) -> bytes:
    """A DICT integer in its fixed 5-byte form, so that offsets can be laid out first."""
    return b"\x1d" + struct.pack(">i", value)


def _operator(operator: int) -> bytes:
    return bytes((12, operator - 1200)) if operator >= 1200 else bytes((operator,))


def _write_dict(entries: list[tuple[int, list[bytes]]]) -> bytes:
    return b"".join(b"".join(raw) + _operator(operator) for operator, raw in entries)


_ROS, _CID_COUNT, _FD_ARRAY, _FD_SELECT = 1230, 1234, 1236, 1237
_CHARSET, _ENCODING, _CHARSTRINGS, _PRIVATE, _SUBRS = 15, 16, 17, 18, 19
_UNIQUE_ID, _XUID, _UID_BASE = 13, 14, 1235
_TOP_DROPPED = {_ROS, _CID_COUNT, _FD_ARRAY, _FD_SELECT, _CHARSET, _ENCODING, _CHARSTRINGS,
                _PRIVATE, _UNIQUE_ID, _XUID, _UID_BASE}


def _fd_selector(cff: bytes, pos: int) -> Callable[[int], int]:
    """A function gid -> Font DICT index reading the FDSelect at ``pos``."""
    fmt = cff[pos]
    if fmt == 0:
        return lambda gid: cff[pos + 1 + gid]
    if fmt != 3:
        raise ValueError(f"unsupported FDSelect format {fmt}")
    (ranges,) = struct.unpack_from(">H", cff, pos + 1)
    firsts = [struct.unpack_from(">H", cff, pos + 3 + 3 * i)[0] for i in range(ranges)]
    fds = [cff[pos + 5 + 3 * i] for i in range(ranges)]
    return lambda gid: fds[bisect_right(firsts, gid) - 1]


def compact_cff(font: bytes, used: Iterable[int]) -> bytes | None:
    """The CID-keyed CFF of the OpenType/CFF ``font`` with only glyph 0 and the ``used``
    glyph ids, each named by its old id as CID; None when ``font`` is not a CID-keyed
    OpenType/CFF font (a name-keyed CFF or TrueType), which this leaves to the caller."""
    if font[:4] != b"OTTO":
        return None
    cff = _sfnt_table(font, b"CFF ")
    if cff is None:
        return None
    header_size = cff[2]
    names, pos = _read_index(cff, header_size)
    (top_data,), pos = _read_index(cff, pos)
    strings, pos = _read_index(cff, pos)
    global_subrs_start = pos
    _, pos = _read_index(cff, pos)
    global_subrs = cff[global_subrs_start:pos]
    top = _parse_dict(top_data)
    top_values = {operator: values for operator, _, values in top}
    if _ROS not in top_values or _FD_ARRAY not in top_values or _FD_SELECT not in top_values:
        return None  # name-keyed
    charstrings = _index_offsets(cff, int(top_values[_CHARSTRINGS][0]))
    glyph_count = charstrings[0]
    cids = sorted({gid for gid in used if 0 < gid < glyph_count})
    gids = [0, *cids]
    fd_of = _fd_selector(cff, int(top_values[_FD_SELECT][0]))

    # Font DICTs and their Private DICTs (with local subroutines), copied.
    font_dicts, privates = [], []
    for fd_data in _read_index(cff, int(top_values[_FD_ARRAY][0]))[0]:
        entries = _parse_dict(fd_data)
        private = next((values for operator, _, values in entries if operator == _PRIVATE), None)
        kept = [(operator, raw) for operator, raw, _ in entries if operator != _PRIVATE]
        block = b""
        if private is not None:
            size, offset = int(private[0]), int(private[1])
            private_entries = _parse_dict(cff[offset:offset + size])
            subrs = next((values for operator, _, values in private_entries if operator == _SUBRS), None)
            body = [(operator, raw) for operator, raw, _ in private_entries if operator != _SUBRS]
            if subrs is not None:
                subrs_start = offset + int(subrs[0])
                _, subrs_end = _read_index(cff, subrs_start)
                private_bytes = _write_dict(body) + _int5(0) + _operator(_SUBRS)
                block = _write_dict(body + [(_SUBRS, [_int5(len(private_bytes))])])
                block += cff[subrs_start:subrs_end]
                privates.append((len(private_bytes), block))
            else:
                private_bytes = _write_dict(body)
                privates.append((len(private_bytes), private_bytes))
        else:
            privates.append(None)
        font_dicts.append(kept)

    new_strings = [*strings, _CFF_REGISTRY, _CFF_ORDERING]
    registry_sid = _STANDARD_STRINGS + len(strings)
    charset = b"\x00" + b"".join(struct.pack(">H", cid) for cid in cids)
    fd_ranges = []
    for new_gid, gid in enumerate(gids):
        fd = fd_of(gid)
        if not fd_ranges or fd_ranges[-1][1] != fd:
            fd_ranges.append((new_gid, fd))
    fd_select = struct.pack(">BH", 3, len(fd_ranges)) + b"".join(
        struct.pack(">HB", first, fd) for first, fd in fd_ranges) + struct.pack(">H", len(gids))
    charstring_index = _write_index([_index_item(cff, charstrings, gid) for gid in gids])

    def top_dict(charset_at: int, fd_select_at: int, charstrings_at: int, fd_array_at: int) -> bytes:
        ros = [_int5(registry_sid), _int5(registry_sid + 1), _int5(0)]
        return _write_dict([
            (_ROS, ros),
            *[(operator, raw) for operator, raw, _ in top if operator not in _TOP_DROPPED],
            (_CID_COUNT, [_int5(max(gids) + 1)]),
            (_CHARSET, [_int5(charset_at)]),
            (_FD_SELECT, [_int5(fd_select_at)]),
            (_CHARSTRINGS, [_int5(charstrings_at)]),
            (_FD_ARRAY, [_int5(fd_array_at)]),
        ])

    head = cff[:header_size] + _write_index(names)
    top_size = len(_write_index([top_dict(0, 0, 0, 0)]))
    strings_index = _write_index(new_strings)
    charset_at = len(head) + top_size + len(strings_index) + len(global_subrs)
    fd_select_at = charset_at + len(charset)
    charstrings_at = fd_select_at + len(fd_select)
    fd_array_at = charstrings_at + len(charstring_index)

    def fd_array(private_at: int) -> tuple[bytes, bytes]:
        dicts, blocks = [], []
        for kept, private in zip(font_dicts, privates):
            entries = list(kept)
            if private is not None:
                size, block = private
                entries.append((_PRIVATE, [_int5(size), _int5(private_at)]))
                blocks.append(block)
                private_at += len(block)
            dicts.append(_write_dict(entries))
        return _write_index(dicts), b"".join(blocks)

    fd_array_size = len(fd_array(0)[0])
    fd_index, private_blocks = fd_array(fd_array_at + fd_array_size)
    return b"".join((
        head, _write_index([top_dict(charset_at, fd_select_at, charstrings_at, fd_array_at)]),
        strings_index, global_subrs, charset, fd_select, charstring_index, fd_index, private_blocks,
    ))


def compact_truetype(font: bytes, used: Iterable[int]) -> tuple[bytes, bytes] | None:
    """The TrueType ``font`` with only glyph 0, the ``used`` glyph ids and their
    components, renumbered, and the PDF CIDToGIDMap (old id -> new id, 2 bytes each);
    None when ``font`` is not TrueType."""
    if font[:4] not in (b"\x00\x01\x00\x00", b"true"):
        return None
    ttfont = TTFont(io.BytesIO(font), recalcBBoxes=False, recalcTimestamp=False)
    old_order = ttfont.getGlyphOrder()
    cids = sorted({gid for gid in used if 0 < gid < len(old_order)})
    options = Options(
        retain_gids=False, notdef_outline=True, hinting=False, ignore_missing_glyphs=True,
        layout_features=[], name_IDs=["*"], name_languages=["*"], recalc_timestamp=False,
        drop_tables=[*Options().drop_tables, "GSUB", "GPOS", "GDEF", "BASE", "JSTF", "vhea", "vmtx", "VORG"],
    )
    subsetter = Subsetter(options)
    subsetter.populate(gids=[0, *cids])
    subsetter.subset(ttfont)
    new_ids = {name: index for index, name in enumerate(ttfont.getGlyphOrder())}
    cid_to_gid = bytearray(2 * (max(cids, default=0) + 1))
    for cid in cids:
        struct.pack_into(">H", cid_to_gid, 2 * cid, new_ids[old_order[cid]])
    output = io.BytesIO()
    ttfont.save(output)
    return output.getvalue(), bytes(cid_to_gid)
