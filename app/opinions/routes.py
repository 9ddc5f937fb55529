"""The opinion screens: a user's 常用意见 (under the account menu) and the office's 审批意见 rule.

Also gives the item page's decision forms their template globals: ``opinion_phrases()`` (the signed-in
user's phrases) and ``is_decision(workflow, state, trigger)``.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.opinions.operations import save_rule
from app.opinions.permissions import can_set_rule
from app.opinions.phrases import DEFAULT_PHRASES, MAX_PHRASES, PHRASE_FIELD, parse_phrases, phrases_of, save_phrases
from app.opinions.rules import RULE_ROLES, ROLE_HINTS, default_roles, is_decision, required_roles
from app.web.access import own_actor, plan_or_404
from app.web.actions import screen_action
from app.web.ui import tr
from workflows.errors import GuardFailed, WorkflowError

bp = Blueprint("opinions", __name__)
bp.add_app_template_global(is_decision, "is_decision")
bp.add_app_template_global(PHRASE_FIELD, "opinion_phrase_field")


@bp.app_template_global()
def opinion_phrases() -> list[str]:
    """The signed-in user's 常用意见 (the shipped ones until they edit theirs)."""
    phrases = phrases_of(db.session, current_user.id if current_user.is_authenticated else None)
    return [tr(p) for p in phrases] if phrases == list(DEFAULT_PHRASES) else phrases  # shipped: in English too


def _reasons(errors: list[str]) -> Any:
    return lambda exc: errors.extend(exc.reasons if isinstance(exc, GuardFailed) else [exc.message])


@bp.route("/account/opinions", methods=["GET", "POST"])
@login_required
def phrases() -> ResponseReturnValue:
    """常用意见: one phrase a line; "恢复默认" goes back to the shipped ones."""
    errors: list[str] = []
    text = request.form.get("phrases", "")
    if request.method == "POST":
        reset = request.form.get("op") == "reset"
        answer = screen_action(
            lambda: save_phrases(db.session, current_user.id, None if reset else parse_phrases(text)),
            then=url_for(".phrases"), done=_("常用意见已保存"), refusals={WorkflowError: _reasons(errors)})
        if not errors:
            return answer
    shown = text if errors else "\n".join(opinion_phrases())
    return render_template("opinions/phrases.html", text=shown, errors=errors, defaults=DEFAULT_PHRASES,
                           max_phrases=MAX_PHRASES, may_set_rule=can_set_rule(own_actor())), 400 if errors else 200


@bp.route("/opinions/settings", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    """审批意见规则: the office (or the administrator) chooses whose decisions need an opinion."""
    actor = own_actor()
    if not can_set_rule(actor):
        abort(403)
    plan, errors = plan_or_404(), []
    if request.method == "POST":
        chosen = request.form.getlist("roles")
        answer = screen_action(lambda: save_rule(db.session, plan.id, actor, chosen), then=url_for(".settings"),
                               done=_("审批意见规则已保存"), refusals={WorkflowError: _reasons(errors)})
        if not errors:
            return answer
    return render_template("opinions/settings.html", roles=RULE_ROLES, hints=ROLE_HINTS, errors=errors,
                           required=required_roles(plan.id), defaults=default_roles()), 400 if errors else 200
