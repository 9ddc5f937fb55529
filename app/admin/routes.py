"""系统管理: accounts and units (administrators only)."""
from __future__ import annotations


from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from app.audit.models import ADMIN_ACTIONS, AdminEvent
from app.admin.operations import create_user, reset_password, save_unit, set_active, update_user
from app.auth.models import User
from app.auth.throttle import locked_accounts, lockout_of
from app.extensions import db
from app.web.errors import register_error_pages
from app.web.access import roles_required
from app.units.models import Unit, UnitKind
from workflows.roles import Role
from app.web.actions import screen_action
from flask.typing import ResponseReturnValue

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
def new_user() -> ResponseReturnValue:
    if request.method == "POST":
        form = request.form
        answer = screen_action(
            lambda: create_user(current_user, username=form.get("username", ""),
                                display_name=form.get("display_name", ""), role=form.get("role", ""),
                                unit_id=form.get("unit_id", type=int), email=form.get("email"),
                                password=form.get("password", "")),
            then=url_for(".users"), otherwise=lambda exc: None,
            done=lambda user: _("账号 %(name)s 已创建。请将初始密码当面交给本人，并提醒其登录后修改。", name=user.username))
        if answer is not None:
            return answer
    return render_template("admin/user_form.html", user=None, roles=list(Role), units=_units(), values=request.form)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.admin)
def edit_user(user_id: int) -> ResponseReturnValue:
    user = _user(user_id)
    if request.method == "POST":
        form = request.form
        answer = screen_action(
            lambda: update_user(current_user, user, display_name=form.get("display_name", ""),
                                role=form.get("role", ""), unit_id=form.get("unit_id", type=int),
                                email=form.get("email")),
            then=url_for(".users"), otherwise=lambda exc: None, done=_("账号信息已保存。"))
        if answer is not None:
            return answer
    values = request.form if request.method == "POST" else {
        "display_name": user.display_name, "role": user.role, "unit_id": str(user.unit_id or ""),
        "email": user.email or ""}
    return render_template("admin/user_form.html", user=user, roles=list(Role), units=_units(), values=values,
                           lockout=lockout_of(user.username),
                           window_minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_required(Role.admin)
def user_password(user_id: int) -> ResponseReturnValue:
    user = _user(user_id)
    return screen_action(lambda: reset_password(current_user, user, request.form.get("password", "")),
                         then=url_for(".edit_user", user_id=user_id),
                         done=_("已重置 %(name)s 的密码，其已登录的会话和访问令牌全部失效。", name=user.username))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(Role.admin)
def user_active(user_id: int) -> ResponseReturnValue:
    user = _user(user_id)
    active = request.form.get("active") == "1"
    return screen_action(lambda: set_active(current_user, user, active), then=url_for(".edit_user", user_id=user_id),
                         done=_("账号已启用。") if active else _("账号已停用，其会话和访问令牌全部失效。"))


@bp.route("/units")
@roles_required(Role.admin)
def units() -> str:
    counts = dict(db.session.execute(select(User.unit_id, func.count()).group_by(User.unit_id)).tuples().all())
    return render_template("admin/units.html", rows=_units(), counts=counts, kinds=UNIT_KINDS)


@bp.route("/units/new", methods=["GET", "POST"])
@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@roles_required(Role.admin)
def edit_unit(unit_id: int | None = None) -> ResponseReturnValue:
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit_id and unit is None:
        abort(404)
    if request.method == "POST":
        form = request.form
        answer = screen_action(
            lambda: save_unit(current_user, unit, slug=form.get("slug", ""), name=form.get("name", ""),
                              kind=form.get("kind", ""), code=(form.get("code") or "").strip() or None,
                              sort_order=form.get("sort_order", type=int), is_active=form.get("is_active") == "1"),
            then=url_for(".units"), otherwise=lambda exc: None, done=_("单位已保存。"))
        if answer is not None:
            return answer
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
