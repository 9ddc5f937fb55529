"""The 绩效考核 API, screen, Excel export, weights screen and the board's late/missing reports, on the
known facts of tests/scores/world.py (霍邱县 2018Q4: 45.83, components recomputed by hand in
test_score_by_hand.py)."""
from __future__ import annotations

import io

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.scores.models import ScoreWeight
from tests.api.conftest import Api
from tests.helpers import csrf_token
from tests.scores.world import build
from tests.screens.support import Person

COUNTY_NAMES = ["霍邱县", "舒城县", "金寨县", "霍山县", "金安区", "裕安区", "叶集区"]
HUOQIU = {"on_time": 0.8333, "quota": 0.0278, "first_pass": 0.5, "reports": 0.5}


@pytest.fixture
def world(app: Flask, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    with app.app_context():
        ids = build(app, monkeypatch)
        db.session.remove()
    return ids


def test_api_shape_and_figures(app: Flask, client, world) -> None:
    api = Api(client)
    r = api.get("/dashboard/scores", "supervisor", query_string={"period": "2018Q4"})
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {"period", "weights", "units", "unscored"}
    assert body["period"] == "2018Q4"
    assert body["weights"] == {"on_time": 0.3, "quota": 0.3, "first_pass": 0.2, "reports": 0.2}
    for unit in body["units"]:
        assert set(unit) == {"unit", "name", "kind", "score", "rank", "components"}
        assert unit["kind"] in ("county", "department") and 0 <= unit["score"] <= 100
        assert all(0 <= v <= 1 for v in unit["components"].values())
    counties = [u for u in body["units"] if u["kind"] == "county"]
    assert [(u["unit"], u["rank"], u["score"]) for u in counties] == [
        ("huoqiu", 1, 45.83), ("shucheng", 2, 0.0), ("jinzhai", 2, 0.0), ("huoshan", 2, 0.0), ("jinan", 2, 0.0),
        ("yuan", 2, 0.0), ("yeji", 2, 0.0)]
    assert counties[0]["components"] == HUOQIU
    departments = [u for u in body["units"] if u["kind"] == "department"]
    assert {"commerce", "transport"} <= {u["unit"] for u in departments}
    assert all("quota" not in u["components"] for u in departments)


def test_api_year(app: Flask, client, world) -> None:
    r = Api(client).get("/dashboard/scores", "office_approver", query_string={"period": "2018"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["period"] == "2018"
    huoqiu = next(u for u in body["units"] if u["unit"] == "huoqiu")
    assert huoqiu["components"]["reports"] == 0.25  # 2018Q3 missing (0), 2018Q4 late (½)


@pytest.mark.parametrize("period", ["2018Q5", "Q4", "2018-4", "abcd", "20181"])
def test_api_bad_period(app: Flask, client, period: str) -> None:
    r = Api(client).get("/dashboard/scores", "supervisor", query_string={"period": period})
    assert r.status_code == 400
    body = r.get_json()
    assert body["error"] == "bad_request"
    assert "考核期间" in body["message"] and "2018Q4" in body["message"]


def test_api_visibility(app: Flask, client, world) -> None:
    api = Api(client)
    assert api.get("/dashboard/scores", query_string={"period": "2018Q4"}).status_code == 401
    for username, unit in (("huoqiu_filer", "huoqiu"), ("huoqiu_reviewer", "huoqiu"), ("shucheng_filer", "shucheng"),
                           ("commerce_filer", "commerce")):
        body = api.get("/dashboard/scores", username, query_string={"period": "2018Q4"}).get_json()
        assert [u["unit"] for u in body["units"]] == [unit], username
    own = api.get("/dashboard/scores", "shucheng_filer", query_string={"period": "2018Q4"}).get_json()["units"][0]
    assert (own["rank"], own["score"]) == (2, 0.0)
    for username in ("city_reviewer", "office_approver", "supervisor", "admin"):
        body = api.get("/dashboard/scores", username, query_string={"period": "2018Q4"}).get_json()
        assert {u["unit"] for u in body["units"] if u["kind"] == "county"} == {
            "huoqiu", "shucheng", "jinzhai", "huoshan", "jinan", "yuan", "yeji"}, username


def sign_in(client, username: str) -> None:
    token = csrf_token(client, "/login")
    assert client.post("/login", data={"username": username, "password": "plandesk2018",
                                       "csrf_token": token}).status_code == 302


def test_screen_shows_ranking_and_breakdown(app: Flask, client, world) -> None:
    sign_in(client, "supervisor")
    r = client.get("/dashboard/scores?period=2018Q4")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    for name in COUNTY_NAMES:
        assert name in html
    section = html[html.index('id="unit-huoqiu"'):]
    section = section[:section.index("</section>")]
    # each component's share, its weight and its points: 0.3 × 0.8333 × 100 = 25.00, 0.3 × 0.0278 × 100 = 0.83,
    # 0.2 × 0.5 × 100 = 10.00 twice; the points add up to the score 45.83
    assert "第 1 名" in section and "45.83" in section
    for points in ("25.00", "0.83", "10.00"):
        assert f'data-points>{points}<' in section, points
    assert "83.3%" in section and "2.8%" in section
    assert "12 个办理期限中按期办理 10 个" in section
    assert "2 件验收决定中一次通过 1 件" in section
    assert "按时 0 份，迟报 1 份，漏报 0 份" in section
    assert "2018-10-29" in section or "2018年10月29日" in section  # a late step's deadline is listed
    shucheng = html[html.index('id="unit-shucheng"'):]
    assert "第 2 名" in shucheng[:shucheng.index("</section>")]


def test_screen_for_a_county_and_bad_period(app: Flask, client, world) -> None:
    sign_in(client, "huoqiu_filer")
    html = client.get("/dashboard/scores?period=2018Q4").get_data(as_text=True)
    assert 'id="unit-huoqiu"' in html
    assert 'data-unit="shucheng"' not in html and "舒城县" not in html
    r = client.get("/dashboard/scores?period=2018Q9")
    assert r.status_code == 400
    assert "考核期间“2018Q9”无效" in r.get_data(as_text=True)


def test_english_screen(app: Flask, world) -> None:
    """English second: the ranking and the breakdown in English, data (unit names) as stored."""
    person = Person(app, "supervisor")
    person.post("/language", {"locale": "en"})
    html = person.get("/dashboard/scores?period=2018Q4")
    assert '<html lang="en">' in html
    for words in ("Performance scores", "How each unit scored", "rank 1", "On-time handling rate",
                  "10 of 12 handling deadlines met", "1 of 2 acceptance decisions passed first time",
                  "0 on time, 1 late, 0 missing"):
        assert words in html, words
    board = person.get("/dashboard")
    assert "Late and missing quarterly reports" in board


def test_excel_holds_the_same_figures(app: Flask, client, world) -> None:
    sign_in(client, "supervisor")
    r = client.get("/dashboard/scores.xlsx?period=2018Q4")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.data))
    rows = list(book["绩效考核"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("类别", "名次", "单位", "得分")
    api = {u["name"]: u for u in Api(client).get("/dashboard/scores", "supervisor",
                                                 query_string={"period": "2018Q4"}).get_json()["units"]}
    components = ("on_time", "quota", "first_pass", "reports")
    assert len(rows) - 1 == len(api)
    for row in rows[1:]:
        unit = api[row[2]]
        assert (row[1], row[3]) == (unit["rank"], unit["score"])
        assert list(row[4:8]) == [unit["components"].get(c) for c in components]
    huoqiu = next(row for row in rows if row[2] == "霍邱县")
    assert huoqiu[:8] == ("县区", 1, "霍邱县", 45.83, 0.8333, 0.0278, 0.5, 0.5)
    notes = {row[0]: row[1] for row in book["说明"].iter_rows(values_only=True)}
    assert notes["考核期间"] == "2018Q4"


def test_excel_for_a_county_holds_its_own_row(app: Flask, client, world) -> None:
    sign_in(client, "shucheng_reviewer")
    book = load_workbook(io.BytesIO(client.get("/dashboard/scores.xlsx?period=2018Q4").data))
    rows = list(book["绩效考核"].iter_rows(values_only=True))[1:]
    assert [row[2] for row in rows] == ["舒城县"]


def test_weights_screen(app: Flask, client, world) -> None:
    sign_in(client, "huoqiu_filer")
    assert client.get("/dashboard/scores/weights").status_code == 403
    client.get("/logout")
    client2 = app.test_client()
    sign_in(client2, "office_approver")
    token = csrf_token(client2, "/dashboard/scores/weights")
    bad = client2.post("/dashboard/scores/weights", data={"csrf_token": token, "weight-on_time": "abc",
                                                          "enabled-on_time": "on", "weight-quota": "30",
                                                          "weight-first_pass": "20", "weight-reports": "20"})
    assert bad.status_code == 400 and "办理时限按时率的权重应为 0 到 100 之间的数" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(ScoreWeight)).all() == []
    ok = client2.post("/dashboard/scores/weights", data={"csrf_token": token, "weight-on_time": "50",
                                                         "enabled-on_time": "on", "weight-quota": "30",
                                                         "weight-first_pass": "20", "weight-reports": "50",
                                                         "enabled-reports": "on"})
    assert ok.status_code == 302
    body = Api(client2).get("/dashboard/scores", "supervisor", query_string={"period": "2018Q4"}).get_json()
    assert body["weights"] == {"on_time": 0.5, "reports": 0.5}
    huoqiu = next(u for u in body["units"] if u["unit"] == "huoqiu")
    assert huoqiu["score"] == 66.67  # 100 × (0.5 × 0.8333 + 0.5 × 0.5) = 66.665, half up


def test_board_shows_late_and_missing_reports(app: Flask, client, world) -> None:
    sign_in(client, "supervisor")
    html = client.get("/dashboard").get_data(as_text=True)
    section = html[html.index('id="late-reports"'):]
    section = section[:section.index("</section>")]
    assert '<tr data-unit="huoqiu" data-status="late">' in section
    assert '<tr data-unit="shucheng" data-status="missing">' in section
    assert "迟报" in section and "漏报" in section
    huoqiu_row = section[section.index('data-unit="huoqiu" data-status="late"'):]
    assert "2018Q4" in huoqiu_row[:huoqiu_row.index("</tr>")]
    county = app.test_client()
    sign_in(county, "huoqiu_filer")
    html = county.get("/dashboard").get_data(as_text=True)
    section = html[html.index('id="late-reports"'):]
    section = section[:section.index("</section>")]
    assert 'data-unit="huoqiu"' in section and 'data-unit="shucheng"' not in section
