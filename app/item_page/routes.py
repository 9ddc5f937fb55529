"""The item page: fields, evidence, history, diagram, one form per available action; the print view.

A route loads the item (404 when the user may not see it, as themselves or as a delegate) and runs
its write through :func:`app.web.actions.screen_action` (one commit, refusals rolled back). The
panels other features add (materials, extensions, reminders, a notice's receipts) come from their
own modules; their write routes live in those features.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.attachments.operations import KINDS
from app.auth.delegation import current_actor
from app.clock import today
from app.dashboards.permissions import can_remind
from app.extension_requests.operations import effective_due, pending_for, requests_of_item
from app.extension_requests.permissions import can_decide, can_endorse, can_request
from app.extensions import db
from app.item_page import approval_sheet, timeline, views
from app.item_page.diagrams import DiagramUnavailable, diagram_svg
from app.items.deadlines import filed_late, filing_deadline
from app.items.facts import subject_for
from app.items.models import Item
from app.items.operations import edit_draft, fire_transition
from app.notices.panels import notice_panel
from app.notifications.operations import mark_item_read
from app.opinions.phrases import opinion_from_form
from app.reports.operations import save_report_figures
from app.reports.texts import SECTIONS
from app.web.access import may_file, own_actor, user_actors, visible_item
from app.web.actions import record, screen_action
from app.web.errors import register_error_pages
from app.web.ui import DANGER_TRIGGERS, fdatetime, state_label, tr
from workflows.deadlines import overdue_level
from workflows.errors import FactsChanged, GuardFailed, StaleVersion
from workflows.permissions import Subject
from workflows.registry import get_workflow
from workflows.roles import Actor

bp = Blueprint("screens", __name__)
register_error_pages(bp)
MAX_TEXT = 20000


def page_context(subject: Subject, *, failed: str | None = None, values: Any = None,
                 errors: list[str] | None = None) -> dict[str, Any]:
    item: Item = subject.row
    rows = views.history(item.id, subject.workflow)
    actor = own_actor()
    due = effective_due(item)
    ctx: dict[str, Any] = {
        "item": item, "subject": subject, "wf": subject.workflow, "history": rows,
        "timeline": timeline.entries(rows),
        "actions": views.actions_for(subject, user_actors(), DANGER_TRIGGERS),
        "attachments": views.attachments(item), "returned": views.returned_reason(item, rows),
        "last": views.last_transition(rows), "due": due, "level": overdue_level(due, today()),
        "filed_late": filed_late(item), "filing_deadline": filing_deadline(item),
        "figures": views.figure_inputs(item) if item.type in ("application", "task", "report") else [],
        "figure_errors": {},
        "may_file": may_file(subject, actor), "kinds": KINDS,
        "extension_pending": pending_for(item.id), "extensions": requests_of_item(item.id),
        "may_request_extension": can_request(actor, subject) and pending_for(item.id) is None,
        "may_decide_extension": any(can_decide(a, subject) for a, _d in user_actors()),
        "may_endorse_extension": any(can_endorse(a, subject) for a, _d in user_actors()),
        "may_remind": _may_remind(subject, actor),
        "failed": failed, "values": values or {}, "errors": errors or [],
        "fact_hints": views.FACT_HINTS, "today": today(),
    }
    if failed is not None:
        ctx["figure_errors"] = views.figure_errors(item, ctx["figures"], values)
    if item.type == "application":
        ctx["field_rows"] = approval_sheet.field_rows(item)
        ctx["quota"] = views.category_quota(item)
        ctx["rectification_order"] = views.last_of(rows, "order_rectification")
    elif item.type == "task":
        ctx["rectification_order"] = views.last_of(rows, "order_rectification")
    elif item.type == "notice":
        ctx.update(notice_panel(item, actor))

    return ctx


def _may_remind(subject: Subject, actor) -> bool:
    item = subject.row
    return (item.due_on is not None and item.state not in subject.workflow.finals
            and overdue_level(effective_due(item), today()).value != "none" and can_remind(actor, subject.county))


@bp.route("/items/<int:item_id>")
@login_required
def item_page(item_id: int) -> str:
    subject = visible_item(item_id)
    record(lambda: mark_item_read(current_user.id, item_id))
    return render_template("item_page/item.html", **page_context(subject))


def _clean(value: str | None) -> str:
    return (value or "").strip()[:MAX_TEXT]


def action_inputs(form: Any, action: views.ActionView, item: Item) -> tuple[str | None, dict[str, Any]]:
    """The comment and data a trigger needs, from its form (only the inputs it asks for)."""
    comment = _clean(opinion_from_form(form)) or None  # typed, led by a 常用意见 chosen without JavaScript
    data: dict[str, Any] = {}
    for key in ("deadline", "findings", "decision", "document_number", "text", "report"):
        if key in action.inputs:
            data[key] = _clean(form.get(key))
    if item.type == "notice" and action.trigger == "issue" and form.get("confirm_facts"):
        data["confirm_facts"] = _clean(form.get("confirm_facts"))[:64]  # 按起草时的事实签发
    if item.type == "report" and action.trigger == "submit":  # 工作进展 / 存在问题 / 下步计划
        data.update({name: _clean(form.get(name)) for name, _title in SECTIONS if name in form})
    if "figures" in action.inputs:
        figures = {}
        for f in views.figure_inputs(item):
            raw = _clean(form.get(f"fig_{f.code}")).replace(",", "").replace("，", "")
            if raw:
                figures[f.code] = raw
        data["figures"] = figures
    return comment, data


def _find_action(subject: Subject, trigger: str, delegation_id: int | None) -> views.ActionView | None:
    for action in views.actions_for(subject, user_actors(), DANGER_TRIGGERS):
        if action.trigger == trigger and action.delegation_id == delegation_id:
            return action
    return None


def stale_message(item_id: int) -> str:
    """What happened meanwhile, for the loser of a race (or a second click on the same button)."""
    item = db.session.get(Item, item_id)
    last = views.last_transition(views.history(item_id, get_workflow(item.type)))
    if last is None:
        return _("该事项已被他人修改，您的操作未执行。请查看最新状态后再操作。")
    who = last.actor_name + (_("（代%(name)s）", name=last.on_behalf_name) if last.on_behalf_name else "")
    return _("您的操作未执行：在您提交之前，%(who)s 已于 %(when)s 执行“%(action)s”，"
             "该事项现为“%(state)s”。请查看最新状态后再操作。",
             who=who, when=fdatetime(last.event.at), action=tr(last.title),
             state=state_label(item.state))


@bp.route("/items/<int:item_id>/act", methods=["POST"])
@login_required
def act(item_id: int) -> ResponseReturnValue:
    """Fire one trigger (or save its inputs as a draft) at the version the user saw."""
    subject = visible_item(item_id)
    delegation_id = request.form.get("delegation", type=int) or None
    version = request.form.get("version", type=int)
    action = _find_action(subject, request.form.get("trigger", ""), delegation_id)
    page = url_for(".item_page", item_id=item_id)
    if action is None:  # the button was shown on an older page: tell what happened, not a bare refusal
        return _not_offered(page, item_id, stale=version != subject.row.version)
    comment, data = action_inputs(request.form, action, subject.row)
    refusals = {StaleVersion: lambda exc: _not_offered(page, item_id, stale=True),
                GuardFailed: lambda exc: _guard_failed(item_id, action, exc),
                FactsChanged: lambda exc: _facts_changed(item_id, action, exc)}
    if request.form.get("op") == "save" and action.can_save:
        return screen_action(lambda: _save_draft(subject.row, _actor(subject, delegation_id), version, data),
                             then=f"{page}#act-{action.key}", back=page, done=_("草稿已保存。"), refusals=refusals)
    return screen_action(
        lambda: fire_transition(item_id, action.trigger, _actor(subject, delegation_id), version=version,
                                comment=comment, data=data),
        then=page, refusals=refusals,
        done=lambda outcome: _("已办理“%(action)s”，事项现为“%(state)s”。", action=tr(action.title),
                               state=state_label(outcome.to_state)))


def _actor(subject: Subject, delegation_id: int | None) -> Actor:
    return current_actor(current_user, subject.unit, delegation_id=delegation_id)


def _not_offered(page: str, item_id: int, *, stale: bool) -> ResponseReturnValue:
    message = stale_message(item_id) if stale else _("您当前不能对该事项执行此操作。")
    flash(message, "error")
    return redirect(page)


def _guard_failed(item_id: int, action: views.ActionView, exc: GuardFailed) -> ResponseReturnValue:
    """The page again, the failed form open with the guard's reasons beside it (422)."""
    subject = subject_for(db.session.get(Item, item_id))
    return render_template("item_page/item.html", **page_context(subject, failed=action.key, values=request.form,
                                                               errors=exc.reasons)), 422


def _facts_changed(item_id: int, action: views.ActionView, exc: FactsChanged) -> ResponseReturnValue:
    """签发 of a notice whose facts changed since drafting: the page again (409) with what changed and two
    choices, 按起草时的事实签发 (the same issue confirming this change-set) or 退回起草人更新 (send_back)."""
    subject = subject_for(db.session.get(Item, item_id))
    send_back = _find_action(subject, "send_back", action.delegation_id)
    reason = _("起草后事实已发生变化，请据实更新后重新提交：") + "\n" + "\n".join(exc.changes)
    ctx = page_context(subject)
    ctx["facts_changed"] = {"changes": exc.changes, "confirm": exc.confirmation, "action": action,
                            "send_back": send_back, "reason": reason}
    return render_template("item_page/item.html", **ctx), 409


def _save_draft(item: Item, actor, version: int | None, data: dict[str, Any]) -> None:
    """Keep a self-assessment, a rectification report or a quarterly report's figures as a draft."""
    if item.type == "report":
        figures = {f.code: data.get("figures", {}).get(f.code, "") for f in views.figure_inputs(item)}
        sections = {name: data[name] for name, _title in SECTIONS if name in data}
        save_report_figures(db.session, item.id, actor, version=version, figures=figures, sections=sections)
        return
    if "report" in data:
        changes = {"rectification_report": data["report"] or None}
    else:
        changes = {"self_assessment": {"text": data.get("text", ""), "figures": data.get("figures", {})}}
    edit_draft(item.id, actor, version=version, changes=changes)


# -- diagram, print, reminders, notices ----------------------------------------------------------

@bp.route("/items/<int:item_id>/diagram.svg")
@login_required
def diagram(item_id: int) -> Response:
    item = visible_item(item_id).row
    try:
        svg = diagram_svg(item.type, item.state)
    except DiagramUnavailable:
        abort(503)
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/items/<int:item_id>/print")
@login_required
def print_view(item_id: int) -> str:
    ctx = page_context(visible_item(item_id))
    item = ctx["item"]
    ctx["sheet"] = approval_sheet.sheet(item, ctx["history"], ctx["attachments"], ctx["figures"], ctx.get("quota"))
    return render_template("item_page/print.html", **ctx)


@bp.app_template_global()
def item_url(item_id: int) -> str:
    return url_for("screens.item_page", item_id=item_id)
