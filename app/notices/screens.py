"""Notice screens for signed-in users: the overdue list's "据此生成通报批评草稿" button."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.extensions import db
from app.notices.facts import FACTS, draft_from_facts
from app.notices.next_step import next_step_text
from workflows.errors import NotPermitted, WorkflowError

bp = Blueprint("notices", __name__)


bp.add_app_template_global(next_step_text, "next_step_text")  # the item page's "who acts next"


# endpoint "notices.draft_from_facts": the overdue list's template turns its link into this form's button
@bp.route("/notices/draft-from-facts", methods=["POST"], endpoint="draft_from_facts")
@login_required
def draft_from_facts_screen() -> Response:
    """Drafts a criticism (or commendation) from the data and opens it; CSRF-checked like every form."""
    kind = request.form.get("kind", "criticism")
    county = request.form.get("county") or None
    period = request.form.get("period") or None
    if kind not in FACTS:
        abort(400)
    try:
        notice = draft_from_facts(current_user.actor(), kind, county, period)
        db.session.commit()
    except NotPermitted:
        db.session.rollback()
        abort(403)
    except WorkflowError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("dashboards.overdue"))
    flash(_("已据实生成通报草稿。请逐段核对修改后提交签发；提交后由领导小组办公室负责人签发。"), "success")
    return redirect(url_for("screens.item_page", item_id=notice.id))
