"""Materials (证明材料) on the item page: upload, download for whoever may see the item, delete."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from app.attachments.download import attachment_response
from app.attachments.operations import KINDS, add_attachment, delete_attachment, open_attachment
from app.web.access import own_actor, user_actors, visible_item
from app.web.actions import screen_action
from app.web.errors import register_error_pages
from workflows.errors import NotFound

bp = Blueprint("attachments", __name__)
register_error_pages(bp)


def _files_of(item_id: int) -> str:
    return url_for("screens.item_page", item_id=item_id) + "#files"


@bp.route("/items/<int:item_id>/files", methods=["POST"])
@login_required
def upload(item_id: int) -> ResponseReturnValue:
    visible_item(item_id)
    files = [f for f in request.files.getlist("file") if f and f.filename]
    kind = request.form.get("kind", "evidence")
    if not files:
        flash(_("请选择要上传的文件。"), "error")
        return redirect(_files_of(item_id))
    kind = kind if kind in KINDS else "evidence"
    actor = own_actor()
    return screen_action(lambda: [add_attachment(item_id, actor, f.filename, f.stream, kind) for f in files],
                         then=_files_of(item_id), done=_("已上传 %(n)s 个文件。", n=len(files)))


@bp.route("/items/<int:item_id>/files/<int:attachment_id>")
@login_required
def download(item_id: int, attachment_id: int) -> Response:
    """For whoever may see the item (the same check as the API's download)."""
    opened = None
    for actor, _d in user_actors():
        try:
            opened = open_attachment(item_id, attachment_id, actor)
            break
        except NotFound:
            continue
    if opened is None:
        abort(404)
    return attachment_response(opened)


@bp.route("/items/<int:item_id>/files/<int:attachment_id>/delete", methods=["POST"])
@login_required
def delete_file(item_id: int, attachment_id: int) -> ResponseReturnValue:
    visible_item(item_id)
    return screen_action(lambda: delete_attachment(item_id, attachment_id, own_actor()), then=_files_of(item_id),
                         done=lambda att: _("已删除材料“%(name)s”。", name=att.name))
