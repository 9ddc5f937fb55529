"""The item page: fields, evidence, history, diagram, one form per available action; the print view.

A route loads (404 when the user may not see the item, as themselves or as a delegate) → calls an
operation with the actor from :func:`app.auth.delegation.current_actor` → commits once → redirects.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.attachments.operations import KINDS, add_attachment, delete_attachment, open_attachment
from app.auth.delegation import current_actor
from app.clock import today
from app.extension_requests.operations import (can_decide, can_request, effective_due, pending_for,
                                               requests_of_item)
from app.extensions import db
from app.items.deadlines import filed_late, filing_deadline
from app.items.facts import subject_for
from app.items.models import Item
from app.items.operations import edit_draft, fire_transition
from app.notifications.operations import mark_item_read
from app.screens import views
from app.screens.diagrams import DiagramUnavailable, diagram_focus, diagram_svg
from app.screens.ui import DANGER_TRIGGERS, error_message, fdatetime, register_error_pages, tr, user_actors
from workflows.deadlines import overdue_level
from workflows.errors import GuardFailed, NotFound, StaleVersion, WorkflowError
from workflows.permissions import Subject
from workflows.registry import get_workflow
from workflows.roles import CITY_WIDE_ROLES

bp = Blueprint("screens", __name__)
register_error_pages(bp)
MAX_TEXT = 20000


def visible_subject(item_id: int) -> Subject:
    """The item if the signed-in user may see it (as themselves or as a delegate), else 404."""
    item = db.session.get(Item, item_id)
    if item is None:
        abort(404)
    subject = subject_for(item)
    if not views.visible_to_any(subject, user_actors()):
        abort(404)
    return subject


def _own_actor():
    return current_actor(current_user)


def page_context(subject: Subject, *, failed: str | None = None, values: Any = None,
                 errors: list[str] | None = None) -> dict[str, Any]:
    item: Item = subject.row
    rows = views.history(item.id, subject.workflow)
    actor = _own_actor()
    due = effective_due(item)
    ctx: dict[str, Any] = {
        "item": item, "subject": subject, "wf": subject.workflow, "history": rows,
        "actions": views.actions_for(subject, user_actors(), DANGER_TRIGGERS),
        "attachments": views.attachments(item), "returned": views.returned_reason(item, rows),
        "last": views.last_transition(rows), "due": due, "level": overdue_level(due, today()),
        "filed_late": filed_late(item), "filing_deadline": filing_deadline(item),
        "figures": views.figure_inputs(item) if item.type in ("application", "task", "report") else [],
        "may_file": may_file(subject, actor), "kinds": KINDS,
        "extension_pending": pending_for(item.id), "extensions": requests_of_item(item.id),
        "may_request_extension": can_request(actor, subject) and pending_for(item.id) is None,
        "may_decide_extension": any(can_decide(a, subject) for a, _d in user_actors()),
        "may_remind": _may_remind(subject, actor),
        "failed": failed, "values": values or {}, "errors": errors or [],
        "fact_hints": views.FACT_HINTS, "today": today(),
        "diagram_focus": diagram_focus(item.type, item.state),
    }
    if item.type == "application":
        from app.filing.fields import label_of

        ctx["field_rows"] = [(label_of(item.category, k), v) for k, v in (item.fields or {}).items()]
        ctx["quota"] = views.category_quota(item)
        ctx["rectification_order"] = views.last_of(rows, "order_rectification")
    elif item.type == "task":
        ctx["rectification_order"] = views.last_of(rows, "order_rectification")
    elif item.type == "notice":
        ctx.update(_notice_context(item, actor))
    return ctx


def may_file(subject: Subject, actor) -> bool:
    """Whether ``actor`` may edit ``subject`` now (a draft, by its own unit's filer; any notice drafter)."""
    roles = subject.workflow.editable.get(subject.row.state)
    if roles is None or actor.role not in roles:
        return False
    return subject.workflow.name == "notice" or actor.unit == subject.unit


def _may_remind(subject: Subject, actor) -> bool:
    try:
        from app.dashboards.permissions import can_remind
    except ImportError:  # the dashboards are optional for the item page
        return False
    item = subject.row
    return (item.due_on is not None and item.state not in subject.workflow.finals
            and overdue_level(effective_due(item), today()).value != "none" and can_remind(actor, subject.county))


def _notice_context(item, actor) -> dict[str, Any]:
    from app.notices.models import NoticeReceipt
    from app.notices.operations import receipts
    from app.units.models import Unit

    ctx: dict[str, Any] = {"receipts": [], "my_receipt": None}
    if actor.role in CITY_WIDE_ROLES:
        ctx["receipts"] = receipts(item.id)
    if actor.unit:
        ctx["my_receipt"] = db.session.scalar(select(NoticeReceipt).join(Unit, Unit.id == NoticeReceipt.unit_id)
                                              .where(NoticeReceipt.notice_id == item.id, Unit.slug == actor.unit))
    return ctx


@bp.route("/items/<int:item_id>")
@login_required
def item_page(item_id: int) -> str:
    subject = visible_subject(item_id)
    mark_item_read(current_user.id, item_id)
    db.session.commit()
    return render_template("screens/item.html", **page_context(subject))


def _clean(value: str | None) -> str:
    return (value or "").strip()[:MAX_TEXT]


def action_inputs(form: Any, action: views.ActionView, item: Item) -> tuple[str | None, dict[str, Any]]:
    """The comment and data a trigger needs, from its form (only the inputs it asks for)."""
    comment = _clean(form.get("comment")) or None
    data: dict[str, Any] = {}
    for key in ("deadline", "findings", "decision", "document_number", "text", "report"):
        if key in action.inputs:
            data[key] = _clean(form.get(key))
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
    from app.screens.ui import state_label

    return _("您的操作未执行：在您提交之前，%(who)s 已于 %(when)s 执行“%(action)s”，"
             "该事项现为“%(state)s”。请查看最新状态后再操作。",
             who=who, when=fdatetime(last.event.at), action=tr(last.title),
             state=state_label(item.state))


@bp.route("/items/<int:item_id>/act", methods=["POST"])
@login_required
def act(item_id: int) -> Any:
    """Fire one trigger (or save its inputs as a draft) at the version the user saw."""
    subject = visible_subject(item_id)
    item: Item = subject.row
    trigger = request.form.get("trigger", "")
    delegation_id = request.form.get("delegation", type=int) or None
    version = request.form.get("version", type=int)
    action = _find_action(subject, trigger, delegation_id)
    if action is None:
        # the button was shown on an older page: tell what happened instead of a bare refusal
        if version != item.version:
            flash(stale_message(item_id), "error")
        else:
            flash(_("您当前不能对该事项执行此操作。"), "error")
        return redirect(url_for(".item_page", item_id=item_id))
    comment, data = action_inputs(request.form, action, item)
    try:
        actor = current_actor(current_user, subject.unit, delegation_id=delegation_id)
        if request.form.get("op") == "save" and action.can_save:
            _save_draft(item, actor, version, data)
            db.session.commit()
            flash(_("草稿已保存。"), "success")
            return redirect(url_for(".item_page", item_id=item_id) + "#act-" + action.key)
        outcome = fire_transition(item_id, trigger, actor, version=version, comment=comment, data=data)
        db.session.commit()
    except StaleVersion:
        db.session.rollback()
        flash(stale_message(item_id), "error")
        return redirect(url_for(".item_page", item_id=item_id))
    except GuardFailed as exc:
        db.session.rollback()
        return render_template("screens/item.html", **page_context(
            subject_for(db.session.get(Item, item_id)), failed=action.key, values=request.form,
            errors=exc.reasons)), 422
    except WorkflowError as exc:
        db.session.rollback()
        flash(error_message(exc), "error")
        return redirect(url_for(".item_page", item_id=item_id))
    from app.screens.ui import state_label

    flash(_("已办理“%(action)s”，事项现为“%(state)s”。", action=tr(action.title), state=state_label(outcome.to_state)),
          "success")
    return redirect(url_for(".item_page", item_id=item_id))


def _save_draft(item: Item, actor, version: int | None, data: dict[str, Any]) -> None:
    """Keep a self-assessment, a rectification report or a quarterly report's figures as a draft."""
    if item.type == "report":
        from app.reports.operations import save_report_figures

        figures = {f.code: data.get("figures", {}).get(f.code, "") for f in views.figure_inputs(item)}
        save_report_figures(db.session, item.id, actor, version=version, figures=figures)
        return
    if "report" in data:
        changes = {"rectification_report": data["report"] or None}
    else:
        changes = {"self_assessment": {"text": data.get("text", ""), "figures": data.get("figures", {})}}
    edit_draft(item.id, actor, version=version, changes=changes)


# -- evidence -------------------------------------------------------------------------------------

@bp.route("/items/<int:item_id>/files", methods=["POST"])
@login_required
def upload(item_id: int) -> Any:
    visible_subject(item_id)
    files = [f for f in request.files.getlist("file") if f and f.filename]
    kind = request.form.get("kind", "evidence")
    if not files:
        flash(_("请选择要上传的文件。"), "error")
        return redirect(url_for(".item_page", item_id=item_id) + "#files")
    if kind not in KINDS:
        kind = "evidence"
    try:
        for f in files:
            add_attachment(item_id, _own_actor(), f.filename, f.stream, kind)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(error_message(exc), "error")
        return redirect(url_for(".item_page", item_id=item_id) + "#files")
    flash(_("已上传 %(n)s 个文件。", n=len(files)), "success")
    return redirect(url_for(".item_page", item_id=item_id) + "#files")


@bp.route("/items/<int:item_id>/files/<int:attachment_id>")
@login_required
def download(item_id: int, attachment_id: int) -> Response:
    """For whoever may see the item (the same check as the API's download)."""
    opened = None
    for actor, _d in user_actors():
        try:
            opened = open_attachment(item_id, attachment_id, actor)
            break
        except NotFound:
            continue
    if opened is None:
        abort(404)
    att = opened.attachment
    response = send_file(opened.path, as_attachment=True, download_name=att.name, etag=att.sha256,
                         conditional=False, max_age=0)
    response.headers["Content-Type"] = att.content_type  # as stored, parameters and all: never doubled
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/items/<int:item_id>/files/<int:attachment_id>/delete", methods=["POST"])
@login_required
def delete_file(item_id: int, attachment_id: int) -> Any:
    visible_subject(item_id)
    try:
        att = delete_attachment(item_id, attachment_id, _own_actor())
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(error_message(exc), "error")
    else:
        flash(_("已删除材料“%(name)s”。", name=att.name), "success")
    return redirect(url_for(".item_page", item_id=item_id) + "#files")


# -- diagram, print, reminders, notices ----------------------------------------------------------

@bp.route("/items/<int:item_id>/diagram.svg")
@login_required
def diagram(item_id: int) -> Response:
    item = visible_subject(item_id).row
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
    subject = visible_subject(item_id)
    return render_template("screens/print.html", **page_context(subject))


@bp.route("/items/<int:item_id>/remind", methods=["POST"])
@login_required
def remind(item_id: int) -> Any:
    """催办: the same operation as the overdue list's."""
    visible_subject(item_id)
    from app.dashboards.operations import send_reminder

    try:
        send_reminder(db.session, item_id, _own_actor(), today(), request.form.get("comment"))
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(error_message(exc), "error")
    else:
        flash(_("已催办，事项所属单位将收到提醒。"), "success")
    return redirect(url_for(".item_page", item_id=item_id))


@bp.route("/items/<int:item_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(item_id: int) -> Any:
    """签收 of an issued notice by the user's unit."""
    visible_subject(item_id)
    from app.notices.operations import acknowledge as acknowledge_notice

    try:
        acknowledge_notice(item_id, _own_actor())
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(error_message(exc), "error")
    else:
        flash(_("已签收。"), "success")
    return redirect(url_for(".item_page", item_id=item_id))


def _visible_notice(item_id: int) -> Any:
    """The notice the current user may see, or 404 (also for an item that is not a notice)."""
    item = visible_subject(item_id).row
    if item.type != "notice":
        abort(404)
    return item


@bp.route("/items/<int:item_id>/notice.pdf")
@login_required
def notice_pdf(item_id: int) -> Response:
    item = _visible_notice(item_id)
    from app.notices.operations import notice_pdf as render

    response = Response(render(item), mimetype="application/pdf")
    name = f"{item.number or item.title}.pdf"
    from urllib.parse import quote

    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/items/<int:item_id>/notice-preview")
@login_required
def notice_preview(item_id: int) -> str:
    """The notice as a page laid out like the printed one (the PDF's content, from the same data)."""
    item = _visible_notice(item_id)
    from app.notices.operations import current_plan, notice_fonts, render_data
    from app.notices.pdf import chinese_date, parse_body, wrap_title

    data = render_data(item, current_plan())

    def ending(text: str, suffix: str, strip: str) -> str:  # as the PDF prints it: one closing mark
        text = (text or "").strip().rstrip(strip)
        return text if not text or text.endswith(suffix) else text + suffix

    doc = {
        "letter": data["format"] == "letter", "issuer_mark": data["issuer_mark"], "number": data["number"],
        "title_lines": wrap_title(data["title"] or "", notice_fonts()),  # balanced as printed
        "addressees": ending(data["addressees"] or "", "：", "：:，,。"),
        "paragraphs": parse_body(data["body"] or ""), "attachments": data["attachments"],
        "signature": data["signature"], "date": chinese_date(data["date"]),
        "copies": ending(data["copies"] or "", "。", "。.，,；;"), "printed_by": data["printed_by"],
        "printed_on": chinese_date(data["printed_on"]),
        "verification_code": data["verification_code"], "revoked": item.state == "revoked",
    }
    return render_template("notices/preview.html", item=item, doc=doc, today=today())


@bp.app_template_global()
def item_url(item_id: int) -> str:
    return url_for("screens.item_page", item_id=item_id)
