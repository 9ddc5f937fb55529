"""The 起草工作进展情况通报 form on the overdue list and the 绩效考核 screen: the office drafts the
bulletin of an ended quarter and lands on its edit page; a county's clerk has no button and is refused."""
from __future__ import annotations

import json
import re
from datetime import date

from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.notices.models import Notice
from tests.helpers import csrf_token

TODAY = date(2018, 11, 20)  # 2018Q4 running: 2018Q3 is the newest ended quarter
FORM = re.compile(r'<form[^>]*data-progress-draft.*?</form>', re.S)


def _notices(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Notice))


def test_the_form_offers_ended_quarters_newest_first_then_the_year(app: Flask, client, auth) -> None:
    app.config["PLANDESK_TODAY"] = TODAY
    auth.login("office_approver")
    for path in ("/dashboard/overdue", "/dashboard/scores"):
        page = client.get(path).get_data(as_text=True)
        form = FORM.search(page)
        assert form, path
        assert "起草工作进展情况通报" in form.group(0)
        periods = re.findall(r'<option value="([^"]+)"', form.group(0))
        assert periods[0] == "2018Q3" and periods[-1] == "2018" and "2018Q4" not in periods
        assert periods[:-1] == sorted(periods[:-1], reverse=True)


def test_the_office_drafts_the_bulletin_of_2018q3_and_lands_on_its_edit_page(app: Flask, client, auth) -> None:
    app.config["PLANDESK_TODAY"] = TODAY
    auth.login("office_approver")
    token = csrf_token(client, "/dashboard/scores")
    r = client.post("/notices/draft-from-facts",
                    data={"kind": "progress", "period": "2018Q3", "back": "scores", "csrf_token": token})
    assert r.status_code == 302
    match = re.fullmatch(r"/notices/(\d+)/edit", r.headers["Location"])
    assert match, r.headers["Location"]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "已据实生成工作进展情况通报草稿" in page and "提交后下一步由领导小组办公室负责人办理：退回修改、签发。" in page
    with app.app_context():
        notice = db.session.get(Notice, int(match.group(1)))
        facts = json.loads(notice.facts_json)
        assert notice.kind == "progress" and notice.state == "draft"
        assert notice.title == "关于2018年第三季度全市农村电商工作进展情况的通报"
        assert facts["period"] == "2018Q3" and facts["as_of"] == "2018-09-30"
        counties = [row for row in facts["ranking"] if row["kind"] == "county"]
        assert len(counties) == 7 and all(row["rank"] >= 1 for row in counties)
        assert "县区和市直部门绩效考核排名表" in notice.attachments_note


def test_a_county_clerk_has_no_button_and_is_refused(app: Flask, client, auth) -> None:
    app.config["PLANDESK_TODAY"] = TODAY
    auth.login("huoqiu_filer")
    before = _notices(app)
    for path in ("/dashboard/overdue", "/dashboard/scores"):
        answer = client.get(path)
        page = answer.get_data(as_text=True)
        assert answer.status_code == 200 and ("逾期督办" in page or "绩效考核" in page)
        assert "起草工作进展情况通报" not in page and "data-progress-draft" not in page
    token = csrf_token(client, "/dashboard/scores")
    r = client.post("/notices/draft-from-facts",
                    data={"kind": "progress", "period": "2018Q3", "back": "scores", "csrf_token": token})
    assert r.status_code == 403
    assert _notices(app) == before


def test_a_period_not_yet_begun_is_refused_back_on_the_screen(app: Flask, client, auth) -> None:
    app.config["PLANDESK_TODAY"] = TODAY
    auth.login("city_reviewer")
    before = _notices(app)
    token = csrf_token(client, "/dashboard/scores")
    r = client.post("/notices/draft-from-facts",
                    data={"kind": "progress", "period": "2019Q1", "back": "scores", "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/dashboard/scores"
    assert "尚未开始" in client.get("/dashboard/scores").get_data(as_text=True)
    assert _notices(app) == before
