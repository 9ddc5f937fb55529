"""Chinese first, English second; dates shown the Chinese way."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, has_request_context, session
from flask_login import current_user

from flask_babel import get_locale

from app.extensions import babel


LOCALES = ("zh_CN", "en")


def select_locale() -> str:
    """The language chosen in this session, else the user's saved choice, else Chinese.

    The browser's Accept-Language is deliberately not consulted: PlanDesk is Chinese first, and a
    county office PC or a test browser with an English system language still gets Chinese. Outside a
    request (the CLI, a scheduled tick) there is nobody to ask: Chinese.
    """
    if not has_request_context():
        return "zh_CN"
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    return "zh_CN"


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
