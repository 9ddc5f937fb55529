"""Screens: the quota board, the phase matrix (with click-through), the overdue list and the trends.

Charts are drawn in the browser by the vendored Chart.js from same-origin JSON (``*.json`` routes
below); every chart has its table beside it, so a printout or a screen reader loses nothing.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from app.clock import today
from app.plans.names import indicator_measure, indicator_title
from app.dashboards import permissions as perm
from app.dashboards.operations import send_reminder
from app.dashboards.figures import CLOSED_COLUMN
from app.dashboards.matrix import ITEM_TYPES, MATRIX_KINDS, phase_matrix
from app.dashboards.board import QuotaRow, number, quota_board, quota_hint
from app.dashboards.overdue import overdue_by_unit, overdue_items
from app.dashboards.trends import trends
from app.extensions import db
from app.items.models import Item
from app.notifications.delivery import deliver_pending
from app.plans.models import Category
from app.plans.scope import region_units
from app.units.models import Unit
from workflows.base import PHASE_TITLES, state_title
from workflows.deadlines import OverdueLevel, overdue_level
from workflows.roles import Actor
from flask.typing import ResponseReturnValue
from app.web.access import own_actor, plan_or_404, visible_item
from app.dashboards.drilldown import BadFilter, Hidden, drilldown
from app.web.actions import each_action, record, screen_action
from app.web.providers import provided
from workflows.errors import WorkflowError

bp = Blueprint("dashboards", __name__)
PER_PAGE = 50
TYPE_TITLES = {"application": _l("示范申报"), "task": _l("任务落实"), "report": _l("季度报告"), "notice": _l("通报")}


def _actor() -> Actor:
    return current_user.actor()


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


@bp.app_context_processor
def _helpers() -> dict:
    return {"has_endpoint": has_endpoint, "num": number, "dash_perm": perm}


# -- the quota board ----------------------------------------------------------------------------

@dataclass
class IndicatorBoard:
    code: str
    title: str
    measure: str
    source: str
    city: QuotaRow | None = None
    counties: list[QuotaRow] = field(default_factory=list)


@dataclass
class CountySummary:
    county: str
    name: str
    met: int
    total: int
    score: float  # mean of min(rate, 1) over its quotas
    cells: dict[str, QuotaRow]


def board_view(rows: Sequence[QuotaRow], actor: Actor) -> tuple[list[IndicatorBoard], list[CountySummary]]:
    """The board's rows grouped by indicator, and each visible county's overall standing."""
    boards: dict[str, IndicatorBoard] = {}
    per_county: dict[str, list[QuotaRow]] = {}
    for row in rows:
        board = boards.setdefault(row.indicator, IndicatorBoard(row.indicator, row.indicator_title, row.measure,
                                                                row.source))
        if row.is_city:
            board.city = row
        elif perm.can_see_county_row(actor, row.county):
            board.counties.append(row)
            per_county.setdefault(row.county, []).append(row)
    summaries = []
    for county, quota_rows in per_county.items():
        scores = [min(r.rate or 0.0, 1.0) for r in quota_rows]
        summaries.append(CountySummary(county, quota_rows[0].county_name, sum(r.is_met for r in quota_rows),
                                       len(quota_rows), sum(scores) / len(scores),
                                       {r.indicator: r for r in quota_rows}))
    return list(boards.values()), summaries


def quotas_payload(rows: Sequence[QuotaRow], actor: Actor) -> dict:
    boards, summaries = board_view(rows, actor)
    own = actor.unit if perm.is_county_user(actor) else None
    return {
        "own": own,
        "indicators": [{
            "code": b.code, "title": indicator_title(b.code, b.title), "measure": indicator_measure(b.code, b.measure),
            "source": b.source,
            "city": b.city.as_dict() if b.city else None,
            "counties": [r.as_dict() for r in b.counties],
        } for b in boards],
        "counties": [{"county": s.county, "name": s.name, "met": s.met, "total": s.total,
                      "score": round(s.score, 4)} for s in summaries],
    }


@bp.route("/dashboard")
@login_required
def board() -> str:
    actor, plan, now = _actor(), plan_or_404(), today()
    rows = quota_board(db.session, plan.id, now)
    boards, summaries = board_view(rows, actor)
    ranking = sorted(summaries, key=lambda s: (s.score, s.name)) if perm.sees_everything(actor) else summaries
    quota_boards = [b for b in boards if b.counties]
    return render_template("dashboards/board.html", plan=plan, today=now, boards=boards, quota_boards=quota_boards,
                           summaries=summaries, ranking=ranking, actor=actor,
                           own=actor.unit if perm.is_county_user(actor) else None,
                           late_reports=provided("late_reports")(db.session, plan, now, actor))


@bp.route("/dashboard/quotas.json")
@login_required
def board_data() -> Response:
    actor, plan, now = _actor(), plan_or_404(), today()
    return jsonify(quotas_payload(quota_board(db.session, plan.id, now), actor))


@bp.route("/dashboard/quota-hint")
@login_required
def quota_hint_json() -> Response:
    """The line shown on the application form: 霍邱县 省级电商示范村：已认定 2 / 目标 4，审核中 1."""
    actor, plan = _actor(), plan_or_404()
    county, category = request.args.get("county", actor.unit or ""), request.args.get("category", "")
    if not perm.can_see_county_row(actor, county) or perm.is_county_user(actor) and county != actor.unit:
        abort(404)
    code = db.session.scalar(select(Category.indicator_code).where(Category.plan_id == plan.id,
                                                                   Category.code == category))
    text = quota_hint(quota_board(db.session, plan.id, today(), county=county), county, code) if code else None
    return jsonify({"county": county, "category": category, "text": text})


# -- the phase matrix ---------------------------------------------------------------------------

@bp.route("/dashboard/matrix")
@login_required
def matrix() -> str:
    actor, plan, now = _actor(), plan_or_404(), today()
    kinds = perm.matrix_kinds_for(actor)
    kind = request.args.get("kind", kinds[0])
    if kind not in kinds:
        abort(404)
    item_type = request.args.get("type", "all")
    if item_type not in ("all", *ITEM_TYPES):
        abort(400)
    types = tuple(ITEM_TYPES) if item_type == "all" else (item_type,)
    m = phase_matrix(db.session, plan.id, now, kind=kind, types=types)
    rows = [r for r in m.rows if perm.can_see_matrix_row(actor, kind, r.key)]
    return render_template("dashboards/matrix.html", plan=plan, today=now, m=m, rows=rows, kind=kind, kinds=kinds,
                           kind_titles=MATRIX_KINDS, item_type=item_type, type_titles=ITEM_TYPES, actor=actor,
                           own=None if perm.sees_everything(actor) else actor.unit, phase_titles=PHASE_TITLES,
                           closed=CLOSED_COLUMN)


@bp.route("/dashboard/items")
@login_required
def items() -> str:
    """Click-through from a board or matrix cell: the items behind it, as the caller may see them."""
    now, args = today(), request.args
    try:
        found = drilldown(_actor(), plan_or_404(), now, args)
    except BadFilter:
        abort(400)
    except Hidden:
        abort(404)
    page = max(1, args.get("page", 1, type=int) or 1)
    rows = db.session.execute(found.query.add_columns(found.due).order_by(Item.due_on.is_(None), found.due, Item.id)
                              .limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)).all()
    return render_template("dashboards/items.html", filters=found.filters, page=page, has_next=len(rows) > PER_PAGE,
                           rows=[{"item": it, "due": it_due, "state_title": state_title(it.state),
                                  "level": overdue_level(it_due, now)} for it, it_due in rows[:PER_PAGE]],
                           today=now, type_titles=TYPE_TITLES, args={k: v for k, v in args.items() if k != "page"})


# -- the overdue list and reminders -------------------------------------------------------------

class RemindForm(FlaskForm):
    comment = TextAreaField(_l("催办说明（可选）"), validators=[Optional(), Length(max=500)])


@dataclass(frozen=True)
class OverdueFilters:
    """The overdue list's query string, checked: a unit or county the caller may not open is a 404."""
    county: str | None
    unit: str | None
    level: str | None
    item_type: str | None
    soon: bool
    page: int


def overdue_filters(actor: Actor) -> OverdueFilters:
    args = request.args
    county, unit = args.get("county") or None, args.get("unit") or None
    if county and not perm.can_open_county_items(actor, county):
        abort(404)
    if unit and not perm.can_open_unit_items(actor, unit):
        abort(404)
    level = args.get("level") or None
    if level and level not in (OverdueLevel.overdue.value, OverdueLevel.seriously_overdue.value):
        abort(400)
    item_type = args.get("type") or None
    if item_type and item_type not in TYPE_TITLES:
        abort(400)
    return OverdueFilters(county, unit, level, item_type, args.get("soon") == "1",
                          max(1, args.get("page", 1, type=int) or 1))


@bp.route("/dashboard/overdue")
@login_required
def overdue() -> str:
    actor, plan, now = _actor(), plan_or_404(), today()
    f = overdue_filters(actor)
    rows, total = overdue_items(db.session, plan.id, now, actor=actor, county=f.county, unit=f.unit, level=f.level,
                                item_type=f.item_type, include_due_soon=f.soon, limit=PER_PAGE,
                                offset=(f.page - 1) * PER_PAGE)
    by_unit = overdue_by_unit(db.session, plan.id, now) if perm.sees_everything(actor) else []
    counties = db.session.execute(select(Unit.slug, Unit.name).where(Unit.kind == "county", region_units(plan.id))
                                  .order_by(Unit.sort_order, Unit.id)).all() if perm.sees_everything(actor) else []
    unit_name = db.session.scalar(select(Unit.name).where(Unit.slug == f.unit)) if f.unit else None
    return render_template("dashboards/overdue.html", rows=rows, total=total, page=f.page, per_page=PER_PAGE,
                           by_unit=by_unit, counties=counties, county=f.county, unit=f.unit, unit_name=unit_name,
                           level=f.level, item_type=f.item_type, soon=f.soon, today=now, form=RemindForm(),
                           actor=actor, type_titles=TYPE_TITLES, can_remind=perm.can_remind,
                           can_remind_any=perm.can_remind_anything(actor),
                           args={k: v for k, v in request.args.items() if k != "page"},
                           clear_unit=url_for(".overdue", **{k: v for k, v in request.args.items()
                                                             if k not in ("page", "unit")}),
                           may_open_unit=lambda slug: perm.can_open_unit_items(actor, slug))


@bp.route("/dashboard/overdue/remind", methods=["POST"])
@login_required
def remind() -> ResponseReturnValue:
    actor, now = _actor(), today()
    form = RemindForm()
    if not form.validate_on_submit():
        abort(400)
    if not perm.can_remind_anything(actor):
        abort(403)
    one = request.form.get("one", type=int)
    ids = [one] if one else [int(i) for i in request.form.getlist("item_ids") if i.isdigit()]
    if not ids:
        flash(_("请先勾选要催办的事项"), "error")
        return redirect(_back())
    outcomes = each_action(ids[:PER_PAGE], lambda item_id: send_reminder(db.session, item_id, actor, now,
                                                                           form.comment.data))
    sent = sum(not isinstance(result, WorkflowError) for _id, result in outcomes)
    if sent:  # e-mail (when configured) after the commit; the in-app notifications came with each reminder
        record(lambda: deliver_pending(db.session))
        flash(_("已向责任单位发出 %(n)s 条催办", n=sent), "success")
    for item_id, result in outcomes:
        if isinstance(result, WorkflowError):
            flash(_("#%(id)s：%(message)s", id=item_id, message=result.message), "error")
    return redirect(_back())


@bp.route("/items/<int:item_id>/remind", methods=["POST"])
@login_required
def remind_item(item_id: int) -> ResponseReturnValue:
    """催办 from the item page: the same operation as the overdue list's."""
    visible_item(item_id)
    return screen_action(lambda: send_reminder(db.session, item_id, own_actor(), today(), request.form.get("comment")),
                         then=url_for("screens.item_page", item_id=item_id),
                         done=_("已催办，事项所属单位将收到提醒。"))


def _back() -> str:
    target = request.form.get("next") or ""
    if target.startswith("/dashboard/overdue") and not target.startswith("//"):
        return target
    return url_for("dashboards.overdue")


# -- trends -------------------------------------------------------------------------------------

def trends_payload(actor: Actor) -> dict:
    plan, now = plan_or_404(), today()
    out = []
    for trend in trends(db.session, plan.id, now, plan.issued_on):
        # a county's users see their own line and the city's; everyone else every unit's
        series = [s for s in trend.series if perm.can_see_county_row(actor, s.unit)]
        out.append({"code": trend.indicator, "title": indicator_title(trend.indicator, trend.title),
                    "measure": indicator_measure(trend.indicator, trend.measure),
                    "quarters": trend.quarters, "city_target": trend.city_target,
                    "unit_targets": {k: v for k, v in trend.unit_targets.items()
                                     if not perm.is_county_user(actor) or k == actor.unit},
                    "series": [{"unit": s.unit, "name": s.unit_name, "values": s.values} for s in series]})
    return {"own": actor.unit if perm.is_county_user(actor) else None, "indicators": out}


@bp.route("/dashboard/trends")
@login_required
def trends_page() -> str:
    actor = _actor()
    payload = trends_payload(actor)
    return render_template("dashboards/trends.html", trends=payload["indicators"], today=today(), actor=actor,
                           plan=plan_or_404())


@bp.route("/dashboard/trends.json")
@login_required
def trends_data() -> Response:
    return jsonify(trends_payload(_actor()))
