"""Filing forms: a new demo-site application (with evidence), editing a draft application, drafting a
notice. Self-assessments, rectification reports, implementation plans and quarterly figures are
filed on the item page, in the form of the action that submits them (saved as drafts until sent)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.applications.operations import create_application, site_name_problem
from app.attachments.operations import KINDS, add_attachment
from app.auth.delegation import current_actor
from app.clock import today
from app.dashboards.queries import quota_board, quota_hint
from app.extensions import db
from app.filing.fields import fields_for, parse_fields
from app.items.models import Item
from app.items.operations import edit_draft
from app.plans.models import Category, Plan
from app.screens.routes import may_file, visible_subject
from app.screens.ui import error_message, register_error_pages, roles_required
from app.units.models import Unit
from workflows.errors import WorkflowError
from workflows.notice import KINDS as NOTICE_KINDS
from workflows.notice import TEXT_LIMITS as NOTICE_TEXT_LIMITS
from workflows.roles import Role

bp = Blueprint("filing", __name__)
register_error_pages(bp)


def _plan() -> Plan:
    plan = db.session.scalar(select(Plan).where(Plan.is_current.is_(True)))
    if plan is None:
        abort(404)
    return plan


def _quota_hints(plan: Plan) -> dict[str, str]:
    """Indicator code → the line a county filer sees, e.g. 霍邱县 省级电商示范村：已认定 2 / 目标 4，审核中 1.

    One aggregate query (the quota board's), for the user's own county.
    """
    county = current_user.unit.slug if current_user.unit is not None else None
    if county is None:
        return {}
    rows = quota_board(db.session, plan.id, today(), county=county)
    return {row.indicator: hint for row in rows if (hint := quota_hint(rows, county, row.indicator))}


def _categories(plan: Plan) -> list[tuple[Category, str | None]]:
    """Each category with the user's county standing against its quota (None when it has none)."""
    hints = _quota_hints(plan)
    cats = db.session.scalars(select(Category).where(Category.plan_id == plan.id).order_by(Category.id))
    return [(c, hints.get(c.indicator_code or "")) for c in cats]


@bp.route("/filing/applications/new", methods=["GET", "POST"])
@roles_required(Role.county_filer)
def new_application() -> Any:
    plan = _plan()
    code = request.values.get("category", "")
    category = db.session.scalar(select(Category).where(Category.plan_id == plan.id, Category.code == code))
    if category is None:
        return render_template("filing/choose_category.html", categories=_categories(plan))
    errors: dict[str, str] = {}
    if request.method == "POST":
        site_name = (request.form.get("site_name") or "").strip()
        values, errors = parse_fields(category.code, request.form)
        if (problem := site_name_problem(site_name)) is not None:
            errors["site_name"] = problem
        files = [f for f in request.files.getlist("file") if f and f.filename]
        if not errors:
            try:
                actor = current_actor(current_user)
                item = create_application(actor, category=category.code, county=actor.unit, site_name=site_name,
                                          fields=values)
                kind = request.form.get("kind") if request.form.get("kind") in KINDS else "evidence"
                for f in files:
                    add_attachment(item.id, actor, f.filename, f.stream, kind)
                db.session.commit()
            except WorkflowError as exc:
                db.session.rollback()
                flash(error_message(exc), "error")
            else:
                flash(_("申报草稿已保存。核对无误、上传证明材料后，请点击“提交申报”。"), "success")
                return redirect(url_for("screens.item_page", item_id=item.id))
        else:
            flash(_("请按提示修改后再保存。"), "error")
    return render_template("filing/application_form.html", category=category, fields=fields_for(category.code),
                           values=request.form, errors=errors, item=None, kinds=KINDS,
                           quota_hint=_quota_hints(plan).get(category.indicator_code or ""))


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(item_id: int) -> Any:
    """Edit a draft: an application's site and fields, or a notice's text."""
    subject = visible_subject(item_id)
    item: Item = subject.row
    draft = ((item.type == "application" and item.state == "mobilization.draft")
             or (item.type == "notice" and item.state == "draft"))
    if draft and not may_file(subject, current_actor(current_user)):
        flash(_("您无权修改该事项，只有填报单位的经办人可以修改草稿。"), "error")
    elif draft:
        return _edit_application(item) if item.type == "application" else _notice_form(item)
    else:
        flash(_("只有草稿可以修改。"), "error")
    return redirect(url_for("screens.item_page", item_id=item_id))


def _edit_application(item: Any) -> Any:
    category = db.session.scalar(select(Category).where(Category.plan_id == item.plan_id,
                                                        Category.code == item.category))
    errors: dict[str, str] = {}
    values: Any = {"site_name": item.site_name, **{f"f_{k}": v for k, v in (item.fields or {}).items()}}
    if request.method == "POST":
        values = request.form
        site_name = (request.form.get("site_name") or "").strip()
        fields, errors = parse_fields(item.category, request.form)
        if (problem := site_name_problem(site_name)) is not None:
            errors["site_name"] = problem
        if not errors:
            merged = {**{k: v for k, v in (item.fields or {}).items()
                         if k not in {f.key for f in fields_for(item.category)}}, **fields}
            title = f"{category.title if category else item.category}：{site_name}"
            try:
                edit_draft(item.id, current_actor(current_user), version=request.form.get("version", type=int),
                           changes={"title": title, "site_name": site_name, "fields": merged})
                db.session.commit()
            except WorkflowError as exc:
                db.session.rollback()
                flash(error_message(exc), "error")
                return redirect(url_for("screens.item_page", item_id=item.id))
            flash(_("修改已保存。"), "success")
            return redirect(url_for("screens.item_page", item_id=item.id))
        flash(_("请按提示修改后再保存。"), "error")
    return render_template("filing/application_form.html", category=category, fields=fields_for(item.category),
                           values=values, errors=errors, item=item, kinds=KINDS)


def _units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.is_active.is_(True)).order_by(Unit.sort_order, Unit.id)))


def _notice_values(form: Any) -> dict[str, Any]:
    return {"title": form.get("title", ""), "addressees": form.get("addressees", ""), "body": form.get("body", ""),
            "copies": form.get("copies") or None, "attachments_note": form.get("attachments_note") or None,
            "subject_units": form.getlist("subject_units")}


@bp.route("/filing/notices/new", methods=["GET", "POST"])
@roles_required(Role.city_reviewer, Role.office_approver)
def new_notice() -> Any:
    return _notice_form(None)


def _notice_form(item: Any) -> Any:
    from app.notices.operations import create_notice

    values: Any = request.form if request.method == "POST" else (
        {"kind": item.kind, "title": item.title, "addressees": item.addressees, "body": item.body,
         "copies": item.copies or "", "attachments_note": item.attachments_note or "",
         "subject_units": item.subject_units or []} if item is not None else
        {"kind": "criticism", "addressees": "各县区人民政府，市直有关部门", "subject_units": []})
    if request.method == "POST":
        try:
            actor = current_actor(current_user)
            if item is None:
                kind = request.form.get("kind", "")
                notice = create_notice(actor, kind, _notice_values(request.form))
            else:
                from app.notices.operations import validate_notice_fields

                changes = validate_notice_fields(_notice_values(request.form))
                notice = edit_draft(item.id, actor, version=request.form.get("version", type=int), changes=changes)
            db.session.commit()
        except WorkflowError as exc:
            db.session.rollback()
            flash(error_message(exc), "error")
        else:
            flash(_("通报草稿已保存。"), "success")
            return redirect(url_for("screens.item_page", item_id=notice.id))
    selected = values.getlist("subject_units") if hasattr(values, "getlist") else values.get("subject_units", [])
    return render_template("filing/notice_form.html", item=item, values=values, selected=set(selected),
                           units=_units(), kinds=NOTICE_KINDS, limits=NOTICE_TEXT_LIMITS)
