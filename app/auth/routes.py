"""Sign-in, sign-out, change password, choose the language."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.auth.auth import authenticate, is_throttled, retry_after_seconds
from app.auth.forms import ChangePasswordForm, LoginForm
from app.auth.passwords import hash_password, password_problems, verify_password
from app.extensions import db
from app.i18n import LOCALES

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int, dict]:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        if is_throttled(username):
            wait = retry_after_seconds(username)
            form.form_errors.append(_("登录失败次数过多，请 %(n)s 分钟后再试", n=max(1, wait // 60)))
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(wait)}
        user = authenticate(username, form.password.data, request.remote_addr)
        db.session.commit()
        if user is None:
            form.form_errors.append(_("用户名或密码错误"))
            return render_template("auth/login.html", form=form), 200, {}
        locale = session.get("locale")
        session.clear()  # no session fixation: a fresh session at sign-in
        if locale in LOCALES:
            session["locale"] = locale  # the language chosen on the sign-in page stays
        login_user(user)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale in LOCALES:
        session["locale"] = locale
    flash(_("您已退出登录"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        problems = password_problems(form.new.data)
        if not verify_password(current_user.password_hash, form.current.data):
            form.current.errors = [_("当前密码不正确")]
        elif problems:
            form.new.errors = problems
        else:
            user = current_user._get_current_object()  # the User itself: login_user must not get the proxy
            user.password_hash = hash_password(form.new.data)
            user.session_version += 1
            db.session.commit()
            login_user(user)  # keep this session, every other one ends
            flash(_("密码已修改"), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    """Switch between 中文 and English; kept in the session (and the account, when signed in)."""
    locale = request.form.get("locale")
    if locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
