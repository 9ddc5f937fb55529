"""Criticism and commendation drafts from the facts: the right units, items and days late, frozen at issue."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from app.clock import today
from app.extensions import db
from app.items.models import Item
from app.items.operations import fire_transition
from app.notices.drafting import annexes_for, cn_text
from app.notices.facts import commendation_facts, criticism_facts, draft_from_facts
from app.notices.models import Notice
from app.units.models import Unit
from tests.dashboards.journeys import application_to, fire, plan
from tests.factories import actor_of, add_evidence
from workflows.errors import GuardFailed, NotPermitted

HEADING = re.compile(r"^[一二三四五六七八九十]+、")
LATE = date(2018, 8, 10)  # mobilization (due 2018-07-31) is 10 days late
VILLAGE = "provincial_demo_village"


def unit_of(facts: dict, slug: str) -> dict:
    return next(u for u in facts["units"] if u["unit"] == slug)


def task_ids(slug: str) -> set[int]:
    return set(db.session.scalars(select(Item.id).join(Unit, Unit.id == Item.unit_id)
                                  .where(Item.type == "task", Unit.slug == slug)))


@pytest.fixture
def acceptances(ctx: Flask) -> dict[str, int]:
    """Applications through acceptance on 2018-07-10: ordered to rectify, rejected, passed first time,
    passed after a rectification."""
    ordered = application_to("huoqiu", VILLAGE, "acceptance.inspection", "大顾店村")
    fire(ordered, "office_approver", "order_rectification", "网点设施不达标", deadline="2018-07-20")
    rejected = application_to("shucheng", VILLAGE, "acceptance.inspection", "春秋乡")
    fire(rejected, "office_approver", "reject", "不符合认定标准")
    first = application_to("jinzhai", VILLAGE, "acceptance.inspection", "大湾村")
    fire(first, "office_approver", "pass", findings="现场核查属实")
    second = application_to("huoqiu", VILLAGE, "acceptance.inspection", "马店村")
    fire(second, "office_approver", "order_rectification", "台账不全", deadline="2018-07-25")
    add_evidence(second)
    fire(second, "huoqiu_filer", "submit", report="已补齐台账")
    fire(second, "huoqiu_reviewer", "endorse")
    fire(second, "office_approver", "pass", findings="整改到位")
    refused = application_to("jinan", VILLAGE, "acceptance.provincial_review", "东桥村")
    fire(refused, "office_approver", "record_provincial_decision", decision="rejected",
         document_number="皖商秘〔2018〕201号")
    return {"ordered": ordered, "rejected": rejected, "first": first, "second": second, "refused": refused}


def test_nothing_to_criticise_or_commend_is_refused_with_a_reason(ctx: Flask) -> None:
    with pytest.raises(GuardFailed) as err:
        draft_from_facts(actor_of("city_reviewer"), "criticism")
    assert err.value.reasons == ["目前没有逾期或验收未通过的单位，无需通报批评"]
    with pytest.raises(GuardFailed):
        draft_from_facts(actor_of("city_reviewer"), "commendation")
    with pytest.raises(NotPermitted):
        draft_from_facts(actor_of("huoqiu_filer"), "criticism")


def test_overdue_tasks_are_listed_per_unit_with_days_late(ctx: Flask) -> None:
    facts = criticism_facts(db.session, plan().id, LATE)
    assert facts["kind"] == "criticism" and facts["as_of"] == "2018-08-10"
    huoqiu = unit_of(facts, "huoqiu")
    assert {e["id"] for e in huoqiu["overdue_items"]} == task_ids("huoqiu") and len(huoqiu["overdue_items"]) == 14
    assert {(e["deadline"], e["days_late"], e["level"]) for e in huoqiu["overdue_items"]} == \
        {("2018-07-31", 10, "overdue")}
    assert huoqiu["failed_acceptances"] == [] and huoqiu["overdue_rectifications"] == []
    # every one of the 190 assignments is late, each under its own unit
    assert sum(len(u["overdue_items"]) for u in facts["units"]) == 190
    serious = criticism_facts(db.session, plan().id, date(2018, 9, 15), county="yeji")
    assert [u["unit"] for u in serious["units"]] == ["yeji"]
    assert {(e["days_late"], e["level"]) for e in serious["units"][0]["overdue_items"]} == \
        {(46, "seriously_overdue")}
    assert criticism_facts(db.session, plan().id, date(2018, 7, 31))["units"] == []  # due today is not late


def test_failed_acceptances_and_overdue_rectifications(acceptances: dict[str, int]) -> None:
    facts = criticism_facts(db.session, plan().id, LATE)
    huoqiu, shucheng = unit_of(facts, "huoqiu"), unit_of(facts, "shucheng")
    failed = {e["id"]: (e["outcome"], e["rectifications_ordered"], e["now"]) for e in huoqiu["failed_acceptances"]}
    # ordered to rectify and still rectifying: criticised with its ordered date; 马店村 failed, was
    # rectified and passed its re-inspection: no longer a failing, listed apart and not criticised
    assert failed == {acceptances["ordered"]: ("order_rectification", 1, "rectifying")}
    assert huoqiu["failed_acceptances"][0]["rectification_deadline"] == "2018-07-20"
    assert [(e["id"], e["unit"], e["now"]) for e in facts["rectified_passed"]] == \
        [(acceptances["second"], "huoqiu", "passed_after_rectification")]
    assert [(e["id"], e["deadline"], e["days_late"]) for e in huoqiu["overdue_rectifications"]] == \
        [(acceptances["ordered"], "2018-07-20", 21)]
    assert [(e["id"], e["outcome"], e["now"]) for e in shucheng["failed_acceptances"]] == \
        [(acceptances["rejected"], "rejected", "rejected")]
    assert "jinzhai" not in {u["unit"] for u in facts["units"] if u["failed_acceptances"]}
    # passed at inspection, then refused by the province: a failed acceptance, and no commendation
    assert [(e["id"], e["outcome"]) for e in unit_of(facts, "jinan")["failed_acceptances"]] == \
        [(acceptances["refused"], "provincial_rejected")]
    praised = commendation_facts(db.session, plan().id, LATE)
    assert acceptances["refused"] not in {e["id"] for u in praised["units"] for e in u["passed_first_time"]}
    only = criticism_facts(db.session, plan().id, LATE, county="shucheng")
    assert [u["unit"] for u in only["units"]] == ["shucheng"]


def test_commendation_counts_first_time_passes_only(acceptances: dict[str, int]) -> None:
    facts = commendation_facts(db.session, plan().id, LATE)
    passed = {u["unit"]: [e["id"] for e in u["passed_first_time"]] for u in facts["units"]}
    assert passed == {"jinzhai": [acceptances["first"]]}  # huoqiu's pass came after a rectification
    assert len(unit_of(facts, "jinzhai")["passed_first_time"][0]["passed_on"]) == 10  # an ISO date
    assert commendation_facts(db.session, plan().id, LATE, county="huoqiu")["units"] == []


def test_draft_names_the_units_and_issue_freezes_the_facts(acceptances: dict[str, int], app: Flask) -> None:
    app.config["PLANDESK_TODAY"] = LATE
    notice = draft_from_facts(actor_of("city_reviewer"), "criticism")
    db.session.commit()
    assert notice.title == "关于2018年农村电商工作推进不力单位的通报"
    assert notice.addressees == "各县区人民政府，市直有关部门"
    lines = notice.body.splitlines()
    # a short body that states the case; the detail goes into the attachment tables
    assert [line for line in lines if HEADING.match(line)] == ["一、基本情况", "二、存在的主要问题", "三、处理决定",
                                                               "四、整改要求"]
    assert lines[0].startswith("为推动《六安市农村电商全覆盖巩固提升行动实施方案》（六政办秘〔2018〕143号）")
    assert lines[0].endswith("现将有关情况通报如下。") and lines[-1] == "特此通报。"
    assert "经研究，决定对" in notice.body and "予以通报批评。" in notice.body
    # a written reply date, ten working days after the business date (2018-08-10 is a Friday)
    assert "于8月24日前将整改情况书面报送市电商工作领导小组办公室。" in notice.body
    assert "，" not in "".join(ch for ch in notice.body if ch == ",") and "," not in notice.body
    assert "…" not in notice.body and "期限2018" not in notice.body
    frozen_units = {u["unit"]: u for u in json.loads(notice.facts_json)["units"]}
    late_huoqiu = frozen_units["huoqiu"]["overdue_items"]
    sentence = f"霍邱县{len(late_huoqiu)}项事项逾期未完成，最长逾期{max(e['days_late'] for e in late_huoqiu)}天，" \
               "1项检查验收未通过、正在整改，1项整改超过限期，逾期21天"
    assert sentence in notice.body, notice.body
    assert "决定对上述" in notice.body or "霍邱县、舒城县" in notice.body
    assert notice.attachments_note.splitlines() == ["逾期未完成事项清单", "检查验收未通过事项清单", "整改逾期事项清单",
                                                    "未按方案进度完成目标任务情况表"]
    annexes = annexes_for("criticism", json.loads(notice.facts_json))
    assert [a["title"] for a in annexes] == notice.attachments_note.splitlines()
    late = annexes[0]["rows"]
    # one row per plan task with every unit late on it; the plan's date is named as the plan's
    assert annexes[0]["columns"][2] == "方案规定时限"
    # every unit late on a task is named in its row, those late by the same days together ("（均73天）")
    for row in late:
        assert re.fullmatch(r"[^（）；]+（(均)?\d+天）(；[^（）；]+（(均)?\d+天）)*", row[3]), row[3]
    assert sum(len(re.split(r"[、；]", re.sub(r"（均?\d+天）", "", row[3]))) for row in late) == \
        sum(len(u["overdue_items"]) for u in json.loads(notice.facts_json)["units"])
    # the plan task's full text (an assignment's own title is shortened with "…" for lists)
    tasks = {e["task_number"]: e["task_title"] for u in frozen_units.values() for e in u["overdue_items"]
             if e.get("task_number")}
    assert any(len(title) > 60 for title in tasks.values())
    assert {f"任务{n}：{cn_text(t)}" for n, t in tasks.items()} <= {row[1] for row in late}
    assert not any("…" in row[1] for row in late)
    rect = annexes[2]["rows"]
    assert [(row[3], row[4]) for row in rect] == [("2018年7月20日", "21")]
    behind = annexes[3]["rows"]
    assert any(row[4] == "0" and row[6] == "2018年7月31日" for row in behind)  # nothing filed: said so
    assert {"huoqiu", "shucheng", "commerce"} <= set(notice.subject_units)
    frozen = json.loads(notice.facts_json)
    assert frozen == criticism_facts(db.session, plan().id, today())

    fire_transition(notice.id, "submit", actor_of("city_reviewer"), version=1)
    fire_transition(notice.id, "issue", actor_of("office_approver"), version=2)
    db.session.commit()
    issued = db.session.get(Notice, notice.id)
    assert issued.state == "issued" and issued.facts_json == notice.facts_json
    assert issued.facts_sha256 == hashlib.sha256(issued.facts_json.encode("utf-8")).hexdigest()


def test_commendation_draft_for_one_county(acceptances: dict[str, int], app: Flask) -> None:
    notice = draft_from_facts(actor_of("office_approver"), "commendation", county="jinzhai")
    db.session.commit()
    assert notice.kind == "commendation" and notice.subject_units == ["jinzhai"]
    assert "金寨县" in notice.title and "一次性通过检查验收" in notice.body
    with pytest.raises(GuardFailed) as err:
        draft_from_facts(actor_of("office_approver"), "commendation", county="yeji")
    assert "该县区" in err.value.reasons[0]


def test_overdue_screen_button_drafts_and_opens_the_notice(app: Flask, client, auth) -> None:
    from tests.helpers import csrf_token

    app.config["PLANDESK_TODAY"] = LATE
    auth.login("city_reviewer")
    page = client.get("/dashboard/overdue").get_data(as_text=True)
    assert 'action="/notices/draft-from-facts"' in page and "据此生成通报批评草稿" in page
    token = csrf_token(client, "/dashboard/overdue")
    assert client.post("/notices/draft-from-facts", data={"kind": "criticism"}).status_code == 400  # no CSRF
    r = client.post("/notices/draft-from-facts", data={"kind": "criticism", "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"].startswith("/items/")
    notice_id = int(r.headers["Location"].rsplit("/", 1)[1])
    assert client.get(f"/items/{notice_id}").status_code == 200
    with app.app_context():
        assert db.session.get(Notice, notice_id).facts_json


def test_overdue_screen_button_refuses_county_users(app: Flask, client, auth) -> None:
    from tests.helpers import csrf_token

    app.config["PLANDESK_TODAY"] = LATE
    auth.login("huoqiu_filer")
    token = csrf_token(client, "/dashboard/overdue")
    assert client.post("/notices/draft-from-facts", data={"kind": "criticism", "csrf_token": token}).status_code == 403


def test_behind_the_plan_reads_as_a_clerk_would_write_it() -> None:
    from app.notices.facts import _behind

    entry = {"indicator_title": "省级电商示范村", "target": "4", "measure": "个", "deadline": "2018-07-31",
             "behind": "filed", "filed": "2", "achieved": "0"}
    assert _behind(entry) == "省级电商示范村：指标4个，至方案规定的2018年7月31日仅申报2个。"
    assert _behind({**entry, "filed": "0"}) == "省级电商示范村：指标4个，至方案规定的2018年7月31日尚未申报。"
    assert _behind({**entry, "behind": "achieved", "achieved": "3", "deadline": "2019-02-28"}) == \
        "省级电商示范村：指标4个，至方案规定的2019年2月28日仅完成3个。"
