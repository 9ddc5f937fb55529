"""Quarterly reports: opened once per unit and quarter, figures saved as audited edits, submitted whole."""
from __future__ import annotations

import json
import re
import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEventRow
from app.audit.operations import verify
from app.extensions import db
from app.items.operations import fire_transition
from app.reports.models import Report, ReportFigure
from app.reports.operations import open_quarterly_reports, report_indicators, save_report_figures
from app.units.models import Unit
from tests.dashboards.journeys import REPORT_TEXTS, fire, open_reports, plan, report_to, set_today
from tests.helpers import csrf_token
from tests.items.conftest import actor_of
from workflows.errors import GuardFailed, InvalidTransition, NotFound, NotPermitted, StaleVersion

COUNTY_FIGURES = {"entities_over_10m": 1, "brands_over_1m": 1, "new_ecommerce_entities": 25,
                  "training_person_times": 600, "sanpin_yibiao_online": 2, "trademark_enterprises_online": 1}
#: units with figures to report (a quota, or a city-wide figure of a task they lead)
WITH_FIGURES = {"huoqiu", "shucheng", "jinzhai", "huoshan", "jinan", "yuan", "yeji", "commerce", "transport"}
#: every unit that reports each quarter: the counties and every unit responsible for a task (§四(三))
REPORTING = WITH_FIGURES | {"agriculture", "tourism", "economy", "market_regulation", "postal_admin", "post_company",
                            "planning", "land", "development", "hrss", "supply_coop", "pboc", "food_drug", "finance",
                            "poverty", "forestry", "education", "disabled", "youth_league", "women", "statistics"}
N = len(REPORTING)  # 30: 7 counties and 23 departments


def report_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Report))


def test_units_report_the_figures_they_have_targets_for(ctx) -> None:
    units = {u.slug: u for u in db.session.scalars(select(Unit))}
    codes = {slug: [i.code for i in report_indicators(db.session, plan().id, units[slug])] for slug in units}
    assert codes["huoqiu"] == ["entities_over_10m", "brands_over_1m", "new_ecommerce_entities",
                               "training_person_times", "sanpin_yibiao_online", "trademark_enterprises_online"]
    assert codes["commerce"] == ["online_sales"] and codes["transport"] == ["rural_roads_km"]
    assert {slug for slug, c in codes.items() if c} == WITH_FIGURES
    yeji = report_indicators(db.session, plan().id, units["yeji"])
    assert {i.code: i.target for i in yeji}["training_person_times"] == Decimal("500")


def test_opening_twice_creates_nothing_new(ctx) -> None:
    first = open_quarterly_reports(db.session, plan(), 2018, 3)
    db.session.commit()
    assert len(first.created) == N and first.existing == 0
    second = open_quarterly_reports(db.session, plan(), 2018, 3)
    db.session.commit()
    assert second.created == [] and second.existing == N and report_count() == N
    reports = db.session.scalars(select(Report)).all()
    assert {r.unit.slug for r in reports} == REPORTING
    huoqiu = next(r for r in reports if r.unit.slug == "huoqiu")
    assert (huoqiu.title, huoqiu.state, huoqiu.version, huoqiu.county_id) == (
        "霍邱县2018年第三季度农村电商工作进展报告", "draft", 1, huoqiu.unit_id)
    commerce = next(r for r in reports if r.unit.slug == "commerce")
    assert commerce.county_id is None
    events = db.session.scalars(select(AuditEventRow).where(AuditEventRow.item_id == huoqiu.id)).all()
    assert [(e.trigger, e.actor) for e in events] == [("create", "system")]
    assert len(open_quarterly_reports(db.session, plan(), 2018, 4).created) == N
    assert verify(db.session).ok


def test_the_database_refuses_a_second_report_for_a_unit_and_quarter(ctx) -> None:
    from sqlalchemy.exc import IntegrityError

    open_reports(2018, 3)
    existing = db.session.scalars(select(Report)).first()
    db.session.add(Report(plan_id=existing.plan_id, title="重复", state="draft", version=1, unit_id=existing.unit_id,
                          reporter_id=existing.reporter_id, year=2018, quarter=3, state_entered_on=date(2018, 7, 10)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_concurrent_openings_make_one_report_each(app) -> None:
    barrier = threading.Barrier(3)
    results: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        with app.app_context():
            p = plan()
            db.session.rollback()
            barrier.wait(timeout=10)
            try:
                created = len(open_quarterly_reports(db.session, p, 2018, 3).created)
                db.session.commit()
            except Exception:  # noqa: BLE001  (the loser of a race may be refused as a whole)
                db.session.rollback()
                created = 0
            finally:
                db.session.remove()
            with lock:
                results.append(created)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with app.app_context():
        assert report_count() == N and sum(results) == N
        # whoever lost the race can simply run again: nothing more is created
        assert open_quarterly_reports(db.session, plan(), 2018, 3).created == []


def test_cli_opens_the_current_quarter_by_default(app) -> None:
    from app.reports.cli import reports_cli

    if "reports" not in app.cli.commands:
        app.cli.add_command(reports_cli)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "open"])
    assert result.exit_code == 0, result.output
    assert f"2018年第3季度：新开 {N} 份季度报告，已存在 0 份" in result.output
    result = runner.invoke(args=["reports", "open", "--year", "2018", "--quarter", "3"])
    assert f"新开 0 份季度报告，已存在 {N} 份" in result.output
    result = runner.invoke(args=["reports", "open", "--year", "2019", "--quarter", "1"])
    assert f"2019年第1季度：新开 {N} 份" in result.output
    assert runner.invoke(args=["reports", "open", "--quarter", "5"]).exit_code != 0
    assert runner.invoke(args=["reports", "open", "--year", "2019"]).exit_code != 0


def test_saving_figures_is_an_audited_edit(ctx) -> None:
    rid = open_reports(2018, 3)["huoqiu"]
    filer = actor_of("huoqiu_filer")
    save_report_figures(db.session, rid, filer, version=1, figures={"training_person_times": "600",
                                                                    "new_ecommerce_entities": "2,500"})
    db.session.commit()
    report = db.session.get(Report, rid)
    assert report.version == 2
    assert {f.indicator_code: f.value for f in report.figures} == {"training_person_times": Decimal("600.00"),
                                                                   "new_ecommerce_entities": Decimal("2500.00")}
    save_report_figures(db.session, rid, filer, version=2, figures={"training_person_times": "650",
                                                                    "new_ecommerce_entities": "2500"})
    db.session.commit()
    edits = db.session.scalars(select(AuditEventRow).where(AuditEventRow.item_id == rid,
                                                           AuditEventRow.trigger == "edit")
                               .order_by(AuditEventRow.seq)).all()
    assert [json.loads(e.data_json) for e in edits] == [
        {"changes": {"figure_values": {"new_ecommerce_entities": "2500.00", "training_person_times": "600.00"}}},
        {"changes": {"figure_values": {"training_person_times": "650.00"}}},  # only what changed
    ]
    # nothing changed: nothing recorded
    save_report_figures(db.session, rid, filer, version=3, figures={"training_person_times": "650"})
    assert db.session.get(Report, rid).version == 3
    # blank removes a figure
    save_report_figures(db.session, rid, filer, version=3, figures={"new_ecommerce_entities": ""})
    db.session.commit()
    assert {f.indicator_code for f in db.session.get(Report, rid).figures} == {"training_person_times"}
    assert verify(db.session).ok


@pytest.mark.parametrize("username, figures, error", [
    ("shucheng_filer", {"training_person_times": 1}, NotFound),
    ("huoqiu_reviewer", {"training_person_times": 1}, NotPermitted),
    ("huoqiu_filer", {"training_person_times": -1}, GuardFailed),
    ("huoqiu_filer", {"training_person_times": "很多"}, GuardFailed),
    ("huoqiu_filer", {"online_sales": 1}, GuardFailed),  # not a figure huoqiu reports
    ("huoqiu_filer", {"provincial_demo_village": 1}, GuardFailed),  # counted from applications
    ("huoqiu_filer", {"training_person_times": "1.234"}, GuardFailed),
])
def test_saving_figures_is_refused(ctx, username, figures, error) -> None:
    rid = open_reports(2018, 3)["huoqiu"]
    with pytest.raises(error):
        save_report_figures(db.session, rid, actor_of(username), version=1, figures=figures)
    db.session.rollback()
    assert db.session.get(Report, rid).version == 1 and not db.session.get(Report, rid).figures


def test_stale_and_submitted_reports_cannot_be_edited(ctx) -> None:
    rid = open_reports(2018, 3)["huoqiu"]
    with pytest.raises(StaleVersion):
        save_report_figures(db.session, rid, actor_of("huoqiu_filer"), version=7, figures={})
    report_to(rid, "county_review", COUNTY_FIGURES)
    with pytest.raises(InvalidTransition):
        save_report_figures(db.session, rid, actor_of("huoqiu_filer"), version=2, figures={})


def test_submit_needs_every_figure_and_stores_them(ctx) -> None:
    rid = open_reports(2018, 3)["huoqiu"]
    partial = {k: v for k, v in COUNTY_FIGURES.items() if k != "brands_over_1m"}
    with pytest.raises(GuardFailed) as err:
        fire_transition(rid, "submit", actor_of("huoqiu_filer"), version=1, data={"figures": partial, **REPORT_TEXTS})
    assert err.value.reasons == ["以下指标未填报：年网络销售额超100万元农村电商品牌"]
    report = db.session.get(Report, rid)
    assert (report.state, report.version, report.figures) == ("draft", 1, [])
    # a figure saved in the draft completes the set
    save_report_figures(db.session, rid, actor_of("huoqiu_filer"), version=1, figures={"brands_over_1m": 3})
    db.session.commit()
    fire(rid, "huoqiu_filer", "submit", figures=partial, **REPORT_TEXTS)
    report = db.session.get(Report, rid)
    assert report.state == "county_review"
    assert {f.indicator_code: int(f.value) for f in report.figures} == {**partial, "brands_over_1m": 3}
    fire(rid, "huoqiu_reviewer", "send_back", comment="培训人次与台账不符")
    assert db.session.get(Report, rid).state == "draft"
    fire(rid, "huoqiu_filer", "submit", figures={"training_person_times": 580})  # the sections are kept
    fire(rid, "huoqiu_reviewer", "endorse")
    fire(rid, "city_reviewer", "accept")
    report = db.session.get(Report, rid)
    assert report.state == "accepted"
    assert {f.indicator_code: int(f.value) for f in report.figures}["training_person_times"] == 580
    assert db.session.scalar(select(func.count()).select_from(ReportFigure).where(ReportFigure.report_id == rid)) == 6


def test_a_department_report_goes_straight_to_the_city(ctx) -> None:
    rid = open_reports(2018, 3)["transport"]
    with pytest.raises(GuardFailed, match="不属于本单位"):
        fire_transition(rid, "submit", actor_of("transport_filer"), version=1,
                        data={"figures": {"rural_roads_km": 10, "training_person_times": 5}})
    db.session.rollback()
    fire(rid, "transport_filer", "submit", figures={"rural_roads_km": "812.5"}, **REPORT_TEXTS)
    assert db.session.get(Report, rid).state == "city_review"
    fire(rid, "city_reviewer", "accept")
    assert db.session.get(Report, rid).figures[0].value == Decimal("812.50")


def _submit_form(client, rid: int, version: int, figures: dict, action: str):
    token = csrf_token(client, f"/reports/{rid}")
    data = {"csrf_token": token, "version": str(version), "action": action,
            **{f"fig-{k}": str(v) for k, v in figures.items()}, **REPORT_TEXTS}
    return client.post(f"/reports/{rid}/figures", data=data)


def test_report_screens_from_filing_to_acceptance(app, auth, client) -> None:
    set_today(app, date(2018, 10, 9))
    with app.app_context():
        rid = open_reports(2018, 3)["jinan"]
    auth.login("jinan_filer")
    page = client.get("/reports/?year=2018&quarter=3").get_data(as_text=True)
    assert f'data-item-id="{rid}"' in page and "金安区2018年第三季度" in page
    page = client.get(f"/reports/{rid}").get_data(as_text=True)
    assert 'name="fig-training_person_times"' in page and "提交报告" in page and "online_sales" not in page
    response = _submit_form(client, rid, 1, {"training_person_times": 900}, "save")
    assert response.status_code == 302
    page = client.get(f"/reports/{rid}").get_data(as_text=True)
    assert 'value="900"' in page and "修改数据" in page
    # submit with a missing figure: refused, the typed values stay on the form
    response = _submit_form(client, rid, 2, {"training_person_times": 950}, "submit")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "以下指标未填报" in page and 'value="950"' in page
    response = _submit_form(client, rid, 2, {**COUNTY_FIGURES, "training_person_times": 950}, "submit")
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/reports/")})

    auth.login("jinan_reviewer")
    page = client.get(f"/reports/{rid}").get_data(as_text=True)
    assert "审核通过并报市" in page and 'name="fig-' not in page
    token = csrf_token(client, f"/reports/{rid}")
    assert client.post(f"/reports/{rid}/transition", data={"csrf_token": token, "trigger": "endorse",
                                                           "version": "3"}).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/reports/")})

    auth.login("city_reviewer")
    token = csrf_token(client, f"/reports/{rid}")
    response = client.post(f"/reports/{rid}/transition", data={"csrf_token": token, "trigger": "send_back",
                                                               "version": "4", "comment": ""})
    assert response.status_code == 422 and "必须填写理由" in response.get_data(as_text=True)
    assert client.post(f"/reports/{rid}/transition", data={"csrf_token": token, "trigger": "accept",
                                                           "version": "4"}).status_code == 302
    board = client.get("/dashboard").get_data(as_text=True)
    row = re.search(r'data-county="jinan">(.*?)</tr>', board.split('id="ind-training_person_times"')[1], re.S).group(1)
    assert [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] == [
        "2500", "950", "0", "1550"]


def test_report_screens_are_scoped(app, auth, client) -> None:
    with app.app_context():
        reports = open_reports(2018, 3)
    auth.login("huoqiu_filer")
    assert client.get(f"/reports/{reports['shucheng']}").status_code == 404
    page = client.get("/reports/").get_data(as_text=True)
    assert re.findall(r'data-item-id="(\d+)"', page) == [str(reports["huoqiu"])]
    assert "开启本季度报告" not in page
    token = csrf_token(client, "/reports/")
    assert client.post("/reports/open", data={"csrf_token": token}).status_code == 403


def test_opening_from_the_screen(app, auth, client) -> None:
    auth.login("admin")
    page = client.get("/reports/").get_data(as_text=True)
    assert "本季度尚未开启报告的单位" in page and "霍邱县" in page
    token = csrf_token(client, "/reports/")
    assert client.post("/reports/open", data={"csrf_token": token}).status_code == 302
    page = client.get("/reports/").get_data(as_text=True)
    assert f"新开 {N} 份报告" in page and len(re.findall(r'data-item-id="(\d+)"', page)) == N
    with app.app_context():
        events = db.session.scalars(select(AuditEventRow).where(AuditEventRow.trigger == "create",
                                                                AuditEventRow.item_type == "report")).all()
        assert {e.actor for e in events} == {"admin"}


def test_a_report_is_due_ten_working_days_after_its_quarter_and_late_ones_are_overdue(ctx) -> None:
    from app.dashboards.overdue import overdue_items
    from workflows.deadlines import add_working_days, quarter_report_deadline

    # ten working days after the quarter (元旦 2018-12-30..2019-01-01 in the last one)
    assert quarter_report_deadline(2018, 2) == date(2018, 7, 13)
    assert quarter_report_deadline(2018, 4) == date(2019, 1, 15)
    rid = open_reports(2018, 2)["huoqiu"]
    assert db.session.get(Report, rid).due_on == date(2018, 7, 13)
    set_today(ctx, date(2018, 7, 16))
    late, _ = overdue_items(db.session, plan().id, date(2018, 7, 16))
    assert [(r.id, r.days_late, r.level.value) for r in late if r.id == rid] == [(rid, 3, "overdue")]
    fire(rid, "huoqiu_filer", "submit", figures=COUNTY_FIGURES, **REPORT_TEXTS)
    assert db.session.get(Report, rid).due_on == add_working_days(date(2018, 7, 16), 10)
    fire(rid, "huoqiu_reviewer", "send_back", comment="数据有误")
    # back in draft, it is due on the quarter's date again: still late
    assert db.session.get(Report, rid).due_on == date(2018, 7, 13)
    fire(rid, "huoqiu_filer", "submit", figures=COUNTY_FIGURES, **REPORT_TEXTS)
    fire(rid, "huoqiu_reviewer", "endorse")
    fire(rid, "city_reviewer", "accept")
    assert db.session.get(Report, rid).due_on is None
    assert rid not in {r.id for r in overdue_items(db.session, plan().id, date(2018, 7, 16))[0]}
