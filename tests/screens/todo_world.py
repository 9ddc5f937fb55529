"""A world where each 待办 group has something for someone: a draft and a returned application for
霍邱's filer, two applications at county review (one overdue) for its reviewer, the one application
the city reviewer waits on, a reminded (催办) item, an extension request (延期申请) for the office and
an issued notice to sign for (待签收)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.auth.models import User
from app.dashboards.operations import send_reminder
from app.extension_requests.operations import request_extension
from app.extensions import db
from app.items.models import Item
from app.items.operations import fire_transition
from app.notices.operations import create_notice
from tests.conftest import TODAY
from tests.screens.support import actor, fire, make_application, set_due


def build_todo_world() -> dict[str, int]:
    ids = {
        "draft": make_application("huoqiu", site="张家店村"),
        "returned": make_application("huoqiu", "mobilization.county_review", site="宋店村"),
        "county_late": make_application("huoqiu", "mobilization.county_review", site="临水村"),
        "county_soon": make_application("huoqiu", "mobilization.county_review", site="冯井村"),
        "city": make_application("huoqiu", "mobilization.city_review", site="马店村"),
        "reminded": make_application("shucheng", "mobilization.county_review", site="晓天村"),
        "extended": make_application("shucheng", "mobilization.county_review", site="千人桥村"),
    }
    fire(ids["returned"], "send_back", "huoqiu_reviewer", comment="缺少村委会盖章的申报表，请补充。")
    set_due(ids["county_late"], date(2018, 6, 1))   # overdue on TODAY (2018-07-10)
    set_due(ids["county_soon"], date(2018, 7, 20))
    set_due(ids["reminded"], date(2018, 6, 20))
    send_reminder(db.session, ids["reminded"], actor("city_reviewer"), TODAY, "请尽快审核")
    db.session.commit()
    set_due(ids["extended"], date(2018, 7, 30))
    reviewer = db.session.scalar(select(User).where(User.username == "shucheng_reviewer"))
    request_extension(ids["extended"], reviewer, reviewer.actor(), date(2018, 8, 30), "需补充现场核查")
    db.session.commit()
    values = {"title": "关于农村电商进度的通报", "addressees": "各县区人民政府，市直有关部门", "body": "一、情况\n进展。",
              "subject_units": ["huoqiu"]}
    ids["notice"] = create_notice(actor("city_reviewer"), "criticism", values).id
    db.session.commit()
    fire_transition(ids["notice"], "submit", actor("city_reviewer"), version=1)
    fire_transition(ids["notice"], "issue", actor("office_approver"), version=2)
    db.session.commit()
    assert db.session.get(Item, ids["draft"]).state == "mobilization.draft"
    return ids
