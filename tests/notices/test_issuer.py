"""The issuer from the plan (六政办秘〔2018〕143号 names 市电商工作领导小组办公室): one setting for the red
mark, bodies, signatures, numbers and /verify; editable by the administrator; issued notices keep theirs."""
from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pdfplumber
from flask import Flask
from sqlalchemy import select

from app.audit.models import AdminEvent
from app.extensions import db
from app.items.operations import fire_transition
from app.notices import operations as ops
from app.notices.facts import draft_from_facts
from app.notices.models import Notice
from app.plans.models import Plan
from app.plans.schema import read_plan_file
from tests.factories import actor_of
from tests.helpers import csrf_token

ROOT = Path(__file__).resolve().parents[2]
LATE = date(2018, 8, 10)  # every mobilization task is overdue: there is something to criticise
MARK = "六安市电商工作领导小组办公室"
NAME = "市电商工作领导小组办公室"
VARIANTS = ("电子商务工作领导小组", "农村电商工作领导小组")


def issue(notice_id: int) -> Notice:
    fire_transition(notice_id, "submit", actor_of("city_reviewer"), version=1)
    fire_transition(notice_id, "issue", actor_of("office_approver"), version=2)
    db.session.commit()
    return db.session.get(Notice, notice_id)


def pdf_text(notice: Notice) -> str:
    with pdfplumber.open(io.BytesIO(ops.archived_pdf(notice))) as pdf:
        return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in pdf.pages))


def criticism(app: Flask) -> int:
    with app.app_context():
        app.config["PLANDESK_TODAY"] = LATE
        notice = draft_from_facts(actor_of("city_reviewer"), "criticism")
        db.session.commit()
        return notice.id


def test_a_notice_drafted_from_facts_uses_the_plans_names(app: Flask, client) -> None:
    notice_id = criticism(app)
    with app.app_context():
        notice = db.session.get(Notice, notice_id)
        lines = notice.body.splitlines()
        assert lines[0].startswith("为推动《六安市农村电商全覆盖巩固提升行动实施方案》（六政办秘〔2018〕143号）落实落地，")
        assert lines[0].endswith(f"要求，{NAME}对各县区、市直有关部门工作推进情况进行了调度督查。现将有关情况通报如下。")
        assert f"整改情况书面报送{NAME}。" in notice.body and f"（三）跟踪问效。{NAME}将对整改情况跟踪督办" in notice.body
        assert lines[-1] == "特此通报。"
        data = ops.render_data(notice, ops.current_plan())
        assert (data["issuer_mark"], data["signature"], data["printed_by"]) == (f"{MARK}文件", NAME, MARK)
        issued = issue(notice_id)
        assert issued.number == "六电商办〔2018〕1号"
        assert (issued.issuer_name, issued.issuer_short_name) == (MARK, NAME)
        text = pdf_text(issued)
        assert f"{MARK}文件" in text and NAME in text
        assert not any(v in text for v in VARIANTS)
        code = issued.verification_code
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert re.search(r"<dd data-issuer>\s*" + MARK + r"\s*</dd>", page)


def test_changing_the_setting_changes_new_drafts_not_issued_notices(app: Flask, client, auth) -> None:
    old_id = criticism(app)
    with app.app_context():
        old = issue(old_id)
        old_pdf, old_code = old.pdf_sha256, old.verification_code
    auth.login("admin")
    token = csrf_token(client, "/admin/issuer")
    assert f'value="{MARK}"' in client.get("/admin/issuer").get_data(as_text=True)
    r = client.post("/admin/issuer", data={"name": "六安市电商办", "short_name": "市电商办", "code": "六商电",
                                           "csrf_token": token})
    assert r.status_code == 302
    with app.app_context():
        plan = db.session.scalar(select(Plan).where(Plan.is_current.is_(True)))
        assert (plan.notice_issuer_name, plan.notice_issuer_short_name, plan.notice_issuer_code) == (
            "六安市电商办", "市电商办", "六商电")
        event = db.session.scalar(select(AdminEvent).where(AdminEvent.action == "update_issuer"))
        assert (event.actor, event.target_type) == ("admin", "plan")
        assert event.changes == {"issuer_name": [MARK, "六安市电商办"], "issuer_short_name": [NAME, "市电商办"],
                                 "issuer_code": ["六电商办", "六商电"]}
    new_id = criticism(app)
    with app.app_context():
        new = db.session.get(Notice, new_id)
        assert "市电商办对各县区、市直有关部门" in new.body and NAME not in new.body
        data = ops.render_data(new, ops.current_plan())
        assert (data["issuer_mark"], data["signature"]) == ("六安市电商办文件", "市电商办")
        assert issue(new_id).number == "六商电〔2018〕1号"
        # the issued notice keeps the names, the number and the archived file it was issued with
        old = db.session.get(Notice, old_id)
        assert (old.number, old.pdf_sha256) == ("六电商办〔2018〕1号", old_pdf)
        data = ops.render_data(old, ops.current_plan())
        assert (data["issuer_mark"], data["signature"], data["printed_by"]) == (f"{MARK}文件", NAME, MARK)
        assert f"{NAME}对各县区、市直有关部门" in old.body
    page = client.get(f"/verify/{old_code}").get_data(as_text=True)
    assert MARK in page and "六安市电商办<" not in page
    preview = client.get(f"/items/{old_id}/notice-preview").get_data(as_text=True)
    assert f"{MARK}文件" in preview


def test_bad_issuer_input_is_refused_and_changes_nothing(app: Flask, client, auth) -> None:
    auth.login("admin")
    token = csrf_token(client, "/admin/issuer")
    r = client.post("/admin/issuer", data={"name": " ", "short_name": "", "code": "六〔电〕", "csrf_token": token},
                    follow_redirects=True)
    page = r.get_data(as_text=True)
    for reason in ("请填写发文机关全称", "请填写正文和落款中的发文机关名称", "请填写发文代字"):
        assert reason in page
    with app.app_context():
        plan = db.session.scalar(select(Plan).where(Plan.is_current.is_(True)))
        assert (plan.notice_issuer_name, plan.notice_issuer_short_name, plan.notice_issuer_code) == (
            MARK, NAME, "六电商办")
        assert db.session.scalar(select(AdminEvent).where(AdminEvent.action == "update_issuer")) is None


def test_only_the_administrator_edits_the_issuer(app: Flask, client, auth) -> None:
    auth.login("office_approver")
    assert client.get("/admin/issuer").status_code == 403
    r = client.post("/admin/issuer", data={"name": "x", "short_name": "x", "code": "x",
                                           "csrf_token": csrf_token(client, "/todo")})
    assert r.status_code == 403


def _variant_lines(path: Path) -> list[str]:
    found = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if any(v in line for v in VARIANTS) and not (path.suffix == ".yaml" and "aliases:" in line):
            found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    return found


def test_no_other_name_of_the_issuer_remains() -> None:
    """The plan's name only: no 电子商务工作领导小组 nor 农村电商工作领导小组 in the code, templates or plan
    data (a unit's ``aliases`` may list other spellings: they only match names in imported tables)."""
    files = [p for pattern in ("app/**/*.py", "app/**/*.yaml", "templates/**/*.html") for p in ROOT.glob(pattern)]
    assert len(files) > 50
    assert [line for path in files for line in _variant_lines(path)] == []
    plan = read_plan_file(ROOT / "app/plans/data/luan-2018-143.yaml")
    assert (plan.notice_issuer.name, plan.notice_issuer.short_name, plan.notice_issuer.code) == (MARK, NAME, "六电商办")
