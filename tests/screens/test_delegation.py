"""委托代办: an approver hands their role to a colleague for dates; the audit shows both names; the
delegate never decides on their own unit's filings; delegations never cascade."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.auth.delegation import actors_for
from app.auth.models import User
from app.auth.delegation_models import Delegation
from app.extensions import db
from app.items.facts import indicator_codes_for, subject_for
from app.items.models import Item
from app.tasks.models import TaskAssignment
from tests.screens.support import attach, events, fire, flashes, make_application, offered, text_of


def user_id(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def delegate(person, inapp, who: str, to: str, starts: str = "2018-07-09", ends: str = "2018-07-20") -> None:
    r = person(who).post("/delegations", {"delegate_id": inapp(user_id, to), "starts_on": starts, "ends_on": ends,
                                          "reason": "外出学习"}, follow=True)
    assert "委托已生效" in " ".join(flashes(r.get_data(as_text=True))), flashes(r.get_data(as_text=True))


def commerce_task_at_inspection() -> int:
    """A task of 市商务局 (the city reviewer's own unit) driven to acceptance.inspection."""
    task_id = db.session.scalar(select(TaskAssignment.id).where(TaskAssignment.unit.has(slug="commerce"))
                                .order_by(TaskAssignment.id))
    attach(task_id, "commerce_filer", "实施方案.pdf", kind="plan")
    fire(task_id, "submit", "commerce_filer")
    fire(task_id, "file_plan", "city_reviewer")
    attach(task_id, "commerce_filer", "自查材料.pdf")
    codes = indicator_codes_for(db.session.get(Item, task_id))
    fire(task_id, "submit_self_assessment", "commerce_filer", data={"text": "完成", "figures": {c: "1" for c in codes}})
    fire(task_id, "schedule_inspection", "city_reviewer")
    return task_id


def test_the_delegate_acts_and_the_audit_names_both(person, inapp) -> None:
    item_id = inapp(make_application, "shucheng", "acceptance.inspection", site="晓天村")
    city = person("city_reviewer")
    assert "pass" not in offered(city.get(f"/items/{item_id}"))
    delegate(person, inapp, "office_approver", "city_reviewer")
    page = city.get(f"/items/{item_id}")
    assert {"pass", "order_rectification", "reject"} <= offered(page)
    assert "代领导小组办公室负责人办理" in page and "委托期内" in page
    assert item_id in [int(i) for i in re.findall(r'data-item-id="(\d+)"', city.get("/todo"))]
    city.act(item_id, "pass", findings="代为验收：合格")
    last = inapp(lambda: events(item_id)[-1])
    assert (last.trigger, last.actor, last.on_behalf_of, last.role, last.unit) == (
        "pass", "city_reviewer", "office_approver", "office_approver", "leading_group_office")
    history = text_of(person("shucheng_filer").get(f"/items/{item_id}"))
    assert "市商务局审核人 代领导小组办公室负责人" in history
    printed = person("shucheng_filer").get(f"/items/{item_id}/print")
    assert "市商务局审核人（代领导小组办公室负责人）" in printed


def test_a_delegate_never_decides_on_their_own_units_filing(person, inapp) -> None:
    task_id = inapp(commerce_task_at_inspection)
    delegate(person, inapp, "office_approver", "city_reviewer")
    city = person("city_reviewer")
    assert offered(city.get(f"/items/{task_id}")) == set()
    assert task_id not in [int(i) for i in re.findall(r'data-item-id="(\d+)"', city.get("/todo?per_page=100"))]
    delegation = inapp(lambda: db.session.scalar(select(Delegation.id)))
    r = city.act(task_id, "pass", version=str(inapp(lambda: db.session.get(Item, task_id).version)),
                 delegation=str(delegation), findings="合格")
    assert "您当前不能对该事项执行此操作" in " ".join(flashes(r.get_data(as_text=True)))
    assert inapp(lambda: db.session.get(Item, task_id).state) == "acceptance.inspection"


def test_delegations_do_not_cascade_and_end_when_revoked(person, inapp) -> None:
    item_id = inapp(make_application, "shucheng", "acceptance.inspection", site="晓天村")
    delegate(person, inapp, "office_approver", "city_reviewer")
    delegate(person, inapp, "city_reviewer", "huoqiu_reviewer")  # hands on only the city reviewer's own role

    def roles_of(username: str) -> list[tuple[str, str | None]]:
        user = db.session.scalar(select(User).where(User.username == username))
        return [(a.role.value, a.on_behalf_of) for a, _d in actors_for(user)]
    assert inapp(roles_of, "huoqiu_reviewer") == [("county_reviewer", None), ("city_reviewer", "city_reviewer")]
    assert "pass" not in offered(person("huoqiu_reviewer").get(f"/items/{item_id}"))
    row = inapp(lambda: (lambda d: (d.role, d.delegator.username))(
        db.session.scalar(select(Delegation).where(Delegation.delegate.has(username="huoqiu_reviewer")))))
    assert row == ("city_reviewer", "city_reviewer")

    first = inapp(lambda: db.session.scalar(select(Delegation.id).where(
        Delegation.delegator.has(username="office_approver"))))
    r = person("office_approver").post(f"/delegations/{first}/revoke", follow=True)
    assert "委托已撤销" in " ".join(flashes(r.get_data(as_text=True)))
    assert "pass" not in offered(person("city_reviewer").get(f"/items/{item_id}"))


def test_who_may_delegate_and_when_it_applies(person, inapp) -> None:
    r = person("huoqiu_filer").post("/delegations", {"delegate_id": inapp(user_id, "huoqiu_reviewer"),
                                                     "starts_on": "2018-07-10", "ends_on": "2018-07-20"}, follow=True)
    assert "该角色没有可委托的审批权限" in " ".join(flashes(r.get_data(as_text=True)))
    assert "新建委托" not in person("huoqiu_filer").get("/delegations")
    for data, message in (({"ends_on": "2018-07-01"}, "结束日期不能早于开始日期"),
                          ({"delegate_id": ""}, "请选择一位在用的同事作为受托人"),
                          ({"delegate_id": inapp(user_id, "office_approver")}, "不能委托给本人")):
        form = {"delegate_id": inapp(user_id, "city_reviewer"), "starts_on": "2018-07-09", "ends_on": "2018-07-20",
                **data}
        r = person("office_approver").post("/delegations", form, follow=True)
        assert message in " ".join(flashes(r.get_data(as_text=True))), message
    # a delegation that starts later gives nothing today
    delegate(person, inapp, "office_approver", "city_reviewer", starts="2018-07-15", ends="2018-07-20")
    item_id = inapp(make_application, "shucheng", "acceptance.inspection", site="晓天村")
    assert "pass" not in offered(person("city_reviewer").get(f"/items/{item_id}"))
    assert "未开始" in person("office_approver").get("/delegations")


def test_subject_helper_is_consistent(inapp) -> None:
    """The delegate's actor is computed by one function and refused on its own unit up front."""
    from app.auth.delegation import current_actor
    from workflows.errors import NotPermitted

    def check() -> str:
        office = db.session.scalar(select(User).where(User.username == "office_approver"))
        city = db.session.scalar(select(User).where(User.username == "city_reviewer"))
        from datetime import date

        from app.delegations.operations import create_delegation
        d = create_delegation(office, office, city, date(2018, 7, 10), date(2018, 7, 11))
        actor = current_actor(city, delegation_id=d.id)
        assert (actor.role.value, actor.unit, actor.on_behalf_of, actor.excluded_units) == (
            "office_approver", "leading_group_office", "office_approver", frozenset({"commerce"}))
        try:
            current_actor(city, "commerce", delegation_id=d.id)
        except NotPermitted as exc:
            return exc.message
        return ""
    assert inapp(check) == "受托人不能代为审批本人所在单位申报的事项"
    assert subject_for  # imported for the engine's view of items
