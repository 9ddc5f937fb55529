"""GET /plans/current: the plan as data (phases, tasks with expanded counties, targets with quotas)."""
from __future__ import annotations

from tests.api.conftest import Api

COUNTIES = ["huoqiu", "shucheng", "jinzhai", "huoshan", "jinan", "yuan", "yeji"]


def test_current_plan(api: Api) -> None:
    plan = api.get("/plans/current", "supervisor").get_json()
    assert plan["document_number"] == "六政办秘〔2018〕143号"
    assert [(p["name"], p["deadline"]) for p in plan["phases"]] == [
        ("mobilization", "2018-07-31"), ("implementation", "2018-10-31"), ("self_assessment", "2019-02-28"),
        ("acceptance", "2019-02-28"), ("rectification", None), ("consolidation", None)]
    assert plan["phases"][0]["title"] == "动员部署"
    tasks = {t["number"]: t for t in plan["tasks"]}
    assert any(t["lead_units"][-7:] == COUNTIES or t["cooperating_units"][-7:] == COUNTIES for t in tasks.values())
    assert all(t["deadline"] and t["title"] for t in tasks.values())
    targets = {t["indicator"]: t for t in plan["targets"]}
    village = targets["provincial_demo_village"]
    assert (village["target"], village["measure"]) == (21, "个")
    assert village["per_county"] == {"huoqiu": 4, "shucheng": 4, "jinzhai": 3, "huoshan": 3, "jinan": 3, "yuan": 3,
                                     "yeji": 1}
    assert targets["online_sales"] == {"indicator": "online_sales", "title": "农村产品网络销售额", "measure": "亿元",
                                       "target": 65, "per_county": {}}
    assert len(targets) == 16


def test_me_for_a_city_role(api: Api) -> None:
    assert api.get("/me", "office_approver").get_json() == {
        "username": "office_approver", "display_name": "领导小组办公室负责人", "roles": ["office_approver"],
        "unit": "leading_group_office"}
