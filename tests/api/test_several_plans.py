"""Several plans and regions in one deployment: Lu'an's plan beside 合肥市's copy of it and Lu'an's
next plan. Every item, unit, quota, notice register and dashboard belongs to its plan; a unit sees only
its region's plans; ``plan load`` adds a plan without touching the others."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.passwords import hash_password
from app.extensions import db
from app.items.models import Item
from app.notices.models import NoticeCounter
from app.plans.copies import for_region
from app.plans.models import Plan
from app.plans.schema import PlanDataError, RegionData, read_plan_file
from app.reports.models import Report
from app.reports.operations import open_quarterly_reports
from app.tasks.loading import DEFAULT_PLAN_FILE, load_plan
from app.units.models import Unit
from tests.api.conftest import Api, error_of
from tests.conftest import DEMO_PASSWORD, Auth
from tests.helpers import csrf_token

HEFEI = RegionData("340100", "合肥市")


def load_hefei(app: Flask) -> None:
    """合肥市's copy of the plan, and an account for each role there."""
    with app.app_context():
        load_plan(for_region(read_plan_file(DEFAULT_PLAN_FILE), HEFEI, "hf"))
        units = {u.slug: u for u in db.session.scalars(select(Unit).where(Unit.region_code == HEFEI.code))}
        for username, role, slug in (("hf_city_reviewer", "city_reviewer", "hf_commerce"),
                                     ("hf_office_approver", "office_approver", "hf_leading_group_office"),
                                     ("hf_huoqiu_filer", "county_filer", "hf_huoqiu")):
            db.session.add(User(username=username, display_name=username, role=role, unit_id=units[slug].id,
                                password_hash=hash_password(DEMO_PASSWORD), is_active_user=True, session_version=1))
        db.session.commit()


def load_luan_2019(app: Flask) -> None:
    """Lu'an's next plan in the same region (it becomes the region's current plan)."""
    with app.app_context():
        data = read_plan_file(DEFAULT_PLAN_FILE)
        load_plan(dataclasses.replace(data, code="luan-2019-88", document_number="六政办秘〔2019〕88号",
                                      issued_on=date(2019, 3, 1), title="六安市农村电商2019年行动方案"))
        db.session.commit()


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(Plan.code, func.count(Item.id)).join(Item, Item.plan_id == Plan.id)
                                       .group_by(Plan.code)).tuples().all())


def test_loading_another_regions_plan_touches_nothing_of_the_first(app: Flask, api: Api) -> None:
    before = counts(app)
    luan = api.get("/plans/current", "city_reviewer").get_json()
    load_hefei(app)
    after = counts(app)
    assert after["luan-2018-143"] == before["luan-2018-143"] and after["hf-luan-2018-143"] == before["luan-2018-143"]
    with app.app_context():
        plans = {p.code: p for p in db.session.scalars(select(Plan))}
        assert plans["luan-2018-143"].is_current and plans["hf-luan-2018-143"].is_current  # one per region
        assert (plans["hf-luan-2018-143"].region_code, plans["luan-2018-143"].region_code) == ("340100", "341500")
        hefei_counties = db.session.scalars(select(Unit.code).where(Unit.region_code == "340100",
                                                                    Unit.kind == "county")).all()
        assert len(hefei_counties) == 7 and all(c.startswith("3401") for c in hefei_counties)
    assert api.get("/plans/current", "city_reviewer").get_json() == luan  # Lu'an's users see what they saw
    # loading it again changes nothing
    load_hefei_again = for_region(read_plan_file(DEFAULT_PLAN_FILE), HEFEI, "hf")
    with app.app_context():
        load_plan(load_hefei_again)
        db.session.commit()
    assert counts(app) == after


def test_each_unit_sees_only_its_regions_plans_and_items(app: Flask, api: Api) -> None:
    load_hefei(app)
    luan_plans = api.get("/plans", "city_reviewer").get_json()
    hefei_plans = api.get("/plans", "hf_city_reviewer").get_json()
    assert [(p["code"], p["region"], p["current"]) for p in luan_plans] == [("luan-2018-143", "六安市", True)]
    assert [(p["code"], p["region"], p["region_code"], p["current"]) for p in hefei_plans] == [
        ("hf-luan-2018-143", "合肥市", "340100", True)]
    current = api.get("/plans/current", "hf_city_reviewer").get_json()
    assert current["document_number"] == "合政办秘〔2018〕143号" and current["region"] == "合肥市"
    assert set(current["targets"][-1]["per_county"]) <= {f"hf_{c}" for c in
                                                         ("huoqiu", "shucheng", "jinzhai", "huoshan", "jinan",
                                                          "yuan", "yeji")}

    mine = api.get("/items?type=task&per_page=100", "hf_city_reviewer").get_json()
    theirs = api.get("/items?type=task&per_page=100", "city_reviewer").get_json()
    assert mine["total"] == theirs["total"] > 0
    assert not {i["id"] for i in mine["items"]} & {i["id"] for i in theirs["items"]}
    assert all(i["county"] is None or i["county"].startswith("hf_") for i in mine["items"])
    luan_item = theirs["items"][0]
    # another region's item does not exist for this caller: read, list filter, transition
    assert error_of(api.get(f"/items/{luan_item['id']}", "hf_city_reviewer")) == (404, "not_found")
    r = api.post(f"/items/{luan_item['id']}/transitions", "hf_city_reviewer",
                 json={"trigger": "send_back", "version": luan_item["version"], "comment": "x"})
    assert error_of(r) == (404, "not_found")
    assert api.get(f"/items/{luan_item['id']}", "city_reviewer").get_json()["version"] == luan_item["version"]
    r = api.get("/items?plan=luan-2018-143", "hf_city_reviewer")
    assert error_of(r) == (400, "bad_request") and "luan-2018-143" in r.get_json()["message"]
    r = api.get("/items?county=huoqiu", "hf_city_reviewer")  # Lu'an's county is not one of this plan's
    assert error_of(r) == (400, "bad_request")


def test_filing_in_another_region_goes_to_its_plan_and_its_dashboard(app: Flask, api: Api) -> None:
    load_hefei(app)
    made = api.create_application("hf_huoqiu_filer", county="hf_huoqiu", site_name="三河镇村")
    with app.app_context():
        item = db.session.get(Item, made["id"])
        assert db.session.get(Plan, item.plan_id).code == "hf-luan-2018-143"
    assert error_of(api.get(f"/items/{made['id']}", "huoqiu_filer")) == (404, "not_found")
    assert error_of(api.get(f"/items/{made['id']}", "city_reviewer")) == (404, "not_found")
    hefei = api.get("/dashboard/quotas", "hf_city_reviewer").get_json()
    luan = api.get("/dashboard/quotas", "city_reviewer").get_json()
    assert {r["county"] for r in hefei} == {f"hf_{c}" for c in ("huoqiu", "shucheng", "jinzhai", "huoshan",
                                                                "jinan", "yuan", "yeji")}
    assert {r["county"] for r in luan} == {"huoqiu", "shucheng", "jinzhai", "huoshan", "jinan", "yuan", "yeji"}
    assert sum(r["pending"] for r in hefei) == sum(r["pending"] for r in luan)  # a draft is not pending yet


def test_notice_registers_are_per_issuer_and_year(app: Flask, api: Api) -> None:
    load_hefei(app)
    numbers = []
    for drafter, approver, subject in (("city_reviewer", "office_approver", "huoqiu"),
                                       ("hf_city_reviewer", "hf_office_approver", "hf_huoqiu"),
                                       ("city_reviewer", "office_approver", "yeji")):
        r = api.post("/notices", drafter, json={
            "kind": "criticism", "title": "关于部分县区推进不力的通报", "addressees": "各县区人民政府",
            "body": "一、基本情况\n进度滞后。", "subject_units": [subject]})
        assert r.status_code == 201, r.get_json()
        notice = r.get_json()
        assert api.fire(notice["id"], drafter, "submit", 1).status_code == 200
        assert api.fire(notice["id"], approver, "issue", 2).status_code == 200
        with app.app_context():
            numbers.append(db.session.get(Item, notice["id"]).number)
    assert numbers == ["六电商办〔2018〕1号", "合电商办〔2018〕1号", "六电商办〔2018〕2号"]
    with app.app_context():
        registers = dict(db.session.execute(select(NoticeCounter.issuer_code, NoticeCounter.last_seq)).tuples().all())
    assert registers == {"六电商办": 2, "合电商办": 1}


def test_a_citys_second_plan_and_the_switch(app: Flask, api: Api, auth: Auth, client: FlaskClient) -> None:
    load_luan_2019(app)
    plans = api.get("/plans", "city_reviewer").get_json()
    assert [(p["code"], p["current"], p["region_current"]) for p in plans] == [
        ("luan-2019-88", True, True), ("luan-2018-143", False, False)]
    assert api.get("/plans/current", "city_reviewer").get_json()["code"] == "luan-2019-88"
    before = api.get("/items?type=task&per_page=5", "city_reviewer").get_json()
    old = api.get("/items?type=task&per_page=5&plan=luan-2018-143", "city_reviewer").get_json()
    assert before["total"] == old["total"] and {i["id"] for i in before["items"]}.isdisjoint(
        {i["id"] for i in old["items"]})
    # the 2018 plan's items stay reachable by id: still the region's work
    assert api.get(f"/items/{old['items'][0]['id']}", "city_reviewer").status_code == 200

    auth.login("city_reviewer")
    page = client.get("/").get_data(as_text=True)
    assert 'name="plan_id"' in page and "六政办秘〔2019〕88号" in page and "六政办秘〔2018〕143号" in page
    with app.app_context():
        old_id = db.session.scalar(select(Plan.id).where(Plan.code == "luan-2018-143"))
    r = client.post("/plan", data={"plan_id": old_id, "csrf_token": csrf_token(client, "/")})
    assert r.status_code == 302
    assert "已切换到方案" in client.get("/").get_data(as_text=True)
    assert api.get("/plans/current", "city_reviewer").get_json()["code"] == "luan-2018-143"
    assert api.get("/plans/current", "office_approver").get_json()["code"] == "luan-2019-88"  # per user


def test_a_switch_to_a_plan_of_another_region_is_refused(app: Flask, api: Api, auth: Auth,
                                                          client: FlaskClient) -> None:
    load_hefei(app)
    with app.app_context():
        hefei_id = db.session.scalar(select(Plan.id).where(Plan.code == "hf-luan-2018-143"))
    auth.login("city_reviewer")
    r = client.post("/plan", data={"plan_id": hefei_id, "csrf_token": csrf_token(client, "/")}, follow_redirects=True)
    assert "无权查看该方案" in r.get_data(as_text=True)
    assert api.get("/plans/current", "city_reviewer").get_json()["code"] == "luan-2018-143"


def test_a_unit_of_another_region_is_refused_whole(app: Flask) -> None:
    data = for_region(read_plan_file(DEFAULT_PLAN_FILE), HEFEI, "hf")
    stolen = dataclasses.replace(data, units=(*data.units[:-1], dataclasses.replace(data.units[-1], slug="commerce")))
    stolen = dataclasses.replace(stolen, tasks=tuple(
        dataclasses.replace(t, lead=tuple("commerce" if s == data.units[-1].slug else s for s in t.lead),
                            cooperating=tuple("commerce" if s == data.units[-1].slug else s for s in t.cooperating))
        for t in stolen.tasks))
    with app.app_context():
        before = db.session.scalar(select(func.count(Unit.id)))
        with pytest.raises(PlanDataError, match="commerce"):
            load_plan(stolen)
        db.session.rollback()
        assert db.session.scalar(select(func.count(Unit.id))) == before
        assert db.session.scalar(select(Plan.id).where(Plan.code == "hf-luan-2018-143")) is None


def test_each_plan_of_a_city_has_its_own_quarterly_reports(app: Flask) -> None:
    load_luan_2019(app)
    with app.app_context():
        plans = {p.code: p for p in db.session.scalars(select(Plan))}
        old = open_quarterly_reports(db.session, plans["luan-2018-143"], 2019, 1)
        new = open_quarterly_reports(db.session, plans["luan-2019-88"], 2019, 1)
        db.session.commit()
        assert len(old.created) == len(new.created) > 20 and not set(old.created) & set(new.created)
        again = open_quarterly_reports(db.session, plans["luan-2019-88"], 2019, 1)
        assert again.created == [] and again.existing == len(new.created)
        plan_of = dict(db.session.execute(select(Report.id, Report.plan_id)).tuples().all())
        assert {plan_of[i] for i in new.created} == {plans["luan-2019-88"].id}


def test_a_notice_names_only_units_of_its_plans_region(app: Flask, api: Api) -> None:
    load_hefei(app)
    r = api.post("/notices", "hf_city_reviewer", json={
        "kind": "criticism", "title": "关于推进不力的通报", "addressees": "各县区人民政府", "body": "一、情况\n滞后。",
        "subject_units": ["hf_huoqiu", "huoqiu"]})
    assert error_of(r) == (422, "guard_failed") and "未知单位：huoqiu" in r.get_json()["details"]["reasons"]
    made = api.post("/notices", "hf_city_reviewer", json={
        "kind": "criticism", "title": "关于推进不力的通报", "addressees": "各县区人民政府", "body": "一、情况\n滞后。",
        "subject_units": ["hf_huoqiu"]}).get_json()
    r = api.patch(f"/items/{made['id']}", "hf_city_reviewer", json={"version": 1, "subject_units": ["yeji"]})
    assert error_of(r) == (400, "bad_request")
    assert api.get(f"/items/{made['id']}", "hf_city_reviewer").get_json()["version"] == 1
