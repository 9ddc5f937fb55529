"""审批流程设置: the office turns the chain's optional steps on and off."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.web.actions import screen_action
from app.web.errors import register_error_pages
from app.workflow_settings.operations import save_switches, switch_values
from app.workflow_settings.permissions import can_set_switches
from app.workflow_settings.switches import SWITCHES

bp = Blueprint("workflow_settings", __name__)
register_error_pages(bp)


@bp.route("/settings/workflow", methods=["GET", "POST"])
@login_required
def switches() -> ResponseReturnValue:
    actor = current_user.actor()
    if not can_set_switches(actor):
        abort(403)
    if request.method == "POST":
        values = {key: request.form.get(key) == "on" for key in SWITCHES}
        return screen_action(lambda: save_switches(db.session, actor, values),
                             then=url_for(".switches"), done=_("审批流程设置已保存"))
    return render_template("workflow_settings/switches.html", switches=SWITCHES, values=switch_values())
