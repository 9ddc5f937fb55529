"""Notices 通报: create a draft, draft one from the data, download the PDF."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response

from app.api.registry import Call, Reply, endpoint
from app.items.queries import visible_subject
from app.api.schemas import CreatedOut, DraftFromFactsIn, NoticeIn
from app.notices.facts import draft_from_facts
from app.notices.models import Notice
from app.notices.operations import create_notice, notice_pdf
from workflows.errors import NotFound

PDF = "application/pdf"


def _created(notice: Notice) -> Reply:
    return Reply({"id": notice.id, "type": notice.type, "state": notice.state, "version": notice.version}, 201)


@endpoint("POST", "/notices", summary="起草通报（草稿）", tags=("notices",), body=NoticeIn, status=201,
          response=CreatedOut, errors=(403, 422), idempotent=True)
def post_notice(call: Call) -> Reply:
    """Only the city reviewer or the office approver (403 otherwise). Unknown subject units are 422."""
    body = call.body
    values = {key: body[key] for key in ("title", "addressees", "body", "subject_units", "copies",
                                         "attachments_note") if key in body}
    return _created(create_notice(call.actor, body["kind"], values))


@endpoint("POST", "/notices/draft-from-facts", summary="据实生成通报批评、表扬或工作进展情况通报草稿", tags=("notices",),
          body=DraftFromFactsIn, status=201, response=CreatedOut, errors=(403, 422), idempotent=True)
def post_draft_from_facts(call: Call) -> Reply:
    """A draft whose body and figures come from the data (frozen and hashed when issued). Criticism:
    overdue items, failed acceptances, overdue rectifications; commendation: first-time acceptance
    passes and exceeded quotas; progress (``period``, e.g. 2018Q4): progress against the targets and the
    ranking of counties and departments. Detail goes into attachment tables. 422 when there is nothing to
    report. The facts are computed again at issue: ``POST /items/{id}/transitions`` with ``issue`` answers
    409 facts_changed (``changes``) when they differ, until it carries ``confirm_facts``."""
    return _created(draft_from_facts(call.actor, call.body["kind"], call.body.get("county"),
                                     call.body.get("period")))


@endpoint("GET", "/notices/<int:notice_id>/pdf", summary="下载通报 PDF", tags=("notices",), produces=PDF)
def get_notice_pdf(call: Call, notice_id: int) -> Response:
    """The archived PDF once issued; a preview of a draft otherwise. Not visible is 404."""
    subject = visible_subject(notice_id, call.actor)
    notice = subject.row
    if not isinstance(notice, Notice):
        raise NotFound()
    data = notice_pdf(notice)
    name = f"{notice.number or f'通报草稿-{notice.id}'}.pdf"
    headers = {"Content-Disposition": f"inline; filename=\"notice-{notice.id}.pdf\"; filename*=UTF-8''{quote(name)}",
               "Cache-Control": "private, no-store"}
    return Response(data, mimetype=PDF, headers=headers)
