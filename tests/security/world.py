"""The items both access matrices (screens and API) are checked against: an own and another county's
application with evidence, a county's and a department's task, a draft and an issued notice."""
from __future__ import annotations

from flask import Flask


def matrix_world(app: Flask) -> dict:
    """Ids of each target, its attachment ids, and the issued notice's verification code."""
    from sqlalchemy import select

    from app.extensions import db
    from app.items.models import Item
    from app.items.operations import fire_transition
    from app.notices.models import Notice
    from app.notices.operations import create_notice
    from app.units.models import Unit
    from tests.screens.support import actor, attach, make_application

    with app.app_context():
        ids = {"own_application": make_application("huoqiu", site="自家村"),
               "other_application": make_application("shucheng", site="保密村")}
        atts = {"own_application": attach(ids["own_application"], "huoqiu_filer"),
                "other_application": attach(ids["other_application"], "shucheng_filer")}
        for target, slug in (("own_task", "huoqiu"), ("dept_task", "commerce")):
            unit_id = db.session.scalar(select(Unit.id).where(Unit.slug == slug))
            ids[target] = db.session.scalar(select(Item.id).where(Item.type == "task", Item.unit_id == unit_id)
                                            .order_by(Item.id).limit(1))
            atts[target] = attach(ids[target], f"{slug}_filer", kind="plan")
        values = {"title": "关于进度的通报", "addressees": "各县区人民政府，市直有关部门", "body": "一、情况\n进展。",
                  "subject_units": ["huoqiu"]}
        for target in ("draft_notice", "issued_notice"):
            ids[target] = create_notice(actor("city_reviewer"), "criticism", values).id
            db.session.commit()
        fire_transition(ids["issued_notice"], "submit", actor("city_reviewer"), version=1)
        fire_transition(ids["issued_notice"], "issue", actor("office_approver"), version=2)
        db.session.commit()
        code = db.session.get(Notice, ids["issued_notice"]).verification_code
        db.session.remove()
    return {"ids": ids, "atts": atts, "code": code}
