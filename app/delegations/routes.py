"""委托代办 screens: give, see and revoke delegations."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.models import User
from app.clock import today
from app.delegations.operations import colleagues, create_delegation, delegations_of, revoke_delegation
from app.delegations.permissions import can_delegate
from app.extensions import db
from app.web.errors import register_error_pages
from workflows.errors import WorkflowError
from workflows.guards import parse_iso_date
from workflows.roles import Role
from flask.typing import ResponseReturnValue
from app.web.actions import screen_action

bp = Blueprint("delegations", __name__)
register_error_pages(bp)


def _delegators() -> list[User]:
    """Whose role the form may hand on: one's own, or (for an administrator) any approver's."""
    if current_user.role_enum is Role.admin:
        return [u for u in db.session.scalars(select(User).order_by(User.username)) if can_delegate(u)]
    return [current_user] if can_delegate(current_user) else []


@bp.route("/delegations", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    if request.method == "POST":
        answer = screen_action(lambda: _delegate(request.form), then=url_for(".index"), otherwise=lambda exc: None,
                               done=_("委托已生效：受托人在委托期内可代为办理，审批记录同时记载双方姓名。"))
        if answer is not None:
            return answer
    return render_template("delegations/index.html", rows=delegations_of(current_user), delegators=_delegators(),
                           colleagues=colleagues(current_user), today=today(), values=request.form)


def _delegate(form: Any) -> Any:
    delegator = db.session.get(User, form.get("delegator_id", type=int) or current_user.id)
    if delegator is None:
        raise WorkflowError(_("委托人不存在"))
    delegate = db.session.get(User, form.get("delegate_id", type=int) or 0)
    return create_delegation(current_user, delegator, delegate, parse_iso_date(form.get("starts_on")),
                             parse_iso_date(form.get("ends_on")), form.get("reason"))


@bp.route("/delegations/<int:delegation_id>/revoke", methods=["POST"])
@login_required
def revoke(delegation_id: int) -> ResponseReturnValue:
    return screen_action(lambda: revoke_delegation(current_user, delegation_id), then=url_for(".index"),
                         done=_("委托已撤销。"))
