"""What every screen shares: labels through Flask-Babel, dates the Chinese way, lights, refusals,
the header's counters, and the ``roles_required`` guard.

Chinese is the msgid: ``gettext("待办")`` shows 待办 in zh_CN and "To do" in English. Words that come
from the workflow definitions or the plan data go through :func:`tr` (marked in ``terms.py``).
"""
from __future__ import annotations

import re
from datetime import date, datetime

from flask import Flask, current_app, g
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from app.extensions import db
from app.i18n import format_day, format_instant
from app.plans.models import Category
from app.plans.scope import plan_or_none
from app.plans.names import indicator_measure, indicator_title
from app.web.punctuation import GLOBALS as PUNCTUATION
from workflows.base import PHASE_TITLES, STATE_TITLES, STEP_TITLES
from workflows.deadlines import OverdueLevel
from workflows.errors import WorkflowError
from workflows.roles import ROLE_TITLES, Role


TYPE_TITLES = {"application": _l("示范申报"), "task": _l("任务落实"), "report": _l("季度报告"), "notice": _l("通报")}
ATTACHMENT_KINDS = {"evidence": _l("证明材料"), "plan": _l("实施方案")}
#: a refusal's headline by error code, for the English screens (the detail stays as the core wrote it)
ERROR_HEADLINES = {
    "not_found": _l("事项不存在或无权查看"),
    "invalid_transition": _l("当前状态下不能执行该操作"),
    "not_permitted": _l("您的角色或单位无权执行该操作"),
    "stale_version": _l("该事项已被他人处理，请刷新后查看最新状态"),
    "guard_failed": _l("操作条件不满足"),
    "transition_aborted": _l("操作未完成，已全部撤销"),
    "too_large": _l("上传的文件过大"),
    "invalid_file": _l("文件不符合要求"),
    "bad_request": _l("内容不符合要求"),
}
CJK = re.compile(r"[\u3400-\u9fff]")
DANGER_TRIGGERS = frozenset({"send_back", "reject", "revoke", "withdraw", "order_rectification"})


def is_zh() -> bool:
    """Chinese screens (Babel may spell the locale zh_Hans_CN)."""
    locale = get_locale()
    return locale is None or locale.language == "zh"


def tr(text: str | None) -> str:
    """Translate a word from the definitions or the plan data (the Chinese text is the msgid)."""
    if not text:
        return ""
    return _(text) if not is_zh() else text


def zh(text: object) -> Markup:
    """Data written in Chinese (a unit's name, an item's title, a site) as shown in the text of a page:
    marked ``lang="zh-CN"`` inside an English page, so a screen reader reads it as Chinese, and
    ``data-user`` (user data, which no translation covers)."""
    if text is None:
        return Markup("")
    text = str(text)
    if is_zh() or not CJK.search(text):
        return escape(text)
    return Markup('<span lang="zh-CN" data-user>{}</span>').format(text)


def zh_attrs(text: object) -> Markup:
    """The attributes of an element whose whole text is Chinese data (an ``<option>`` naming a unit,
    which holds no ``<span>``): ``lang="zh-CN" data-user`` inside an English page, as :func:`zh` marks."""
    if text is None or is_zh() or not CJK.search(str(text)):
        return Markup("")
    return Markup(' lang="zh-CN" data-user')


def state_label(state: str | None) -> str:
    """动员部署·起草 / "Mobilization · Draft"."""
    if not state:
        return ""
    if state in STATE_TITLES:
        return tr(STATE_TITLES[state])
    phase, _sep, step = state.partition(".")
    title = tr(PHASE_TITLES.get(phase, phase))
    step_title = tr(STEP_TITLES.get(step, step)) if step else ""
    if not step or step_title == title:  # 检查验收·检查验收 reads as 检查验收
        return title
    return f"{title}·{step_title}" if is_zh() else f"{title} · {step_title}"


def phase_label(phase: str) -> str:
    return tr(PHASE_TITLES.get(phase, phase))


def role_label(role: str | Role | None) -> str:
    if not role:
        return ""
    try:
        return tr(ROLE_TITLES[Role(role)])
    except ValueError:
        return str(role)


def type_label(item_type: str) -> str:
    return str(TYPE_TITLES.get(item_type, item_type))


def level_label(level: OverdueLevel) -> str:
    return tr(level.label)


def category_titles() -> dict[str, str]:
    """Category code → title of the current plan (cached for the request)."""
    if "category_titles" not in g:
        plan = plan_or_none()
        g.category_titles = {} if plan is None else dict(db.session.execute(
            select(Category.code, Category.title).where(Category.plan_id == plan.id)).tuples().all())
    return g.category_titles


def category_label(code: str | None) -> str:
    if not code:
        return ""
    return tr(category_titles().get(code, code))


def fdate(value: date | datetime | None) -> str:
    """2019年3月5日 in Chinese; the locale's medium date otherwise (an instant by its date in China)."""
    return format_day(value)


def fdatetime(value: datetime | None) -> str:
    """2018年7月10日 14:05 (China time, in every language)."""
    return format_instant(value)


def error_message(exc: WorkflowError) -> str:
    """A refusal for a flash message: the core's own Chinese reason; headed in English when English.

    In English, a reason marked for translation (``terms.py``) is shown translated; one with figures or
    names in it stays as the core wrote it.
    """
    reasons = getattr(exc, "reasons", None)
    if is_zh():
        return "；".join(reasons) if reasons else exc.message
    detail = "; ".join(tr(r) for r in reasons) if reasons else tr(exc.message)
    headline = ERROR_HEADLINES.get(exc.code)
    if headline is None or str(headline) == detail:
        return detail
    return f"{headline}: {detail}"


def endpoint_exists(name: str) -> bool:
    """Whether another feature's screen is installed (links to it are shown only then)."""
    return name in current_app.view_functions


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(fdate=fdate, fdatetime=fdatetime, zh=zh)
    app.jinja_env.globals.update(tr=tr, state_label=state_label, role_label=role_label, type_label=type_label,
                                 level_label=level_label, category_label=category_label, phase_label=phase_label,
                                 attachment_kinds=ATTACHMENT_KINDS, is_zh=is_zh, zh_attrs=zh_attrs, danger_triggers=DANGER_TRIGGERS,
                                 endpoint_exists=endpoint_exists, Role=Role, **PUNCTUATION,
                                 indicator_title=indicator_title, indicator_measure=indicator_measure)
