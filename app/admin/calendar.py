"""工作日调整 (administrators): days China's calendar package does not know yet, or gets wrong."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.clock import today
from app.extensions import db
from app.web.access import roles_required
from app.web.actions import screen_action
from app.web.errors import register_error_pages
from app.workdays.operations import list_overrides, parse_day, set_override, unknown_years, unset_override
from workflows.errors import GuardFailed
from workflows.roles import Role

bp = Blueprint("calendar", __name__, url_prefix="/admin")
register_error_pages(bp)


def _calendar_years(year: int) -> list[int]:
    """The years the calendar screen speaks of: this year, the next, and every year with an override."""
    return sorted({year, year + 1, *(o.day.year for o in list_overrides(db.session))})


def _set(form: dict) -> date:
    day = parse_day(form.get("day"))
    working = form.get("is_working_day")
    if working not in ("1", "0"):
        raise GuardFailed(["请选择该日为工作日还是休息日"])
    set_override(db.session, day, working == "1", form.get("note", ""),
                 actor=current_user.username, actor_id=current_user.id)
    return day


@bp.route("/calendar", methods=["GET", "POST"])
@roles_required(Role.admin)
def calendar() -> ResponseReturnValue:
    """An override wins over the calendar package."""
    if request.method == "POST":
        answer = screen_action(lambda: _set(request.form), then=url_for(".calendar"), otherwise=lambda exc: None,
                               done=lambda day: _("已保存 %(day)s 的工作日调整。", day=day.isoformat()))
        if answer is not None:
            return answer
    years = _calendar_years(today().year)
    return render_template("admin/calendar.html", rows=list_overrides(db.session), unknown=unknown_years(years),
                           values=request.form)


def _unset(form: dict) -> tuple[date, bool]:
    day = parse_day(form.get("day"))
    return day, unset_override(db.session, day, actor=current_user.username, actor_id=current_user.id)


@bp.route("/calendar/delete", methods=["POST"])
@roles_required(Role.admin)
def calendar_delete() -> ResponseReturnValue:
    outcome: list[tuple[date, bool]] = []
    answer = screen_action(lambda: outcome.append(_unset(request.form)), then=url_for(".calendar"))
    if outcome and not outcome[0][1]:  # nothing was set for that day: say so instead of "deleted"
        flash(_("%(day)s 没有工作日调整。", day=outcome[0][0].isoformat()), "error")
    elif outcome:
        flash(_("已删除 %(day)s 的工作日调整。", day=outcome[0][0].isoformat()), "success")
    return answer
