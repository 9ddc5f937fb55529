"""Every audit event records the business date it happened on (PlanDesk's "today"), and every time shown is
China's (Asia/Shanghai): on the item page, the report page, the print view, the ledger and the API."""
from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit.models import AuditEventRow
from app.audit.operations import verify
from app.extensions import db
from app.ledger.xlsx import LEDGER_HEADERS, build_ledger_xlsx
from tests.api.conftest import Api
from tests.conftest import Auth
from tests.dashboards.journeys import fire, file_task_plan, new_application, open_reports, plan
from tests.helpers import in_app
from tests.items.conftest import add_evidence
from workflows import engine

PINNED = date(2018, 9, 15)
#: 16:30 UTC on the 14th is 00:30 on the 15th in China: shown in UTC it would be the day before
NEAR_MIDNIGHT_UTC = datetime(2018, 9, 14, 16, 30, tzinfo=UTC)


def events_of(item_id: int) -> list[AuditEventRow]:
    return list(db.session.scalars(select(AuditEventRow).where(AuditEventRow.item_id == item_id)
                                   .order_by(AuditEventRow.seq)))


def history_block(page: str) -> str:
    start = page.index('<ol class="timeline">')
    return page[start:page.index("</ol>", start)]


@pytest.fixture
def pinned(app: Flask) -> Flask:
    app.config["PLANDESK_TODAY"] = PINNED
    return app


@pytest.fixture
def near_midnight(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Events are written at 2018-09-14 16:30 UTC (the engine's clock, not the business date)."""
    monkeypatch.setattr(engine, "_now", lambda: NEAR_MIDNIGHT_UTC)
    yield


def test_events_record_the_pinned_date_while_the_wall_clock_says_otherwise(
        pinned: Flask, client: FlaskClient, auth: Auth) -> None:
    def make() -> int:
        item_id = new_application("huoqiu", "provincial_demo_village", "大顾店村")
        add_evidence(item_id)
        fire(item_id, "huoqiu_filer", "submit")
        return item_id

    item_id = in_app(pinned, make)
    with pinned.app_context():
        events = events_of(item_id)
        assert [e.trigger for e in events] == ["create", "submit"]
        assert {(e.business_date, e.hash_version) for e in events} == {(PINNED, 2)}
        # the real instant is the wall clock's (years after the business date), kept beside it
        assert all(e.at.year > 2018 for e in events)
        assert verify(db.session).ok
    auth.login("huoqiu_filer")
    page = client.get(f"/items/{item_id}").get_data(as_text=True)
    timeline = history_block(page)
    assert timeline.count('<time datetime="2018-09-15">2018年9月15日</time>') == len(events)
    # the instant it was really recorded is shown too, marked as such, in China time
    assert "记录于" in timeline
    printed = client.get(f"/items/{item_id}/print").get_data(as_text=True)
    assert '<time datetime="2018-09-15">2018年9月15日</time>' in printed
    api = Api(client)
    history = api.get(f"/items/{item_id}", "huoqiu_filer").get_json()["history"]
    assert {h["business_date"] for h in history} == {"2018-09-15"}
    assert all(h["at"].endswith("+00:00") for h in history)  # the API's existing field is unchanged


def test_item_and_report_history_show_china_time_for_a_utc_instant_near_midnight(
        pinned: Flask, near_midnight: None, client: FlaskClient, auth: Auth) -> None:
    def make() -> tuple[int, int]:
        item_id = new_application("huoqiu", "provincial_demo_village", "大顾店村")
        report_id = open_reports(2018, 3)["huoqiu"]
        return item_id, report_id

    item_id, report_id = in_app(pinned, make)
    with pinned.app_context():
        assert [(e.at.replace(tzinfo=UTC) if e.at.tzinfo is None else e.at, e.business_date)
                for e in events_of(item_id)] == [(NEAR_MIDNIGHT_UTC, PINNED)]
    auth.login("huoqiu_filer")
    shown = '<time datetime="2018-09-15">2018年9月15日</time> 00:30'
    timeline = history_block(client.get(f"/items/{item_id}").get_data(as_text=True))
    assert shown in timeline and "16:30" not in timeline and "记录于" not in timeline
    report_page = client.get(f"/reports/{report_id}").get_data(as_text=True)
    history = report_page[report_page.index("history"):]
    assert shown in history and "16:30" not in history and "2018-09-14" not in history
    # English screens: the same zone
    with client.session_transaction() as session:
        session["locale"] = "en"
    english = history_block(client.get(f"/items/{item_id}").get_data(as_text=True))
    assert '<time datetime="2018-09-15">Sep 15, 2018</time> 00:30' in english


def test_the_ledger_shows_the_business_date_and_china_time(pinned: Flask, near_midnight: None) -> None:
    task_id = in_app(pinned, file_task_plan, "huoqiu", 2)
    with pinned.app_context():
        book = load_workbook(io.BytesIO(build_ledger_xlsx(db.session, plan().id, PINNED)))
        sheet = book["工作台账"]
        col = {h: i for i, h in enumerate(LEDGER_HEADERS)}
        row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[col["事项编号"]] == task_id)
        assert row[col["操作日期"]].date() == PINNED
        assert row[col["操作时间"]] == datetime(2018, 9, 15, 0, 30)  # China's wall-clock time, naive for Excel
