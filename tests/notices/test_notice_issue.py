"""Issuing notices: numbers without gaps or repeats, the archived PDF, receipts, verification."""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.items.operations import fire_transition
from app.notices import operations as ops
from app.notices.models import Notice, NoticeCounter
from tests.items.conftest import actor_of
from workflows.errors import GuardFailed, NotPermitted, TransitionAborted

BODY = "一、基本情况\n截至7月10日，部分县区未按期报送实施方案。\n二、下一步要求\n请于7月31日前完成整改。"


def draft(title: str = "关于部分县区推进不力的通报", **extra: object) -> int:
    values = {"title": title, "addressees": "各县区人民政府，市直有关部门", "body": BODY,
              "subject_units": ["huoqiu", "yeji"], "copies": "市委办公室，市政府办公室", **extra}
    notice = ops.create_notice(actor_of("city_reviewer"), "criticism", values)
    db.session.commit()
    return notice.id


def issue(notice_id: int) -> Notice:
    fire_transition(notice_id, "submit", actor_of("city_reviewer"), version=1)
    fire_transition(notice_id, "issue", actor_of("office_approver"), version=2)
    db.session.commit()
    return db.session.get(Notice, notice_id)


def test_only_city_drafts_and_fields_are_checked(ctx) -> None:
    with pytest.raises(NotPermitted):
        ops.create_notice(actor_of("huoqiu_filer"), "criticism", {"title": "x"})
    with pytest.raises(GuardFailed) as err:
        ops.create_notice(actor_of("city_reviewer"), "criticism", {"title": 5, "subject_units": ["nowhere"]})
    assert "未知单位：nowhere" in err.value.reasons
    empty = ops.create_notice(actor_of("city_reviewer"), "commendation", {})
    db.session.commit()
    with pytest.raises(GuardFailed) as err:
        fire_transition(empty.id, "submit", actor_of("city_reviewer"), version=1)
    assert err.value.reasons == ["以下必填项未填写：标题、主送机关、正文、涉及单位"]


def test_issue_numbers_archives_and_opens_receipts(ctx) -> None:
    first, second = issue(draft()), issue(draft("第二份通报"))
    assert (first.number, second.number) == ("六电商办〔2018〕1号", "六电商办〔2018〕2号")
    assert first.issued_on.isoformat() == "2018-07-10" and first.state == "issued"
    pdf = ops.archived_pdf(first)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == first.pdf_sha256
    assert ops.notice_pdf(first) == pdf  # later downloads are the archived bytes
    slugs = sorted(unit.slug for unit, _ in ops.receipts(first.id))
    assert {"huoqiu", "yeji", "shucheng", "commerce"} <= set(slugs)  # subject units + 各县区 + 市直
    counter = db.session.get(NoticeCounter, ("六电商办", 2018))
    assert counter.last_seq == 2


def test_each_issuer_code_and_year_has_its_own_register(ctx) -> None:
    """文号 restart at 1 each year and per issuer; taking one never moves another register."""
    assert [ops.next_number("六电商办", 2018) for _ in range(3)] == [1, 2, 3]
    assert ops.next_number("六电商办", 2019) == 1
    assert ops.next_number("六政办", 2018) == 1
    assert ops.next_number("六电商办", 2018) == 4
    rows = {(c.issuer_code, c.year): c.last_seq for c in db.session.scalars(select(NoticeCounter))}
    assert rows == {("六电商办", 2018): 4, ("六电商办", 2019): 1, ("六政办", 2018): 1}


def test_a_failed_render_consumes_no_number(ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    notice_id = draft()
    fire_transition(notice_id, "submit", actor_of("city_reviewer"), version=1)
    db.session.commit()

    def broken(*args: object, **kwargs: object) -> bytes:
        raise OSError("renderer crashed")

    monkeypatch.setattr(ops, "render_notice_pdf", broken)
    with pytest.raises(TransitionAborted):
        fire_transition(notice_id, "issue", actor_of("office_approver"), version=2)
    notice = db.session.get(Notice, notice_id)
    assert (notice.state, notice.number, notice.pdf_sha256) == ("review", None, None)
    assert db.session.get(NoticeCounter, ("六电商办", 2018)) is None
    monkeypatch.undo()
    fire_transition(notice_id, "issue", actor_of("office_approver"), version=2)
    db.session.commit()
    assert db.session.get(Notice, notice_id).number == "六电商办〔2018〕1号"


def test_revoked_notice_keeps_number_and_pdf_and_says_so(ctx, client) -> None:
    notice = issue(draft())
    pdf_hash, code = notice.pdf_sha256, notice.verification_code
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert 'data-status="issued"' in page and notice.number in page and pdf_hash in page
    fire_transition(notice.id, "revoke", actor_of("office_approver"), version=3, comment="数据有误，撤销")
    db.session.commit()
    notice = db.session.get(Notice, notice.id)
    assert (notice.state, notice.number, notice.pdf_sha256) == ("revoked", "六电商办〔2018〕1号", pdf_hash)
    page = client.get(f"/verify/{code.lower()}").get_data(as_text=True)
    assert 'data-status="revoked"' in page and "已撤销" in page
    assert client.get("/verify/AAAA-BBBB").status_code == 404
    # a revoked number is never reused
    assert issue(draft("新通报")).number == "六电商办〔2018〕2号"


def test_acknowledge_receipt(ctx) -> None:
    notice = issue(draft())
    receipt = ops.acknowledge(notice.id, actor_of("huoqiu_reviewer"))
    db.session.commit()
    assert receipt.acknowledged_at is not None
    acknowledged = {u.slug for u, r in ops.receipts(notice.id) if r.acknowledged_at}
    assert acknowledged == {"huoqiu"}
    with pytest.raises(Exception):
        ops.acknowledge(notice.id, actor_of("admin"))  # not an addressee unit


def test_concurrent_issues_number_without_gaps(app) -> None:
    n = 6
    with app.app_context():
        ids = [draft(f"通报{i}") for i in range(n)]
        for notice_id in ids:
            fire_transition(notice_id, "submit", actor_of("city_reviewer"), version=1)
        db.session.commit()
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def worker(notice_id: int) -> None:
        with app.app_context():
            who = actor_of("office_approver")
            db.session.rollback()
            barrier.wait(timeout=10)
            try:
                fire_transition(notice_id, "issue", who, version=2)
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001  (collected and asserted below)
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with app.app_context():
        seqs = sorted(db.session.scalars(select(Notice.seq).where(Notice.id.in_(ids))))
        assert seqs == list(range(1, n + 1))


def test_cli_renders_archived_bytes(app, tmp_path: Path) -> None:
    with app.app_context():
        notice = issue(draft())
        expected, notice_id = ops.archived_pdf(notice), notice.id
        draft_id = draft("草稿通报")
    out = tmp_path / "n.pdf"
    result = app.test_cli_runner().invoke(args=["notices", "render", str(notice_id), "-o", str(out)])
    assert result.exit_code == 0 and "archived" in result.output
    assert out.read_bytes() == expected
    preview = tmp_path / "d.pdf"
    result = app.test_cli_runner().invoke(args=["notices", "render", str(draft_id), "-o", str(preview)])
    assert result.exit_code == 0 and "preview" in result.output and preview.read_bytes().startswith(b"%PDF")
