"""Chinese first, English second; dates shown the Chinese way."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, request, session
from flask_login import current_user

from flask_babel import get_locale

from app.extensions import babel


def select_locale() -> str:
    chosen = session.get("locale")
    if chosen in ("zh_CN", "en"):
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in ("zh_CN", "en"):
        return current_user.locale
    return "zh_CN" if request.accept_languages.best_match(["zh", "en"]) != "en" else "en"


def cn_date(value: date | datetime | None) -> str:
    """2019年3月5日: Arabic numerals, no leading zeros (GB/T 9704 and everyday usage)."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(app.root_path + "/translations"))
    app.jinja_env.filters["cn_date"] = cn_date
    app.jinja_env.globals["get_locale"] = get_locale
