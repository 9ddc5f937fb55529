"""Notice facts print the business dates events happened on (PlanDesk's "today" then), never the wall clock's."""
from __future__ import annotations

import json
from datetime import date

from flask import Flask

from app.extensions import db
from app.notices.drafting import annexes_for
from app.notices.facts import commendation_facts, criticism_facts, draft_from_facts
from tests.dashboards.journeys import application_to, fire, plan
from tests.factories import actor_of

PINNED = date(2018, 9, 15)


def test_a_failed_and_a_passed_acceptance_are_dated_by_the_pinned_day(ctx: Flask) -> None:
    ctx.config["PLANDESK_TODAY"] = PINNED
    rejected = application_to("shucheng", "provincial_demo_village", "acceptance.inspection", "春秋乡")
    fire(rejected, "office_approver", "reject", "不符合认定标准")
    passed = application_to("jinzhai", "provincial_demo_village", "acceptance.inspection", "大湾村")
    fire(passed, "office_approver", "pass", findings="现场核查属实")

    criticism = criticism_facts(db.session, plan().id, PINNED)
    failed = [e for u in criticism["units"] for e in u["failed_acceptances"]]
    assert [(e["id"], e["last_failed_on"]) for e in failed] == [(rejected, "2018-09-15")]
    praised = commendation_facts(db.session, plan().id, PINNED)
    assert [(e["id"], e["passed_on"]) for u in praised["units"] for e in u["passed_first_time"]] == \
        [(passed, "2018-09-15")]

    notice = draft_from_facts(actor_of("city_reviewer"), "criticism")
    db.session.commit()
    # the attachment table of failed acceptances prints the pinned day beside the item
    failed_rows = [row for annex in annexes_for("criticism", json.loads(notice.facts_json))
                   if annex["title"] == "检查验收未通过事项清单" for row in annex["rows"]]
    assert len(failed_rows) == 1 and "春秋乡" in failed_rows[0][2] and failed_rows[0][-1] == "2018年9月15日"
    # the wall clock's year (the audit instants') appears nowhere in what the notice prints or freezes
    wall_year = f"{db.session.get(type(notice), notice.id).created_at.year}年"
    assert wall_year != "2018年" and wall_year not in notice.body
    assert all(not e["last_failed_on"].startswith(wall_year[:4])
               for u in json.loads(notice.facts_json)["units"] for e in u["failed_acceptances"])
