"""Application screens: choosing a category, filing a new demo-site application (with evidence) and
editing a draft. Self-assessments, rectification reports and implementation plans are filed on the
item page, in the form of the action that submits them (saved as drafts until sent)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.applications.fields import fields_for, parse_fields
from app.applications.operations import site_name_problem
from app.applications.resubmit import file_with_pending, save_edit
from app.applications.returned import return_reason
from app.attachments.operations import KINDS
from app.attachments.pending import Stash, discard, stash_uploads
from app.clock import today
from app.extensions import db
from app.items.models import Item
from app.plans.models import Category, Plan
from app.web.access import may_file, own_actor, plan_or_404, roles_required, visible_item
from app.web.actions import screen_action
from app.web.providers import provided
from app.web.errors import register_error_pages
from app.web.ui import state_label, tr
from workflows.application import ApplicationState
from workflows.roles import Role

bp = Blueprint("filing", __name__)
register_error_pages(bp)


def _quota_hints(plan: Plan) -> dict[str, str]:
    """Indicator code → the line a county filer sees, e.g. 霍邱县 省级电商示范村：已认定 2 / 目标 4，审核中 1.

    One aggregate query (the quota board's), for the user's own county.
    """
    county = current_user.unit.slug if current_user.unit is not None else None
    if county is None:
        return {}
    return provided("quota_hints")(db.session, plan.id, today(), county)


def _categories(plan: Plan) -> list[tuple[Category, str | None]]:
    """Each category with the user's county standing against its quota (None when it has none)."""
    hints = _quota_hints(plan)
    cats = db.session.scalars(select(Category).where(Category.plan_id == plan.id).order_by(Category.id))
    return [(c, hints.get(c.indicator_code or "")) for c in cats]


def read_form(category_code: str, form: Any) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The site name and the category's fields as typed, and a message per field that is wrong."""
    site_name = (form.get("site_name") or "").strip()
    values, errors = parse_fields(category_code, form)
    if (problem := site_name_problem(site_name)) is not None:
        errors["site_name"] = problem
    return site_name, values, errors


@bp.route("/filing/applications/new", methods=["GET", "POST"])
@roles_required(Role.county_filer)
def new_application() -> ResponseReturnValue:
    plan = plan_or_404()
    code = request.values.get("category", "")
    category = db.session.scalar(select(Category).where(Category.plan_id == plan.id, Category.code == code))
    if category is None:
        return render_template("applications/choose_category.html", categories=_categories(plan))
    errors: dict[str, str] = {}
    stash: Stash | None = None
    if request.method == "POST":
        answer, errors, stash = _file(category)
        if answer is not None:
            return answer
    return render_template("applications/application_form.html", category=category, fields=fields_for(category.code),
                           values=request.form, errors=errors, item=None, kinds=KINDS, stash=stash,
                           quota_hint=_quota_hints(plan).get(category.indicator_code or ""))


def _stash() -> Stash:
    """The files chosen on this form and on its earlier, refused sendings (已选择的文件)."""
    files = [f for f in request.files.getlist("file") if f and f.filename]
    kind = request.form.get("kind") if request.form.get("kind") in KINDS else "evidence"
    return stash_uploads(request.form.get("upload_token"), current_user.id, files, kind)


Checked = tuple[str, dict[str, Any], dict[str, str], Stash]


def _checked_form(category_code: str, category: Category | None) -> Checked:
    """The form as typed, its problems (a refused file under ``file``), and its files kept."""
    stash = _stash()
    site_name, values, errors = read_form(category_code, request.form)
    if stash.problems:
        errors["file"] = "；".join(stash.problems)
        flash(errors["file"], "error")
    if errors:
        flash(_("请按提示修改后再保存。") + (_("已选择的文件已保留，无需重新选择。") if stash.files else ""), "error")
        flash(_("需要修改：%(fields)s", fields="、".join(_labels(category_code, category, errors))), "error")
    return site_name, values, errors, stash


def _labels(category_code: str, category: Category | None, errors: dict[str, str]) -> list[str]:
    """The labels (Chinese, or English when chosen) of the fields in ``errors``, in the form's order."""
    site = tr(category.site_label) if category else _("示范点名称")
    labels = {"site_name": site, **{f.key: str(f.label) for f in fields_for(category_code)}, "file": _("证明材料")}
    return [f"“{label}”" for key, label in labels.items() if key in errors]


def _file(category: Category) -> tuple[ResponseReturnValue | None, dict[str, str], Stash]:
    site_name, values, errors, stash = _checked_form(category.code, category)
    if errors:
        return None, errors, stash
    answer = screen_action(
        lambda: file_with_pending(own_actor(), category.code, site_name, values, stash.files),
        then=lambda item: url_for("screens.item_page", item_id=item.id), otherwise=lambda exc: None,
        done=_("申报草稿已保存。核对无误、上传证明材料后，请点击“提交申报”。"))
    if answer is not None:
        discard(stash.token, current_user.id)
    return answer, {}, stash


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(item_id: int) -> ResponseReturnValue:
    """Edit a draft application's site and fields (a notice's text is edited on the notice's own form)."""
    subject = visible_item(item_id)
    item: Item = subject.row
    if item.type == "notice":
        return redirect(url_for("notices.edit_notice", item_id=item_id), code=307)
    if item.type != "application" or item.state != ApplicationState.mobilization_draft:
        flash(_("只有草稿可以修改。"), "error")
    elif not may_file(subject, own_actor()):
        flash(_("您无权修改该事项，只有填报单位的经办人可以修改草稿。"), "error")
    else:
        return _edit_application(item)
    return redirect(url_for("screens.item_page", item_id=item_id))


def _edit_application(item: Any) -> ResponseReturnValue:
    """The edit form; after a 退回 it shows the reason and offers 修改并重新提交."""
    category = db.session.scalar(select(Category).where(Category.plan_id == item.plan_id,
                                                        Category.code == item.category))
    errors: dict[str, str] = {}
    stash: Stash | None = None
    values: Any = {"site_name": item.site_name, **{f"f_{k}": v for k, v in (item.fields or {}).items()}}
    if request.method == "POST":
        values = request.form
        answer, errors, stash = _save_edit(item, category)
        if answer is not None:
            return answer
    return render_template("applications/application_form.html", category=category, fields=fields_for(item.category),
                           values=values, errors=errors, item=item, kinds=KINDS, stash=stash,
                           returned=return_reason(item))


def _save_edit(item: Any, category: Category | None) -> tuple[ResponseReturnValue | None, dict[str, str], Stash]:
    """Save the edit and its files; with ``op=resubmit`` fire ``submit`` too, both or nothing."""
    site_name, fields, errors, stash = _checked_form(item.category, category)
    if errors:
        return None, errors, stash
    resubmit = request.form.get("op") == "resubmit"
    version = request.form.get("version", type=int)
    answer = screen_action(
        lambda: save_edit(item, own_actor(), version, category, site_name, fields, stash.files, resubmit=resubmit),
        then=url_for("screens.item_page", item_id=item.id), otherwise=lambda exc: None,
        done=(lambda outcome: _("已修改并重新提交，事项现为“%(state)s”。", state=state_label(outcome.to_state)))
        if resubmit else _("修改已保存。"))
    if answer is not None:
        discard(stash.token, current_user.id)
    return answer, {}, stash
