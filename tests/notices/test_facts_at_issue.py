"""Notice facts describe each item as it stands, and are checked again when the notice is issued (签发):
the issuer is told what changed and signs as drafted only by confirming that change-set."""
from __future__ import annotations

import html
import json
import re
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from app.audit.models import AuditEventRow
from app.extensions import db
from app.items.operations import fire_transition
from app.notices.drafting import annexes_for
from app.notices.facts import commendation_facts, criticism_facts, draft_from_facts
from app.notices.models import Notice
from app.notices.recheck import confirmation, facts_changes
from tests.api.conftest import Api
from tests.dashboards.journeys import application_to, fire, plan
from tests.factories import actor_of, add_evidence
from tests.helpers import csrf_token
from workflows.errors import FactsChanged

LATE = date(2018, 8, 10)
VILLAGE = "provincial_demo_village"
PASSED_LINE = "霍邱县：“霍邱县大顾店村申报”已经整改后通过复验（起草时为验收未通过，正在整改）"
#: what the issuer is told once 大顾店村 passed its re-inspection (its rectification was late at drafting)
CHANGES = [PASSED_LINE, "不再整改逾期：霍邱县“霍邱县大顾店村申报”"]


@pytest.fixture
def failed(ctx: Flask) -> dict[str, int]:
    return make_failed()


def make_failed() -> dict[str, int]:
    """On 2018-07-10: 大顾店村 ordered to rectify by 2018-07-20, 春秋乡 rejected, 大湾村 passed first time."""
    ordered = application_to("huoqiu", VILLAGE, "acceptance.inspection", "大顾店村")
    fire(ordered, "office_approver", "order_rectification", "网点设施不达标", deadline="2018-07-20")
    rejected = application_to("shucheng", VILLAGE, "acceptance.inspection", "春秋乡")
    fire(rejected, "office_approver", "reject", "不符合认定标准")
    first = application_to("jinzhai", VILLAGE, "acceptance.inspection", "大湾村")
    fire(first, "office_approver", "pass", findings="现场核查属实")
    return {"ordered": ordered, "rejected": rejected, "first": first}


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def rectify(item_id: int) -> None:
    """The county rectifies and sends the item back to inspection."""
    add_evidence(item_id)
    fire(item_id, "huoqiu_filer", "submit", report="已按要求补齐网点设施")
    fire(item_id, "huoqiu_reviewer", "endorse")


def failed_rows(facts: dict) -> dict[str, str]:
    """The failed-acceptance table of a criticism: item title → its 验收结果 cell."""
    table = next(a for a in annexes_for("criticism", facts) if a["title"] == "检查验收未通过事项清单")
    return {row[2]: row[3] for row in table["rows"]}


def huoqiu_failed(facts: dict) -> list[dict]:
    return next((u["failed_acceptances"] for u in facts["units"] if u["unit"] == "huoqiu"), [])


def drafted_for_issue(app: Flask) -> Notice:
    """A criticism drafted from the facts of 2018-08-10 and submitted for 签发."""
    app.config["PLANDESK_TODAY"] = LATE
    notice = draft_from_facts(actor_of("city_reviewer"), "criticism")
    fire_transition(notice.id, "submit", actor_of("city_reviewer"), version=1)
    db.session.commit()
    return notice


def test_a_failed_acceptance_is_described_as_it_stands(failed: dict[str, int], app: Flask) -> None:
    app.config["PLANDESK_TODAY"] = LATE
    facts = criticism_facts(db.session, plan().id, LATE)
    assert [(e["id"], e["now"], e["rectification_deadline"]) for e in huoqiu_failed(facts)] == \
        [(failed["ordered"], "rectifying", "2018-07-20")]
    assert failed_rows(facts) == {"霍邱县大顾店村申报": "验收未通过，正在整改（整改期限2018年7月20日）",
                                  "舒城县春秋乡申报": "验收未通过"}
    assert facts["rectified_passed"] == []

    rectify(failed["ordered"])  # back at inspection: still a failing, now waiting to be re-inspected
    facts = criticism_facts(db.session, plan().id, LATE)
    assert [e["now"] for e in huoqiu_failed(facts)] == ["awaiting_reinspection"]
    assert failed_rows(facts)["霍邱县大顾店村申报"] == "验收未通过，已整改待复验"

    fire(failed["ordered"], "office_approver", "pass", findings="整改到位")
    facts = criticism_facts(db.session, plan().id, LATE)
    assert huoqiu_failed(facts) == [] and "霍邱县大顾店村申报" not in failed_rows(facts)
    assert [(e["id"], e["unit_name"], e["now"]) for e in facts["rectified_passed"]] == \
        [(failed["ordered"], "霍邱县", "passed_after_rectification")]
    # the rejected one stays criticised as it was
    assert failed_rows(facts) == {"舒城县春秋乡申报": "验收未通过"}
    notice = draft_from_facts(actor_of("city_reviewer"), "criticism")
    assert "另有1项事项检查验收未通过，经整改后已通过复验，不列入本次通报。" in notice.body
    assert "1项事项检查验收未通过（详见" in notice.body
    # 霍邱县 is criticised for its overdue tasks only: its sentence no longer speaks of an acceptance
    huoqiu = draft_from_facts(actor_of("city_reviewer"), "criticism", county="huoqiu")
    assert "检查验收未通过（详见" not in huoqiu.body and "霍邱县14项事项逾期未完成，最长逾期10天，省级" in huoqiu.body
    assert [a["title"] for a in annexes_for("criticism", json.loads(huoqiu.facts_json))][:2] == \
        ["逾期未完成事项清单", "未按方案进度完成目标任务情况表"]

    # the commendation never praises as 一次性通过 an item that failed once
    praised = commendation_facts(db.session, plan().id, LATE)
    passed = {e["id"] for u in praised["units"] for e in u["passed_first_time"]}
    assert passed == {failed["first"]}


def test_issue_lists_what_changed_and_issues_only_when_confirmed(failed: dict[str, int], app: Flask) -> None:
    notice = drafted_for_issue(app)
    frozen = notice.facts_json
    rectify(failed["ordered"])
    fire(failed["ordered"], "office_approver", "pass", findings="整改到位")

    with pytest.raises(FactsChanged) as changed:
        fire_transition(notice.id, "issue", actor_of("office_approver"), version=2)
    db.session.rollback()
    assert changed.value.changes == CHANGES
    assert changed.value.confirmation == confirmation(notice.id, CHANGES)
    kept = db.session.get(Notice, notice.id)
    assert kept.state == "review" and kept.number is None and kept.version == 2

    with pytest.raises(FactsChanged):  # a confirmation of another change-set is no confirmation
        fire_transition(notice.id, "issue", actor_of("office_approver"), version=2,
                        data={"confirm_facts": confirmation(notice.id, ["另一项变化"])})
    db.session.rollback()

    fire_transition(notice.id, "issue", actor_of("office_approver"), version=2,
                    data={"confirm_facts": changed.value.confirmation})
    db.session.commit()
    issued = db.session.get(Notice, notice.id)
    assert issued.state == "issued" and issued.number and issued.facts_json == frozen  # as drafted
    event = db.session.scalar(select(AuditEventRow).where(AuditEventRow.item_id == notice.id,
                                                          AuditEventRow.trigger == "issue"))
    assert json.loads(event.data_json)["confirm_facts"] == changed.value.confirmation


def test_unchanged_facts_issue_at_once_days_late_growing_is_no_change(failed: dict[str, int], app: Flask) -> None:
    notice = drafted_for_issue(app)
    app.config["PLANDESK_TODAY"] = date(2018, 8, 13)  # the next working day: every item 3 days later
    before, after = json.loads(notice.facts_json), criticism_facts(db.session, plan().id, date(2018, 8, 13))
    assert before != after and facts_changes(before, after) == []
    fire_transition(notice.id, "issue", actor_of("office_approver"), version=2)
    db.session.commit()
    assert db.session.get(Notice, notice.id).state == "issued"


def test_changes_name_new_and_no_longer_overdue_items() -> None:
    entry = {"id": 7, "type": "task", "title": "任务7", "deadline": "2018-07-31", "days_late": 3, "level": "overdue"}
    before = {"kind": "criticism", "units": [{"unit": "yeji", "unit_name": "叶集区", "overdue_items": [entry],
                                              "failed_acceptances": [], "overdue_rectifications": []}]}
    other = {**entry, "id": 8, "title": "任务8"}
    after = {"kind": "criticism", "units": [{"unit": "yeji", "unit_name": "叶集区",
                                             "overdue_items": [{**entry, "days_late": 40, "level": "seriously_overdue"},
                                                               other],
                                             "failed_acceptances": [], "overdue_rectifications": []}]}
    assert facts_changes(before, after) == ["新增逾期事项：叶集区“任务8”", "叶集区“任务7”现为严重逾期（起草时为已逾期）"]
    assert facts_changes(after, before) == ["不再逾期：叶集区“任务8”", "叶集区“任务7”现为已逾期（起草时为严重逾期）"]


def test_the_screen_asks_before_issuing_changed_facts(app: Flask, client, auth) -> None:
    with app.app_context():  # not the ctx fixture: each request of the client has its own context
        failed = make_failed()
        notice_id = drafted_for_issue(app).id
        other_id = drafted_for_issue(app).id
        rectify(failed["ordered"])
        fire(failed["ordered"], "office_approver", "pass", findings="整改到位")

    auth.login("office_approver")
    token = csrf_token(client, f"/items/{notice_id}")
    r = client.post(f"/items/{notice_id}/act", data={"csrf_token": token, "trigger": "issue", "version": 2})
    page = r.get_data(as_text=True)
    assert r.status_code == 409 and "data-facts-changed" in page
    assert all(line in page for line in CHANGES) and "按起草时的事实签发" in page and "退回起草人更新" in page
    confirm = re.search(r'name="confirm_facts" value="([0-9a-f]{64})"', page).group(1)
    assert state_of_notice(app, notice_id) == "review"

    r = client.post(f"/items/{notice_id}/act", data={"csrf_token": token, "trigger": "issue", "version": 2,
                                                     "confirm_facts": confirm})
    assert r.status_code == 302 and state_of_notice(app, notice_id) == "issued"

    # 退回起草人更新: the other draft goes back to its drafter with the changes as the reason
    page = client.post(f"/items/{other_id}/act", data={"csrf_token": token, "trigger": "issue",
                                                       "version": 2}).get_data(as_text=True)
    form = page[page.index("data-facts-changed"):]
    assert re.search(r'name="trigger" value="send_back"', form)
    reason = html.unescape(re.search(r'name="comment" value="([^"]*)"', form).group(1))
    r = client.post(f"/items/{other_id}/act", data={"csrf_token": token, "trigger": "send_back", "version": 2,
                                                    "comment": reason})
    assert r.status_code == 302 and state_of_notice(app, other_id) == "draft"
    with app.app_context():
        back = db.session.scalar(select(AuditEventRow).where(AuditEventRow.item_id == other_id,
                                                             AuditEventRow.trigger == "send_back"))
        assert back.comment.startswith("起草后事实已发生变化") and PASSED_LINE in back.comment


def state_of_notice(app: Flask, notice_id: int) -> str:
    with app.app_context():
        return db.session.get(Notice, notice_id).state


def test_the_api_answers_409_with_the_changes_until_confirmed(failed: dict[str, int], app: Flask, api: Api) -> None:
    notice_id = drafted_for_issue(app).id
    rectify(failed["ordered"])
    fire(failed["ordered"], "office_approver", "pass", findings="整改到位")

    r = api.fire(notice_id, "office_approver", "issue", 2)
    body = r.get_json()  # the error's usual three keys, and the changes at the top level too
    assert r.status_code == 409 and set(body) == {"error", "message", "details", "changes"}
    assert body["error"] == "facts_changed"
    assert body["changes"] == CHANGES == body["details"]["changes"]
    r = api.fire(notice_id, "office_approver", "issue", 2, confirm_facts=body["details"]["confirm_facts"])
    assert r.status_code == 200 and r.get_json()["state"] == "issued"


def test_a_notice_written_by_hand_is_not_checked(failed: dict[str, int], app: Flask, api: Api) -> None:
    r = api.post("/notices", "city_reviewer", json={
        "kind": "criticism", "title": "关于部分县区推进不力的通报", "addressees": "各县区人民政府",
        "body": "一、基本情况\n部分县区未按期报送。", "subject_units": ["huoqiu"]})
    notice_id = r.get_json()["id"]
    assert api.fire(notice_id, "city_reviewer", "submit", 1).status_code == 200
    rectify(failed["ordered"])
    assert api.fire(notice_id, "office_approver", "issue", 2).get_json()["state"] == "issued"
