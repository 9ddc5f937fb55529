"""Workflow points a real chain expects: the office's switch for approving a city acceptance, a county's
extension request endorsed by its county reviewer before the office decides, and every action a role
may take listed in that role's 待办."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

from sqlalchemy import select, update

from app.auth.models import User
from app.extension_requests.models import ExtensionRequest
from app.extensions import db
from app.items.facts import subject_for
from app.items.models import Item
from app.items.waiting import OPTIONAL_TRIGGERS
from app.tasks.models import TaskAssignment
from app.workflow_settings.models import WorkflowSetting
from tests.screens.support import action_section, actor, flashes, make_application
from workflows.engine import available_actions

CITY_STEP, OFFICE_STEP = "mobilization.city_review", "mobilization.office_review"


def state_of(item_id: int) -> str:
    return db.session.get(Item, item_id).state


def switch_rows() -> list[tuple[str, bool, str]]:
    return [(r.key, r.enabled, r.updated_by) for r in db.session.scalars(select(WorkflowSetting))]


def test_by_default_the_city_accepts_alone_and_the_office_veto_is_in_its_todo(person, inapp) -> None:
    item_id = inapp(make_application, "huoqiu", CITY_STEP)
    city, office = person("city_reviewer"), person("office_approver")
    assert item_id in city.rows("/todo")
    # the office may refuse (不予通过) at the city step: the item is in its 待办 with that action
    assert item_id in office.rows("/todo")
    assert action_section(office.get(f"/items/{item_id}"), "reject")
    assert not action_section(office.get(f"/items/{item_id}"), "approve")
    city.act(item_id, "accept")
    assert inapp(state_of, item_id) == "implementation"
    assert inapp(switch_rows) == []


def test_with_the_switch_on_the_city_acceptance_waits_for_the_office(person, inapp) -> None:
    office, city = person("office_approver"), person("city_reviewer")
    settings = office.get("/settings/workflow")
    assert 'name="office_approves_acceptance"' in settings and "checked" not in settings
    person("huoqiu_filer").get("/settings/workflow", status=403)
    city.get("/settings/workflow", status=403)
    r = office.post("/settings/workflow", {"office_approves_acceptance": "on"}, follow=True)
    assert "审批流程设置已保存" in " ".join(flashes(r.get_data(as_text=True)))
    assert inapp(switch_rows) == [("office_approves_acceptance", True, "office_approver")]

    item_id = inapp(make_application, "huoqiu", CITY_STEP)
    assert "确定为创建对象（报办公室审批）" in action_section(city.get(f"/items/{item_id}"), "accept")
    city.act(item_id, "accept")
    assert inapp(state_of, item_id) == OFFICE_STEP
    assert item_id not in city.rows("/todo")
    assert item_id in office.rows("/todo")
    page = office.get(f"/items/{item_id}")
    assert action_section(page, "approve") and action_section(page, "reject") and action_section(page, "send_back")
    # 不予通过 needs a reason; 退回 goes back to the city; approval moves on to implementation
    office.act(item_id, "reject", comment="")
    assert inapp(state_of, item_id) == OFFICE_STEP
    office.act(item_id, "send_back", comment="请核实村级服务站建设情况")
    assert inapp(state_of, item_id) == CITY_STEP and item_id in city.rows("/todo")
    city.act(item_id, "accept")
    office.act(item_id, "approve")
    assert inapp(state_of, item_id) == "implementation"

    # turned off again: the city decides alone, and an item already at the office stays decidable
    waiting = inapp(make_application, "shucheng", CITY_STEP)
    city.act(waiting, "accept")
    office.post("/settings/workflow", {})
    assert inapp(switch_rows) == [("office_approves_acceptance", False, "office_approver")]
    later = inapp(make_application, "jinzhai", CITY_STEP)
    city.act(later, "accept")
    assert inapp(state_of, later) == "implementation"
    assert waiting in office.rows("/todo")
    office.act(waiting, "reject", comment="不符合申报条件")
    assert inapp(state_of, waiting) == "rejected"


def extension_rows(item_id: int) -> list[tuple]:
    return [(r.stage, r.decision, r.endorsed_by.username if r.endorsed_by else None,
             r.decided_by.username if r.decided_by else None)
            for r in db.session.scalars(select(ExtensionRequest).where(ExtensionRequest.item_id == item_id)
                                        .order_by(ExtensionRequest.id))]


def overdue_application(county: str) -> int:
    item_id = make_application(county, "self_assessment.draft")
    db.session.execute(update(Item).where(Item.id == item_id).values(due_on=date(2018, 7, 5)))
    return item_id


def request_id(html: str) -> int:
    return int(re.search(r'data-extension="(\d+)"', html).group(1))


def test_a_county_request_goes_through_its_reviewer_before_the_office(person, inapp) -> None:
    item_id = inapp(overdue_application, "huoqiu")
    filer, reviewer, office = person("huoqiu_filer"), person("huoqiu_reviewer"), person("office_approver")
    filer.post(f"/items/{item_id}/extension", {"requested_until": "2018-07-31", "reason": "村两委换届"})
    assert inapp(extension_rows, item_id) == [("county", None, None, None)]
    assert "待县区审核" in filer.get(f"/items/{item_id}")
    # the office does not see it yet, and cannot decide it
    assert "村两委换届" not in office.get("/extensions") and f"/items/{item_id}#extension" not in office.get("/todo")
    req = request_id(reviewer.get("/extensions"))
    r = office.post(f"/extensions/{req}/decide", {"decision": "granted"}, follow=True)
    assert "尚待县区审核人审核" in " ".join(flashes(r.get_data(as_text=True)))
    # another county's reviewer may not endorse it; its own reviewer finds it in the 待办
    assert "村两委换届" not in person("shucheng_reviewer").get("/extensions")
    r = person("shucheng_reviewer").post(f"/extensions/{req}/endorse", {"decision": "endorse"}, follow=True)
    assert inapp(extension_rows, item_id) == [("county", None, None, None)]
    todo = reviewer.get("/todo")
    assert "延期申请" in todo and f"/items/{item_id}#extension" in todo
    r = reviewer.post(f"/extensions/{req}/endorse", {"decision": "endorse", "back": "item"}, follow=True)
    assert "已同意并报领导小组办公室审批" in " ".join(flashes(r.get_data(as_text=True)))
    assert inapp(extension_rows, item_id) == [("office", None, "huoqiu_reviewer", None)]
    assert f"/items/{item_id}#extension" not in reviewer.get("/todo")
    assert f"/items/{item_id}#extension" in office.get("/todo") and "村两委换届" in office.get("/extensions")
    office.post(f"/extensions/{req}/decide", {"decision": "granted", "granted_until": "2018-07-25"})
    assert inapp(extension_rows, item_id) == [("office", "granted", "huoqiu_reviewer", "office_approver")]
    history = filer.get(f"/items/{item_id}")
    assert 'data-trigger="endorse_extension"' in history and "县区审核同意延期" in history


def test_the_county_reviewer_may_refuse_with_a_reason(person, inapp) -> None:
    item_id = inapp(overdue_application, "huoqiu")
    filer, reviewer = person("huoqiu_filer"), person("huoqiu_reviewer")
    filer.post(f"/items/{item_id}/extension", {"requested_until": "2018-07-31", "reason": "理由"})
    req = request_id(reviewer.get("/extensions"))
    r = reviewer.post(f"/extensions/{req}/endorse", {"decision": "refused", "comment": ""}, follow=True)
    assert "不予同意时必须填写理由" in " ".join(flashes(r.get_data(as_text=True)))
    reviewer.post(f"/extensions/{req}/endorse", {"decision": "refused", "comment": "本周内可以完成"})
    assert inapp(extension_rows, item_id) == [("county", "refused", None, "huoqiu_reviewer")]
    assert "延期申请未获县区审核同意" in filer.get("/notifications")


def department_task() -> int:
    row = db.session.scalar(select(TaskAssignment).where(TaskAssignment.unit.has(kind="department"),
                                                         TaskAssignment.due_on.is_not(None)).limit(1))
    if row is None:  # the plan's assignments are created when the plan is loaded
        raise AssertionError("no department task with a deadline")
    db.session.execute(update(Item).where(Item.id == row.id).values(due_on=date(2018, 7, 5)))
    return row.id


def test_a_department_request_and_a_county_reviewer_request_go_straight_to_the_office(person, inapp) -> None:
    task_id = inapp(department_task)
    filer = inapp(lambda: db.session.scalar(select(User.username).join(Item, Item.unit_id == User.unit_id)
                                            .where(Item.id == task_id, User.role == "dept_filer")))
    person(filer).post(f"/items/{task_id}/extension", {"requested_until": "2018-07-31", "reason": "部门理由"})
    assert inapp(extension_rows, task_id) == [("office", None, None, None)]
    assert "部门理由" in person("office_approver").get("/extensions")
    item_id = inapp(overdue_application, "shucheng")
    person("shucheng_reviewer").post(f"/items/{item_id}/extension", {"requested_until": "2018-07-31", "reason": "审核人理由"})
    assert inapp(extension_rows, item_id) == [("office", None, None, None)]


def todo_gaps(usernames: list[str], item_ids: list[int]) -> list[tuple[str, int, str]]:
    """(user, item, trigger) of each non-optional action a user may take on an item: what 待办 must list."""
    out = []
    for username in usernames:
        who = actor(username)
        for item_id in item_ids:
            subject = subject_for(db.session.get(Item, item_id))
            for action in available_actions(subject, who):
                if action.trigger not in OPTIONAL_TRIGGERS:
                    out.append((username, item_id, action.trigger))
    return out


def test_every_action_a_role_may_take_is_in_its_todo(person, inapp) -> None:
    """Applications at every step of the main path (and at the office step): each non-optional action a
    demo account is offered on an item puts that item in the account's 待办, and nothing else is there."""
    states = ("mobilization.draft", "mobilization.county_review", CITY_STEP, "self_assessment.draft",
              "self_assessment.county_review", "acceptance.inspection")
    items = [inapp(make_application, "huoqiu", st, site=f"村{i}") for i, st in enumerate(states)]
    at_office = inapp(make_application, "huoqiu", CITY_STEP, site="村office")
    inapp(lambda: db.session.add(WorkflowSetting(key="office_approves_acceptance", enabled=True,
                                                 updated_at=datetime(2018, 7, 1, tzinfo=timezone.utc), updated_by="test")))
    person("city_reviewer").act(at_office, "accept")
    items.append(at_office)
    users = ["huoqiu_filer", "huoqiu_reviewer", "city_reviewer", "office_approver", "supervisor", "shucheng_filer"]
    expected = inapp(todo_gaps, users, items)
    assert {(u, i) for u, i, t in expected if t == "reject" and u == "office_approver"} >= {
        ("office_approver", items[2]), ("office_approver", at_office)}
    for username in users:
        listed = set(person(username).rows("/todo?per_page=100")) & set(items)
        assert listed == {i for u, i, _t in expected if u == username}, username
