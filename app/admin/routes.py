"""系统管理: accounts and units (administrators only)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from app.admin.models import ADMIN_ACTIONS, AdminEvent
from app.admin.operations import create_user, reset_password, save_unit, set_active, update_user
from app.auth.models import User
from app.auth.throttle import locked_accounts, lockout_of
from app.clock import today
from app.extensions import db
from app.notices.issuer import plan_issuer, update_issuer
from app.notices.operations import current_plan
from app.workdays.operations import list_overrides, parse_day, set_override, unknown_years, unset_override
from app.screens.ui import error_message, register_error_pages, roles_required
from app.units.models import Unit, UnitKind
from workflows.errors import GuardFailed, WorkflowError
from workflows.roles import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")
register_error_pages(bp)
PER_PAGE = 50
#: 管理日志: how each recorded action and field is called on the screen
ACTION_TITLES = {"create_user": _l("新建账号"), "update_user": _l("修改账号"), "reset_password": _l("重置密码"),
                 "activate_user": _l("启用账号"), "deactivate_user": _l("停用账号"), "create_unit": _l("新建单位"),
                 "update_unit": _l("修改单位"), "set_calendar_day": _l("设置工作日调整"),
                 "unset_calendar_day": _l("删除工作日调整"), "update_issuer": _l("修改发文机关")}
FIELD_TITLES = {"username": _l("用户名"), "display_name": _l("姓名"), "role": _l("角色"), "unit": _l("所属单位"),
                "email": _l("电子邮箱"), "is_active": _l("状态"), "slug": _l("单位代码"), "name": _l("单位名称"),
                "kind": _l("单位类别"), "code": _l("行政区划代码"), "sort_order": _l("排序"),
                "is_working_day": _l("是否工作日"), "note": _l("说明"), "issuer_name": _l("发文机关全称"),
                "issuer_short_name": _l("正文和落款名称"), "issuer_code": _l("发文代字")}
UNIT_KINDS = {"city_office": _l("市政府办公室"), "office": _l("办公室"), "department": _l("市直部门"),
              "county": _l("县区"), "zone": _l("开发区"), "group": _l("单位组")}


def _units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.id)))


@bp.route("/users")
@roles_required(Role.admin)
def users() -> str:
    q = select(User).order_by(User.unit_id, User.username)
    role = request.args.get("role") or None
    unit = request.args.get("unit", type=int)
    text = (request.args.get("q") or "").strip()
    if role:
        q = q.where(User.role == role)
    if unit:
        q = q.where(User.unit_id == unit)
    if text:
        q = q.where(User.username.contains(text, autoescape=True) | User.display_name.contains(text, autoescape=True))
    if request.args.get("inactive") == "1":
        q = q.where(User.is_active_user.is_(False))
    page = max(1, request.args.get("page", 1, type=int) or 1)
    total = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.session.scalars(q.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template("admin/users.html", rows=rows, total=total, page=page, per_page=PER_PAGE,
                           roles=list(Role), units=_units(), args=request.args,
                           locked=locked_accounts([u.username for u in rows]))


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.admin)
def new_user() -> Any:
    if request.method == "POST":
        try:
            user = create_user(current_user, username=request.form.get("username", ""),
                               display_name=request.form.get("display_name", ""), role=request.form.get("role", ""),
                               unit_id=request.form.get("unit_id", type=int), email=request.form.get("email"),
                               password=request.form.get("password", ""))
            db.session.commit()
        except WorkflowError as exc:
            db.session.rollback()
            flash(error_message(exc), "error")
        else:
            flash(_("账号 %(name)s 已创建。请将初始密码当面交给本人，并提醒其登录后修改。", name=user.username), "success")
            return redirect(url_for(".users"))
    return render_template("admin/user_form.html", user=None, roles=list(Role), units=_units(), values=request.form)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.admin)
def edit_user(user_id: int) -> Any:
    user = _user(user_id)
    if request.method == "POST":
        try:
            update_user(current_user, user, display_name=request.form.get("display_name", ""),
                        role=request.form.get("role", ""), unit_id=request.form.get("unit_id", type=int),
                        email=request.form.get("email"))
            db.session.commit()
        except WorkflowError as exc:
            db.session.rollback()
            flash(error_message(exc), "error")
        else:
            flash(_("账号信息已保存。"), "success")
            return redirect(url_for(".users"))
    values = request.form if request.method == "POST" else {
        "display_name": user.display_name, "role": user.role, "unit_id": str(user.unit_id or ""),
        "email": user.email or ""}
    return render_template("admin/user_form.html", user=user, roles=list(Role), units=_units(), values=values,
                           lockout=lockout_of(user.username),
                           window_minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_required(Role.admin)
def user_password(user_id: int) -> Any:
    user = _user(user_id)
    try:
        reset_password(current_user, user, request.form.get("password", ""))
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(error_message(exc), "error")
    else:
        flash(_("已重置 %(name)s 的密码，其已登录的会话和访问令牌全部失效。", name=user.username), "success")
    return redirect(url_for(".edit_user", user_id=user_id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(Role.admin)
def user_active(user_id: int) -> Any:
    user = _user(user_id)
    active = request.form.get("active") == "1"
    try:
        set_active(current_user, user, active)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(error_message(exc), "error")
    else:
        flash(_("账号已启用。") if active else _("账号已停用，其会话和访问令牌全部失效。"), "success")
    return redirect(url_for(".edit_user", user_id=user_id))


@bp.route("/units")
@roles_required(Role.admin)
def units() -> str:
    counts = dict(db.session.execute(select(User.unit_id, func.count()).group_by(User.unit_id)).tuples().all())
    return render_template("admin/units.html", rows=_units(), counts=counts, kinds=UNIT_KINDS)


@bp.route("/units/new", methods=["GET", "POST"])
@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@roles_required(Role.admin)
def edit_unit(unit_id: int | None = None) -> Any:
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit_id and unit is None:
        abort(404)
    if request.method == "POST":
        try:
            save_unit(current_user, unit, slug=request.form.get("slug", ""), name=request.form.get("name", ""),
                      kind=request.form.get("kind", ""), code=(request.form.get("code") or "").strip() or None,
                      sort_order=request.form.get("sort_order", type=int),
                      is_active=request.form.get("is_active") == "1")
            db.session.commit()
        except WorkflowError as exc:
            db.session.rollback()
            flash(error_message(exc), "error")
        else:
            flash(_("单位已保存。"), "success")
            return redirect(url_for(".units"))
    values = request.form if request.method == "POST" else (
        {"slug": unit.slug, "name": unit.name, "kind": unit.kind, "code": unit.code or "",
         "sort_order": unit.sort_order, "is_active": "1" if unit.is_active else ""} if unit else
        {"kind": UnitKind.department.value, "is_active": "1"})
    return render_template("admin/unit_form.html", unit=unit, values=values, kinds=UNIT_KINDS)


@bp.route("/log")
@roles_required(Role.admin)
def log() -> str:
    """管理日志: every recorded change to accounts and units, newest first."""
    q = select(AdminEvent)
    action = request.args.get("action") or None
    text = (request.args.get("q") or "").strip()
    if action in ADMIN_ACTIONS:
        q = q.where(AdminEvent.action == action)
    if text:
        q = q.where(AdminEvent.target.contains(text, autoescape=True)
                    | AdminEvent.actor.contains(text, autoescape=True))
    page = max(1, request.args.get("page", 1, type=int) or 1)
    total = db.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = db.session.scalars(q.order_by(AdminEvent.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template("admin/log.html", rows=rows, total=total, page=page, per_page=PER_PAGE,
                           actions=ACTION_TITLES, fields=FIELD_TITLES, kinds=UNIT_KINDS, args=request.args)


def _calendar_years(year: int) -> list[int]:
    """The years the calendar screen speaks of: this year, the next, and every year with an override."""
    years = {year, year + 1, *(o.day.year for o in list_overrides(db.session))}
    return sorted(years)


@bp.route("/calendar", methods=["GET", "POST"])
@roles_required(Role.admin)
def calendar() -> Any:
    """工作日调整: days the calendar package does not know yet, or gets wrong (an override wins)."""
    if request.method == "POST":
        try:
            day = parse_day(request.form.get("day"))
            working = request.form.get("is_working_day")
            if working not in ("1", "0"):
                raise GuardFailed(["请选择该日为工作日还是休息日"])
            set_override(db.session, day, working == "1", request.form.get("note", ""),
                         actor=current_user.username, actor_id=current_user.id)
            db.session.commit()
        except WorkflowError as exc:
            db.session.rollback()
            flash(error_message(exc), "error")
        else:
            flash(_("已保存 %(day)s 的工作日调整。", day=day.isoformat()), "success")
            return redirect(url_for(".calendar"))
    years = _calendar_years(today().year)
    return render_template("admin/calendar.html", rows=list_overrides(db.session), unknown=unknown_years(years),
                           values=request.form)


@bp.route("/calendar/delete", methods=["POST"])
@roles_required(Role.admin)
def calendar_delete() -> Any:
    try:
        day = parse_day(request.form.get("day"))
        removed = unset_override(db.session, day, actor=current_user.username, actor_id=current_user.id)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(error_message(exc), "error")
    else:
        if removed:
            flash(_("已删除 %(day)s 的工作日调整。", day=day.isoformat()), "success")
        else:
            flash(_("%(day)s 没有工作日调整。", day=day.isoformat()), "error")
    return redirect(url_for(".calendar"))


@bp.route("/issuer", methods=["GET", "POST"])
@roles_required(Role.admin)
def issuer() -> Any:
    """发文机关: the names new notices are issued under (issued notices keep theirs)."""
    plan = current_plan()
    if request.method == "POST":
        try:
            update_issuer(plan, name=request.form.get("name", ""), short_name=request.form.get("short_name", ""),
                          code=request.form.get("code", ""), actor=current_user.username, actor_id=current_user.id)
            db.session.commit()
        except WorkflowError as exc:
            db.session.rollback()
            flash(error_message(exc), "error")
        else:
            flash(_("发文机关已保存，此后起草和印发的通报使用新名称；已印发的通报不变。"), "success")
            return redirect(url_for(".issuer"))
    current = plan_issuer(plan)
    values = request.form if request.method == "POST" else {
        "name": current.name, "short_name": current.short_name, "code": current.code}
    return render_template("admin/issuer.html", values=values, issuer=current,
                           example_number=f"{current.code}〔{today().year}〕1号")
