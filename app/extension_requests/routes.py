"""延期申请 screens: the unit asks on the item page; the office decides here or on the item page."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.delegation import current_actor
from app.extension_requests.listing import with_items
from app.extension_requests.models import ExtensionRequest
from app.extension_requests.operations import decide_as_any, endorse_as_any, pending_requests, request_extension
from app.extensions import db
from app.web.access import user_actors, visible_item
from app.web.actions import screen_action
from app.web.errors import register_error_pages
from flask.typing import ResponseReturnValue
from workflows.guards import parse_iso_date

bp = Blueprint("extension_requests", __name__)
register_error_pages(bp)


@bp.route("/items/<int:item_id>/extension", methods=["POST"])
@login_required
def ask(item_id: int) -> ResponseReturnValue:
    visible_item(item_id)
    return screen_action(
        lambda: request_extension(item_id, current_user, current_actor(current_user),
                                  parse_iso_date(request.form.get("requested_until")), request.form.get("reason")),
        then=url_for("screens.item_page", item_id=item_id) + "#extension",
        done=_("延期申请已提交，等待审核。"))


@bp.route("/extensions")
@login_required
def pending() -> str:
    rows = {r.id: r for a, _d in user_actors() for r in pending_requests(a)}
    return render_template("extension_requests/list.html", rows=with_items(list(rows.values())))


@bp.route("/extensions/<int:request_id>/decide", methods=["POST"])
@login_required
def decide(request_id: int) -> ResponseReturnValue:
    decision, back = request.form.get("decision", ""), _back(request_id)
    return screen_action(
        lambda: decide_as_any([a for a, _d in user_actors()], request_id, decision,  # the office, or its delegate
                              parse_iso_date(request.form.get("granted_until")), request.form.get("comment")),
        then=back, done=_("已批准延期申请。") if decision == "granted" else _("已不予批准延期申请。"))


@bp.route("/extensions/<int:request_id>/endorse", methods=["POST"])
@login_required
def endorse(request_id: int) -> ResponseReturnValue:
    """The county reviewer passes a county's request on to the office, or refuses it."""
    decision, back = request.form.get("decision", ""), _back(request_id)
    return screen_action(
        lambda: endorse_as_any([a for a, _d in user_actors()], request_id, decision, request.form.get("comment")),
        then=back, done=_("已同意并报领导小组办公室审批。") if decision == "endorse" else _("已不予同意该延期申请。"))


def _back(request_id: int) -> str:
    """Where a decision returns to: the item page's 延期 panel when asked from there, else the list."""
    row = db.session.get(ExtensionRequest, request_id)
    if request.form.get("back") == "item" and row is not None:
        return url_for("screens.item_page", item_id=row.item_id) + "#extension"
    return url_for(".pending")
