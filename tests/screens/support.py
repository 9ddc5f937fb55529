"""Helpers of the screen tests: a signed-in client per person, and items driven to a state through
the same operations the screens call."""
from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from app.applications.operations import create_application
from app.attachments.operations import add_attachment
from app.audit.models import AuditEventRow
from app.auth.models import User
from app.extensions import db
from app.items.models import Item
from app.items.operations import fire_transition
from tests.conftest import DEMO_PASSWORD
from tests.factories import complete_fields

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ROW = re.compile(r'<tr data-item-id="(\d+)"')


class Person:
    """One signed-in user with their own cookie jar (several people act on the same items)."""

    def __init__(self, app: Flask, username: str, password: str = DEMO_PASSWORD) -> None:
        self.app = app
        self.username = username
        self.client: FlaskClient = app.test_client()
        token = self.token("/login")
        r = self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        assert r.status_code == 302, f"{username} could not sign in"

    def token(self, path: str = "/todo") -> str:
        match = _CSRF.search(self.client.get(path).get_data(as_text=True))
        assert match, f"no csrf_token on {path}"
        return match.group(1)

    def get(self, path: str, status: int = 200) -> str:
        r = self.client.get(path)
        assert r.status_code == status, (path, r.status_code)
        return r.get_data(as_text=True)

    def post(self, path: str, data: dict[str, Any] | None = None, *, follow: bool = False,
             status: int | None = None, **kw: Any) -> TestResponse:
        data = dict(data or {})
        data.setdefault("csrf_token", self.token())
        r = self.client.post(path, data=data, follow_redirects=follow, **kw)
        if status is not None:
            assert r.status_code == status, (path, r.status_code, r.get_data(as_text=True)[:3000])
        return r

    def act(self, item_id: int, trigger: str, *, follow: bool = True, **fields: Any) -> TestResponse:
        """Press one action's button on the item page, at the version the page shows."""
        if "version" not in fields:
            form = action_section(self.get(f"/items/{item_id}"), trigger)
            assert form, f"{self.username} is not offered {trigger} on item {item_id}"
            fields["version"] = re.search(r'name="version" value="(\d+)"', form).group(1)
            delegation = re.search(r'name="delegation" value="(\d+)"', form)
            if delegation and "delegation" not in fields:
                fields["delegation"] = delegation.group(1)
        fields.setdefault("op", "fire")
        return self.post(f"/items/{item_id}/act", {"trigger": trigger, **fields}, follow=follow)

    def rows(self, path: str) -> list[int]:
        return [int(i) for i in ROW.findall(self.get(path))]


def flashes(html: str) -> list[str]:
    found = re.findall(r'<div class="flash[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return [re.sub(r"<[^>]+>", "", m).strip() for m in found]


def text_of(html: str) -> str:
    """The visible text of a page, tags removed, whitespace collapsed."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def actor(username: str):
    return db.session.scalar(select(User).where(User.username == username)).actor()


def events(item_id: int) -> list[AuditEventRow]:
    rows = list(db.session.scalars(select(AuditEventRow).where(AuditEventRow.item_id == item_id)
                                   .order_by(AuditEventRow.seq)))
    for row in rows:  # usable after the session ends
        db.session.expunge(row)
    return rows


def event_count(item_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEventRow)
                             .where(AuditEventRow.item_id == item_id)) or 0


def fire(item_id: int, trigger: str, username: str, **kw: Any) -> None:
    item = db.session.get(Item, item_id)
    fire_transition(item_id, trigger, actor(username), version=item.version, **kw)
    db.session.commit()


def attach(item_id: int, username: str, name: str = "证明材料.pdf", content: bytes = PDF,
           kind: str = "evidence") -> int:
    att = add_attachment(item_id, actor(username), name, io.BytesIO(content), kind)
    db.session.commit()
    return att.id


#: (trigger, who, inputs) steps from a fresh draft to each state of a provincial application
PATH: list[tuple[str, str, str, dict[str, Any]]] = [
    ("mobilization.county_review", "submit", "filer", {}),
    ("mobilization.city_review", "endorse", "reviewer", {}),
    ("implementation", "accept", "city_reviewer", {}),
    ("self_assessment.draft", "start_self_assessment", "filer", {}),
    ("self_assessment.county_review", "submit", "filer",
     {"data": {"text": "自查情况良好", "figures": {"online_sales": "320"}}}),
    ("acceptance.inspection", "endorse", "reviewer", {}),
    ("acceptance.provincial_review", "pass", "office_approver", {"data": {"findings": "现场核查属实"}}),
    ("consolidation", "record_provincial_decision", "office_approver",
     {"data": {"decision": "approved", "document_number": "皖商办〔2019〕1号"}}),
]


def make_application(county: str = "huoqiu", state: str = "mobilization.draft", *,
                     category: str = "provincial_demo_village", site: str = "大顾店村") -> int:
    """A demo-site application of ``county`` driven to ``state`` along the main path."""
    item = create_application(actor(f"{county}_filer"), category=category, county=county, site_name=site,
                              fields=complete_fields(category, town="宋店乡", contact_person="张三",
                                                     contact_phone="0564-1234567"))
    db.session.commit()
    item_id = item.id
    if state == "mobilization.draft":
        return item_id
    for target, trigger, who, kw in PATH:
        if trigger in ("submit",) and db.session.get(Item, item_id).state.endswith("draft"):
            attach(item_id, f"{county}_filer")
        username = f"{county}_{who}" if who in ("filer", "reviewer") else who
        fire(item_id, trigger, username, **kw)
        if target == state:
            return item_id
    raise ValueError(f"{state} is not on the main path")


def set_due(item_id: int, day: date | None) -> None:
    db.session.get(Item, item_id).due_on = day
    db.session.commit()


Factory = Callable[..., int]


def action_section(html: str, trigger: str) -> str:
    """The form of one action on an item page ('' when the page offers no such action)."""
    match = re.search(r'<section class="act-card[^"]*" id="act-[^"]*" data-trigger="' + re.escape(trigger)
                      + r'">(.*?)</section>', html, re.S)
    return match.group(1) if match else ""


def offered(html: str) -> set[str]:
    """The triggers an item page offers."""
    return set(re.findall(r'<section class="act-card[^"]*" id="act-[^"]*" data-trigger="([^"]+)"', html))


def ensure_catalogues() -> None:
    """Compile the translation catalogues when the build has not (``make`` runs ``pybabel compile``)."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2] / "app" / "translations"
    for po in root.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog)
        tmp.replace(mo)
