"""Sign-in, sign-out, change password, choose the language and the plan one works in."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from app.auth.auth import sign_in
from app.account.forms import ChangePasswordForm, LoginForm
from app.auth.passwords import password_problems, verify_password
from app.auth.sessions import end_sessions
from app.i18n import LOCALES
from app.plans.scope import choose_plan as choose_users_plan
from app.web.access import own_actor
from app.web.actions import record, screen_action
from app.auth.operations import change_own_password

bp = Blueprint("auth", __name__)


#: what a browser removes from anywhere in a URL before parsing it (WHATWG URL standard)
_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")


def same_site_path(target: str | None) -> str | None:
    """``target`` when a browser would read it as a path on this site, else None.

    Read the way a browser reads it: tabs and newlines removed, leading and trailing controls and
    spaces trimmed; then it must start with one ``/`` (never ``//`` or ``/\\``, which a browser
    reads as another host), hold no backslash and nothing unprintable, and have no scheme or host."""
    if not target:
        return None
    path = target.translate(_TAB_OR_NEWLINE).strip("".join(map(chr, range(0x21))))
    if not path.startswith("/") or path.startswith(("//", "/\\")) or "\\" in path:
        return None
    if not path.isprintable():  # controls, format characters, separators other than space, surrogates
        return None
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return None
    return path


def _safe_next(target: str | None) -> str:
    return same_site_path(target) or url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int, dict]:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        attempt = sign_in(username, form.password.data, request.remote_addr)
        if attempt.retry_after:
            wait = attempt.retry_after
            form.form_errors.append(_("登录失败次数过多，请 %(n)s 分钟后再试", n=max(1, wait // 60)))
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(wait)}
        user = attempt.user
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
    """Ends this session and every copy of it: the account's session generation moves on."""
    locale = session.get("locale")
    record(lambda: end_sessions(current_user._get_current_object(), revoke_tokens=False))
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
            record(lambda: change_own_password(user, form.new.data))
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
            record(lambda: setattr(current_user, "locale", locale))
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/plan", methods=["POST"])
@login_required
def choose_plan() -> ResponseReturnValue:
    """Work in another of one's plans (a city's 2018 and 2019 plans): back to the to-do list, which is
    the chosen plan's; ``/plans/current`` answers it from now on."""
    plan_id = request.form.get("plan_id", type=int) or 0
    return screen_action(lambda: choose_users_plan(own_actor(), plan_id), then=url_for("home.index"),
                         done=lambda plan: _("已切换到方案：%(title)s", title=plan.title))
