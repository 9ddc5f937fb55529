"""延期申请 screens: the unit asks on the item page; the office decides here or on the item page."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.delegation import current_actor
from app.extension_requests.models import ExtensionRequest
from app.extension_requests.operations import decide_extension, pending_requests, request_extension
from app.extensions import db
from app.screens.routes import visible_subject
from app.screens.ui import error_message, register_error_pages, user_actors
from workflows.errors import WorkflowError
from workflows.guards import parse_iso_date

bp = Blueprint("extension_requests", __name__)
register_error_pages(bp)


@bp.route("/items/<int:item_id>/extension", methods=["POST"])
@login_required
def ask(item_id: int) -> Any:
    visible_subject(item_id)
    try:
        request_extension(item_id, current_user, current_actor(current_user),
                          parse_iso_date(request.form.get("requested_until")), request.form.get("reason"))
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(error_message(exc), "error")
    else:
        flash(_("延期申请已提交，等待领导小组办公室审批。"), "success")
    return redirect(url_for("screens.item_page", item_id=item_id) + "#extension")


@bp.route("/extensions")
@login_required
def pending() -> str:
    rows = {r.id: r for a, _d in user_actors() for r in pending_requests(a)}
    return render_template("extension_requests/list.html", rows=list(rows.values()))


@bp.route("/extensions/<int:request_id>/decide", methods=["POST"])
@login_required
def decide(request_id: int) -> Any:
    row = db.session.get(ExtensionRequest, request_id)
    item_id = row.item_id if row is not None else None
    decision = request.form.get("decision", "")
    error = None
    for actor, _d in user_actors():  # the office, or its delegate
        try:
            decide_extension(request_id, actor, decision, parse_iso_date(request.form.get("granted_until")),
                             request.form.get("comment"))
            db.session.commit()
            error = None
            break
        except WorkflowError as exc:
            db.session.rollback()
            error = error or exc
    if error is not None:
        flash(error_message(error), "error")
    else:
        flash(_("已批准延期申请。") if decision == "granted" else _("已不予批准延期申请。"), "success")
    if request.form.get("back") == "item" and item_id:
        return redirect(url_for("screens.item_page", item_id=item_id) + "#extension")
    return redirect(url_for(".pending"))
