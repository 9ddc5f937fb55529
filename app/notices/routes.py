"""Every notice screen: drafting (by hand or from the facts), editing, 签收, the PDF and its preview,
the issuer (发文机关) settings, and the public verification page a printed notice's QR code leads to."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.clock import today
from app.notices.facts import FACTS, draft_from_facts, progress_periods
from app.notices.forms import notice_form_context, preview_document, save_notice
from app.notices.issuer import plan_issuer, update_issuer
from app.notices.models import Notice
from app.notices.next_step import next_step_text
from app.notices.operations import acknowledge as acknowledge_notice
from app.notices.operations import find_by_code, may_draft, notice_pdf as render_pdf
from app.plans.scope import current_plan
from app.web.access import may_file, own_actor, roles_required, visible_item
from app.web.actions import screen_action
from app.web.errors import register_error_pages
from workflows.errors import NotPermitted
from workflows.notice import NOTICE, NoticeState
from workflows.roles import Role
from workflows.states import StateSet

public = Blueprint("notices_public", __name__)
bp = Blueprint("notices", __name__)
register_error_pages(bp)
bp.add_app_template_global(next_step_text, "next_step_text")  # the item page's "who acts next"


@public.route("/verify/<code>")
def verify(code: str) -> tuple[str, int] | str:
    notice = find_by_code(code)
    if notice is None or notice.state not in StateSet.PUBLISHED:
        return render_template("notices/verify.html", notice=None, code=code), 404
    return render_template("notices/verify.html", notice=notice, code=code)


def _item_page(notice: Any) -> str:
    return url_for("screens.item_page", item_id=notice.id)


def _forbidden(exc: Exception) -> ResponseReturnValue:
    abort(403)


#: the screens whose draft buttons post here, and where a refusal sends the user back to
DRAFT_SCREENS = {"overdue": "dashboards.overdue", "scores": "scores.board"}


def _progress_periods() -> list[str]:
    """The periods the 工作进展情况通报 form offers: ended quarters, newest first, then the years."""
    return progress_periods(current_plan(), today())


bp.add_app_template_global(may_draft, "may_draft_notices")  # the draft buttons ask the core's rule
bp.add_app_template_global(_progress_periods, "progress_periods")


def _drafted(notice: Notice) -> str:
    if notice.kind != "progress":
        return _("已据实生成通报草稿。请逐段核对修改后提交签发；提交后由领导小组办公室负责人签发。")
    return _("已据实生成工作进展情况通报草稿，请逐段核对修改后保存并提交。提交后%(next)s",
             next=next_step_text(NOTICE, NoticeState.review.value))


def _opened(notice: Notice) -> str:
    """A progress bulletin opens at its edit page (the clerk reads and edits it first); others at the item."""
    return url_for(".edit_notice", item_id=notice.id) if notice.kind == "progress" else _item_page(notice)


# endpoint "notices.draft_from_facts": the overdue list's and the scores screen's templates turn their
# links into this form's buttons
@bp.route("/notices/draft-from-facts", methods=["POST"], endpoint="draft_from_facts")
@login_required
def draft_from_facts_screen() -> ResponseReturnValue:
    """Drafts a criticism, commendation or progress bulletin from the data and opens it; CSRF-checked."""
    kind = request.form.get("kind", "criticism")
    if kind not in FACTS:
        abort(400)
    county, period = request.form.get("county") or None, request.form.get("period") or None
    back = url_for(DRAFT_SCREENS.get(request.form.get("back", ""), "dashboards.overdue"))
    return screen_action(lambda: draft_from_facts(current_user.actor(), kind, county, period),
                         then=_opened, back=back, refusals={NotPermitted: _forbidden}, done=_drafted)


@bp.route("/filing/notices/new", methods=["GET", "POST"])
@roles_required(Role.city_reviewer, Role.office_approver)
def new_notice() -> ResponseReturnValue:
    return _notice_form(None)


@bp.route("/notices/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_notice(item_id: int) -> ResponseReturnValue:
    subject = visible_item(item_id)
    notice = subject.row
    if notice.type != "notice":
        abort(404)
    if notice.state != NoticeState.draft:
        flash(_("只有草稿可以修改。"), "error")
    elif not may_file(subject, own_actor()):
        flash(_("您无权修改该事项，只有填报单位的经办人可以修改草稿。"), "error")
    else:
        return _notice_form(notice)
    return redirect(_item_page(notice))


def _notice_form(notice: Notice | None) -> ResponseReturnValue:
    if request.method == "POST":
        answer = screen_action(lambda: save_notice(own_actor(), notice, request.form), then=_item_page,
                               done=_("通报草稿已保存。"), otherwise=lambda exc: None)
        if answer is not None:
            return answer
    return render_template("notices/notice_form.html", **notice_form_context(notice, request))


@bp.route("/items/<int:item_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(item_id: int) -> ResponseReturnValue:
    """签收 of an issued notice by the user's unit."""
    visible_item(item_id)
    return screen_action(lambda: acknowledge_notice(item_id, own_actor()),
                         then=url_for("screens.item_page", item_id=item_id), done=_("已签收。"))


def _visible_notice(item_id: int) -> Any:
    """The notice the current user may see, or 404 (also for an item that is not a notice)."""
    item = visible_item(item_id).row
    if item.type != "notice":
        abort(404)
    return item


@bp.route("/items/<int:item_id>/notice.pdf")
@login_required
def notice_pdf(item_id: int) -> Response:
    item = _visible_notice(item_id)
    response = Response(render_pdf(item), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(f'{item.number or item.title}.pdf')}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/items/<int:item_id>/notice-preview")
@login_required
def notice_preview(item_id: int) -> str:
    """The notice as a page laid out like the printed one (the PDF's content, from the same data)."""
    item = _visible_notice(item_id)
    return render_template("notices/preview.html", item=item, doc=preview_document(item), today=today())


@bp.route("/admin/issuer", methods=["GET", "POST"])
@roles_required(Role.admin)
def issuer() -> ResponseReturnValue:
    """发文机关: the names new notices are issued under (issued notices keep theirs)."""
    plan = current_plan()
    if request.method == "POST":
        answer = screen_action(
            lambda: update_issuer(plan, name=request.form.get("name", ""),
                                  short_name=request.form.get("short_name", ""), code=request.form.get("code", ""),
                                  actor=current_user.username, actor_id=current_user.id),
            then=url_for(".issuer"), otherwise=lambda exc: None,
            done=_("发文机关已保存，此后起草和印发的通报使用新名称；已印发的通报不变。"))
        if answer is not None:
            return answer
    current = plan_issuer(plan)
    values = request.form if request.method == "POST" else {
        "name": current.name, "short_name": current.short_name, "code": current.code}
    return render_template("admin/issuer.html", values=values, issuer=current,
                           example_number=f"{current.code}〔{today().year}〕1号")
