"""Notices: drafting, the numbering register, issuing (number + archived PDF in the same
transaction), receipts (签收), verification. Flush, never commit."""
from __future__ import annotations

import hashlib
import io
import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.attachments.storage import store_stream
from app.blobs.backends import read_all, storage
from app.clock import today, utcnow
from app.extensions import db
from app.plans.scope import current_plan, region_units
from app.items.facts import subject_for
from app.items.operations import create_item, load_item_for_update, note_action
from app.items.store import effect
from app.notices.drafting import Individual, annexes_for, commendation_title, with_individuals
from app.notices.fonts import FontSet, discover_fonts
from app.notices.issuer import notice_issuer, plan_issuer
from app.notices.models import Notice, NoticeCounter, NoticeReceipt
from app.notices.pdf import render_notice_pdf
from app.plans.models import Plan
from app.units.models import Unit
from workflows.audit import canonical_json
from workflows.base import Spec
from workflows.errors import GuardFailed, NotFound, NotPermitted
from workflows.notice import KINDS, TEXT_LABELS, TEXT_LIMITS
from workflows.roles import Actor, Role
from workflows.states import StateSet

#: who drafts a notice: the office's drafting clerk (市商务局审核人, where the office sits) or the office head
DRAFTERS = (Role.city_reviewer, Role.office_approver)
DRAFTER_ONLY = "只有市电商工作领导小组办公室（起草人或负责人）可以起草通报"


def may_draft(actor: Actor) -> bool:
    """Whether ``actor`` may draft a notice (by hand or from the facts): the screens' buttons ask this."""
    return actor.role in DRAFTERS
DEVELOPMENT_ADDRESS = "http://127.0.0.1:5000"
TEXT_FIELDS = ("title", "addressees", "body", "copies", "attachments_note")
MAX_LENGTHS = TEXT_LIMITS
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone


@lru_cache(maxsize=4)
def _fonts(font_dir: str | None) -> FontSet:
    return discover_fonts(font_dir)


def notice_fonts() -> FontSet:
    """Licensed fonts in PLANDESK_FONT_DIR win; Fandol otherwise."""
    return _fonts(current_app.config.get("PLANDESK_FONT_DIR"))


def validate_notice_fields(values: Mapping[str, Any], plan_id: int | None = None) -> dict[str, Any]:
    """Clean text fields and subject units (units of ``plan_id``'s region); GuardFailed with every reason."""
    reasons: list[str] = []
    clean: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        if key not in values:
            continue
        value = values[key]
        if value is None and key in ("copies", "attachments_note"):
            clean[key] = None
            continue
        if not isinstance(value, str):
            reasons.append(f"“{TEXT_LABELS[key]}”必须是文本")
            continue
        if len(value) > MAX_LENGTHS[key]:
            reasons.append(f"“{TEXT_LABELS[key]}”不能超过 {MAX_LENGTHS[key]} 个字符")
            continue
        clean[key] = value.strip()
    if "subject_units" in values:
        slugs = values["subject_units"]
        if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
            reasons.append("涉及单位必须是单位代码列表")
        else:
            known = set(db.session.scalars(select(Unit.slug).where(
                Unit.slug.in_(slugs), region_units(plan_id) if plan_id is not None else true())))
            unknown = [s for s in slugs if s not in known]
            if unknown:
                reasons.append("未知单位：" + "、".join(unknown))
            clean["subject_units"] = list(dict.fromkeys(slugs))
    if reasons:
        raise GuardFailed(reasons)
    return clean


#: 先进个人: each field's label and longest length
INDIVIDUAL_FIELDS = {"name": ("姓名", 20), "unit_name": ("单位", 60), "deed": ("主要事迹", 300)}
MAX_INDIVIDUALS = 30


def validate_individuals(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """先进个人 as stored: each with a name, a unit and what they did (GuardFailed with every reason)."""
    reasons: list[str] = []
    clean: list[dict[str, str]] = []
    if len(rows) > MAX_INDIVIDUALS:
        reasons.append(f"先进个人最多 {MAX_INDIVIDUALS} 名")
    for n, row in enumerate(rows, 1):
        person = {key: str(row.get(key) or "").strip() for key in INDIVIDUAL_FIELDS}
        for key, (label, limit) in INDIVIDUAL_FIELDS.items():
            if not person[key]:
                reasons.append(f"第{n}名先进个人的“{label}”不能为空")
            elif len(person[key]) > limit:
                reasons.append(f"第{n}名先进个人的“{label}”不能超过 {limit} 个字符")
        clean.append(person)
    if reasons:
        raise GuardFailed(reasons)
    return clean


def name_individuals(kind: str, title: str, body: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The changes that set a commendation's 先进个人 to ``rows``: the stored list, and the title and body
    naming them as the drafted text does (the screen's table and ``PATCH /items/{id}`` alike).
    GuardFailed for a notice of another kind or a row missing a part."""
    if kind != "commendation":
        raise GuardFailed(["只有通报表扬可以列出先进个人"])
    people = validate_individuals(rows)
    named = [Individual(**p) for p in people]
    return {"individuals": people, "title": commendation_title(title, named), "body": with_individuals(body, named)}


def create_notice(actor: Actor, kind: str, values: Mapping[str, Any], *, facts: Mapping[str, Any] | None = None
                  ) -> Notice:
    """A draft notice written by the city reviewer (通报 are drafted by 市商务局, issued by the office)."""
    if not may_draft(actor):
        raise NotPermitted(DRAFTER_ONLY)
    if kind not in KINDS:
        raise GuardFailed([f"通报类型必须是：{'、'.join(KINDS)}"])
    plan = current_plan(actor)
    clean = validate_notice_fields(values, plan.id)
    notice = Notice(plan_id=plan.id, kind=kind, title=clean.get("title", ""), addressees=clean.get("addressees", ""),
                    body=clean.get("body", ""), subject_units=clean.get("subject_units", []),
                    copies=clean.get("copies"), attachments_note=clean.get("attachments_note"),
                    unit_id=plan.notice_issuer_unit_id, county_id=None,
                    facts_json=canonical_json(dict(facts)) if facts is not None else None)
    create_item(notice, actor, data={"kind": kind})
    return notice


def plan_of(notice: Notice) -> Plan:
    """The plan a notice belongs to (its numbers, issuer and tables are that plan's)."""
    plan = db.session.get(Plan, notice.plan_id)
    if plan is None:  # pragma: no cover - the foreign key keeps it
        raise NotFound()
    return plan


def render_data(notice: Notice, plan: Plan, *, on: date | None = None) -> dict[str, Any]:
    """The plain data a notice prints from (no ORM objects reach the renderer)."""
    letter = notice.kind == "approval_reply"
    when = notice.issued_on or on or today()
    base = serving_address()
    attachments = [line.strip() for line in (notice.attachments_note or "").splitlines() if line.strip()]
    facts = json.loads(notice.facts_json) if notice.facts_json else None
    issuer = notice_issuer(notice, plan)
    return {
        "format": "letter" if letter else "general",
        "issuer_mark": issuer.mark(letter),
        "number": notice.number,
        "title": notice.title,
        "addressees": notice.addressees,
        "body": notice.body,
        "attachments": attachments,
        "annexes": annexes_for(notice.kind, facts),
        "draft": notice.number is None,
        "signature": issuer.short_name,
        "date": when.isoformat(),
        "sealed": True,
        "copies": notice.copies or "",
        "printed_by": issuer.name,
        "printed_on": when.isoformat(),
        "verification_code": notice.verification_code,
        "verification_url": f"{base}/verify/{notice.verification_code}" if notice.verification_code else None,
    }


def serving_address() -> str:
    """The address a notice's QR code leads to: ``PLANDESK_BASE_URL`` when set (production must set
    it), else the address of the request that renders the notice, else the development server's."""
    base = (current_app.config.get("PLANDESK_BASE_URL") or "").strip()
    if not base and has_request_context():
        base = request.host_url
    return (base or DEVELOPMENT_ADDRESS).rstrip("/")


def next_number(issuer_code: str, year: int) -> int:
    """Allocate the next sequence number of (issuer code, year) under a row lock.

    The counter row is created if missing (a no-op when another transaction created it first),
    then locked and incremented in this transaction: a rolled-back issue gives its number back,
    two issuers never get the same one, and no number is skipped.
    """
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(NoticeCounter).values(issuer_code=issuer_code, year=year, last_seq=0)
                       .on_conflict_do_nothing(index_elements=["issuer_code", "year"]))
    seq = db.session.execute(
        update(NoticeCounter).where(NoticeCounter.issuer_code == issuer_code, NoticeCounter.year == year)
        .values(last_seq=NoticeCounter.last_seq + 1).returning(NoticeCounter.last_seq)).scalar_one()
    return int(seq)


def _verification_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def archived_pdf(notice: Notice) -> bytes:
    """The exact bytes archived at issue."""
    if not notice.pdf_sha256:
        raise NotFound("该通报尚未印发，没有存档文件")
    kept = storage()
    if kept.size(notice.pdf_sha256) is None:
        raise NotFound("通报存档文件缺失，请联系管理员")
    data = read_all(kept, notice.pdf_sha256)
    if hashlib.sha256(data).hexdigest() != notice.pdf_sha256:
        raise RuntimeError(f"archived PDF of notice {notice.id} does not match its recorded SHA-256")
    return data


def notice_pdf(notice: Notice) -> bytes:
    """The archived PDF once issued; a fresh preview render of a draft otherwise."""
    if notice.pdf_sha256:
        return archived_pdf(notice)
    return render_notice_pdf(render_data(notice, plan_of(notice)), fonts=notice_fonts())


@effect("notice", "issue", first=True)
def number_and_archive(item: Notice, sp: Spec, actor: Actor, comment: str | None, data: Mapping[str, Any], on: date) -> None:
    """Number, freeze the facts, render and archive the PDF, open receipts: all or nothing."""
    plan = db.session.get(Plan, item.plan_id)
    issuer = plan_issuer(plan)
    item.issuer_code, item.year = issuer.code, on.year
    item.issuer_name, item.issuer_short_name = issuer.name, issuer.short_name
    item.seq = next_number(item.issuer_code, item.year)
    item.number = f"{item.issuer_code}〔{item.year}〕{item.seq}号"
    item.issued_on = on
    item.verification_code = _verification_code()
    if item.facts_json is not None:
        item.facts_sha256 = hashlib.sha256(item.facts_json.encode("utf-8")).hexdigest()
    pdf = render_notice_pdf(render_data(item, plan), fonts=notice_fonts())
    blob = store_stream(io.BytesIO(pdf), limit=len(pdf))
    item.pdf_sha256 = blob.sha256
    for unit_id in audience_unit_ids(item):
        db.session.add(NoticeReceipt(notice_id=item.id, unit_id=unit_id))


def audience_unit_ids(notice: Notice) -> list[int]:
    """The units an issued notice reaches: its subject units and the addressee groups."""
    slugs = set(subject_for(notice).audience)
    return list(db.session.scalars(select(Unit.id).where(Unit.slug.in_(slugs)).order_by(Unit.sort_order)))


def acknowledge(notice_id: int, actor: Actor) -> NoticeReceipt:
    """签收: the actor's unit acknowledges an issued notice addressed to it (once)."""
    notice = load_item_for_update(notice_id)  # before the receipt is read: one acknowledgement per unit
    if not isinstance(notice, Notice) or notice.state not in StateSet.PUBLISHED:
        raise NotFound()
    unit_id = db.session.scalar(select(Unit.id).where(Unit.slug == actor.unit)) if actor.unit else None
    receipt = db.session.scalar(select(NoticeReceipt).where(NoticeReceipt.notice_id == notice_id,
                                                            NoticeReceipt.unit_id == unit_id))
    if receipt is None:
        raise NotFound("该通报未发送至您的单位")
    if receipt.acknowledged_at is None:
        receipt.acknowledged_at, receipt.acknowledged_by_id = utcnow(), actor.user_id
        note_action(notice, actor, "acknowledge", data={"unit": actor.unit})
    db.session.flush()
    return receipt


def receipts(notice_id: int) -> Sequence[tuple[Unit, NoticeReceipt]]:
    """Who has and has not acknowledged (for the office)."""
    return db.session.execute(select(Unit, NoticeReceipt).join(NoticeReceipt, NoticeReceipt.unit_id == Unit.id)
                              .where(NoticeReceipt.notice_id == notice_id).order_by(Unit.sort_order)).tuples().all()


def find_by_code(code: str) -> Notice | None:
    code = code.strip().upper()
    if len(code) != 9:
        return None
    return db.session.scalar(select(Notice).where(Notice.verification_code == code))
