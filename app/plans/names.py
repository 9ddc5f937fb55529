"""An indicator's name and measure in the language of the page: Chinese as the plan writes it, English
from the stored translation (``title_en`` / ``measure_en`` of the plan data), else the catalogue."""
from __future__ import annotations

from flask import g, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.plans.models import Indicator
from app.plans.scope import plan_or_none


def _zh() -> bool:
    locale = get_locale() if has_request_context() else None
    return locale is None or locale.language == "zh"


def english_names() -> dict[str, tuple[str | None, str | None]]:
    """Indicator code → (English name, English measure) of the current plan (once per request)."""
    if has_request_context() and "indicator_english" in g:
        return g.indicator_english
    plan = plan_or_none()
    rows = [] if plan is None else db.session.execute(
        select(Indicator.code, Indicator.title_en, Indicator.measure_en).where(Indicator.plan_id == plan.id))
    names = {code: (title, measure) for code, title, measure in rows}
    if has_request_context():
        g.indicator_english = names
    return names


def indicator_title(code: str | None, title: str | None) -> str:
    """The indicator's name on this page (``title`` is the Chinese one)."""
    if _zh():
        return title or code or ""
    stored = english_names().get(code or "", (None, None))[0]
    return stored or (_(title) if title else code or "")


def indicator_measure(code: str | None, measure: str | None) -> str:
    """The indicator's measure (个, 亿元, 公里 ...) on this page."""
    if _zh():
        return measure or ""
    stored = english_names().get(code or "", (None, None))[1]
    return stored or (_(measure) if measure else "")
