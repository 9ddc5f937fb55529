"""The notification list: unread first in the header count, read on opening."""
from __future__ import annotations


from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.web.errors import register_error_pages
from app.notifications.operations import KIND_TITLES, PER_PAGE, display_kind, mark_read, notifications_of
from app.notifications.models import Notification
from flask.typing import ResponseReturnValue
from app.web.actions import screen_action

bp = Blueprint("notifications", __name__)
register_error_pages(bp)


@bp.route("/notifications")
@login_required
def index() -> str:
    unread_only = request.args.get("unread") == "1"
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = notifications_of(current_user.id, unread_only=unread_only, page=page)
    return render_template("notifications/index.html", rows=rows, total=total, page=page, per_page=PER_PAGE,
                           unread_only=unread_only, kind_titles=KIND_TITLES, display_kind=display_kind)


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id: int) -> ResponseReturnValue:
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        return redirect(url_for(".index"))
    then = url_for("screens.item_page", item_id=note.item_id) if note.item_id else url_for(".index")
    return screen_action(lambda: mark_read(current_user.id, notification_id), then=then)


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all() -> ResponseReturnValue:
    return screen_action(lambda: mark_read(current_user.id), then=url_for(".index"))
