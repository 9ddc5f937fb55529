"""Punctuation between labels and values: full-width in Chinese, ASCII with a space in English."""
from __future__ import annotations

from flask_babel import get_locale


def _zh() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "zh"


def colon() -> str:
    """"：" in Chinese, ": " in English (a history line "Deadline: 2018-07-31")."""
    return "：" if _zh() else ": "


def semicolon() -> str:
    return "；" if _zh() else "; "


GLOBALS = {"colon": colon, "semicolon": semicolon}
