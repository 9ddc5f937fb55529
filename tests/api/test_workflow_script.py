"""A script using only the documented API runs applications from draft to consolidation."""
from __future__ import annotations

from tests.api.conftest import Api
from tests.factories import complete_fields

FIGURES = {"online_sales": 320.5, "service_stations": 4, "online_products": 12, "poor_households": 36}


def run_to_inspection(api: Api, category: str, figures: dict) -> tuple[int, int]:
    """Draft → acceptance.inspection; returns (id, version) as read from the responses."""
    created = api.create_application(category=category, site_name="大顾店村",
                                     fields=complete_fields(category, population=2310))
    item_id, version = created["id"], created["version"]
    assert (created["state"], version) == ("mobilization.draft", 1)
    assert api.upload(item_id).status_code == 201
    steps = [
        ("huoqiu_filer", "submit", {}, "mobilization.county_review"),
        ("huoqiu_reviewer", "endorse", {}, "mobilization.city_review"),
        ("city_reviewer", "accept", {}, "implementation"),
        ("huoqiu_filer", "start_self_assessment", {}, "self_assessment.draft"),
    ]
    for user, trigger, body, state in steps:
        r = api.fire(item_id, user, trigger, version, **body)
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["state"] == state
        version = r.get_json()["version"]
    assert api.upload(item_id, name="自查佐证.png", content=b"\x89PNG\r\n\x1a\n" + b"\x00" * 30).status_code == 201
    r = api.fire(item_id, "huoqiu_filer", "submit", version,
                 data={"text": "对照标准逐项自查，全部达标。", "figures": figures})
    assert r.status_code == 200, r.get_json()
    version = r.get_json()["version"]
    r = api.fire(item_id, "huoqiu_reviewer", "endorse", version)
    assert r.get_json()["state"] == "acceptance.inspection"
    return item_id, r.get_json()["version"]


def test_provincial_application_from_draft_to_consolidation(api: Api) -> None:
    item_id, version = run_to_inspection(api, "provincial_demo_village", FIGURES)
    detail = api.get(f"/items/{item_id}", "office_approver").get_json()
    assert {a["trigger"]: a["requires"] for a in detail["actions"]} == {
        "pass": ["findings"], "order_rectification": ["comment", "deadline"], "reject": ["comment"]}
    r = api.fire(item_id, "office_approver", "pass", version, data={"findings": "现场核查属实"})
    assert r.get_json()["state"] == "acceptance.provincial_review"
    r = api.fire(item_id, "office_approver", "record_provincial_decision", r.get_json()["version"],
                 data={"decision": "approved", "document_number": "皖商秘〔2018〕200号"})
    assert r.status_code == 200 and r.get_json() == {"state": "consolidation", "version": 9}

    detail = api.get(f"/items/{item_id}", "huoqiu_filer").get_json()
    assert (detail["state"], detail["version"], detail["county"], detail["unit"]) == ("consolidation", 9, "huoqiu",
                                                                                      "huoqiu")
    assert detail["category"] == "provincial_demo_village"
    assert detail["fields"] == complete_fields("provincial_demo_village", population=2310)
    assert detail["actions"] == []
    versioned = [(e["actor"], e["trigger"], e["from_state"], e["to_state"]) for e in detail["history"]
                 if e["trigger"] not in ("attach", "detach")]
    assert versioned == [
        ("huoqiu_filer", "create", None, "mobilization.draft"),
        ("huoqiu_filer", "submit", "mobilization.draft", "mobilization.county_review"),
        ("huoqiu_reviewer", "endorse", "mobilization.county_review", "mobilization.city_review"),
        ("city_reviewer", "accept", "mobilization.city_review", "implementation"),
        ("huoqiu_filer", "start_self_assessment", "implementation", "self_assessment.draft"),
        ("huoqiu_filer", "submit", "self_assessment.draft", "self_assessment.county_review"),
        ("huoqiu_reviewer", "endorse", "self_assessment.county_review", "acceptance.inspection"),
        ("office_approver", "pass", "acceptance.inspection", "acceptance.provincial_review"),
        ("office_approver", "record_provincial_decision", "acceptance.provincial_review", "consolidation"),
    ]
    attached = [(e["actor"], e["to_state"]) for e in detail["history"] if e["trigger"] == "attach"]
    assert attached == [("huoqiu_filer", "mobilization.draft"), ("huoqiu_filer", "self_assessment.draft")]
    assert [(a["name"], a["phase"]) for a in detail["attachments"]] == [
        ("证明材料.pdf", "mobilization"), ("自查佐证.png", "self_assessment")]
    assert all(e["at"].endswith("+00:00") for e in detail["history"])

    listed = api.get("/items?type=application&state=consolidation", "city_reviewer").get_json()
    assert [i["id"] for i in listed["items"]] == [item_id]


def test_municipal_application_with_rectification(api: Api) -> None:
    figures = {"online_sales": 80, "entities": 5, "service_stations": 3, "poor_households": 12}
    item_id, version = run_to_inspection(api, "municipal_demo_town", figures)
    r = api.fire(item_id, "office_approver", "order_rectification", version, comment="服务站点台账不全",
                 data={"deadline": "2018-08-31"})
    assert r.get_json()["state"] == "rectification.draft"
    version = r.get_json()["version"]
    r = api.fire(item_id, "huoqiu_filer", "submit", version, data={"report": "已补齐台账"})
    assert r.status_code == 422 and r.get_json()["details"]["reasons"] == ["本阶段至少需要上传一份证明材料"]
    assert api.upload(item_id, name="整改.txt", content="整改情况说明".encode()).status_code == 201
    r = api.fire(item_id, "huoqiu_filer", "submit", version, data={"report": "已补齐台账"})
    r = api.fire(item_id, "huoqiu_reviewer", "endorse", r.get_json()["version"])
    assert r.get_json()["state"] == "acceptance.inspection"
    r = api.fire(item_id, "office_approver", "pass", r.get_json()["version"], data={"findings": "整改到位"})
    assert r.get_json()["state"] == "consolidation"
    history = api.get(f"/items/{item_id}", "supervisor").get_json()["history"]
    ordered = [h for h in history if h["trigger"] == "order_rectification"]
    assert ordered[0]["comment"] == "服务站点台账不全" and ordered[0]["actor"] == "office_approver"
