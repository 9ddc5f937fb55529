"""What the notice screens read from a form and show back: the drafting form's values, saving a
draft, and the preview document (the PDF's content laid out as a page)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.items.operations import edit_draft
from app.notices.models import Notice
from app.notices.operations import (INDIVIDUAL_FIELDS, create_notice, name_individuals, notice_fonts, plan_of,
                                    render_data, validate_notice_fields)
from app.notices.pdf import chinese_date, parse_body, wrap_title
from app.plans.scope import current_plan, region_units
from app.units.models import Unit
from workflows.notice import KINDS as NOTICE_KINDS
from workflows.notice import NoticeState
from workflows.notice import TEXT_LIMITS as NOTICE_TEXT_LIMITS
from workflows.roles import Actor

NEW_NOTICE = {"kind": "criticism", "addressees": "各县区人民政府，市直有关部门", "subject_units": []}


def notice_values(form: Any) -> dict[str, Any]:
    return {"title": form.get("title", ""), "addressees": form.get("addressees", ""), "body": form.get("body", ""),
            "copies": form.get("copies") or None, "attachments_note": form.get("attachments_note") or None,
            "subject_units": form.getlist("subject_units")}


#: the edit screen's 先进个人 rows: one input list per field; a row is removed by its index
INDIVIDUAL_INPUTS = {"name": "individual_name", "unit_name": "individual_unit", "deed": "individual_deed"}
BLANK_INDIVIDUAL_ROWS = 2


def individual_rows(form: Any) -> list[dict[str, str]]:
    """The 先进个人 the form holds: rows not ticked for removal and not left wholly blank."""
    columns = {key: form.getlist(name) for key, name in INDIVIDUAL_INPUTS.items()}
    removed = set(form.getlist("individual_remove"))
    count = max((len(values) for values in columns.values()), default=0)
    rows = [{key: (values[i] if i < len(values) else "").strip() for key, values in columns.items()}
            for i in range(count) if str(i) not in removed]
    return [row for row in rows if any(row.values())]


def takes_individuals(notice: Notice | None) -> bool:
    """Only a commendation names people (先进个人), on its edit screen."""
    return notice is not None and notice.kind == "commendation"


def save_notice(actor: Actor, notice: Notice | None, form: Any) -> Any:
    """A new draft of the form's kind, or the draft's text changed at the version the user saw; a
    commendation's 先进个人 are kept and written into its body as the drafted text names them."""
    if notice is None:
        return create_notice(actor, form.get("kind", ""), notice_values(form))
    values = notice_values(form)
    named: dict[str, Any] = {}
    if takes_individuals(notice) and form.get("individuals_form"):
        named = name_individuals(notice.kind, values["title"], values["body"], individual_rows(form))
        values.update(title=named["title"], body=named["body"])
    changes = validate_notice_fields(values, notice.plan_id)
    if named:
        changes["individuals"] = named["individuals"]
    return edit_draft(notice.id, actor, version=form.get("version", type=int), changes=changes)


def _active_units(plan_id: int) -> list[Unit]:
    """The units a notice of the plan may name: its region's."""
    return list(db.session.scalars(select(Unit).where(Unit.is_active.is_(True), region_units(plan_id))
                                   .order_by(Unit.sort_order, Unit.id)))


def notice_form_context(notice: Notice | None, request: Any) -> dict[str, Any]:
    values: Any = request.form if request.method == "POST" else (
        {"kind": notice.kind, "title": notice.title, "addressees": notice.addressees, "body": notice.body,
         "copies": notice.copies or "", "attachments_note": notice.attachments_note or "",
         "subject_units": notice.subject_units or []} if notice is not None else NEW_NOTICE)
    selected = values.getlist("subject_units") if hasattr(values, "getlist") else values.get("subject_units", [])
    people = (individual_rows(request.form) if request.method == "POST" else list(notice.individuals or [])) \
        if takes_individuals(notice) else None
    blank = {key: "" for key in INDIVIDUAL_INPUTS}
    plan_id = notice.plan_id if notice is not None else current_plan().id
    return {"item": notice, "values": values, "selected": set(selected), "units": _active_units(plan_id),
            "kinds": NOTICE_KINDS, "limits": NOTICE_TEXT_LIMITS,
            "individuals": None if people is None else people + [blank] * BLANK_INDIVIDUAL_ROWS,
            "individual_limits": {key: limit for key, (_, limit) in INDIVIDUAL_FIELDS.items()}}


def _ending(text: str, suffix: str, strip: str) -> str:
    """As the PDF prints it: one closing mark."""
    text = (text or "").strip().rstrip(strip)
    return text if not text or text.endswith(suffix) else text + suffix


def preview_document(notice: Notice) -> dict[str, Any]:
    data = render_data(notice, plan_of(notice))
    return {
        "letter": data["format"] == "letter", "issuer_mark": data["issuer_mark"], "number": data["number"],
        "title_lines": wrap_title(data["title"] or "", notice_fonts()),  # balanced as printed
        "addressees": _ending(data["addressees"] or "", "：", "：:，,。"),
        "paragraphs": parse_body(data["body"] or ""), "attachments": data["attachments"],
        "signature": data["signature"], "date": chinese_date(data["date"]),
        "copies": _ending(data["copies"] or "", "。", "。.，,；;"), "printed_by": data["printed_by"],
        "printed_on": chinese_date(data["printed_on"]),
        "verification_code": data["verification_code"], "revoked": notice.state == NoticeState.revoked,
    }
