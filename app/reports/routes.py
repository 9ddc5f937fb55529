"""Quarterly report screens: the quarter's reports, one report's figures, text sections and files, and
its review actions."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.attachments.operations import KINDS, add_attachment, delete_attachment, live_attachments
from app.audit.models import AuditEventRow
from app.auth.models import User
from app.clock import today
from app.items.permissions import can_open_unit_items
from app.reports.permissions import can_open_reports
from app.clock import quarter_of
from app.web.access import plan_or_404
from app.extensions import db
from app.items.facts import subject_for
from app.items.models import Item
from app.items.operations import fire_transition
from app.items.queries import visible_items
from app.reports.models import Report, ReportFigure
from app.web.terms import N_
from app.web.ui import is_zh, tr
from app.reports.operations import (QUARTER_NAMES, current_figures, open_quarterly_reports, report_indicators,
                                    reporting_units, save_report_figures)
from app.plans.models import Plan
from app.reports.contacts import report_contacts
from app.reports.texts import SECTIONS, current_sections
from app.units.models import Unit
from workflows.base import state_title
from workflows.engine import available_actions
from workflows.errors import GuardFailed, WorkflowError
from workflows.guards import figure_marks
from workflows.permissions import can_see
from workflows.report import REPORT
from workflows.roles import Actor
from flask.typing import ResponseReturnValue
from app.web.actions import record, screen_action
from workflows.report import ReportState

bp = Blueprint("reports", __name__, url_prefix="/reports")
#: the text sections, for the report screen and the item page's submit form
bp.add_app_template_global(SECTIONS, "report_sections")
REVIEW_TRIGGERS = ("endorse", "send_back", "accept")
TRIGGER_BUTTONS = {"endorse": N_("审核通过并报市"), "send_back": N_("退回"), "accept": N_("采纳")}
TRIGGER_TITLES = {"create": N_("开启报告"), "edit": N_("修改数据"), "remind": N_("催办"),
                  "request_extension": N_("申请延期"), "endorse_extension": N_("县区审核同意延期"),
                  "grant_extension": N_("批准延期"),
                  "refuse_extension": N_("不予批准延期"),
                  **{sp.trigger: sp.title for sp in REPORT.specs}}


class FiguresForm(FlaskForm):
    """CSRF and version; the figures come as ``fig-<indicator code>`` fields (one per indicator)."""

    version = IntegerField(validators=[DataRequired()])


class TransitionForm(FlaskForm):
    trigger = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[DataRequired()])
    comment = TextAreaField(_l("意见"), validators=[Optional(), Length(max=2000)])


class OpenForm(FlaskForm):
    pass


def _actor() -> Actor:
    return current_user.actor()


def _quarter_args() -> tuple[int, int]:
    year, quarter = quarter_of(today())
    y = request.args.get("year", year, type=int)
    q = request.args.get("quarter", quarter, type=int)
    if q not in QUARTER_NAMES or not 2000 <= y <= 2100:
        abort(400)
    return y, q


@bp.route("/")
@login_required
def index() -> str:
    actor, plan = _actor(), plan_or_404()
    year, quarter = _quarter_args()
    visible_ids = visible_items(actor, plan.id).where(Item.type == "report").with_only_columns(Item.id)
    q = select(Report).where(Report.id.in_(visible_ids), Report.year == year, Report.quarter == quarter)
    unit_slug = request.args.get("unit")
    if unit_slug:
        if not can_open_unit_items(actor, unit_slug):
            abort(404)
        q = q.where(Report.reporter_id == select(Unit.id).where(Unit.slug == unit_slug).scalar_subquery())
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.region_code == plan.region_code))}
    reports = sorted(db.session.scalars(q), key=lambda r: (units[r.reporter_id].sort_order, r.reporter_id))
    counts = {r.id: len(r.figures) for r in reports}
    periods = sorted(set(db.session.execute(select(Report.year, Report.quarter).where(Report.id.in_(
        visible_items(actor, plan.id).where(Item.type == "report").with_only_columns(Item.id)))).tuples())
        | {(year, quarter)},
        reverse=True)
    return render_template("reports/index.html", reports=reports, units=units, counts=counts, year=year,
                           quarter=quarter, periods=periods, quarter_names=QUARTER_NAMES,
                           missing=_missing(actor, plan, reports), contacts=report_contacts(),
                           open_form=OpenForm(), state_title=state_title, today=today(), unit_slug=unit_slug,
                           can_open=can_open_reports(actor), is_current=(year, quarter) == quarter_of(today()))


def _missing(actor: Actor, plan: Plan, reports: list[Report]) -> list[str]:
    """The reporting units with no report in the period shown (for those who may open one)."""
    if not can_open_reports(actor):
        return []
    opened = {r.reporter_id for r in reports}
    return [u.name for u, _ in reporting_units(db.session, plan.id) if u.id not in opened]


@bp.route("/open", methods=["POST"])
@login_required
def open_reports() -> Response:
    actor, plan = _actor(), plan_or_404()
    if not can_open_reports(actor):
        abort(403)
    if not OpenForm().validate_on_submit():
        abort(400)
    year, quarter = quarter_of(today())
    result = record(lambda: open_quarterly_reports(db.session, plan, year, quarter, actor=actor))
    flash(_("%(period)s：新开 %(created)s 份报告，已存在 %(existing)s 份",
            period=_("%(year)s年第%(q)s季度", year=year, q=QUARTER_NAMES[quarter] if is_zh() else quarter),
            created=len(result.created), existing=result.existing), "success")
    return redirect(url_for("reports.index", year=year, quarter=quarter))


def _load(report_id: int, actor: Actor) -> tuple[Report, object]:
    report = db.session.get(Report, report_id)
    if report is None:
        abort(404)
    subject = subject_for(report)
    if not can_see(actor, subject):
        abort(404)
    return report, subject


def _previous_accepted(report: Report) -> dict[str, Decimal]:
    """The unit's latest accepted figures earlier in the same year (figures are cumulative for the year)."""
    rows = db.session.execute(
        select(ReportFigure.indicator_code, ReportFigure.value, Report.quarter)
        .join(Report, Report.id == ReportFigure.report_id)
        .where(Report.reporter_id == report.reporter_id, Report.year == report.year,
               Report.quarter < report.quarter, Report.state == ReportState.accepted.value)
        .order_by(Report.quarter)).all()
    return {code: value for code, value, _ in rows}


def _render(report: Report, subject, actor: Actor, typed: dict[str, str] | None = None,
            errors: list[str] | None = None, status: int = 200, typed_sections: dict[str, str] | None = None):
    indicators = report_indicators(db.session, report.plan_id, db.session.get(Unit, report.unit_id))
    actions = {a.trigger: a for a in available_actions(subject, actor)}
    editable = "submit" in actions
    history = db.session.scalars(select(AuditEventRow).where(AuditEventRow.item_id == report.id)
                                 .order_by(AuditEventRow.seq)).all()
    values = current_figures(report)
    submitting = request.method == "POST" and request.form.get("action") == "submit"
    marks = figure_marks(typed, {i.code: i.title for i in indicators}, required=submitting) if typed else {}
    names = dict(db.session.execute(select(User.username, User.display_name)
                                    .where(User.username.in_({ev.actor for ev in history}))).tuples().all())
    return render_template(
        "reports/detail.html", report=report, unit=db.session.get(Unit, report.unit_id), indicators=indicators,
        values=values, previous=_previous_accepted(report), typed=typed or {}, errors=errors or [],
        editable=editable, actions=actions, review=[actions[t] for t in REVIEW_TRIGGERS if t in actions],
        figures_form=FiguresForm(), transition_form=TransitionForm(), history=history, state_title=state_title,
        quarter_names=QUARTER_NAMES, buttons=TRIGGER_BUTTONS, today=today(), actor_names=names,
        trigger_titles=TRIGGER_TITLES, sections=SECTIONS, figure_marks=marks,
        section_values={**current_sections(report), **(typed_sections or {})},
        attachments=live_attachments(report.id), file_form=OpenForm()), status


@bp.route("/<int:report_id>")
@login_required
def detail(report_id: int):
    actor = _actor()
    report, subject = _load(report_id, actor)
    return _render(report, subject, actor)


@bp.route("/<int:report_id>/figures", methods=["POST"])
@login_required
def save_figures(report_id: int) -> ResponseReturnValue:
    """Save the draft's figures, or save and submit them (button ``action=submit``)."""
    actor = _actor()
    _load(report_id, actor)
    form = FiguresForm()
    if not form.validate_on_submit():
        abort(400)
    typed = {key[4:]: value.strip() for key, value in request.form.items() if key.startswith("fig-")}
    sections = {name: request.form[name] for name, _title in SECTIONS if name in request.form}
    submit = request.form.get("action") == "submit"
    work = ((lambda: fire_transition(report_id, "submit", actor, version=form.version.data,
                                     data={"figures": {code: value for code, value in typed.items() if value},
                                           **sections}))
            if submit else
            (lambda: save_report_figures(db.session, report_id, actor, version=form.version.data, figures=typed,
                                         sections=sections)))
    return screen_action(work, then=url_for("reports.detail", report_id=report_id),
                         done=_("季度报告已提交") if submit else _("已保存"),
                         refusals={WorkflowError: lambda exc: _refused(report_id, actor, exc, typed, sections)})


def _refused(report_id: int, actor: Actor, exc: WorkflowError, typed: dict[str, str] | None = None,
             sections: dict[str, str] | None = None) -> ResponseReturnValue:
    """The report again with the refusal's reasons beside the form, at the refusal's status."""
    reasons = exc.reasons if isinstance(exc, GuardFailed) else [exc.message]
    report, subject = _load(report_id, actor)
    return _render(report, subject, actor, typed=typed, errors=reasons, status=exc.http_status,
                   typed_sections=sections)


@bp.route("/<int:report_id>/transition", methods=["POST"])
@login_required
def transition(report_id: int) -> ResponseReturnValue:
    actor = _actor()
    _load(report_id, actor)
    form = TransitionForm()
    if not form.validate_on_submit() or form.trigger.data not in REVIEW_TRIGGERS:
        abort(400)
    return screen_action(
        lambda: fire_transition(report_id, form.trigger.data, actor, version=form.version.data,
                                comment=form.comment.data),
        then=url_for("reports.detail", report_id=report_id),
        done=_("已%(action)s", action=tr(TRIGGER_BUTTONS[form.trigger.data])),
        refusals={WorkflowError: lambda exc: _refused(report_id, actor, exc)})


@bp.route("/<int:report_id>/files", methods=["POST"])
@login_required
def upload_file(report_id: int) -> ResponseReturnValue:
    """Attach files to a draft report (the same rule and storage as any item's evidence)."""
    actor = _actor()
    _load(report_id, actor)
    if not OpenForm().validate_on_submit():
        abort(400)
    files = [f for f in request.files.getlist("file") if f and f.filename]
    back = url_for("reports.detail", report_id=report_id) + "#files"
    if not files:
        flash(_("请选择要上传的文件。"), "error")
        return redirect(back)
    kind = request.form.get("kind", "evidence")
    kind = kind if kind in KINDS else "evidence"
    return screen_action(lambda: [add_attachment(report_id, actor, f.filename, f.stream, kind) for f in files],
                         then=back, done=_("已上传 %(n)s 个文件。", n=len(files)))


@bp.route("/<int:report_id>/files/<int:attachment_id>/delete", methods=["POST"])
@login_required
def delete_file(report_id: int, attachment_id: int) -> ResponseReturnValue:
    actor = _actor()
    _load(report_id, actor)
    if not OpenForm().validate_on_submit():
        abort(400)
    return screen_action(lambda: delete_attachment(report_id, attachment_id, actor),
                         then=url_for("reports.detail", report_id=report_id) + "#files",
                         done=lambda attachment: _("已删除材料“%(name)s”。", name=attachment.name))
