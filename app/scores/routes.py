"""The 绩效考核 screen: the ranking, each unit's breakdown, the Excel export and the office's weights."""
from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.clock import today
from app.web.access import plan_or_404
from app.extensions import db
from app.scores.api import board_for
from app.scores.components import (COMPONENT_TITLES, COMPONENTS, DEFAULT_WEIGHTS, LATE_REPORT_CREDIT, PeriodError,
                                   period_of)
from app.scores.facts import quarters_until
from app.scores.operations import save_weights
from app.scores.permissions import can_see_unit, can_set_weights, sees_every_unit
from app.scores.queries import breakdown, office_weights
from app.scores.xlsx import scores_filename, scores_xlsx
from workflows.errors import GuardFailed, WorkflowError
from app.web.actions import screen_action
from flask.typing import ResponseReturnValue

bp = Blueprint("scores", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def period_choices(day: Any) -> list[str]:
    """The plan's quarters up to today, newest first, each year after its quarters."""
    plan = plan_or_404()
    out: list[str] = []
    for year, quarter in reversed(quarters_until(plan, day)):
        if quarter == 4 or (year, quarter) == (day.year, (day.month - 1) // 3 + 1):
            out.append(str(year))
        out.append(f"{year}Q{quarter}")
    return list(dict.fromkeys(out))


@bp.route("/dashboard/scores")
@login_required
def board() -> Any:
    """The ranking, counties and departments apart, with each unit's components and the facts behind them."""
    actor, now = current_user.actor(), today()
    period = request.args.get("period") or period_of(now)
    try:
        scores = board_for(period, now)
    except PeriodError as exc:
        return render_template("scores/board.html", error=str(exc), scores=None, period=period,
                               periods=period_choices(now), today=now, actor=actor), 400
    visible = [u for u in scores.units if can_see_unit(actor, scores.slugs[u.unit_id])]
    return render_template("scores/board.html", error=None, scores=scores, visible=visible, period=scores.period,
                           periods=period_choices(now), today=now, actor=actor, titles=COMPONENT_TITLES,
                           components=COMPONENTS, late_credit=LATE_REPORT_CREDIT, sees_all=sees_every_unit(actor),
                           can_see_unit=can_see_unit, can_set_weights=can_set_weights(actor),
                           breakdown=breakdown)


@bp.route("/dashboard/scores.xlsx")
@login_required
def export() -> Response:
    """The same figures as the screen, as a workbook."""
    actor, now = current_user.actor(), today()
    try:
        scores = board_for(request.args.get("period"), now)
    except PeriodError as exc:
        abort(400, str(exc))
    data = scores_xlsx(scores, actor, plan_or_404().title, now)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=scores_filename(scores.period),
                     max_age=0)


def _settings(form: Any) -> dict[str, tuple[str, bool]]:
    return {c: (form.get(f"weight-{c}", ""), form.get(f"enabled-{c}") == "on") for c in COMPONENTS}


@bp.route("/dashboard/scores/weights", methods=["GET", "POST"])
@login_required
def weights() -> ResponseReturnValue:
    """考核权重: the office (or the administrator) sets each component's weight and whether it counts."""
    actor = current_user.actor()
    if not can_set_weights(actor):
        abort(403)
    plan = plan_or_404()
    errors: list[str] = []
    if request.method == "POST":
        answer = screen_action(lambda: save_weights(db.session, plan.id, actor, _settings(request.form)),
                               then=url_for(".weights"), done=_("考核权重已保存"),
                               refusals={WorkflowError: lambda exc: errors.extend(
                                   exc.reasons if isinstance(exc, GuardFailed) else [exc.message])})
        if not errors:
            return answer
    values = (_settings(request.form) if request.method == "POST" else
              {c: (f"{w:g}", on) for c, (w, on) in office_weights(db.session, plan.id).items()})
    return render_template("scores/weights.html", values=values, errors=errors, titles=COMPONENT_TITLES,
                           components=COMPONENTS, defaults=DEFAULT_WEIGHTS), 400 if errors else 200
