"""The dashboard screens as people use them: sign-in required, role-scoped, charts served by PlanDesk."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.dashboards.journeys import application_to, open_reports, report_to
from tests.helpers import csrf_token

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("/dashboard", "/dashboard/matrix", "/dashboard/overdue", "/dashboard/trends", "/dashboard/items",
         "/dashboard/quotas.json", "/dashboard/trends.json", "/reports/", "/ledger.xlsx", "/admin/plan-import")


@pytest.mark.parametrize("path", PAGES)
def test_sign_in_required(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_board_shows_the_figures(app, auth, client) -> None:
    with app.app_context():
        application_to("huoqiu", "provincial_demo_village", "consolidation")
        application_to("huoqiu", "provincial_demo_village", "mobilization.city_review")
    auth.login("supervisor")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "全市目标完成情况" in page and "县区完成情况一览" in page
    row = re.search(r'<tr class="[^"]*" data-county="huoqiu">(.*?)</tr>',
                    page.split('id="ind-provincial_demo_village"')[1], re.S).group(1)
    cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', row, re.S)
    assert [re.sub(r"<[^>]+>", "", c).strip() for c in cells] == ["4", "1", "1", "3"]
    # the achieved and pending figures lead to the applications behind them
    assert "/dashboard/items?county=huoqiu&amp;indicator=provincial_demo_village&amp;status=achieved" in row


def test_county_user_board_is_its_county_and_the_city(auth, client) -> None:
    auth.login("yeji_reviewer")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "叶集区" in page and "全市" in page
    for other in ("霍邱县", "舒城县", "金寨县", "霍山县", "金安区", "裕安区"):
        assert other not in page
    data = client.get("/dashboard/quotas.json").get_json()
    assert data["own"] == "yeji"
    assert {c["county"] for i in data["indicators"] for c in i["counties"]} == {"yeji"}
    assert all(i["city"] for i in data["indicators"])


def test_board_json_for_the_charts(auth, client) -> None:
    auth.login("city_reviewer")
    data = client.get("/dashboard/quotas.json").get_json()
    assert len(data["indicators"]) == 16 and data["own"] is None
    village = next(i for i in data["indicators"] if i["code"] == "provincial_demo_village")
    assert village["city"]["target"] == 21 and len(village["counties"]) == 7
    assert village["counties"][0] == {"county": "huoqiu", "county_name": "霍邱县", "indicator": "provincial_demo_village",
                                      "indicator_title": "省级电商示范村", "measure": "个", "source": "applications",
                                      "target": 4, "achieved": 0, "pending": 0, "gap": 4, "rate": 0.0}


def test_quota_hint_route(app, auth, client) -> None:
    with app.app_context():
        application_to("huoqiu", "provincial_demo_village", "consolidation")
    auth.login("huoqiu_filer")
    hint = client.get("/dashboard/quota-hint?category=provincial_demo_village").get_json()
    assert hint["text"] == "霍邱县 省级电商示范村：已认定 1 / 目标 4，审核中 0"
    assert client.get("/dashboard/quota-hint?county=shucheng&category=provincial_demo_village").status_code == 404


def test_trends_follow_accepted_reports(app, auth, client) -> None:
    with app.app_context():
        reports = open_reports(2018, 3)
        report_to(reports["yeji"], "accepted", {"training_person_times": 120, "new_ecommerce_entities": 5,
                                                "entities_over_10m": 0, "brands_over_1m": 0,
                                                "sanpin_yibiao_online": 1, "trademark_enterprises_online": 0})
    auth.login("yeji_filer")
    data = client.get("/dashboard/trends.json").get_json()
    training = next(i for i in data["indicators"] if i["code"] == "training_person_times")
    assert training["quarters"] == ["2018年Q3"]
    assert {s["name"]: s["values"] for s in training["series"]} == {"叶集区": [120.0], "全市": [120.0]}
    assert training["unit_targets"] == {"yeji": 500.0} and training["city_target"] == 12800.0
    page = client.get("/dashboard/trends").get_data(as_text=True)
    assert "霍邱县" not in page and "<td class=\"num\">120</td>" in page


def test_charts_are_served_by_plandesk_under_the_csp(auth, client) -> None:
    auth.login("city_reviewer")
    for path in ("/dashboard", "/dashboard/trends"):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
        assert scripts and all(body.strip() == "" and 'src="/static/' in attrs for attrs, body in scripts)
        assert "http://" not in page.replace("http://localhost", "") and "https://" not in page
        assert ' style="' not in page  # style-src 'self': no inline styles either
    with client.get("/static/vendor/chartjs/chart.umd.min.js") as chart:  # static files stream: close them
        assert chart.status_code == 200 and b"Chart.js v4" in chart.data[:200]
    assert (ROOT / "app/static/vendor/chartjs/LICENSE.md").read_text().startswith("The MIT License")
    with client.get("/static/js/dashboards.js") as script:
        assert script.status_code == 200 and b"data-chart" in script.data


def test_nav_links_follow_the_role(auth, client) -> None:
    auth.login("admin")
    assert "方案导入" in client.get("/dashboard").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    auth.login("huoqiu_filer")
    page = client.get("/dashboard/matrix").get_data(as_text=True)
    assert "指标看板" in page and "方案导入" not in page
