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

import os
import re
import threading
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from fontTools.pens.boundsPen import BoundsPen
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
}

#: Names that identify a licensed font for each role, found in its file name or in its
#: family or full name (compared without case, spaces, "-" or "_"). Earlier names win.
LICENSED_NAMES: dict[str, tuple[str, ...]] = {
    "fang": ("仿宋_GB2312", "FangSong_GB2312", "simfang", "FangSong", "仿宋"),
    "kai": ("楷体_GB2312", "KaiTi_GB2312", "simkai", "KaiTi", "楷体"),
    "hei": ("SimHei", "黑体"),
    "song_bold": ("方正小标宋", "FZXiaoBiaoSong", "FZXBSJW", "FZXBS"),
}

FONT_SUFFIXES = frozenset({".ttf", ".otf", ".ttc", ".otc"})
ENV_FONT_DIR = "PLANDESK_FONT_DIR"


class FontsMissing(RuntimeError):
    """No usable font was found for one or more roles."""


@dataclass(frozen=True)
class FontSet:
    """Absolute paths of the four font files a notice uses."""

    fang: Path
    kai: Path
    hei: Path
    song_bold: Path

    def __post_init__(self) -> None:
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
