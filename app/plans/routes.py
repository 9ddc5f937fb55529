"""The plan switcher: a user who may see several plans (a city's 2018 and 2019 plans, or a province's
administrator) picks the one the screens and the API show as theirs (``/plans/current``)."""
from __future__ import annotations

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from app.plans.scope import choose_plan
from app.web.access import own_actor
from app.web.actions import screen_action

bp = Blueprint("plans", __name__)


@bp.route("/plan", methods=["POST"])
@login_required
def choose() -> ResponseReturnValue:
    """Work in another of one's plans; back to the to-do list, which is the new plan's."""
    plan_id = request.form.get("plan_id", type=int) or 0
    return screen_action(lambda: choose_plan(own_actor(), plan_id), then=url_for("home.index"),
                         done=lambda plan: _("已切换到方案：%(title)s", title=plan.title))
