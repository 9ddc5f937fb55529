"""Chinese first, English second; dates shown the Chinese way, times in one zone (Asia/Shanghai).

:func:`format_day`, :func:`format_instant` and :func:`event_when` are the one way a date, an instant
or an audit event's date is written on a screen (the ``fdate`` / ``fdatetime`` / ``event_when``
filters); exports and PDFs convert through ``app.clock`` the same way.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from flask import Flask, has_request_context, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.clock import CHINA, event_date, in_china
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


def _zh() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "zh"


def format_day(value: date | datetime | None) -> str:
    """2019年3月5日 in Chinese, the locale's medium date otherwise; an instant by its date in China."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = in_china(value).date()
    if _zh():
        return cn_date(value)
    return babel_date(value, "medium", locale=get_locale())


def format_instant(value: datetime | None) -> str:
    """2018年7月10日 14:05, always China time (a naive instant is UTC, as SQLite returns it)."""
    if value is None:
        return ""
    local = in_china(value)
    if _zh():
        return f"{cn_date(local)} {local:%H:%M}"
    return babel_datetime(local, "medium", tzinfo=CHINA, locale=get_locale())


def event_when(event: Any) -> Markup:
    """When an audit event happened: its business date (PlanDesk's "today" then), with the time when
    the real instant fell on that date in China; else the real instant follows as 记录于 …."""
    day = event_date(event)
    local = in_china(event.at)
    when = Markup('<time datetime="{}">{}</time>').format(day.isoformat(), format_day(day))
    if local.date() == day:
        return when + Markup(" {}").format(f"{local:%H:%M}")
    recorded = _("（记录于 %(when)s）", when=format_instant(event.at))
    return when + Markup(' <span class="small muted recorded-at">{}</span>').format(recorded)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(app.root_path + "/translations"))
    app.jinja_env.filters["cn_date"] = cn_date
    app.jinja_env.filters["event_when"] = event_when
    app.jinja_env.globals["get_locale"] = get_locale
