"""The ledger download button and the administrator's plan import (upload → preview → confirm)."""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from app.clock import today
from app.ledger.permissions import can_import_plan
from app.web.access import plan_or_404
from app.extensions import db
from app.ledger.importing import preview_annex_xlsx, stash_upload, stashed_path
from app.ledger.xlsx import build_ledger_xlsx, ledger_filename
from app.tasks.loading import import_annex_xlsx
from app.plans.schema import PlanDataError
from app.web.actions import record

bp = Blueprint("ledger", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(FlaskForm):
    file = FileField(_l("任务分解表（.xlsx）"), validators=[
        FileRequired(_l("请选择要导入的 Excel 文件")), FileAllowed(["xlsx"], _l("只接受 .xlsx 文件"))])


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    filename = StringField(validators=[Length(max=255)])


@bp.route("/ledger.xlsx")
@login_required
def download() -> Response:
    """The work ledger as the signed-in user may see it."""
    plan, now = plan_or_404(), today()
    data = build_ledger_xlsx(db.session, plan.id, now, actor=current_user.actor())
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=ledger_filename(now),
                     max_age=0)


def _admin_only() -> None:
    if not can_import_plan(current_user.actor()):
        abort(403)


@bp.route("/admin/plan-import", methods=["GET", "POST"])
@login_required
def plan_import():
    """Upload a table laid out like the plan's annex and see what importing it would do."""
    _admin_only()
    form = UploadForm()
    preview = token = filename = None
    status = 200
    if form.validate_on_submit():
        data = form.file.data.read()
        filename = form.file.data.filename
        preview = preview_annex_xlsx(db.session, io.BytesIO(data))
        db.session.rollback()  # parse only: nothing may be written
        if preview.ok:
            token = stash_upload(current_app.config["PLANDESK_STORAGE_DIR"], data)
        else:
            status = 422
    elif form.is_submitted():
        status = 400
    return render_template("ledger/plan_import.html", form=form, preview=preview, token=token, filename=filename,
                           confirm_form=ConfirmForm(), plan=plan_or_404()), status


@bp.route("/admin/plan-import/confirm", methods=["POST"])
@login_required
def plan_import_confirm() -> Response:
    _admin_only()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    path = stashed_path(current_app.config["PLANDESK_STORAGE_DIR"], form.token.data)
    if path is None:
        flash(_("上传的文件已失效，请重新上传"), "error")
        return redirect(url_for("ledger.plan_import"))
    try:
        summary = record(lambda: import_annex_xlsx(path))
    except PlanDataError as exc:
        db.session.rollback()
        for error in exc.errors:
            flash(error, "error")
        return redirect(url_for("ledger.plan_import"))
    path.unlink(missing_ok=True)
    flash(_("导入完成：%(summary)s", summary=summary), "success")
    return redirect(url_for("ledger.plan_import"))
